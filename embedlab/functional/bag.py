"""Bags of embeddings: a row gather followed by a segment reduction (sum, mean or max).

:func:`~embedlab.functional.embedding_bag` is a drop-in replacement for
:func:`torch.nn.functional.embedding_bag` that never calls PyTorch's embedding-bag
kernels. It is built from the pieces of
:mod:`embedlab.functional.lookup`: the rows are gathered by
:func:`embedlab.functional.embedding`
(so the gradient of the table is the same scatter-add, dense or sparse), and each bag is
then reduced with :meth:`torch.Tensor.index_add` (sum, mean) or
:meth:`torch.Tensor.scatter_reduce` (max).
"""

from __future__ import annotations

import torch
from torch import Tensor

from embedlab._checks import (
    BagIdOutOfRangeError,
    DtypeMismatchError,
    check_ids_in_range,
    check_index_dtype,
)
from embedlab.functional.lookup import (
    _check_weight,
    _renorm_,
    check_max_norm,
    embedding,
    inspectable,
    normalize_padding_idx,
)

__all__ = ["MODES", "BadOffsetsError", "embedding_bag"]

_INDEX_DTYPES = (torch.int64, torch.int32)

# PyTorch's words for an out-of-range id, kept in ours; its CPU kernel words it one
# way without a padding_idx and another way with one.
_TORCH_RANGE_PHRASE = (
    "Index {flat} of input takes value {value} which is not in the valid range "
    "[0, {upper})"
)
_TORCH_PADDED_PHRASE = (
    "embedding_bag: Expected idx >= 0 && idx < num_embeddings "
    "but found idx to be {value}"
)

#: The reductions a bag may use.
MODES = ("sum", "mean", "max")


class BadOffsetsError(ValueError, RuntimeError):
    """``offsets`` do not describe bags of ``input``.

    A :class:`ValueError` (a bad argument value) and a :class:`RuntimeError` (what
    PyTorch raises for the same offsets), so callers may catch either.
    """


def _check_offsets(offsets: Tensor, num_ids: int, include_last_offset: bool) -> None:
    check_index_dtype(offsets, allowed=_INDEX_DTYPES, name="offsets")
    if offsets.dim() != 1:
        raise ValueError(
            f"offsets has to be a 1D Tensor, got {offsets.dim()}-D with shape "
            f"{tuple(offsets.shape)}"
        )
    if include_last_offset and offsets.numel() == 0:
        raise BadOffsetsError(
            "include_last_offset=True needs at least one offset (the end of the last "
            "bag), got none "
            "(include_last_offset: number of offset should be at least 1)"
        )
    if offsets.numel() == 0 or not inspectable(offsets):
        return
    first = int(offsets[0])
    if first != 0:
        raise BadOffsetsError(
            f"offsets[0] = {first}: the first bag must start at position 0 "
            f"(offsets[0] has to be 0)"
        )
    falls = offsets[1:] < offsets[:-1]
    if bool(falls.any()):
        i = int(falls.nonzero()[0, 0]) + 1
        raise BadOffsetsError(
            f"offsets must be non-decreasing, but offsets[{i}] = {int(offsets[i])} < "
            f"offsets[{i - 1}] = {int(offsets[i - 1])}"
        )
    last = int(offsets[-1])
    if last > num_ids:
        raise BadOffsetsError(
            f"offsets[{offsets.numel() - 1}] = {last} is past the end of input, which "
            f"holds {num_ids} ids (offsets[-1] can not be greater than input's length)"
        )


