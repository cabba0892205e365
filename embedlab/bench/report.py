"""Reading a benchmark result: series, ratios, fitted slopes, the printed table, the JSON file."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from typing import Any
from pathlib import Path

import numpy as np

from embedlab.atomic import atomic_write
from embedlab.bench.methods import GROUPS, METHODS
from embedlab.bench.runner import SCHEMA
from embedlab.memory import format_bytes

__all__ = [
    "COMPARISONS",
    "fit_slope",
    "format_report",
    "format_seconds",
    "load_result",
    "ratio",
    "save_result",
    "series",
    "summarise_over_seeds",
]

#: Pairs ``(a, b)`` whose ratio ``time(a) / time(b)`` the report prints.
COMPARISONS: tuple[tuple[str, str], ...] = (
    ("onehot", "F.embedding"),
    ("numpy", "F.embedding"),
    ("index_select", "F.embedding"),
    ("embedlab", "F.embedding"),
    ("onehot-bwd", "F.embedding-bwd"),
    ("embedlab-bwd", "F.embedding-bwd"),
    ("embedlab-sparse", "F.embedding-sparse"),
    ("F.embedding-bwd", "F.embedding-sparse"),
    ("np.add.at", "scatter_add_rows"),
    ("F.embedding-max_norm", "embedlab-max_norm"),
)


def series(result: dict, method: str, key: str = "median_s") -> tuple[list[int], list[float]]:
    """The vocabulary sizes at which ``method`` ran, and its ``key`` figure at each.

    Skipped sizes and missing figures (``None``) are left out.

    Examples::

        >>> result = {"results": [
        ...     {"method": "onehot", "vocab": 10, "status": "ok", "median_s": 2.0},
        ...     {"method": "onehot", "vocab": 100, "status": "skipped", "note": "too big"}]}
        >>> series(result, "onehot")
        ([10], [2.0])
    """
    pairs = [
        (r["vocab"], r[key])
        for r in result["results"]
        if r["method"] == method and r["status"] == "ok" and r.get(key) is not None
    ]
    pairs.sort()
    return [v for v, _ in pairs], [float(y) for _, y in pairs]


def ratio(result: dict, numerator: str, denominator: str, key: str = "median_s") -> dict[int, float]:
    """``key`` of ``numerator`` over that of ``denominator``, at every size where both ran.

    Examples::

        >>> result = {"results": [
        ...     {"method": "a", "vocab": 10, "status": "ok", "median_s": 3.0},
        ...     {"method": "b", "vocab": 10, "status": "ok", "median_s": 1.5}]}
        >>> ratio(result, "a", "b")
        {10: 2.0}
    """
    top = dict(zip(*series(result, numerator, key)))
    bottom = dict(zip(*series(result, denominator, key)))
    return {v: top[v] / bottom[v] for v in sorted(top) if v in bottom and bottom[v] > 0}


def fit_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """The slope of the least-squares line through ``(log10 x, log10 y)``.

    A figure that grows in proportion to ``x`` has slope 1; one that does not depend on
    ``x`` has slope 0.

    Raises:
        ValueError: with fewer than two points, or a value that is not positive.

    Examples::

        >>> round(fit_slope([10, 100, 1000], [2, 20, 200]), 6)
        1.0
        >>> abs(round(fit_slope([10, 100, 1000], [5, 5, 5]), 6))
        0.0
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2 or x.size != y.size:
        raise ValueError(f"fit_slope needs at least two (x, y) pairs, got {x.size} x and {y.size} y")
    if (x <= 0).any() or (y <= 0).any():
        raise ValueError("fit_slope needs positive values (it fits on log-log axes)")
    slope, _ = np.polyfit(np.log10(x), np.log10(y), 1)
    return float(slope)


def format_seconds(seconds: float) -> str:
    """A duration in s, ms, us or ns, to three significant digits.

    Examples::

        >>> format_seconds(0.0000853), format_seconds(0.0208), format_seconds(2.8)
        ('85.3 us', '20.8 ms', '2.8 s')
    """
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _grid(result: dict, title: str, cell) -> list[str]:  # noqa: ANN001 - a small callback
    vocab = result["config"]["vocab"]
    by_key = {(r["method"], r["vocab"]): r for r in result["results"]}
    names = [name for name in result["config"]["methods"]]
    width = max(len(name) for name in names) + 2
    lines = [title, "V".rjust(width) + "".join(f"{v:>17,}" for v in vocab)]
    for group in GROUPS:
        in_group = [name for name in names if METHODS[name].group == group]
        if not in_group:
            continue
        lines.append(f"  [{group}]")
        for name in in_group:
            cells = []
            for v in vocab:
                record = by_key.get((name, v))
                cells.append("skipped" if record is None or record["status"] != "ok" else cell(record))
            lines.append(name.rjust(width) + "".join(f"{c:>17}" for c in cells))
    return lines


def _time_cell(record: dict) -> str:
    spread = 100 * record["iqr_s"] / record["median_s"] if record["median_s"] > 0 else 0.0
    return f"{format_seconds(record['median_s'])} ±{spread:.0f}%"


