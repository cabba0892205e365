"""The embedding lookup written out by hand: a row gather forward, a scatter-add backward.

:func:`~embedlab.functional.embedding` is a drop-in replacement for
:func:`torch.nn.functional.embedding` that never calls PyTorch's embedding kernels.
The book uses it to show that the embedding layer is nothing more than indexing, and
that its gradient is nothing more than adding each output gradient back onto the row
it came from. With none of ``padding_idx``, ``max_norm``, ``scale_grad_by_freq`` and
``sparse``, that backward is :func:`torch.index_select`'s own (a zero table and an
``index_add_``), which autograd records natively; the options go through the
:class:`torch.autograd.Function` written out here.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
from torch import Tensor

from embedlab._checks import (
    IdOutOfRangeError,
    IndexTypeError,
    PaddingIdxError,
    WeightShapeError,
    check_ids_in_range,
    check_index_dtype,
)

__all__ = ["check_max_norm", "embedding", "inspectable", "normalize_padding_idx"]

# PyTorch's words for an out-of-range id in its lookup, kept in ours.
_TORCH_RANGE_PHRASE = "index out of range in self"
# And for a lookup in a table without rows.
_TORCH_EMPTY_PHRASE = "index_select(): self indexing axis dim should be positive"

_INDEX_DTYPES = (torch.int64, torch.int32)

# PyTorch adds this to the norm before dividing, so a renormed row's norm lands just
# under max_norm; we keep it so that renormed weights agree with PyTorch's.
_RENORM_EPS = 1e-7


class _Lookup(torch.autograd.Function):
    """Gather rows of ``weight`` at flat ``ids``; the backward adds gradients onto them.

    Written in the ``setup_context`` style, with every op in the forward and the
    backward one that :mod:`torch.func` can batch, so that torch.func derives the vmap
    rule (``generate_vmap_rule``) and ``grad``, ``vjp``, ``jacrev`` and ``vmap`` work
    over the weight as well as the ids.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(  # type: ignore[override]
        weight: Tensor,
        ids: Tensor,
        padding_idx: int | None,
        scale_grad_by_freq: bool,
        sparse: bool,
    ) -> Tensor:
        return weight.index_select(0, ids)

    @staticmethod
    def setup_context(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx,
        inputs: tuple[Tensor, Tensor, int | None, bool, bool],
        output: Tensor,
    ) -> None:
        weight, ids, padding_idx, scale_grad_by_freq, sparse = inputs
        # Saved the way autograd checks: a backward after ids were changed in place
        # raises autograd's own "modified by an inplace operation" error, and
        # torch.compile traces the saving instead of a hand-made version check.
        ctx.save_for_backward(ids)
        ctx.save_for_forward(ids)
        ctx.num_embeddings = weight.shape[0]
        ctx.padding_idx = padding_idx
        ctx.scale_grad_by_freq = scale_grad_by_freq
        ctx.sparse = sparse

    @staticmethod
    def backward(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx, grad: Tensor
    ) -> tuple[Tensor | None, ...]:
        (ids,) = ctx.saved_tensors
        if ctx.sparse:
            if ctx.scale_grad_by_freq:
                # PyTorch 2.13 accepts this combination in the forward and fails here,
                # in the backward, with a RuntimeError; we fail at the same point.
                raise RuntimeError(
                    "embedding_backward: scale_grad_by_freq not supported with sparse "
                    "gradients; pass sparse=False or scale_grad_by_freq=False"
                )
            grad_weight = _sparse_weight_grad(grad, ids, ctx.num_embeddings, ctx.padding_idx)
        else:
            grad_weight = _dense_weight_grad(
                grad, ids, ctx.num_embeddings, ctx.padding_idx, ctx.scale_grad_by_freq
            )
        return grad_weight, None, None, None, None


