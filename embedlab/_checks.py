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
        raise NegativeSizeError(f"{name} must be non-negative, got {value}")
    return int(value)


def is_integer_dtype(ids: Ids) -> bool:
    """Whether ``ids`` holds integers (booleans excluded)."""
    if isinstance(ids, torch.Tensor):
        return not ids.dtype.is_floating_point and not ids.dtype.is_complex and ids.dtype != torch.bool
    return np.issubdtype(ids.dtype, np.integer)


def check_index_dtype(ids: Ids, allowed: tuple[torch.dtype, ...] | None = None, name: str = "ids") -> None:
    """Raise :class:`TypeError` unless ``ids`` holds integers, and of an ``allowed`` dtype if given."""
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
        raise TypeError(f"{name} must have dtype {expected}, got {ids.dtype}")


def check_ids_in_range(ids: Ids, upper: int, upper_name: str, name: str = "ids") -> None:
    """Raise :class:`IdOutOfRangeError` naming the first id outside ``[0, upper)`` and where it is.

    With ``upper == 0`` the error is an :class:`EmptyTableError`.

    On CUDA this costs one synchronisation, and it replaces a device-side assert
    that would otherwise end the process.
    """
    bad = (ids < 0) | (ids >= upper)
    if not bool(bad.any()):
        return
    if upper == 0:
        count = ids.numel() if isinstance(ids, torch.Tensor) else ids.size
        raise EmptyTableError(
            f"{name} holds {count} ids, but the table is empty ({upper_name}=0): "
            "no id is valid"
        )
    if isinstance(bad, torch.Tensor):
        first = tuple(int(i) for i in bad.nonzero()[0].tolist())
        count = int(bad.sum())
    else:
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        count = int(bad.sum())
    value = int(ids[first])
    where = f"{name}[{', '.join(map(str, first))}]" if first else name
    raise IdOutOfRangeError(
        f"{where} = {value} is out of range: expected 0 <= id < {upper} ({upper_name}={upper}); "
        f"{count} of {ids.numel() if isinstance(ids, torch.Tensor) else ids.size} ids are out of range"
    )