def format_report(result: dict) -> str:
    """The result as the text table ``embedlab bench`` prints.

    Times are medians with the interquartile range as a percentage of the median;
    ratios divide medians. The records' ``fraction_of_bound`` is left out: its bytes
    are the cost model's, which count temporaries that can stay in cache, so it is no
    lower bound (the chapter's roofline, :mod:`embedlab.bench.roofline`, counts only
    the bytes that must move).
    """
    config, machine = result["config"], result["machine"]
    lines = [
        f"embedlab bench: B={config['batch']:,}, D={config['dim']}, {config['dtype']}, {machine['device']} "
        f"({machine['device_name']}), {config['threads']} thread(s)",
        f"torch {machine['torch']}, NumPy {machine['numpy']}, Python {machine['python']}; "
        f"median of up to {config['repeats']} interleaved blocks of ~{config['block_time'] * 1e3:g} ms, ±IQR",
    ]
    bandwidth = result.get("bandwidth")
    if bandwidth:
        lines.append(
            f"memory bandwidth ({format_bytes(bandwidth['size_bytes'])} arrays): read {bandwidth['read_Bps'] / 1e9:.1f} GB/s, "
            f"copy {bandwidth['copy_Bps'] / 1e9:.1f} GB/s, "
            f"triad {bandwidth['triad_Bps'] / 1e9:.1f} GB/s; filling fresh pages "
            f"{bandwidth['first_touch_Bps'] / 1e9:.2f} GB/s vs {bandwidth['refill_Bps'] / 1e9:.1f} GB/s for touched ones"
        )
    lines.append("")
    lines += _grid(result, "time per call", _time_cell)
    ratio_lines = ["", "ratios of medians".ljust(40) + "".join(f"{v:>12,}" for v in config["vocab"])]
    for a, b in COMPARISONS:
        if a in config["methods"] and b in config["methods"]:
            values = ratio(result, a, b)
            cells = [f"{values[v]:,.2f}x" if v in values else "-" for v in config["vocab"]]
            ratio_lines.append(f"{a} / {b}".ljust(40) + "".join(f"{c:>12}" for c in cells))
    if len(ratio_lines) > 2:
        lines += ratio_lines
    if any(r.get("peak_bytes") is not None for r in result["results"]):
        lines.append("")
        lines += _grid(
            result, "peak memory per call (rise above the inputs)",
            lambda r: "-" if r.get("peak_bytes") is None else format_bytes(r["peak_bytes"]),
        )
    if result.get("memory_note"):
        lines += ["", result["memory_note"]]
    skipped = [r for r in result["results"] if r["status"] != "ok"]
    if skipped:
        lines += ["", "skipped:"]
        lines += [f"  {r['method']} at V={r['vocab']:,}: {r['note']}" for r in skipped]
    lines += ["", f"wall time {result['wall_s']:.1f} s"]
    return "\n".join(lines)


def summarise_over_seeds(
    runs: Sequence[dict[str, Any]], keys: Sequence[str], metrics: Sequence[str]
) -> list[dict[str, Any]]:
    r"""The mean and the standard deviation over seeds of each metric, per group of runs.

    Runs that agree on every one of ``keys`` form a group, in the order the groups
    first occur. A metric that a run leaves as ``None`` is averaged over the runs that
    have it, and left out of a group where none has it.

    Args:
        runs (list of dict): one dict per run.
        keys (list of str): the fields that name a group (trainer, variant, ...).
        metrics (list of str): the fields to average.

    Returns:
        list: one dict per group: its ``keys``, ``seeds`` (its number of runs), and
        ``<metric>_mean`` and ``<metric>_std`` (0 for one run).

    Examples::

        >>> runs = [{"trainer": "a", "score": 0.1, "extra": None},
        ...         {"trainer": "a", "score": 0.3, "extra": None}]
        >>> summary, = summarise_over_seeds(runs, ["trainer"], ["score", "extra"])
        >>> summary["score_mean"], round(summary["score_std"], 4), summary["seeds"]
        (0.2, 0.1414, 2)
        >>> "extra_mean" in summary
        False
    """
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault(tuple(run[key] for key in keys), []).append(run)
    summary = []
    for group, members in groups.items():
        row: dict[str, Any] = {**dict(zip(keys, group)), "seeds": len(members)}
        for metric in metrics:
            values = [m[metric] for m in members if m.get(metric) is not None]
            if values:
                row[f"{metric}_mean"] = round(statistics.fmean(values), 6)
                row[f"{metric}_std"] = round(statistics.stdev(values), 6) if len(values) > 1 else 0.0
        summary.append(row)
    return summary


def save_result(result: dict, path: str | Path) -> Path:
    """Write ``result`` as indented JSON; return the path.

    The file is replaced atomically (:func:`embedlab.atomic.atomic_write`): a result
    that cannot be written (a NaN, say) leaves a file already at ``path`` as it was.
    """
    path = Path(path)
    if path.parent != Path():
        path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=1, allow_nan=False) + "\n"
    with atomic_write(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def load_result(path: str | Path) -> dict:
    """Read a result written by :func:`save_result`, checking that it is one.

    Raises:
        ValueError: if the file is not a benchmark result of this schema.
    """
    result = json.loads(Path(path).read_text())
    if not isinstance(result, dict) or result.get("schema") != SCHEMA:
        found = result.get("schema") if isinstance(result, dict) else type(result).__name__
        raise ValueError(f"{path} is not an embedlab benchmark result of schema {SCHEMA!r} (found {found!r})")
    missing = {"config", "machine", "results"} - set(result)
    if missing:
        raise ValueError(f"{path} lacks {', '.join(sorted(missing))}")
    for record in result["results"]:
        if record["status"] == "ok" and not math.isfinite(record["median_s"]):
            raise ValueError(f"{path}: {record['method']} at V={record['vocab']} has no finite median")
    return result
