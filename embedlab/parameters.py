"""What the options of an embedding table cost: the memory of its weight gradient.

The chapter on the gradient options of :class:`torch.nn.Embedding`
(``scale_grad_by_freq`` and ``sparse``) uses these to compare a dense gradient, which
holds a row for every id in the vocabulary, with a sparse one, which holds a row for
every id in the batch.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["gradient_bytes", "sparse_break_even", "tensor_bytes"]


def tensor_bytes(tensor: Tensor) -> int:
    """Bytes held by a dense (strided) or sparse COO tensor's data.

    For a dense tensor this is ``numel * element_size``; for a sparse COO tensor it
    is the bytes of its indices plus those of its values, whether or not it is
    coalesced. Overheads (the tensor objects, allocator rounding) are not counted.

    Args:
        tensor (torch.Tensor): a strided or ``torch.sparse_coo`` tensor.

    Returns:
        int: the number of bytes.

    Raises:
        TypeError: for other layouts (CSR, CSC, ...).

    Examples::

        >>> tensor_bytes(torch.zeros(1000, 64))
        256000
        >>> grad = torch.sparse_coo_tensor(
        ...     torch.tensor([[3, 7, 3]]), torch.ones(3, 64), (1000, 64), check_invariants=True
        ... )
        >>> tensor_bytes(grad)  # 3 int64 indices + 3 rows of 64 float32
        792
    """
    if tensor.layout == torch.strided:
        return tensor.numel() * tensor.element_size()
    if tensor.layout == torch.sparse_coo:
        indices, values = tensor._indices(), tensor._values()
        return indices.numel() * indices.element_size() + values.numel() * values.element_size()
    raise TypeError(f"tensor_bytes supports strided and sparse_coo tensors, got layout {tensor.layout}")


def gradient_bytes(
    num_embeddings: int,
    embedding_dim: int,
    num_ids: int,
    sparse: bool = False,
    itemsize: int = 4,
    index_itemsize: int = 8,
) -> int:
    r"""Bytes of an embedding table's weight gradient after one backward pass.

    A dense gradient has the table's shape, :math:`V \times D` numbers, however few
    ids were looked up. The sparse gradient PyTorch produces is uncoalesced: one
    index and one row of :math:`D` numbers per looked-up id, repeats included, so its
    size depends on the batch and not on :math:`V`.

    Args:
        num_embeddings (int): the vocabulary size :math:`V`.
        embedding_dim (int): the row length :math:`D`.
        num_ids (int): ids looked up in the batch, repeats included and padding
            positions excluded (the sparse gradient leaves those out).
        sparse (bool): model the sparse COO gradient instead of the dense one.
            Default: ``False``.
        itemsize (int): bytes per number of the weight (4 for float32). Default: ``4``.
        index_itemsize (int): bytes per index (8: PyTorch stores them as int64).
            Default: ``8``.

    Returns:
        int: the number of bytes, as :func:`tensor_bytes` counts them.

    Raises:
        ValueError: if a size is negative.

    Examples::

        >>> gradient_bytes(1_000_000, 64, 4096)          # dense: V * D * 4
        256000000
        >>> gradient_bytes(1_000_000, 64, 4096, sparse=True)  # 4096 * (8 + 64 * 4)
        1081344
    """
    for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim), ("num_ids", num_ids)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")
    if sparse:
        return num_ids * (index_itemsize + embedding_dim * itemsize)
    return num_embeddings * embedding_dim * itemsize


def sparse_break_even(embedding_dim: int, num_ids: int, itemsize: int = 4, index_itemsize: int = 8) -> int:
    r"""The smallest vocabulary size for which the sparse gradient is smaller than the dense one.

    Solves :math:`V D s > B (s_i + D s)` for the smallest integer :math:`V`, where
    :math:`s` and :math:`s_i` are the sizes of a number and of an index.

    Args:
        embedding_dim (int): the row length :math:`D` (positive).
        num_ids (int): ids looked up per batch, :math:`B`.
        itemsize (int): bytes per number. Default: ``4``.
        index_itemsize (int): bytes per index. Default: ``8``.

    Returns:
        int: the smallest :math:`V` with ``gradient_bytes(V, ..., sparse=True) <
        gradient_bytes(V, ...)``.

    Examples::

        >>> v = sparse_break_even(64, 4096)
        >>> v
        4225
        >>> gradient_bytes(v, 64, 4096, sparse=True) < gradient_bytes(v, 64, 4096)
        True
        >>> gradient_bytes(v - 1, 64, 4096, sparse=True) < gradient_bytes(v - 1, 64, 4096)
        False
    """
    if embedding_dim <= 0:
        raise ValueError(f"embedding_dim must be positive, got {embedding_dim}")
    sparse = gradient_bytes(0, embedding_dim, num_ids, sparse=True, itemsize=itemsize, index_itemsize=index_itemsize)
    row = embedding_dim * itemsize
    # Integer arithmetic: the smallest V with V * row > sparse.
    return sparse // row + 1
