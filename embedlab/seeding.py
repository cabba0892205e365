"""One call that seeds every random source a chapter touches."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    r"""Seed Python's :mod:`random`, NumPy's global generator and PyTorch (CPU and CUDA).

    Chapters call this first so that their stored outputs are reproduced exactly by
    a fresh run. Create random tensors on the CPU and then move them: the CPU and
    CUDA generators produce different streams from the same seed.

    Args:
        seed (int): a non-negative integer below ``2**32``.

    Raises:
        TypeError: if ``seed`` is not an ``int``.
        ValueError: if ``seed`` is negative or not below ``2**32``.

    Examples::

        >>> seed_everything(0)
        >>> a = torch.randn(2)
        >>> seed_everything(0)
        >>> torch.equal(a, torch.randn(2))
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r} of type {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must satisfy 0 <= seed < 2**32, got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