def _bags_of_positions(
    input: Tensor, offsets: Tensor | None, include_last_offset: bool
) -> tuple[Tensor, Tensor, int]:
    """Return the flat ids, the bag of each, and the number of bags ``B``.

    Ids in no bag (after the last offset with ``include_last_offset``) are put in an
    extra bag ``B`` that the caller drops: every shape then follows from the inputs'
    shapes, never from their values, as :func:`torch.compile` and meta tensors need.
    """
    if input.dim() == 2:
        num_bags, length = input.shape
        bag_of = torch.arange(num_bags, device=input.device).repeat_interleave(length)
        return input.reshape(-1), bag_of, num_bags
    assert offsets is not None
    offsets = offsets.long()
    starts = offsets[:-1] if include_last_offset else offsets
    num_bags = starts.numel()
    if include_last_offset and inspectable(offsets):
        # Where values may be read, ids in no bag are dropped outright: they then
        # count for nothing with scale_grad_by_freq and leave no sparse entries.
        input = input[: int(offsets[-1])]
    positions = torch.arange(input.numel(), device=input.device)
    if num_bags == 0:
        return input, torch.zeros_like(positions), 0
    # offsets[0] == 0, so every position has a bag: the last start at or before it.
    bag_of = torch.searchsorted(starts, positions, right=True) - 1
    if include_last_offset:
        bag_of = torch.where(positions < offsets[-1], bag_of, num_bags)
    return input, bag_of, num_bags


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
    check_ids: bool = True,
) -> Tensor:
    r"""Reduce bags of rows of ``weight`` to one vector per bag, by sum, mean or max.

    The same function as :func:`torch.nn.functional.embedding_bag`, built from a row
    gather (:func:`embedlab.functional.embedding`) and a segment reduction, with
    clearer errors for bad arguments.

    Bags are given either as a 2-D ``input`` of shape ``(B, L)`` (bag ``b`` is row
    ``b``) or as a 1-D ``input`` with ``offsets``, the start of each bag: bag ``b``
    is ``input[offsets[b]:offsets[b + 1]]`` and the last bag runs to the end of
    ``input``, or, with ``include_last_offset=True``, to ``offsets[-1]``.

    Args:
        input (torch.Tensor): ids, int64 or int32, 1-D (with ``offsets``) or 2-D.
        weight (torch.Tensor): the table, of shape ``(num_embeddings, embedding_dim)``.
        offsets (torch.Tensor, optional): int64 or int32, 1-D, starting at 0,
            non-decreasing and at most ``len(input)``; only with a 1-D ``input``.
        max_norm (float, optional): renorm every row looked up (padding included) to
            at most this ``norm_type``-norm, in place, before the lookup. Default: ``None``.
        norm_type (float): the ``p`` of the p-norm for ``max_norm``. Default: ``2``.
        scale_grad_by_freq (bool): divide each row's gradient by the number of times
            its id occurs in the bags (not in ``"max"`` mode). Default: ``False``.
        mode (str): ``"sum"``, ``"mean"`` or ``"max"`` (element-wise, over the rows
            of the bag). Default: ``"mean"``.
        sparse (bool): make the gradient of ``weight`` a sparse COO tensor, one entry
            per id in a bag (not in ``"max"`` mode). Default: ``False``.
        per_sample_weights (torch.Tensor, optional): a weight for each id, of
            ``input``'s shape and ``weight``'s dtype, multiplied into its row before the
            sum; only with ``mode="sum"``. It gets a gradient too.
        include_last_offset (bool): ``offsets`` has one more entry, the end of the
            last bag. Default: ``False``.
        padding_idx (int, optional): ids equal to it are left out of their bag: they
            add nothing, do not count towards the mean, and get no gradient. A negative
            value counts from the end. Default: ``None``.
        check_ids (bool): on an id outside ``[0, num_embeddings)``, raise
            :class:`~embedlab.IdOutOfRangeError` naming it and its position; PyTorch's
            own message does neither. Default: ``True``.

    Shape:
        - Output: :math:`(B, D)`, where :math:`B` is the number of bags. An empty bag
          (all padding, or no ids) gives a row of zeros, in every mode.

    Raises:
        TypeError: if ``input`` or ``offsets`` are not tensors.
        embedlab.IndexDtypeError: if ``input`` or ``offsets`` are not int64 or int32
            (also a :class:`RuntimeError`, as in PyTorch).
        embedlab.DtypeMismatchError: if ``per_sample_weights`` has another dtype than
            ``weight`` (also a :class:`RuntimeError`).
        embedlab.WeightShapeError: if ``weight`` is not 2-D (also a
            :class:`ValueError`).
        embedlab.PaddingIdxError: for a bad ``padding_idx`` (also a
            :class:`RuntimeError`).
        ValueError: for a bad ``mode``, a 2-D ``input`` with ``offsets``, a 1-D one
            without, ``per_sample_weights`` of the wrong shape, ``sparse`` or
            ``scale_grad_by_freq`` with ``mode="max"``, or a non-positive ``max_norm``.
        BadOffsetsError: if ``offsets`` do not start at 0, decrease, or run past the end
            of ``input`` (a :class:`ValueError` and a :class:`RuntimeError`).
        NotImplementedError: ``per_sample_weights`` with a mode other than ``"sum"``,
            as in PyTorch.
        embedlab.BagIdOutOfRangeError: if an id is outside ``[0, num_embeddings)``
            (an :class:`~embedlab.IdOutOfRangeError` and a :class:`RuntimeError`).

    Differences from PyTorch 2.13 (each shown by a test): ``scale_grad_by_freq``
    divides by the true count of each id, where PyTorch's CPU kernel may divide by
    the count of another id (pytorch/pytorch#190063); ids after the last offset with
    ``include_last_offset=True`` belong to no bag in every mode and get a zero
    gradient, where PyTorch's CPU kernel is not consistent with itself: it adds them
    to the last bag in ``"max"`` mode and, with a ``padding_idx``, in every mode,
    counts them in ``"mean"``'s divisor otherwise (pytorch/pytorch#89677), and writes
    uninitialised values into their gradient; a 2-D ``input`` with zero columns gives
    zeros,
    where PyTorch raises; ``max_norm=0`` is refused, as by :func:`embedlab.functional.embedding`.

    Examples::

        >>> weight = torch.arange(8.0).reshape(4, 2)
        >>> ids, offsets = torch.tensor([0, 2, 2, 3]), torch.tensor([0, 1, 1])
        >>> embedding_bag(ids, weight, offsets, mode="sum")  # bags [0], [], [2, 2, 3]
        tensor([[ 0.,  1.],
                [ 0.,  0.],
                [14., 17.]])
        >>> embedding_bag(ids, weight, offsets, mode="mean", padding_idx=2)
        tensor([[0., 1.],
                [0., 0.],
                [6., 7.]])
        >>> embedding_bag(torch.tensor([[1, 3], [2, 0]]), weight, mode="max")
        tensor([[6., 7.],
                [4., 5.]])
        >>> embedding_bag(ids, weight, torch.tensor([0, 3, 1]))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        embedlab.functional.bag.BadOffsetsError: offsets must be non-decreasing, but ...
    """
    _check_weight(weight, torch_phrase="weight has to be a 2D Tensor")
    num_embeddings = weight.shape[0]
    if mode not in MODES:
        raise ValueError(
            f"mode must be 'sum', 'mean' or 'max', got {mode!r} "
            "(mode has to be one of sum, mean or max)"
        )
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(
            "mode='max' does not support scale_grad_by_freq=True: a bag's max comes "
            "from one row "
            "(max mode does not support scaling the gradient by the frequency)"
        )
    if mode == "max" and sparse:
        raise ValueError(
            "mode='max' does not support sparse=True gradients "
            "(max mode does not support sparse weights)"
        )
    check_index_dtype(input, allowed=_INDEX_DTYPES, name="input")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(
                f"offsets must be None when input is 2-D (each of its {input.shape[0]} "
                "rows is a bag); pass a 1-D input to use offsets "
                "(if input is 2D, then offsets has to be None)"
            )
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError(
                "a 1-D input needs offsets, the position where each bag starts "
                "(offsets has to be a 1D Tensor but got None)"
            )
        _check_offsets(offsets, input.numel(), include_last_offset)
    else:
        raise ValueError(
            f"input must be 1-D (with offsets) or 2-D (one bag per row), got "
            f"{input.dim()}-D with shape {tuple(input.shape)} "
            "(input has to be 1D or 2D Tensor)"
        )
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "per_sample_weights is only supported for mode='sum', "
                f"got mode={mode!r}"
            )
        if per_sample_weights.shape != input.shape:
            raise ValueError(
                f"per_sample_weights must have input's shape {tuple(input.shape)}, got "
                f"{tuple(per_sample_weights.shape)} (it must have the same shape as "
                "the input)"
            )
        if per_sample_weights.dtype != weight.dtype:
            raise DtypeMismatchError(
                f"per_sample_weights must have weight's dtype {weight.dtype}, got "
                f"{per_sample_weights.dtype} (expected tensor for argument #1 'weight' "
                "to have the same type as tensor for argument #1 'per_sample_weights')"
            )
    padding_idx = normalize_padding_idx(
        padding_idx,
        num_embeddings,
        "padding_idx must be within the number of embeddings",
    )
    check_max_norm(max_norm)
    if (check_ids or num_embeddings == 0) and inspectable(input):
        check_ids_in_range(
            input,
            num_embeddings,
            "num_embeddings",
            name="input",
            error=BagIdOutOfRangeError,
            torch_phrase=(
                _TORCH_RANGE_PHRASE if padding_idx is None else _TORCH_PADDED_PHRASE
            ),
        )

    ids, bag_of, num_bags = _bags_of_positions(input, offsets, include_last_offset)
    if max_norm is not None:
        # Like PyTorch: every id of input is renormed, padding and ids in no bag too.
        _renorm_(weight, input.reshape(-1), max_norm, norm_type)
    if padding_idx is not None:
        # Padding goes to the dropped extra bag: it adds nothing and counts for nothing;
        # the lookup's padding_idx keeps its gradient out (dense zero, sparse absent).
        bag_of = torch.where(ids == padding_idx, num_bags, bag_of)
    rows = embedding(
        ids,
        weight,
        padding_idx=padding_idx,
        scale_grad_by_freq=scale_grad_by_freq,
        sparse=sparse,
        check_ids=False,
    )
    if mode == "max":
        return _bag_max(rows, bag_of, num_bags)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[: ids.numel()].unsqueeze(1)
    # Out of place, so that autograd records it: the gradient of a bag's sum is its
    # output gradient, copied back to every row in the bag.
    out = rows.new_zeros((num_bags + 1, weight.shape[1])).index_add(0, bag_of, rows)
    out = out[:num_bags]
    if mode == "mean":
        ones = torch.ones_like(bag_of, dtype=out.dtype)
        sizes = ones.new_zeros(num_bags + 1).index_add(0, bag_of, ones)[:num_bags]
        out = out / sizes.clamp(min=1).unsqueeze(1)
    return out