class _LookupWithJvp(_Lookup):
    """:class:`_Lookup` with a forward-mode rule, for eager use.

    Dynamo refuses to trace a Function that defines ``jvp``, so under
    :func:`torch.compile` the plain :class:`_Lookup` is used instead.
    """

    @staticmethod
    def jvp(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx, weight_tangent: Tensor, *_: object
    ) -> Tensor:
        # The lookup is linear in the weight: its tangent is the same lookup of the
        # weight's tangent. padding_idx only affects the backward, as in PyTorch.
        (ids,) = ctx.saved_tensors
        return weight_tangent.index_select(0, ids)


class _RenormedLookup(_LookupWithJvp):
    """:class:`_LookupWithJvp` that renorms the rows first: eager use with ``max_norm``.

    The forward returns the rows that the renorm gathered and scaled, which are the
    lookup's result, instead of gathering them a second time: one (B, D) buffer less
    per call, and every fresh buffer of that size is one the allocator may give back
    to the kernel and fault in again. The renorm writes ``weight`` through a detached
    view, unrecorded, as PyTorch's ``embedding_renorm_`` does.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        weight: Tensor,
        ids: Tensor,
        padding_idx: int | None,
        scale_grad_by_freq: bool,
        sparse: bool,
        max_norm: float,
        norm_type: float,
    ) -> Tensor:
        return _renorm_(weight, ids, max_norm, norm_type)

    @staticmethod
    def setup_context(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx, inputs: tuple, output: Tensor
    ) -> None:
        _Lookup.setup_context(ctx, inputs[:5], output)

    @staticmethod
    def backward(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx, grad: Tensor
    ) -> tuple[Tensor | None, ...]:
        return (*_Lookup.backward(ctx, grad), None, None)


# Function.apply binds its arguments with inspect.signature on every call once
# setup_context is defined: about 25 us, several times a small lookup. Outside
# torch.func's transforms and torch.compile, which need Function.apply itself, the C
# entry point that it ends in is called directly, after the same unwrapping.
_c_apply = torch._C._FunctionBase.__dict__["apply"]
_apply_eagerly = _c_apply.__get__(None, _LookupWithJvp)
_apply_renormed = _c_apply.__get__(None, _RenormedLookup)


def _plain_lookup(weight: Tensor, ids: Tensor) -> Tensor:
    # Without padding_idx, max_norm, scale_grad_by_freq or sparse, the backward written
    # by hand would be index_select's own: a zero table and an index_add_ of the
    # gradient. So PyTorch records it: torch.func, forward AD, meta and torch.compile
    # know index_select natively, and a large lookup's forward costs less than through
    # the Function.
    rows = weight.index_select(0, ids)
    if not (torch.compiler.is_compiling() or torch._C._are_functorch_transforms_active()):
        # ``out.sum().backward()`` hands the backward an expanded, stride-0 gradient, on
        # which index_add_ is several times slower than on contiguous memory, so a hook
        # copies it. Tensor.register_hook and Node.register_prehook build a Python
        # RemovableHandle on every call, which made the lookup 6-15% slower than
        # index_select alone at B = 4096, D = 128. Giving the node the tensor's own
        # hook dict, as register_hook does inside, builds none. The dict is the
        # OrderedDict that register_hook would make, so that a reader's hooks on the
        # output join ours; handles number their hooks from 0, so -1 is never taken.
        rows._backward_hooks = OrderedDict(_HOOKS)
        rows.grad_fn._register_hook_dict(rows)
    return rows


# Marked so that torch.save of an output does not warn that this hook is not saved.
@torch.utils.hooks.unserializable_hook
def _contiguous_gradient(grad: Tensor | None) -> Tensor | None:
    # gradcheck and a double backward may pass an undefined gradient (None), which a
    # hook returns unchanged.
    return None if grad is None else grad.contiguous()


_HOOKS = ((-1, _contiguous_gradient),)


def _apply_lookup(
    weight: Tensor,
    ids: Tensor,
    padding_idx: int | None,
    scale_grad_by_freq: bool,
    sparse: bool,
    max_norm: float | None,
    norm_type: float,
) -> Tensor:
    args = (weight, ids, padding_idx, scale_grad_by_freq, sparse)
    compiling = torch.compiler.is_compiling()
    if compiling or torch._C._are_functorch_transforms_active():
        if max_norm is not None:
            _renorm_(weight, ids, max_norm, norm_type)
        return (_Lookup if compiling else _LookupWithJvp).apply(*args)
    if max_norm is not None:
        return _apply_renormed(*_unwrap_dead((*args, max_norm, norm_type)))
    return _apply_eagerly(*_unwrap_dead(args))


_is_wrapped = torch._C._functorch.is_functorch_wrapped_tensor


def _unwrap_dead(args: tuple) -> tuple:
    # A tensor that escaped a torch.func transform stays wrapped after the transform
    # ends; Function.apply unwraps such tensors before its C entry point. Asking the
    # two tensors first costs a sixth of unwrapping every argument (about 3 us).
    weight, ids = args[0], args[1]
    if _is_wrapped(weight) or _is_wrapped(ids):
        return torch._functorch.utils.unwrap_dead_wrappers(args)
    return args


def _dense_weight_grad(
    grad: Tensor, ids: Tensor, num_embeddings: int, padding_idx: int | None, scale_grad_by_freq: bool
) -> Tensor:
    # Only differentiable ops, writing in place only into a fresh tensor, so that with
    # create_graph=True autograd records this backward and double backward works.
    # ``out.sum().backward()`` hands us an expanded, stride-0 gradient; index_add_ is
    # several times slower on that than a copy to contiguous memory and an add from it.
    grad = grad.contiguous()
    if scale_grad_by_freq:
        # Counts per row, as PyTorch's kernel keeps them: a fixed (V,) shape, where
        # torch.unique's data-dependent one would stop torch.compile and meta tensors.
        counts = ids.new_zeros(num_embeddings).index_add(0, ids, torch.ones_like(ids))
        grad = grad / counts.index_select(0, ids).unsqueeze(1).to(grad.dtype)
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
    # invariant check is skipped because the forward's index_select bounds-checked every
    # id. The values are the output gradient as it comes, stride-0 when expanded, as
    # PyTorch keeps them: autograd then accumulates a second backward the way it does
    # PyTorch's (concatenated, where contiguous values would be merged).
    return torch.sparse_coo_tensor(
        ids.long().unsqueeze(0),
        grad,
        (num_embeddings, grad.shape[1]),
        check_invariants=False,
    )


def _renorm_(weight: Tensor, ids: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Renorm the rows of ``weight`` at ``ids`` in place; return ``weight[ids]`` now."""
    # PyTorch's CPU kernel walks the sorted ids and computes one norm (and one .item())
    # per row; here all looked-up rows are handled at once by a few whole-tensor ops.
    # On the detached table: no_grad does not stop forward-mode AD, and the scaling
    # must not reach a dual weight's tangent, as it does not in PyTorch.
    table = weight.detach()
    with torch.no_grad():
        rows = ids.long()
        num_embeddings = table.shape[0]
        # With many more ids than rows, most ids repeat, and writing every copy back is
        # most of the time: scale each distinct row once (found by counting, which is
        # cheap when rows are few), then look the ids up in the updated table. Only on
        # the CPU and eagerly: the distinct rows have a data-dependent number, which
        # torch.compile refuses and which a GPU would sync for. Negative ids are left
        # to the other path, whose index_select reports them.
        if (
            rows.is_cpu
            and rows.numel() > 2 * num_embeddings
            and inspectable(rows)
            and rows.min() >= 0
        ):
            distinct = torch.bincount(rows, minlength=num_embeddings).nonzero()
            _scale_rows_(table, distinct.squeeze(1), max_norm, norm_type)
            return table.index_select(0, rows)
        # Otherwise a repeated id is scaled once per occurrence, from the same row to
        # the same values, so its copies write equal rows.
        return _scale_rows_(table, rows, max_norm, norm_type)


