"""Peak memory of one call: what it allocates at its highest point, beyond what was there.

On CUDA the caching allocator keeps the figure: :func:`torch.cuda.max_memory_allocated`
after :func:`torch.cuda.reset_peak_memory_stats`. The CPU has no such counter, so the
benchmark asks the operating system: the rise of the process's peak resident set size
(``VmHWM`` in ``/proc/self/status``, which writing ``5`` to ``/proc/self/clear_refs``
resets) during the call. That happens in a separate process, started fresh, for two
reasons: the measurement changes how ``malloc`` behaves (it fixes glibc's mmap threshold,
so that every large temporary is returned to the system when freed and the next call's
temporaries count again), and it should not inherit the memory of whatever ran before it.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch

__all__ = ["cpu_peak_supported", "measure_peaks", "peak_bytes_cuda", "peak_rss_rise"]

_STATUS = Path("/proc/self/status")
_WARMED: set[tuple[str, torch.device]] = set()
_CLEAR_REFS = Path("/proc/self/clear_refs")


def cpu_peak_supported() -> bool:
    """Whether this system lets a process read and reset its peak resident set size (Linux)."""
    return sys.platform.startswith("linux") and _STATUS.exists() and _CLEAR_REFS.exists()


def _status_bytes(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024  # the kernel reports kB
    raise RuntimeError(f"{field} not found in {_STATUS}")


def peak_rss_rise(call: Callable[[], object]) -> int:
    """Bytes by which ``call()`` raises this process's peak resident set size (Linux only).

    The peak is reset to the current size just before the call; whatever the call returns
    is kept alive until the peak has been read, so it counts.
    """
    gc.collect()
    _CLEAR_REFS.write_text("5")  # reset VmHWM to the current VmRSS
    before = _status_bytes("VmRSS")
    result = call()
    peak = _status_bytes("VmHWM")
    del result
    return max(0, peak - before)


def peak_bytes_cuda(call: Callable[[], object], device: torch.device) -> int:
    """Bytes by which ``call()`` raises the CUDA caching allocator's peak on ``device``."""
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    result = call()
    torch.cuda.synchronize(device)
    peak = torch.cuda.max_memory_allocated(device)
    del result
    return max(0, peak - before)


def _return_freed_memory() -> None:
    # glibc serves large allocations with mmap and gives them back on free, so a call's
    # temporaries show up in the peak and are gone after it. But after the first such
    # free, glibc raises its mmap threshold (up to 32 MB) and serves later temporaries
    # from the heap, where freed memory stays resident and a second call's buffers would
    # not raise the peak at all. Fixing the threshold turns that adaptation off.
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_mmap_threshold = -3
    libc.mallopt(m_mmap_threshold, 128 * 1024)


@contextmanager
def _threads(count: int) -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _measure(
    names: Sequence[str], batch: int, vocab: int, dim: int, dtype: str, device: str, threads: int, seed: int
) -> dict[str, int]:
    """Peak bytes of one call of each method (runs wherever it is called, child or not)."""
    from embedlab.bench.methods import DTYPES, METHODS, make_workload

    torch_device = torch.device(device)
    workload = make_workload(batch, vocab, dim, DTYPES[dtype], torch_device, seed)
    peaks: dict[str, int] = {}
    with _threads(threads):
        for name in names:
            call = METHODS[name].make(workload)
            if (name, torch_device) not in _WARMED:
                # lazy initialisation (allocator pools, kernels) is not the call's memory;
                # once per process is enough, and saves a second run of the slow calls
                call()
                _WARMED.add((name, torch_device))
            workload.reset()
            if workload.grad_np is not None:
                workload.grad_np[...] = 0
            if torch_device.type == "cuda":
                peaks[name] = peak_bytes_cuda(call, torch_device)
            else:
                peaks[name] = peak_rss_rise(call)
            workload.reset()
    return peaks


def _child_init() -> None:
    _return_freed_memory()


def measure_peaks(
    tasks: Sequence[tuple[int, Sequence[str]]],
    batch: int,
    dim: int,
    dtype: str,
    device: str,
    threads: int = 1,
    seed: int = 0,
    on_step: Callable[[], None] | None = None,
) -> dict[int, dict[str, int]]:
    """Peak bytes per call, for each ``(vocab, method names)`` task: ``{vocab: {name: bytes}}``.

    CUDA is measured in this process. The CPU is measured in one fresh child process
    (started with ``spawn``), reused for every task; ``on_step`` is called after each task.

    If the child cannot start (for instance when the main module cannot be imported
    again, as with a script piped to ``python -``), the pool raises ``BrokenProcessPool``
    instead of starting new children forever.

    Raises:
        RuntimeError: on a CPU without a resettable peak resident set size (not Linux);
            check :func:`cpu_peak_supported` first.
    """
    results: dict[int, dict[str, int]] = {}
    if torch.device(device).type == "cuda":
        for vocab, names in tasks:
            results[vocab] = _measure(names, batch, vocab, dim, dtype, device, threads, seed)
            if on_step:
                on_step()
        return results
    if not cpu_peak_supported():
        raise RuntimeError("peak memory on the CPU needs Linux's /proc/self/status and /proc/self/clear_refs")
    # A process pool of one rather than multiprocessing.Pool: if the child dies, the pool
    # reports it (BrokenProcessPool) instead of starting new children forever.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_child_init) as pool:
        for vocab, names in tasks:
            job = pool.submit(_measure, list(names), batch, vocab, dim, dtype, device, threads, seed)
            results[vocab] = job.result()
            if on_step:
                on_step()
    return results
