"""Where tensors live: the device every chapter and test uses unless told otherwise."""

from __future__ import annotations

import os

import torch

#: Environment variable that overrides :func:`default_device`, e.g. ``EMBEDLAB_DEVICE=cpu``.
DEVICE_ENV_VAR = "EMBEDLAB_DEVICE"


def default_device() -> torch.device:
    r"""Return the device embedlab uses when the caller does not choose one.

    The environment variable ``EMBEDLAB_DEVICE`` wins when it is set (for example
    ``cpu``, ``cuda`` or ``cuda:1``); otherwise CUDA is used when it is available,
    else the CPU.

    Returns:
        torch.device: the chosen device.

    Raises:
        ValueError: if ``EMBEDLAB_DEVICE`` does not name a device, or names a CUDA
            device on a machine without CUDA.

    Examples::

        >>> import os
        >>> os.environ["EMBEDLAB_DEVICE"] = "cpu"
        >>> default_device()
        device(type='cpu')
        >>> del os.environ["EMBEDLAB_DEVICE"]
    """
    requested = os.environ.get(DEVICE_ENV_VAR, "").strip()
    if not requested:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(requested)
    except RuntimeError as exc:
        raise ValueError(
            f"{DEVICE_ENV_VAR}={requested!r} is not a device name; "
            "expected something like 'cpu', 'cuda' or 'cuda:0'"
        ) from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{DEVICE_ENV_VAR}={requested!r} asks for CUDA, but torch.cuda.is_available() "
            "is False on this machine; unset it or use 'cpu'"
        )
    return device
