"""Checks on ids shared by every lookup in embedlab, so that all of them fail the same clear way."""

from __future__ import annotations

from typing import Union

import numpy as np
import torch

Ids = Union[np.ndarray, torch.Tensor]


class IdOutOfRangeError(IndexError, ValueError):
    """An id lies outside ``[0, upper)``.

    It is both an :class:`IndexError` (what PyTorch raises for a bad index) and a
    :class:`ValueError` (what a bad argument value is in Python), so callers may
    catch either.
    """


class EmptyTableError(IdOutOfRangeError, RuntimeError):
    """An id was looked up in a table with no rows, where no id is valid.

    Also a :class:`RuntimeError`, which is what PyTorch raises for it.
    """


class IndexTypeError(TypeError, IndexError):
    """A value that must be an integer index (a ``padding_idx``) is of another type.

    Also an :class:`IndexError`, which :class:`torch.nn.Embedding` raises for it.
    """


class NegativeSizeError(ValueError, RuntimeError):
    """A negative table size; also a :class:`RuntimeError`, as PyTorch raises for it."""


class BagIdOutOfRangeError(IdOutOfRangeError, RuntimeError):
    """An id of a bag lies outside ``[0, num_embeddings)``.

    Also a :class:`RuntimeError`, which :func:`torch.nn.functional.embedding_bag`
    raises for it (where :func:`torch.nn.functional.embedding` raises an
    :class:`IndexError`).
    """


class IndexDtypeError(TypeError, RuntimeError):
    """Ids (or offsets) of a dtype a lookup does not take, such as ``float32``.

    Also a :class:`RuntimeError`, which PyTorch's lookups raise for it.
    """


class DtypeMismatchError(TypeError, RuntimeError):
    """``per_sample_weights`` and ``weight``, which must share a dtype, do not.

    Also a :class:`RuntimeError`, which PyTorch raises for it.
    """


class WeightShapeError(ValueError, AssertionError, RuntimeError):
    """A table that is not 2-D, or not of the shape its module was given.

    PyTorch raises a different type in each place: a :class:`RuntimeError` in
    :func:`torch.nn.functional.embedding`, a :class:`ValueError` in
    :func:`torch.nn.functional.embedding_bag` and an :class:`AssertionError` in the
    modules' constructors and ``from_pretrained``; this error is all three.
    """


class PaddingIdxError(ValueError, AssertionError, RuntimeError):
    """A ``padding_idx`` outside ``[-num_embeddings, num_embeddings)``.

    A :class:`ValueError`, and what PyTorch raises for it: an :class:`AssertionError`
    (the modules, :func:`torch.nn.functional.embedding`) or a :class:`RuntimeError`
    (:func:`torch.nn.functional.embedding_bag`).
    """


def check_size(value: object, name: str) -> int:
    """Return ``value`` if it is a non-negative int (not a ``bool``, as in PyTorch).

    Raises:
        TypeError: if ``value`` is not an int, as PyTorch raises for a size.
        NegativeSizeError: if ``value`` is negative.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        kind = type(value).__name__
        raise TypeError(f"{name} must be an int, got {value!r} ({kind})")
    if value < 0:
        raise NegativeSizeError(
            f"{name} must be non-negative, got {value} "
            "(Trying to create tensor with negative dimension)"
        )
    return int(value)


def is_integer_dtype(ids: Ids) -> bool:
    """Whether ``ids`` holds integers (booleans excluded)."""
    if isinstance(ids, torch.Tensor):
        return not ids.dtype.is_floating_point and not ids.dtype.is_complex and ids.dtype != torch.bool
    return np.issubdtype(ids.dtype, np.integer)


# What PyTorch's lookups say about ids of another dtype; kept in our message so that
# code matching on PyTorch's wording still matches.
_TORCH_DTYPE_PHRASE = "to have one of the following scalar types: Long, Int"


def check_index_dtype(
    ids: Ids, allowed: tuple[torch.dtype, ...] | None = None, name: str = "ids"
) -> None:
    """Raise :class:`TypeError` unless ``ids`` holds integers (of an ``allowed`` dtype).

    A tensor of a dtype outside ``allowed`` raises :class:`IndexDtypeError`, also a
    :class:`RuntimeError` as in PyTorch.
    """
    if allowed is not None and isinstance(ids, np.ndarray):
        # allowed holds torch dtypes: only a tensor will do, and NumPy's dtype names
        # (int64) read like torch's, so the message must say it is the container.
        raise TypeError(
            f"{name} is a numpy.ndarray (dtype {ids.dtype}), not a torch.Tensor: "
            f"convert it with torch.from_numpy({name})"
        )
    if not isinstance(ids, (np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a numpy.ndarray or a torch.Tensor, got {type(ids).__name__}")
    if allowed is None:
        if not is_integer_dtype(ids):
            raise TypeError(f"{name} must hold integers, got dtype {ids.dtype}")
    elif ids.dtype not in allowed:
        expected = " or ".join(str(d) for d in allowed)
        raise IndexDtypeError(
            f"{name} must have dtype {expected}, got {ids.dtype} (expected tensor "
            f"for argument '{name}' {_TORCH_DTYPE_PHRASE})"
        )


def check_ids_in_range(
    ids: Ids,
    upper: int,
    upper_name: str,
    name: str = "ids",
    error: type[IdOutOfRangeError] = IdOutOfRangeError,
    torch_phrase: str = "",
) -> None:
    """Raise ``error`` naming the first id outside ``[0, upper)`` and where it is.

    With ``upper == 0`` the error is an :class:`EmptyTableError`. ``torch_phrase``,
    PyTorch's own words for the case, is appended to the message after formatting
    with ``flat`` (the flat position of the first bad id), ``value`` and ``upper``.

    On CUDA this costs one synchronisation, and it replaces a device-side assert
    that would otherwise end the process.
    """
    bad = (ids < 0) | (ids >= upper)
    if not bool(bad.any()):
        return
    if isinstance(bad, torch.Tensor):
        first = tuple(int(i) for i in bad.nonzero()[0].tolist())
    else:
        first = tuple(int(i) for i in np.argwhere(bad)[0])
    count = int(bad.sum())
    total = ids.numel() if isinstance(ids, torch.Tensor) else ids.size
    value = int(ids[first])
    flat = int(np.ravel_multi_index(first, ids.shape)) if first else 0
    phrase = torch_phrase.format(flat=flat, value=value, upper=upper)
    if upper == 0:
        raise EmptyTableError(
            f"{name} holds {total} ids, but the table is empty ({upper_name}=0): "
            f"no id is valid{'; ' + phrase if phrase else ''}"
        )
    where = f"{name}[{', '.join(map(str, first))}]" if first else name
    raise error(
        f"{where} = {value} is out of range: expected 0 <= id < {upper} "
        f"({upper_name}={upper}); {count} of {total} ids are out of range"
        f"{'; ' + phrase if phrase else ''}"
    )
