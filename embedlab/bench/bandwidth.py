"""The physical limit: how fast this machine moves memory.

A lookup does no arithmetic; it reads ids and rows and writes rows, so the fastest it
could possibly run is the number of bytes it moves divided by the memory bandwidth.
This module measures that bandwidth the way the STREAM benchmark does, with arrays far
larger than any cache:

- **read** ``b.sum()``: 1 byte moved per byte of array;
- **copy** ``a[:] = b``: 2 bytes moved per byte of array (one read, one write);
- **triad** ``a = b + s * c``: 3 bytes moved per byte of array.

It also measures the cost of touching *fresh* memory. A new large buffer is mapped
lazily: the operating system hands out a physical page, zeroed, only when the program
first writes to it, and that page fault costs far more than the write itself. So the
first fill of a fresh buffer runs much slower than a second fill of the same buffer,
which is why a call that allocates a large result (a one-hot matrix, a dense gradient)
pays more than its bytes suggest.
"""

from __future__ import annotations

import time

import torch
from torch.utils.benchmark import Timer

__all__ = ["measure_bandwidth"]


def _median_seconds(stmt: str, env: dict, threads: int, repeats: int) -> float:
    timer = Timer(stmt=stmt, globals=env, num_threads=threads)
    timer.timeit(1)  # warm-up
    return _median([timer.timeit(1).times[0] for _ in range(repeats)])


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def measure_bandwidth(
    size_bytes: int = 512 * 2**20, device: torch.device | str = "cpu", threads: int = 1, repeats: int = 3
) -> dict[str, float | int | str]:
    """Measure read, copy and triad bandwidth, and the speed of a first touch, in bytes per second.

    Args:
        size_bytes: bytes of each array (three are allocated for the triad). Default: 512 MiB.
        device: where the arrays live. The first-touch figure is always taken on the CPU,
            where page faults happen (a CUDA allocator keeps its memory mapped).
        threads: intra-op threads PyTorch may use.
        repeats: measurements per figure; the median is reported.

    Returns:
        dict: ``read_Bps``, ``copy_Bps``, ``triad_Bps``, ``bandwidth_Bps`` (the largest of
        the three, the bandwidth the benchmark's lower bounds divide by), ``first_touch_Bps`` (filling a freshly allocated
        buffer), ``refill_Bps`` (filling it again), ``size_bytes``, ``threads``, ``device``.

    Examples::

        >>> figures = measure_bandwidth(size_bytes=2**20, repeats=1)
        >>> figures["bandwidth_Bps"] == max(figures["read_Bps"], figures["copy_Bps"], figures["triad_Bps"])
        True
    """
    device = torch.device(device)
    n = max(1, size_bytes // 4)
    b = torch.ones(n, device=device)
    c = torch.ones(n, device=device)
    a = torch.zeros(n, device=device)  # zeros, not empty: its pages must be touched already
    env = {"a": a, "b": b, "c": c, "torch": torch}
    read_s = _median_seconds("b.sum()", env, threads, repeats)
    copy_s = _median_seconds("a.copy_(b)", env, threads, repeats)
    triad_s = _median_seconds("torch.add(b, c, alpha=3.0, out=a)", env, threads, repeats)
    del a, b, c, env

    first, refill = [], []
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for _ in range(repeats):
            buffer = torch.empty(n)  # large: mapped by the OS, but no page is touched yet
            start = time.perf_counter()
            buffer.fill_(1.0)
            first.append(time.perf_counter() - start)
            start = time.perf_counter()
            buffer.fill_(2.0)
            refill.append(time.perf_counter() - start)
            del buffer
    finally:
        torch.set_num_threads(previous)
    nbytes = n * 4
    read_bps, copy_bps, triad_bps = nbytes / read_s, 2 * nbytes / copy_s, 3 * nbytes / triad_s
    return {
        "read_Bps": read_bps,
        "copy_Bps": copy_bps,
        "triad_Bps": triad_bps,
        "bandwidth_Bps": max(read_bps, copy_bps, triad_bps),
        "first_touch_Bps": nbytes / _median(first),
        "refill_Bps": nbytes / _median(refill),
        "size_bytes": nbytes,
        "threads": threads,
        "device": str(device),
    }
