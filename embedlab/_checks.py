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


def is_integer_dtype(ids: Ids) -> bool:
    """Whether ``ids`` holds integers (booleans excluded)."""
    if isinstance(ids, torch.Tensor):
        return not ids.dtype.is_floating_point and not ids.dtype.is_complex and ids.dtype != torch.bool
    return np.issubdtype(ids.dtype, np.integer)


def check_index_dtype(ids: Ids, allowed: tuple[torch.dtype, ...] | None = None, name: str = "ids") -> None:
    """Raise :class:`TypeError` unless ``ids`` holds integers, and of an ``allowed`` dtype if given."""
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

    On CUDA this costs one synchronisation, and it replaces a device-side assert
    that would otherwise end the process.
    """
    bad = (ids < 0) | (ids >= upper)
    if not bool(bad.any()):
        return
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
