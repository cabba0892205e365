r"""Starting a process group: one rank per device, the same code on CPUs and GPUs.

``torchrun`` starts the ranks and sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` (this
rank's number on its machine) and the rendezvous address in each one's environment.
:func:`~embedlab.distributed.init_from_env` reads them: with CUDA it uses NCCL and the GPU numbered
``LOCAL_RANK`` (:func:`torch.cuda.set_device`, so that NCCL and every new CUDA tensor
use it), without CUDA gloo and the CPU.

On several machines, run the same command on each, with the number of machines and a
rendezvous endpoint every machine can reach::

    torchrun --nnodes 2 --nproc-per-node 8 --rdzv-backend c10d \
        --rdzv-endpoint host0.example:29500 --rdzv-id job42 -m embedlab.distributed
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import torch
import torch.distributed as dist

__all__ = ["device_for", "free_loopback_port", "init_from_env", "init_loopback"]


def device_for(local_rank: int, cuda: bool) -> tuple[str, torch.device]:
    """The backend and device of the rank numbered ``local_rank`` on its machine.

    Args:
        local_rank (int): ``LOCAL_RANK``.
        cuda (bool): whether to use CUDA (usually :func:`torch.cuda.is_available`).

    Examples::

        >>> device_for(3, cuda=True)
        ('nccl', device(type='cuda', index=3))
        >>> device_for(3, cuda=False)
        ('gloo', device(type='cpu'))
    """
    if cuda:
        return "nccl", torch.device("cuda", local_rank)
    return "gloo", torch.device("cpu")


def init_from_env(timeout: float = 60.0, cuda: bool | None = None) -> torch.device:
    """Join the process group ``torchrun`` describes in the environment; return this rank's device.

    Args:
        timeout (float): seconds any collective may wait. Default: ``60.0``.
        cuda (bool, optional): use NCCL and CUDA; default: where CUDA is available.

    Raises:
        RuntimeError: if ``LOCAL_RANK`` is not set (not started by ``torchrun``).
    """
    if "LOCAL_RANK" not in os.environ:
        raise RuntimeError(
            "LOCAL_RANK is not set: start the ranks with torchrun, e.g. "
            "torchrun --nproc-per-node 2 -m embedlab.distributed"
        )
    cuda = torch.cuda.is_available() if cuda is None else cuda
    backend, device = device_for(int(os.environ["LOCAL_RANK"]), cuda)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, timeout=timedelta(seconds=timeout))
    return device


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago, for a process group's rendezvous."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def init_loopback(
    rank: int, world_size: int, port: int, backend: str = "gloo", timeout: float = 60.0
) -> None:
    """Join a process group whose ranks all run on this machine, over 127.0.0.1 only.

    The timeout bounds every collective, so that a rank that never arrives makes
    the others fail instead of waiting for ever.
    """
    dist.init_process_group(
        backend,
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=timedelta(seconds=timeout),
    )
