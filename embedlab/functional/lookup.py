"""The embedding lookup written out by hand: a row gather forward, a scatter-add backward.

:func:`embedding` is a drop-in replacement for :func:`torch.nn.functional.embedding`
that never calls PyTorch's embedding kernels. The book uses it to show that the
embedding layer is nothing more than indexing, and that its gradient is nothing
more than adding each output gradient back onto the row it came from.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from embedlab._checks import (
    IdOutOfRangeError,
    IndexTypeError,
    check_ids_in_range,
    check_index_dtype,
)

__all__ = ["check_max_norm", "embedding", "embedding_bag", "normalize_padding_idx"]

_INDEX_DTYPES = (torch.int64, torch.int32)

# PyTorch adds this to the norm before dividing, so a renormed row's norm lands just
# under max_norm; we keep it so that renormed weights agree with PyTorch's.
_RENORM_EPS = 1e-7


class _Lookup(torch.autograd.Function):
    """Gather rows of ``weight`` at flat ``ids``; the backward adds gradients back onto those rows."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx,
        weight: Tensor,
        ids: Tensor,
        padding_idx: int | None,
        scale_grad_by_freq: bool,
        sparse: bool,
    ) -> Tensor:
        # ids are kept as a plain attribute with their version, not via save_for_backward:
        # that costs about 5 us a call (several percent of a whole lookup of 4096 ids), and
        # the one safeguard it offers for a tensor that needs no gradient, the check that
        # it was not changed in place before the backward, is made by hand below.
        ctx.ids = ids
        ctx.ids_version = ids._version
        ctx.num_embeddings = weight.shape[0]
        ctx.padding_idx = padding_idx
        ctx.scale_grad_by_freq = scale_grad_by_freq
        ctx.sparse = sparse
        return weight.index_select(0, ids)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        ids = ctx.ids
        if ids._version != ctx.ids_version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: the ids given to embedding are at version {ids._version}; "
                f"expected version {ctx.ids_version} instead. Pass a clone if you must change them."
            )
        if ctx.sparse:
            if ctx.scale_grad_by_freq:
                # PyTorch 2.13 accepts this combination in the forward and fails here, in the
                # backward, with a RuntimeError; we fail at the same point, the same way.
                raise RuntimeError(
                    "embedding_backward: scale_grad_by_freq not supported with sparse gradients; "
                    "pass sparse=False or scale_grad_by_freq=False"
                )
            grad_weight = _sparse_weight_grad(grad, ids, ctx.num_embeddings, ctx.padding_idx)
        else:
            grad_weight = _dense_weight_grad(
                grad, ids, ctx.num_embeddings, ctx.padding_idx, ctx.scale_grad_by_freq
            )
        return grad_weight, None, None, None, None


def _dense_weight_grad(
    grad: Tensor, ids: Tensor, num_embeddings: int, padding_idx: int | None, scale_grad_by_freq: bool
) -> Tensor:
    # Only differentiable ops, writing in place only into a fresh tensor, so that with
    # create_graph=True autograd records this backward and double backward works.
    # ``out.sum().backward()`` hands us an expanded, stride-0 gradient; index_add_ is
    # several times slower on that than a copy to contiguous memory and an add from it.
    grad = grad.contiguous()
    if scale_grad_by_freq:
        _, position_to_row, counts = torch.unique(ids, return_inverse=True, return_counts=True)
        grad = grad / counts[position_to_row].unsqueeze(1).to(grad.dtype)
    grad_weight = grad.new_zeros((num_embeddings, grad.shape[1])).index_add_(0, ids, grad)
    if padding_idx is not None:
        # Overwriting the row afterwards (rather than masking first) also discards
        # non-finite gradients at padding positions, as PyTorch does by skipping them.
        grad_weight[padding_idx] = 0
    return grad_weight


def _sparse_weight_grad(grad: Tensor, ids: Tensor, num_embeddings: int, padding_idx: int | None) -> Tensor:
    if padding_idx is not None:
        # PyTorch drops padding positions from the sparse gradient; it keeps no zero rows.
        keep = ids != padding_idx
        ids, grad = ids[keep], grad[keep]
    if grad.numel() == 0:
        # Also like PyTorch: no entries at all when there is nothing to add, which
        # includes ids that were looked up in a table of zero-width rows.
        ids, grad = ids[:0], grad[:0]
    # Left uncoalesced, as PyTorch leaves it: optimizers coalesce when they need to. The
    # invariant check is skipped because the forward's index_select bounds-checked every id.
    return torch.sparse_coo_tensor(
        ids.long().unsqueeze(0), grad.contiguous(), (num_embeddings, grad.shape[1]), check_invariants=False
    )