def _scale_rows_(table: Tensor, rows: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Scale ``table[rows]`` in place to norm at most ``max_norm``; return those rows."""
    picked = table.index_select(0, rows)
    # As in PyTorch: the norm is taken in the weight's dtype, then compared and turned
    # into a scale in double, and the scale is rounded to the weight's dtype before
    # the multiply (which, for float16, is what makes the results agree bit for bit).
    norms = torch.linalg.vector_norm(picked, ord=norm_type, dim=1).double()
    scale = torch.where(norms > max_norm, max_norm / (norms + _RENORM_EPS), 1.0)
    # In place: every fresh (B, D) buffer is one the allocator may hand back to the
    # kernel and fault in again on the next call, which costs more than the math.
    picked.mul_(scale.to(table.dtype).unsqueeze(1))
    # One in-place write through detach(), which shares the version counter: autograd
    # sees the change exactly as it sees PyTorch's embedding_renorm_ (one version bump
    # per call, whether or not any row was over max_norm) but does not record it.
    table.index_copy_(0, rows, picked)
    return picked


def _check_weight(weight: Tensor, torch_phrase: str = "'weight' must be 2-D") -> None:
    if not isinstance(weight, Tensor):
        raise TypeError(f"weight must be a torch.Tensor, got {type(weight).__name__}")
    if weight.dim() != 2:
        raise WeightShapeError(
            f"weight must be 2-D (num_embeddings, embedding_dim), got {weight.dim()}-D "
            f"with shape {tuple(weight.shape)} ({torch_phrase})"
        )


def inspectable(tensor: Tensor) -> bool:
    """Whether ``tensor``'s values may be read on the host to check them.

    Not on the meta device, which holds no values, nor while :func:`torch.compile`
    traces or :func:`torch.func.vmap` batches, where reading a value would break the
    graph or is refused; there bad values are left to the ops that use them, which
    on the CPU bounds-check every id.

    Examples::

        >>> inspectable(torch.zeros(2)), inspectable(torch.zeros(2, device="meta"))
        (True, False)
    """
    return (
        tensor.device.type != "meta"
        and not torch.compiler.is_compiling()
        # Nor a tensor that torch.func's transforms wrapped: under vmap, even within
        # grad, its values cannot be read (torch.func has no public test for this).
        and not torch._C._functorch.is_functorch_wrapped_tensor(tensor)
    )


def normalize_padding_idx(
    padding_idx: int | None,
    num_embeddings: int,
    torch_phrase: str = "Padding_idx must be within num_embeddings",
) -> int | None:
    """Return ``padding_idx`` as a row number in ``[0, num_embeddings)``, or ``None``.

    A negative ``padding_idx`` counts from the end, as in Python indexing.

    Args:
        padding_idx (int, optional): the padding row, possibly negative.
        num_embeddings (int): the number of rows.
        torch_phrase (str): PyTorch's words for an out-of-range ``padding_idx`` in the
            caller's place, appended to the message. Default: those of
            :class:`torch.nn.Embedding`.

    Raises:
        embedlab.IndexTypeError: (a :class:`TypeError` and an :class:`IndexError`) if
            ``padding_idx`` is not an int.
        embedlab.PaddingIdxError: (a :class:`ValueError`, an :class:`AssertionError`
            and a :class:`RuntimeError`) if ``padding_idx`` is not in
            ``[-num_embeddings, num_embeddings)``.

    Examples::

        >>> normalize_padding_idx(-1, 10)
        9
        >>> normalize_padding_idx(None, 10) is None
        True
        >>> normalize_padding_idx(10, 10)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        embedlab._checks.PaddingIdxError: padding_idx=10 is out of range: expected ...
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
        raise PaddingIdxError(
            f"padding_idx={padding_idx} is out of range: expected "
            f"-{num_embeddings} <= padding_idx < {num_embeddings} "
            f"(num_embeddings={num_embeddings}); {torch_phrase}"
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
        TypeError: if ``input`` is not a tensor (a NumPy array is not one), or
            ``padding_idx`` is not an int (then an :class:`~embedlab.IndexTypeError`).
        embedlab.IndexDtypeError: if ``input`` is not int64 or int32 (also a
            :class:`RuntimeError`, as in PyTorch).
        embedlab.WeightShapeError: if ``weight`` is not 2-D (also a
            :class:`RuntimeError`).
        embedlab.PaddingIdxError: if ``padding_idx`` is out of range (also an
            :class:`AssertionError`).
        ValueError: if ``max_norm`` is not positive (PyTorch accepts any value).
        embedlab.IdOutOfRangeError: if an id is outside ``[0, num_embeddings)``; it is
            an :class:`IndexError`, and it is raised before ``weight`` is renormed. In a
            table without rows it is an :class:`~embedlab.EmptyTableError`,
            also a :class:`RuntimeError` as in PyTorch.

    Difference from PyTorch 2.13, on purpose: with a ``float16`` or ``bfloat16``
    weight the dense gradient of a row that many ids share is accumulated by
    ``index_add_``, more accurately than by PyTorch's CPU kernel, which rounds to the
    low precision after every addition; the two are then not bit-equal (a test shows
    both errors against float64).

    Transforms: :mod:`torch.func` (``grad``, ``vjp``, ``jacrev``, ``vmap``, over the
    weight and the ids), forward-mode AD, the meta device and
    ``torch.compile(fullgraph=True)`` (dense gradients) all work as with PyTorch's.

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
        >>> embedding(torch.tensor([7]), weight)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        embedlab._checks.IdOutOfRangeError: input[0] = 7 is out of range: ...
    """
    _check_weight(weight)
    num_embeddings = weight.shape[0]
    padding_idx = normalize_padding_idx(padding_idx, num_embeddings)
    check_max_norm(max_norm)
    check_index_dtype(input, allowed=_INDEX_DTYPES, name="input")
    # On the CPU, index_select bounds-checks anyway and we only reword its error (below);
    # elsewhere a bad id is a device-side assert that ends the process, so it must be
    # caught beforehand, at the cost of one synchronisation. index_select's error in an
    # empty table does not say that the table is empty.
    needs_check = num_embeddings == 0 or (check_ids and not input.is_cpu)
    if needs_check and inspectable(input):
        _check_ids(input, num_embeddings)
    ids = input if input.dim() == 1 else input.reshape(-1)
    try:
        recorded = torch.is_grad_enabled() and weight.requires_grad
        plain = padding_idx is None and max_norm is None and not (scale_grad_by_freq or sparse)
        if recorded and plain:
            rows = _plain_lookup(weight, ids)
        elif recorded:
            rows = _apply_lookup(
                weight,
                ids,
                padding_idx,
                scale_grad_by_freq,
                sparse,
                max_norm,
                norm_type,
            )
        elif max_norm is not None:
            # Without a graph to record, the rows the renorm gathered are the output:
            # no second lookup; but a dual weight's tangent needs the lookup itself.
            rows = _renorm_(weight, ids, max_norm, norm_type)
            if _forward_ad_active():
                rows = weight.index_select(0, ids)
        else:
            # Nothing to record: skip the Function and its bookkeeping.
            rows = weight.index_select(0, ids)
    except IndexError:
        if check_ids:
            # Both the renorm and the lookup begin with an index_select, whose bounds
            # check fires before anything is written; rebuild its bare message with the
            # offending id and where it sits.
            try:
                _check_ids(input, num_embeddings)
            except IdOutOfRangeError as clearer:
                raise clearer from None
        raise
    # A view of the freshly gathered rows, never of weight. Reshaping inside the Function
    # instead would make autograd refuse in-place changes to the output.
    return rows if input.dim() == 1 else rows.view(*input.shape, weight.shape[1])


def _forward_ad_active() -> bool:
    # A dual level of torch.autograd.forward_ad (it has no public query) or any of
    # torch.func's transforms, jvp among them.
    return (
        torch.autograd.forward_ad._current_level >= 0
        or torch._C._are_functorch_transforms_active()
    )


def _check_ids(input: Tensor, num_embeddings: int) -> None:
    phrase = _TORCH_EMPTY_PHRASE if num_embeddings == 0 else _TORCH_RANGE_PHRASE
    check_ids_in_range(
        input, num_embeddings, "num_embeddings", name="input", torch_phrase=phrase
    )
