"""DistributedDataParallel for the dense part of a model, sharded tables left alone.

:class:`~torch.nn.parallel.DistributedDataParallel` (DDP) assumes every rank holds
the same parameters: it broadcasts rank 0's at construction and averages every
gradient over ranks. Both are wrong for a shard, which holds different rows on each
rank and already receives its rows' gradients from every rank. DDP's way to skip
parameters is the list of names in the module attribute
``_ddp_params_and_buffers_to_ignore``, set by
``DistributedDataParallel._set_params_and_buffers_to_ignore_for_model``;
:func:`~embedlab.distributed.data_parallel` fills it with
:func:`~embedlab.distributed.sharded_names`.

DDP *averages* the dense gradients over the :math:`N` ranks, so that with each rank's
loss the mean over its batch, they are the gradients of the mean over the global
batch. A table built with ``grad_reduction="mean"`` divides its gradient rows by
:math:`N` before they travel, so the table's gradient is on the same scale; with
``"sum"`` it would be :math:`N` times larger, as if the learning rate were.
"""

from __future__ import annotations

from torch import nn
from torch.nn.parallel import DistributedDataParallel

from embedlab.distributed.sharded import ShardedEmbedding

__all__ = ["data_parallel", "sharded_names"]


def _tables(model: nn.Module) -> list[tuple[str, ShardedEmbedding]]:
    return [(n, m) for n, m in model.named_modules() if isinstance(m, ShardedEmbedding)]


def sharded_names(model: nn.Module) -> list[str]:
    """The fully qualified names of the parameters and buffers of every :class:`ShardedEmbedding` in ``model``.

    The names DDP expects in ``_ddp_params_and_buffers_to_ignore``.

    Examples::

        >>> sharded_names(nn.Sequential(nn.Linear(2, 2)))
        []
    """
    names = []
    for prefix, table in _tables(model):
        dot = f"{prefix}." if prefix else ""
        names += [dot + n for n, _ in table.named_parameters()]
        names += [dot + n for n, _ in table.named_buffers()]
    return names


def data_parallel(model: nn.Module, **kwargs) -> DistributedDataParallel:
    """Wrap ``model`` in DDP, which then synchronises everything but its sharded tables.

    Args:
        model (torch.nn.Module): the model, on this rank's device.
        **kwargs: passed to :class:`~torch.nn.parallel.DistributedDataParallel`
            (``device_ids=[local_rank]`` on CUDA).

    Returns:
        torch.nn.parallel.DistributedDataParallel: the wrapped model.

    Raises:
        ValueError: if a table sums its gradient over ranks while DDP averages
            (``grad_reduction="sum"``), naming the table.
    """
    summed = [
        name or "(the model)"
        for name, t in _tables(model)
        if t.grad_reduction != "mean"
    ]
    if summed:
        raise ValueError(
            f"ShardedEmbedding {', '.join(map(repr, summed))} sums its gradient over "
            "ranks while DDP averages the dense gradients; build it with "
            "grad_reduction='mean' so that both are gradients of the mean loss"
        )
    DistributedDataParallel._set_params_and_buffers_to_ignore_for_model(
        model, sharded_names(model)
    )
    return DistributedDataParallel(model, **kwargs)
