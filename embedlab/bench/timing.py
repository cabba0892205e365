"""Timing calls side by side with :class:`torch.utils.benchmark.Timer`.

Every call is timed in *blocks*: one block runs the call back to back ``number`` times
and records the mean, and ``number`` is chosen so that a block lasts about
``block_time`` seconds. The calls take turns, block by block (round 1 of each, then
round 2 of each, ...), so that load from other processes on a shared machine spreads
over all of them instead of landing on one and skewing their ratios. The figure
reported for a call is the median of its blocks, with the interquartile range (IQR)
as its spread. On CUDA the timer synchronises the device before reading the clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from torch.utils.benchmark import Timer

__all__ = ["Timing", "summarize", "time_side_by_side"]


@dataclass(frozen=True)
class Timing:
    """The blocks measured for one call: seconds per call, one figure per block.

    Attributes:
        times: seconds per call of each block, in the order measured.
        number: calls per block.
    """

    times: tuple[float, ...]
    number: int

    @property
    def median(self) -> float:
        return float(np.median(self.times))

    @property
    def q1(self) -> float:
        return float(np.percentile(self.times, 25))

    @property
    def q3(self) -> float:
        return float(np.percentile(self.times, 75))

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def summarize(timing: Timing) -> dict[str, float | int | list[float]]:
    """The figures the JSON keeps for one timing.

    Examples::

        >>> summarize(Timing(times=(1.0, 2.0, 3.0, 4.0, 5.0), number=10))["iqr_s"]
        2.0
    """
    return {
        "median_s": timing.median,
        "q1_s": timing.q1,
        "q3_s": timing.q3,
        "iqr_s": timing.iqr,
        "blocks": len(timing.times),
        "calls_per_block": timing.number,
        "times_s": list(timing.times),
    }


def _timer(call: Callable[[], object], threads: int) -> Timer:
    return Timer(stmt="call()", globals={"call": call}, num_threads=threads)


def time_side_by_side(
    calls: Mapping[str, Callable[[], object]],
    threads: int = 1,
    repeats: int = 7,
    block_time: float = 0.02,
    max_time: float = 1.0,
    on_step: Callable[[], None] | None = None,
) -> dict[str, Timing]:
    """Time each call in ``repeats`` interleaved blocks; return their :class:`Timing`.

    Each call first runs once untimed (a warm-up that also pays any lazy initialisation),
    then once more to size its blocks (unless the warm-up already took ten blocks' time). A call so slow that ``repeats`` blocks would take
    longer than ``max_time`` seconds gets fewer blocks, but never fewer than 3.

    Args:
        calls: zero-argument callables, by name.
        threads: intra-op threads PyTorch may use during the measurement.
        repeats: blocks per call (at most).
        block_time: seconds a block should last.
        max_time: seconds of blocks per call above which the number of blocks is cut.
        on_step: called after the sizing run and after each round of each call (so
            ``len(calls) * (repeats + 1)`` times in all), e.g. to advance a progress bar.

    Examples::

        >>> timings = time_side_by_side({"sum": lambda: sum(range(100))}, repeats=3, block_time=0.001)
        >>> len(timings["sum"].times), timings["sum"].median > 0
        (3, True)
    """
    timers = {name: _timer(call, threads) for name, call in calls.items()}
    numbers: dict[str, int] = {}
    blocks: dict[str, int] = {}
    for name, timer in timers.items():
        once = timer.timeit(1).times[0]  # warm-up
        if once < 10 * block_time:
            # Fast: the warm-up paid for lazy initialisation; time one more call to size
            # the blocks. A slow call is sized by its warm-up, which saves a long call.
            once = timer.timeit(1).times[0]
        numbers[name] = max(1, math.ceil(block_time / max(once, 1e-9)))
        block = once * numbers[name]
        blocks[name] = repeats if block * repeats <= max_time else max(3, min(repeats, int(max_time / block)))
        if on_step:
            on_step()
    times: dict[str, list[float]] = {name: [] for name in timers}
    for round_ in range(repeats):
        for name, timer in timers.items():
            if round_ < blocks[name]:
                times[name].append(timer.timeit(numbers[name]).times[0])
            if on_step:
                on_step()
    return {name: Timing(tuple(times[name]), numbers[name]) for name in timers}
