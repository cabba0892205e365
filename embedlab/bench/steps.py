"""Whole training steps: dense Adam against SparseAdam, as the vocabulary grows.

A forward and backward pass is not what training pays for. One step is
``zero_grad``, the forward pass, the backward pass and the optimizer's ``step``, and
the optimizer's share differs most between the two ways of training a table:

- **dense** (:class:`torch.nn.Embedding` with :class:`torch.optim.Adam`): the gradient
  has the table's shape, and Adam updates every entry of the table and of its two
  moment estimates at every step, ``V * D`` numbers three times over, whatever the
  batch;
- **sparse** (``sparse=True`` with :class:`torch.optim.SparseAdam`): the gradient holds
  one row per position of the batch; SparseAdam coalesces it (sorts the ids and sums
  the rows of repeated ones) and updates only the rows it names.

The dense step grows with ``V``, the sparse one with ``B``; which is faster depends on
both, which is what :func:`time_training_steps` measures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from embedlab.bench.timing import Timing, time_side_by_side

__all__ = ["OPTIMIZERS", "make_step", "time_training_steps"]

#: The two ways of training a table, by name, each as ``(sparse gradient, optimizer class)``.
OPTIMIZERS: dict[str, tuple[bool, type[torch.optim.Optimizer]]] = {
    "dense Adam": (False, torch.optim.Adam),
    "SparseAdam": (True, torch.optim.SparseAdam),
}


def make_step(
    weight: torch.Tensor, ids: torch.Tensor, name: str, lr: float = 1e-3
) -> tuple[torch.nn.Embedding, Callable[[], None]]:
    """A table initialised from ``weight``, and one training step of it as a callable.

    Args:
        weight (torch.Tensor): the initial table, shape ``(V, D)``; it is copied.
        ids (torch.Tensor): the batch of ids every step looks up, on ``weight``'s
            device.
        name (str): a key of :data:`OPTIMIZERS`.
        lr (float): the learning rate. Default: ``1e-3``.

    Returns:
        ``(table, step)``: the :class:`torch.nn.Embedding` being trained, and a
        zero-argument callable that runs ``zero_grad``, the forward pass, the backward
        pass of ``out.square().mean()`` and the optimizer's ``step``.

    Raises:
        KeyError: if ``name`` is not a key of :data:`OPTIMIZERS`.

    Examples::

        >>> table, step = make_step(torch.ones(5, 2), torch.tensor([1, 3]), "SparseAdam")
        >>> step()
        >>> (table.weight[:, 0] < 1).tolist()
        [False, True, False, True, False]
    """
    if name not in OPTIMIZERS:
        raise KeyError(
            f"unknown optimizer {name!r}: expected one of {sorted(OPTIMIZERS)}"
        )
    sparse, optimizer_class = OPTIMIZERS[name]
    table = torch.nn.Embedding.from_pretrained(
        weight.clone(), freeze=False, sparse=sparse
    )
    optimizer = optimizer_class(list(table.parameters()), lr=lr)

    def step() -> None:
        optimizer.zero_grad()
        table(ids).square().mean().backward()
        optimizer.step()

    return table, step


def time_training_steps(
    vocab_sizes: Sequence[int],
    batch: int,
    dim: int,
    device: torch.device | str = "cpu",
    threads: int = 1,
    repeats: int = 5,
    block_time: float = 0.02,
    seed: int = 0,
) -> dict[int, dict[str, Timing]]:
    """Time whole training steps with each of :data:`OPTIMIZERS`, side by side, per ``V``.

    For each vocabulary size, one table and one batch of ``batch`` ids, drawn on the
    CPU with a seeded generator and moved to ``device``, are shared by both ways; the
    steps are timed in interleaved blocks
    (:func:`~embedlab.bench.timing.time_side_by_side`).

    Args:
        vocab_sizes (list of int): the sizes ``V`` to measure.
        batch (int): ids per step, ``B``.
        dim (int): the embedding dimension ``D``.
        device: where the tables live. Default: the CPU.
        threads (int): intra-op threads PyTorch may use. Default: 1.
        repeats (int): blocks per way and size. Default: 5.
        block_time (float): seconds a block should last. Default: 0.02.
        seed (int): seed of the table and the ids. Default: 0.

    Returns:
        dict: ``{V: {name: Timing}}``, with seconds per step.

    Examples::

        >>> timings = time_training_steps([50], batch=8, dim=4, repeats=3,
        ...                               block_time=0.001)
        >>> sorted(timings[50]), timings[50]["SparseAdam"].median > 0
        (['SparseAdam', 'dense Adam'], True)
    """
    generator = torch.Generator().manual_seed(seed)
    timings = {}
    for vocab in vocab_sizes:
        weight = torch.randn(vocab, dim, generator=generator).to(device)
        ids = torch.randint(0, vocab, (batch,), generator=generator).to(device)
        steps = {name: make_step(weight, ids, name)[1] for name in OPTIMIZERS}
        timings[vocab] = time_side_by_side(steps, threads, repeats, block_time)
        del weight, steps
    return timings
