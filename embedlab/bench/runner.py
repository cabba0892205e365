"""Run the benchmark: every method at every vocabulary size, timed side by side.

:func:`run_bench` is what ``embedlab bench`` calls; it returns a plain dictionary (the
JSON the command writes), described in :mod:`embedlab.bench`.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from embedlab.bench.bandwidth import measure_bandwidth
from embedlab.bench.memory import cpu_peak_supported, measure_peaks
from embedlab.bench.methods import DTYPES, METHODS, make_workload, skip_reason
from embedlab.bench.timing import summarize, time_side_by_side

__all__ = ["SCHEMA", "BenchConfig", "machine_info", "run_bench"]

#: The version of the JSON layout; :func:`~embedlab.bench.report.load_result` refuses others.
SCHEMA = "embedlab-bench/1"

GiB = 2**30
MiB = 2**20


@dataclass(frozen=True)
class BenchConfig:
    """What to measure. Every field is checked on construction; a bad value raises
    :class:`ValueError` naming it, the value, and what is allowed.

    Attributes:
        vocab: vocabulary sizes ``V``. Default: 1e3, 1e4, 1e5, 1e6.
        batch: ids per call ``B``. Default: 4096.
        dim: ``embedding_dim`` ``D``. Default: 128.
        dtype: one of :data:`embedlab.bench.methods.DTYPES`. Default: ``"float32"``.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``... Default: ``"cpu"``.
        threads: intra-op threads PyTorch may use, at most :func:`os.cpu_count`.
            Default: 1.
        repeats: timed blocks per method and size. Default: 7.
        block_time: seconds per block. Default: 0.02.
        methods: names from :data:`embedlab.bench.methods.METHODS`. Default: all.
        memory_budget: bytes; a method that would need more at a size (see
            :func:`~embedlab.bench.methods.skip_reason`) is skipped there.
            Default: 2 GiB.
        memory: measure peak memory per call. Default: ``True``.
        bandwidth: measure the memory bandwidth. Default: ``True``.
        bandwidth_bytes: size of each bandwidth array. Default: 512 MiB.
        seed: seed of the random table and ids. Default: 0.
    """

    vocab: tuple[int, ...] = (10**3, 10**4, 10**5, 10**6)
    batch: int = 4096
    dim: int = 128
    dtype: str = "float32"
    device: str = "cpu"
    threads: int = 1
    repeats: int = 7
    block_time: float = 0.02
    methods: tuple[str, ...] = field(default_factory=lambda: tuple(METHODS))
    memory_budget: int = 2 * GiB
    memory: bool = True
    bandwidth: bool = True
    bandwidth_bytes: int = 512 * MiB
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "vocab", tuple(self.vocab))
        object.__setattr__(self, "methods", tuple(self.methods))
        if not self.vocab:
            raise ValueError("vocab: give at least one vocabulary size")
        for size in self.vocab:
            _check_positive_int("vocab", size)
        for name in ("batch", "dim", "threads", "repeats", "memory_budget", "bandwidth_bytes"):
            _check_positive_int(name, getattr(self, name))
        if not (isinstance(self.block_time, (int, float)) and math.isfinite(self.block_time) and self.block_time > 0):
            raise ValueError(f"block_time must be a positive number of seconds, got {self.block_time!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"unknown dtype {self.dtype!r}; choose from: {', '.join(DTYPES)}")
        if not self.methods:
            raise ValueError(f"methods: give at least one; choose from: {', '.join(METHODS)}")
        for name in self.methods:
            if name not in METHODS:
                raise ValueError(f"unknown method {name!r}; choose from: {', '.join(METHODS)}")
        available = os.cpu_count() or 1
        if self.threads > available:
            raise ValueError(
                f"threads must be at most {available}, the CPUs this machine has "
                f"(os.cpu_count()), got {self.threads}"
            )
        try:
            device = torch.device(self.device)
        except RuntimeError:
            raise ValueError(f"unknown device {self.device!r}; choose from: cpu, cuda, cuda:<index>") from None
        if device.type not in ("cpu", "cuda"):
            raise ValueError(f"unknown device {self.device!r}; choose from: cpu, cuda, cuda:<index>")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {self.device!r} requested, but CUDA is not available on this machine")


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(device: str, threads: int) -> dict[str, object]:
    """The machine and software a result was measured on."""
    torch_device = torch.device(device)
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "device": str(torch_device),
        "device_name": torch.cuda.get_device_name(torch_device) if torch_device.type == "cuda" else _cpu_name(),
        "threads": threads,
    }


def _progress_bar(total: int, enabled: bool):  # noqa: ANN202 - tqdm's type
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, disable=not enabled, desc="embedlab bench", unit="step", leave=False)


def run_bench(
    config: BenchConfig,
    progress: bool = False,
    command: str | Sequence[str] | None = None,
    on_size: Callable[[dict], None] | None = None,
) -> dict:
    """Measure every method of ``config`` at every vocabulary size; return the result.

    Sizes are run from small to large. For each size the workload is built once and the
    methods are timed side by side (see :func:`embedlab.bench.timing.time_side_by_side`);
    a method that cannot run there (a one-hot matrix over the memory budget, NumPy off
    the CPU) is recorded as skipped, with the reason. Then peak memory is measured (in a
    child process on the CPU), and finally the memory bandwidth.

    Args:
        config: what to measure.
        progress: show a progress bar on standard error.
        command: the command line that asked for this run, kept in the result.
        on_size: called with the result so far (``"complete": False``, no peak
            memory or bandwidth yet) after each vocabulary size, so that a caller can
            save it: a failure at a later size then loses only that size.

    Returns:
        dict: the result, ready for ``json.dump``, with ``"complete": True``.
    """
    started = time.perf_counter()
    device = torch.device(config.device)
    dtype = DTYPES[config.dtype]
    itemsize = torch.empty((), dtype=dtype).element_size()
    vocab = sorted(set(config.vocab))
    methods = [METHODS[name] for name in config.methods]

    plans = []  # (vocab, [methods that run], {name: reason})
    for v in vocab:
        reasons = {m.name: skip_reason(m, config.batch, v, config.dim, dtype, device, config.memory_budget) for m in methods}
        plans.append((v, [m for m in methods if reasons[m.name] is None], {n: r for n, r in reasons.items() if r}))
    memory_note = None
    measure_memory = config.memory
    if measure_memory and device.type == "cpu" and not cpu_peak_supported():
        measure_memory, memory_note = False, "peak memory not measured: needs Linux's /proc/self/clear_refs"
    total = sum(len(runs) * (config.repeats + 1) for _, runs, _ in plans)
    total += len(plans) * measure_memory + config.bandwidth

    if command is not None and not isinstance(command, str):
        command = " ".join(command)
    config_dict = asdict(config)
    config_dict["vocab"] = vocab
    config_dict["methods"] = list(config.methods)
    records: list[dict] = []
    result = {
        "schema": SCHEMA,
        "command": command,
        "config": config_dict,
        "machine": machine_info(config.device, config.threads),
        "bandwidth": None,
        "memory_note": memory_note,
        "results": records,
        "complete": False,
        "wall_s": 0.0,
    }
    with _progress_bar(total, progress) as bar:
        for v, runs, reasons in plans:
            bar.set_postfix_str(f"V={v:,}")
            timings, distinct = {}, None
            # A size where every method is skipped (the table itself over the budget)
            # builds nothing: its table may not fit in memory at all.
            if runs:
                workload = make_workload(
                    config.batch, v, config.dim, dtype, device, config.seed
                )
                distinct = workload.distinct
                calls = {m.name: m.make(workload) for m in runs}
                timings = time_side_by_side(
                    calls, config.threads, config.repeats, config.block_time, on_step=lambda: bar.update()
                )
                workload.reset()
                del workload, calls
            for m in methods:
                record = {"method": m.name, "group": m.group, "vocab": v}
                record["distinct_ids"] = distinct
                if m.name in reasons:
                    record.update(status="skipped", note=reasons[m.name])
                else:
                    record.update(status="ok", **summarize(timings[m.name]))
                    record["bytes_moved"] = m.bytes_moved(
                        config.batch, distinct, v, config.dim, itemsize
                    )
                records.append(record)
            if on_size is not None:
                result["wall_s"] = time.perf_counter() - started
                on_size(result)

        peaks: dict[int, dict[str, int]] = {}
        if measure_memory:
            bar.set_postfix_str("peak memory")
            tasks = [(v, [m.name for m in runs]) for v, runs, _ in plans if runs]
            try:
                peaks = measure_peaks(
                    tasks, config.batch, config.dim, config.dtype, config.device, config.threads, config.seed,
                    on_step=lambda: bar.update(),
                )
            except BrokenProcessPool as err:
                memory_note = f"peak memory not measured: the child process failed ({err})"
        for record in records:
            if record["status"] == "ok":
                record["peak_bytes"] = peaks.get(record["vocab"], {}).get(record["method"])

        bandwidth = None
        if config.bandwidth:
            bar.set_postfix_str("bandwidth")
            bandwidth = measure_bandwidth(config.bandwidth_bytes, device, config.threads)
            bar.update()
            for record in records:
                if record["status"] == "ok":
                    bound = record["bytes_moved"] / bandwidth["bandwidth_Bps"]
                    record["bound_s"] = bound
                    record["fraction_of_bound"] = bound / record["median_s"]

    result.update(bandwidth=bandwidth, memory_note=memory_note, complete=True)
    result["wall_s"] = time.perf_counter() - started
    return result
