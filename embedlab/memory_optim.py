"""What training an embedding table costs in memory: the weight, its gradient, and the optimizer's state.

The chapter *Bigger tables* uses these. The optimizer state is measured, not
assumed: :func:`state_tables` takes one step with the real optimizer on a small
table and counts the tensors of the weight's shape it keeps.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from embedlab.memory import table_bytes
from embedlab.parameters import gradient_bytes

__all__ = [
    "OPTIMIZERS",
    "TrainingMemory",
    "gradient_kind",
    "state_tables",
    "training_memory",
]

#: The optimizers compared, by name, with the gradient each one takes.
OPTIMIZERS: dict[str, dict] = {
    "SGD": {"cls": torch.optim.SGD, "kwargs": {"lr": 0.1}, "sparse": False},
    "SGD, momentum": {
        "cls": torch.optim.SGD,
        "kwargs": {"lr": 0.1, "momentum": 0.9},
        "sparse": False,
    },
    "Adagrad": {"cls": torch.optim.Adagrad, "kwargs": {"lr": 0.1}, "sparse": False},
    "Adam": {"cls": torch.optim.Adam, "kwargs": {"lr": 0.1}, "sparse": False},
    "sparse SGD": {"cls": torch.optim.SGD, "kwargs": {"lr": 0.1}, "sparse": True},
    "sparse Adagrad": {
        "cls": torch.optim.Adagrad,
        "kwargs": {"lr": 0.1},
        "sparse": True,
    },
    "SparseAdam": {
        "cls": torch.optim.SparseAdam,
        "kwargs": {"lr": 0.1},
        "sparse": True,
    },
}


class TrainingMemory(NamedTuple):
    """Bytes of the weight, of its gradient and of the optimizer's state, and their sum."""

    weight: int
    gradient: int
    state: int

    @property
    def total(self) -> int:
        return self.weight + self.gradient + self.state


def gradient_kind(optimizer: str) -> str:
    """``"sparse"`` if the optimizer of :data:`OPTIMIZERS` takes a sparse gradient, else ``"dense"``.

    Examples::

        >>> [gradient_kind(name) for name in ("SGD", "sparse SGD", "SparseAdam")]
        ['dense', 'sparse', 'sparse']
    """
    return "sparse" if OPTIMIZERS[optimizer]["sparse"] else "dense"


def state_tables(optimizer: str) -> int:
    """How many tensors of the weight's shape the optimizer keeps, measured after one step.

    Scalars such as Adam's step count are not counted.

    Args:
        optimizer (str): a key of :data:`OPTIMIZERS`.

    Examples::

        >>> [state_tables(name) for name in ("SGD", "SGD, momentum", "Adagrad", "Adam", "SparseAdam")]
        [0, 1, 1, 2, 2]
    """
    spec = OPTIMIZERS[optimizer]
    table = torch.nn.Embedding(8, 4, sparse=spec["sparse"])
    opt = spec["cls"](table.parameters(), **spec["kwargs"])
    table(torch.tensor([1, 5, 5])).sum().backward()
    # Opting out explicitly silences the warning sparse Adagrad gives when the choice is left implicit.
    with torch.sparse.check_sparse_tensor_invariants(enable=False):
        opt.step()
    state = opt.state.get(table.weight, {})
    return sum(
        1
        for value in state.values()
        if isinstance(value, torch.Tensor) and value.shape == table.weight.shape
    )


def training_memory(
    num_embeddings: int,
    embedding_dim: int,
    optimizer: str,
    num_ids: int = 0,
    dtype: torch.dtype = torch.float32,
) -> TrainingMemory:
    r"""The memory of training one table with ``optimizer``: weight, gradient and state, in bytes.

    The weight is :func:`~embedlab.memory.table_bytes`; a dense gradient is another
    table, a sparse one holds a row per looked-up id (:func:`~embedlab.parameters.gradient_bytes`);
    the state is :func:`state_tables` tables. Every state tensor is as large as the
    whole table, even for the sparse optimizers, which update only some of its rows.

    Args:
        num_embeddings (int): rows :math:`V`.
        embedding_dim (int): row length :math:`D`.
        optimizer (str): a key of :data:`OPTIMIZERS`.
        num_ids (int): ids per batch, for a sparse gradient. Default: ``0``.
        dtype (torch.dtype): the table's dtype. Default: ``torch.float32``.

    Examples::

        >>> training_memory(1000, 10, "Adam")
        TrainingMemory(weight=40000, gradient=40000, state=80000)
        >>> training_memory(1000, 10, "SparseAdam", num_ids=5)  # 5 * (8 + 10 * 4) bytes of gradient
        TrainingMemory(weight=40000, gradient=240, state=80000)
    """
    weight = table_bytes(num_embeddings, embedding_dim, dtype)
    itemsize = torch.empty((), dtype=dtype).element_size()
    sparse = OPTIMIZERS[optimizer]["sparse"]
    gradient = gradient_bytes(
        num_embeddings, embedding_dim, num_ids, sparse=sparse, itemsize=itemsize
    )
    return TrainingMemory(weight, gradient, state_tables(optimizer) * weight)