def _bag_max(rows: Tensor, bag_of: Tensor, num_bags: int) -> Tensor:
    """Element-wise max of each bag's rows; an empty bag gives zeros.

    The gradient of each output entry goes to one row only, the first in the bag
    that holds the max (as in PyTorch), so the max is found first and then
    gathered, rather than differentiated through ``scatter_reduce``, which would
    split a tie's gradient between the tied rows. Bag ``num_bags`` is the extra
    one of ids in no bag, dropped here.
    """
    num_ids, width = rows.shape
    if num_ids == 0:
        # Zeros that still belong to the graph, as the sum of no rows does.
        return rows.new_zeros((num_bags, width)).index_add(0, bag_of, rows)
    with torch.no_grad():
        bag_index = bag_of.unsqueeze(1).expand(num_ids, width)
        values = rows.new_zeros((num_bags + 1, width)).scatter_reduce(
            0, bag_index, rows, reduce="amax", include_self=False
        )
        positions = torch.arange(num_ids, device=rows.device)
        positions = positions.unsqueeze(1).expand(num_ids, width)
        candidates = torch.where(rows == values.gather(0, bag_index), positions, num_ids)
        first = torch.full((num_bags + 1, width), num_ids, device=rows.device)
        first = first.scatter_reduce(
            0, bag_index, candidates, reduce="amin", include_self=True
        )[:num_bags]
        empty = first == num_ids
    # Where the mask holds, gather reads a clamped position and masked_fill zeroes it:
    # no value-dependent branch, so the same code runs traced and on meta tensors.
    return rows.gather(0, first.clamp(max=num_ids - 1)).masked_fill(empty, 0)