def _renorm_(weight: Tensor, ids: Tensor, max_norm: float, norm_type: float) -> None:
    # PyTorch's CPU kernel walks the sorted ids and computes one norm (and one .item())
    # per row; here all looked-up rows are handled at once by a few whole-tensor ops.
    with torch.no_grad():
        rows = torch.unique(ids).long()
        picked = weight.index_select(0, rows)
        # As in PyTorch: the norm is taken in the weight's dtype, then compared and turned
        # into a scale in double, and the scale is rounded to the weight's dtype before
        # the multiply (which, for float16, is what makes the results agree bit for bit).
        norms = torch.linalg.vector_norm(picked, ord=norm_type, dim=1).double()
        scale = torch.where(norms > max_norm, max_norm / (norms + _RENORM_EPS), 1.0)
        scaled = picked * scale.to(weight.dtype).unsqueeze(1)
        # One in-place write through detach(), which shares the version counter: autograd
        # sees the change exactly as it sees PyTorch's embedding_renorm_ (one version bump
        # per call, whether or not any row was over max_norm) but does not record it.
        weight.detach().index_copy_(0, rows, scaled)


def _check_weight(weight: Tensor) -> None:
    if not isinstance(weight, Tensor):
        raise TypeError(f"weight must be a torch.Tensor, got {type(weight).__name__}")
    if weight.dim() != 2:
        raise ValueError(
            f"weight must be 2-D (num_embeddings, embedding_dim), got {weight.dim()}-D "
            f"with shape {tuple(weight.shape)}"
        )


