r"""The one-hot problem: a lookup written as a matrix product, and what that costs.

A one-hot vector for id ``i`` out of ``V`` is a length-``V`` vector of zeros with a
single one at position ``i``. Multiplying it by a weight matrix ``W`` of shape
``(V, D)`` selects row ``i`` of ``W``; yet the matrix product still performs all
``V * D`` multiply-adds. Chapter 1 of the book measures that waste with the
functions below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch

from embedlab._checks import check_ids_in_range, check_index_dtype

Array = TypeVar("Array", np.ndarray, torch.Tensor)


def _check_sizes(**sizes: object) -> None:
    """Raise unless every keyword argument is an int of at least 1, naming the first that is not."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {value!r} of type {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


def one_hot(ids: Array, num_classes: int, dtype: np.dtype | torch.dtype | None = None) -> Array:
    r"""Turn integer ids into one-hot vectors.

    Unlike :func:`torch.nn.functional.one_hot`, this returns floats by default
    (ready to multiply with a weight matrix), accepts NumPy arrays as well as
    tensors, and never infers ``num_classes`` from the data.

    Args:
        ids (numpy.ndarray or torch.Tensor): integer ids, each in ``[0, num_classes)``.
        num_classes (int): the vocabulary size ``V``, at least 1.
        dtype (optional): dtype of the result, a NumPy dtype for arrays or a
            :class:`torch.dtype` for tensors. Default: float32.

    Shape:
        - Input: :math:`(*)`, any shape, including 0-d.
        - Output: :math:`(*, V)`, on the device of ``ids`` for tensors.

    Raises:
        TypeError: if ``ids`` is not an integer array or tensor, or ``num_classes``
            is not an int.
        ValueError: if ``num_classes < 1``, or an id lies outside ``[0, num_classes)``
            (an :class:`~embedlab.IdOutOfRangeError`, naming the first such id).

    Examples::

        >>> one_hot(np.array([2, 0]), 3)
        array([[0., 0., 1.],
               [1., 0., 0.]], dtype=float32)
        >>> one_hot(torch.tensor([[1], [2]]), 3).shape
        torch.Size([2, 1, 3])
    """
    _check_sizes(num_classes=num_classes)
    check_index_dtype(ids)
    check_ids_in_range(ids, num_classes, "num_classes")
    if isinstance(ids, torch.Tensor):
        out = torch.zeros(*ids.shape, num_classes, dtype=dtype or torch.float32, device=ids.device)
        return out.scatter_(-1, ids.long().unsqueeze(-1), 1)
    out = np.zeros(ids.shape + (num_classes,), dtype=dtype or np.float32)
    np.put_along_axis(out, ids[..., np.newaxis], 1, axis=-1)
    return out


def onehot_lookup(ids: Array, weight: Array) -> Array:
    r"""Look rows up the expensive way: ``one_hot(ids, V) @ weight``.

    The result equals ``weight[ids]``; the point of the book's first chapter is
    that it costs a full matrix product to get there.

    Args:
        ids (numpy.ndarray or torch.Tensor): integer ids in ``[0, V)``.
        weight (numpy.ndarray or torch.Tensor): the table, shape ``(V, D)``, of
            the same kind (array or tensor) as ``ids`` and, for tensors, on the
            same device.

    Shape:
        - Input: ``ids`` :math:`(*)`, ``weight`` :math:`(V, D)`.
        - Output: :math:`(*, D)`.

    Raises:
        TypeError: if ``ids`` and ``weight`` are not both arrays or both tensors.
        ValueError: if ``weight`` is not 2-D, or an id lies outside ``[0, V)``.

    Examples::

        >>> W = np.arange(6.0).reshape(3, 2)
        >>> onehot_lookup(np.array([2, 2, 0]), W)
        array([[4., 5.],
               [4., 5.],
               [0., 1.]])
    """
    if isinstance(ids, torch.Tensor) != isinstance(weight, torch.Tensor):
        raise TypeError(
            "ids and weight must both be numpy.ndarray or both be torch.Tensor, "
            f"got {type(ids).__name__} and {type(weight).__name__}"
        )
    if weight.ndim != 2:
        raise ValueError(f"weight must be 2-D (V, D), got shape {tuple(weight.shape)}")
    return one_hot(ids, weight.shape[0], dtype=weight.dtype) @ weight


@dataclass(frozen=True)
class Cost:
    """Work and memory of one way to look up ``B`` rows of a ``(V, D)`` table.

    Attributes:
        flops: floating-point operations (a multiply-add counts as 2).
        bytes_moved: bytes that must be read or written at least once.
        extra_memory: bytes allocated besides the table itself.
    """

    flops: int
    bytes_moved: int
    extra_memory: int


def onehot_cost(batch: int, vocab: int, dim: int, itemsize: int = 4) -> Cost:
    r"""Cost model of :func:`onehot_lookup` for ``batch`` ids, a ``(vocab, dim)`` table.

    The one-hot matrix has ``batch * vocab`` entries that must be written and then
    read; the product reads the whole table and performs ``batch * vocab * dim``
    multiply-adds.

    Args:
        batch (int): number of ids ``B``.
        vocab (int): rows of the table ``V``.
        dim (int): columns of the table ``D``.
        itemsize (int): bytes per float. Default: 4 (float32).

    Examples::

        >>> onehot_cost(batch=1, vocab=10, dim=3)
        Cost(flops=60, bytes_moved=212, extra_memory=52)
    """
    _check_sizes(batch=batch, vocab=vocab, dim=dim, itemsize=itemsize)
    onehot_bytes = batch * vocab * itemsize
    out_bytes = batch * dim * itemsize
    return Cost(
        flops=2 * batch * vocab * dim,
        bytes_moved=2 * onehot_bytes + vocab * dim * itemsize + out_bytes,
        extra_memory=onehot_bytes + out_bytes,
    )


def lookup_cost(batch: int, vocab: int, dim: int, itemsize: int = 4, index_itemsize: int = 8) -> Cost:
    r"""Cost model of a row lookup ``weight[ids]`` for ``batch`` ids, a ``(vocab, dim)`` table.

    No arithmetic: the ids are read, then ``batch`` rows are copied. Nothing grows
    with ``vocab``.

    Args:
        batch (int): number of ids ``B``.
        vocab (int): rows of the table ``V`` (checked, but the cost does not depend on it).
        dim (int): columns of the table ``D``.
        itemsize (int): bytes per float. Default: 4 (float32).
        index_itemsize (int): bytes per id. Default: 8 (int64).

    Examples::

        >>> lookup_cost(batch=1, vocab=10, dim=3)
        Cost(flops=0, bytes_moved=32, extra_memory=12)
    """
    _check_sizes(batch=batch, vocab=vocab, dim=dim, itemsize=itemsize, index_itemsize=index_itemsize)
    out_bytes = batch * dim * itemsize
    return Cost(flops=0, bytes_moved=batch * index_itemsize + 2 * out_bytes, extra_memory=out_bytes)
