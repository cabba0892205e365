"""Counting the bytes a rank sends to other ranks, from the collectives it calls.

:class:`SentBytes` watches every operator PyTorch dispatches (a
``TorchDispatchMode`` (``torch.utils._python_dispatch``)) and adds, for each
collective, the bytes that leave this rank under the usual algorithms: an all-to-all
sends each peer its piece directly; all-gather and reduce-scatter run as a ring, in
which a rank sends :math:`N - 1` pieces of :math:`1/N` of the full buffer; an
all-reduce is a reduce-scatter followed by an all-gather. It sees
:mod:`torch.distributed`'s calls and the functional collectives DTensor issues alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from embedlab.distributed.placement import Placement

__all__ = ["SentBytes", "lookup_traffic"]


# Operators of the collective namespaces that move no data.
_NOT_COLLECTIVES = (
    "_c10d_functional.wait_tensor",
    "_c10d_functional._wrap_tensor_autograd",
)


def _nbytes(tensor: torch.Tensor) -> int:
    return tensor.numel() * tensor.element_size()


def _all_to_all(rank: int, world: int, tensor: torch.Tensor, splits: list[int]) -> int:
    rows = tensor.shape[0] if tensor.dim() else 1
    row_bytes = _nbytes(tensor) // max(rows, 1)
    splits = list(splits) or [rows // world] * world
    return row_bytes * (sum(splits) - splits[rank])


def _sent(name: str, args: tuple, rank: int, world: int) -> int | None:
    """Bytes a collective sends from ``rank``; ``None`` for an operator not modelled."""
    ring = world - 1
    if name == "c10d.alltoall_base_":
        # (output, input, process_group, output_split_sizes, input_split_sizes, ...)
        return _all_to_all(rank, world, args[1], args[4])
    if name == "_c10d_functional.all_to_all_single":
        return _all_to_all(rank, world, args[0], args[2])
    if name == "c10d.allgather_":
        return ring * sum(_nbytes(t) for t in args[1])
    if name == "_c10d_functional.all_gather_into_tensor":
        return ring * _nbytes(args[0])
    if name == "_c10d_functional.reduce_scatter_tensor":
        return ring * _nbytes(args[0]) // world
    if name in ("_c10d_functional.all_reduce", "c10d.allreduce_"):
        tensors = args[0] if isinstance(args[0], (list, tuple)) else [args[0]]
        return 2 * ring * sum(_nbytes(t) for t in tensors) // world
    if name == "c10d.barrier":
        return 0
    return None


class _Watch(TorchDispatchMode):
    """Sees every operator dispatched; hands the collectives to a :class:`SentBytes`."""

    def __init__(self, counter: SentBytes) -> None:
        super().__init__()
        self.counter = counter

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        # Imported here: DTensor's module takes 0.7 s to import, and every chapter
        # imports embedlab; a program that has DTensors has imported it already.
        from torch.distributed.tensor import DTensor

        if any(issubclass(t, DTensor) for t in types):
            # DTensor turns its operators into plain collectives first; count those.
            return NotImplemented
        name = str(getattr(func, "overloadpacket", func))
        if name.split(".")[0] in ("c10d", "_c10d_functional"):
            self.counter.add(name, args)
        return func(*args, **(kwargs or {}))


class SentBytes:
    """Within ``with SentBytes(rank, world_size) as sent:``, count the bytes this rank sends.

    Args:
        rank (int): this rank.
        world_size (int): ranks of the group the collectives run on.

    Attributes:
        by_op (dict): bytes per collective, by operator name.
        uncounted (set): names of the collectives seen but not modelled; empty in a
            trustworthy count.

    Examples::

        >>> with SentBytes(0, 1) as sent:  # no collective: nothing sent
        ...     _ = torch.ones(3) * 2
        >>> sent.total, dict(sent.by_op), sent.uncounted
        (0, {}, set())
    """

    def __init__(self, rank: int, world_size: int) -> None:
        self.rank, self.world_size = rank, world_size
        self.by_op: Counter[str] = Counter()
        self.uncounted: set[str] = set()
        self._watch = _Watch(self)

    @property
    def total(self) -> int:
        """All bytes counted so far."""
        return sum(self.by_op.values())

    def add(self, name: str, args: tuple) -> None:
        """Count one call of the collective ``name`` with the arguments ``args``."""
        sent = _sent(name, args, self.rank, self.world_size)
        if sent is not None:
            self.by_op[name] += sent
        elif name not in _NOT_COLLECTIVES:
            self.uncounted.add(name)

    def __enter__(self) -> SentBytes:
        self._watch.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._watch.__exit__(*exc)


def lookup_traffic(
    ids_per_rank: Sequence[torch.Tensor],
    placement: Placement,
    embedding_dim: int,
    dedupe: bool = True,
    itemsize: int = 4,
) -> list[int]:
    """Bytes each rank sends to the others in one forward and backward of a sharded lookup.

    Counted without starting a process, for :class:`~embedlab.distributed.ShardedEmbedding`
    with the all-to-all exchange: the all-gather of the counts (:math:`N + 1` int64
    per rank), the int64 ids a rank asks other ranks for, the rows it serves to
    them, and the gradient rows it sends back in the backward.

    Args:
        ids_per_rank (list of torch.Tensor): each rank's ids.
        placement (embedlab.distributed.Placement): where the rows live.
        embedding_dim (int): :math:`D`.
        dedupe (bool): whether each distinct id travels once. Default: ``True``.
        itemsize (int): bytes per number of a row. Default: ``4`` (float32).

    Examples::

        >>> from embedlab.distributed.placement import Placement
        >>> ids = [torch.tensor([0, 3, 3]), torch.tensor([1])]  # rows 0-1 on rank 0
        >>> lookup_traffic(ids, Placement(4, 2), 2, dedupe=False)
        [64, 56]
        >>> lookup_traffic(ids, Placement(4, 2), 2)  # id 3 travels once
        [48, 48]
    """
    world = placement.world_size
    wanted = [torch.unique(i) if dedupe else i.reshape(-1) for i in ids_per_rank]
    owners = [placement.owner(w) for w in wanted]
    row = embedding_dim * itemsize
    sent = []
    for rank in range(world):
        asked = int((owners[rank] != rank).sum())
        served = sum(int((o == rank).sum()) for s, o in enumerate(owners) if s != rank)
        sent.append((world - 1) * (world + 1) * 8 + asked * (8 + row) + served * row)
    return sent