def normalize_padding_idx(padding_idx: int | None, num_embeddings: int) -> int | None:
    """Return ``padding_idx`` as a row number in ``[0, num_embeddings)``, or ``None``.

    A negative ``padding_idx`` counts from the end, as in Python indexing.

    Args:
        padding_idx (int, optional): the padding row, possibly negative.
        num_embeddings (int): the number of rows.

    Raises:
        embedlab.IndexTypeError: (a :class:`TypeError` and an :class:`IndexError`) if
            ``padding_idx`` is not an int.
        ValueError: if ``padding_idx`` is not in ``[-num_embeddings, num_embeddings)``.

    Examples::

        >>> normalize_padding_idx(-1, 10)
        9
        >>> normalize_padding_idx(None, 10) is None
        True
        >>> normalize_padding_idx(10, 10)
        Traceback (most recent call last):
            ...
        ValueError: padding_idx=10 is out of range: expected -10 <= padding_idx < 10 (num_embeddings=10)
    """
    if padding_idx is None:
        return None
    # A float would pass the range check and then, in the sparse backward, match no id
    # and pad nothing; a bool is an int to Python but never meant as a row.
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
        raise IndexTypeError(
            f"padding_idx must be an int (a row of the table), got {padding_idx!r} "
            f"({type(padding_idx).__name__})"
        )
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"padding_idx={padding_idx} is out of range: expected "
            f"-{num_embeddings} <= padding_idx < {num_embeddings} (num_embeddings={num_embeddings})"
        )
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def check_max_norm(max_norm: float | None) -> None:
    """Raise :class:`ValueError` unless ``max_norm`` is ``None`` or a positive number.

    Args:
        max_norm (float, optional): the largest norm an embedding row may keep.

    Examples::

        >>> check_max_norm(1.0)
        >>> check_max_norm(0.0)
        Traceback (most recent call last):
            ...
        ValueError: max_norm must be positive (or None to turn renorming off), got 0.0
    """
    # ``not > 0`` rather than ``<= 0`` so that NaN is refused too.
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_norm must be positive (or None to turn renorming off), got {max_norm}")


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
    check_ids: bool = True,
) -> Tensor:
    r"""Look up rows of ``weight`` at the ids in ``input``.

    The same function as :func:`torch.nn.functional.embedding`, built from a row
    gather (forward) and a scatter-add (backward) instead of PyTorch's embedding
    kernels, with clearer errors for bad arguments.

    Args:
        input (torch.Tensor): ids, int64 or int32, of any shape, each in ``[0, num_embeddings)``.
        weight (torch.Tensor): the table, of shape ``(num_embeddings, embedding_dim)``, on any
            device, of any floating dtype.
        padding_idx (int, optional): a row whose gradient is always zero, so training
            never changes it; a negative value counts from the end. The forward returns
            whatever the row holds. With ``sparse=True`` the gradient holds no entries
            for it at all. Default: ``None``.
        max_norm (float, optional): if given, every looked-up row whose
            ``norm_type``-norm exceeds it is scaled, in place and before the lookup,
            to norm ``max_norm``. No gradient flows through the scaling, but autograd
            counts it as an in-place change of ``weight``. Default: ``None``.
        norm_type (float): the ``p`` of the p-norm used with ``max_norm``. Default: ``2``.
        scale_grad_by_freq (bool): divide each row's gradient by the number of times the
            row occurs in ``input``. Not supported with ``sparse=True``: as in PyTorch,
            the forward runs and the backward raises :class:`RuntimeError`. Default: ``False``.
        sparse (bool): make the gradient of ``weight`` an uncoalesced sparse COO tensor
            with one entry per non-padding id. Default: ``False``.
        check_ids (bool): on a bad id, raise :class:`~embedlab.IdOutOfRangeError` naming
            the first out-of-range id and its position. Free on the CPU; elsewhere it
            costs one synchronisation, and turning it off leaves bad ids to the device's
            assert. Default: ``True``.

    Shape:
        - Input: :math:`(*)`, any shape, including 0-d and empty.
        - Weight: :math:`(V, D)`.
        - Output: :math:`(*, D)`, new memory (never a view of ``weight``).

    Raises:
        TypeError: if ``input`` is not an int64 or int32 tensor (a NumPy array is
            not one), or ``padding_idx`` is not an int.
        ValueError: if ``weight`` is not 2-D, ``padding_idx`` is out of range or
            ``max_norm`` is not positive.
        IdOutOfRangeError: if an id is outside ``[0, num_embeddings)``; it is an
            :class:`IndexError`, and it is raised before ``weight`` is renormed. In a
            table without rows it is an :class:`~embedlab.EmptyTableError`,
            also a :class:`RuntimeError` as in PyTorch.

    Examples::

        >>> weight = torch.arange(12.0).reshape(4, 3).requires_grad_()
        >>> embedding(torch.tensor([[3, 0], [1, 1]]), weight).detach()
        tensor([[[ 9., 10., 11.],
                 [ 0.,  1.,  2.]],
        <BLANKLINE>
                [[ 3.,  4.,  5.],
                 [ 3.,  4.,  5.]]])
        >>> embedding(torch.tensor([1, 1, 2]), weight, padding_idx=2).sum().backward()
        >>> weight.grad
        tensor([[0., 0., 0.],
                [2., 2., 2.],
                [0., 0., 0.],
                [0., 0., 0.]])
        >>> embedding(torch.tensor([7]), weight)
        Traceback (most recent call last):
            ...
        embedlab._checks.IdOutOfRangeError: input[0] = 7 is out of range: expected 0 <= id < 4 (num_embeddings=4); 1 of 1 ids are out of range
    """
    _check_weight(weight)
    num_embeddings = weight.shape[0]
    padding_idx = normalize_padding_idx(padding_idx, num_embeddings)
    check_max_norm(max_norm)
    check_index_dtype(input, allowed=_INDEX_DTYPES, name="input")
    if num_embeddings == 0:
        # index_select's own error here does not say that the table is empty.
        check_ids_in_range(input, num_embeddings, "num_embeddings", name="input")
    # On the CPU, index_select bounds-checks anyway and we only reword its error (below);
    # elsewhere a bad id is a device-side assert that ends the process, so it must be
    # caught beforehand, at the cost of one synchronisation.
    if check_ids and input.device.type != "cpu":
        check_ids_in_range(input, num_embeddings, "num_embeddings", name="input")
    ids = input if input.dim() == 1 else input.reshape(-1)
    try:
        if max_norm is not None:
            _renorm_(weight, ids, max_norm, norm_type)
        if torch.is_grad_enabled() and weight.requires_grad:
            rows = _Lookup.apply(weight, ids, padding_idx, scale_grad_by_freq, sparse)
        else:
            # Nothing to differentiate: skip the Function and its bookkeeping.
            rows = weight.index_select(0, ids)
    except IndexError:
        if check_ids:
            # Both the renorm and the lookup begin with an index_select, whose bounds
            # check fires before anything is written; rebuild its bare message with the
            # offending id and where it sits.
            try:
                check_ids_in_range(input, num_embeddings, "num_embeddings", name="input")
            except IdOutOfRangeError as clearer:
                raise clearer from None
        raise
    # A view of the freshly gathered rows, never of weight. Reshaping inside the Function
    # instead would make autograd refuse in-place changes to the output.
    return rows if input.dim() == 1 else rows.view(*input.shape, weight.shape[1])

# At the end: embedding_bag is built from embedding above, so functional_bag imports this module.
from embedlab.functional_bag import embedding_bag  # noqa: E402
