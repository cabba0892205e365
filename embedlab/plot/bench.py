"""Figures for the chapter *Why a lookup wins*, drawn from a benchmark result.

Both functions take the dictionary :func:`~embedlab.bench.runner.run_bench` returns (or
:func:`~embedlab.bench.report.load_result` reads back), so a figure always shows what
was measured.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from embedlab.bench.report import fit_slope, ratio, series
from embedlab.plot.style import FIGURE_WIDTH

#: Height of one legend entry, in inches, at the book's 9 pt legend font.
LEGEND_ROW_IN = 0.19

__all__ = ["FIGURE_METHODS", "plot_bench", "plot_ratios"]

#: The methods ``plot_bench`` draws unless told otherwise (those present in the result).
FIGURE_METHODS: tuple[str, ...] = (
    "onehot",
    "numpy",
    "F.embedding",
    "embedlab",
    "F.embedding-bwd",
    "F.embedding-sparse",
    "F.embedding-max_norm",
    "embedlab-max_norm",
)


def _label(name: str, x: Sequence[float], y: Sequence[float]) -> str:
    if len(x) < 2:
        return name
    # + 0.0 turns the -0.0 that rounding a tiny negative slope gives into 0.0
    return f"{name} (slope {round(fit_slope(x, y), 2) + 0.0:.2f})"


def _present(result: dict, methods: Sequence[str] | None) -> list[str]:
    measured = {r["method"] for r in result["results"] if r["status"] == "ok"}
    wanted = FIGURE_METHODS if methods is None else methods
    return [name for name in wanted if name in measured]


def plot_bench(result: dict, methods: Sequence[str] | None = None) -> Figure:
    """Time and peak memory against ``V``, and time against the bandwidth bound.

    Three panels, one above the other, all on log-log axes, each with its legend to
    its right, outside the axes:

    1. median time per call against the vocabulary size, with each method's fitted
       slope in the legend (1: grows in proportion to ``V``; 0: does not depend on it);
    2. peak memory per call against the vocabulary size, likewise (only positive
       figures can be drawn on a log axis; zeros are left out);
    3. each call's time against the bytes it must move; the diagonal is the time those
       bytes take at the measured bandwidth, a floor no call can go under.

    Args:
        result: a benchmark result.
        methods: which methods to draw, in legend order. Default: those of
            ``FIGURE_METHODS`` that the result holds.

    Returns:
        matplotlib.figure.Figure: the figure, with three axes.

    Examples::

        >>> result = {"config": {"batch": 8, "dim": 4},
        ...           "bandwidth": {"bandwidth_Bps": 1e10}, "results": [
        ...     {"method": "onehot", "vocab": v, "status": "ok", "median_s": v * 1e-6,
        ...      "peak_bytes": 32 * v, "bytes_moved": 64 * v} for v in (10, 100, 1000)]}
        >>> fig = plot_bench(result)
        >>> [ax.get_legend_handles_labels()[1][0] for ax in fig.axes[:2]]
        ['onehot (slope 1.00)', 'onehot (slope 1.00)']
        >>> plt.close(fig)
    """
    names = _present(result, methods)
    # One panel per row, each with its legend to its right, outside the axes: the
    # column holds one panel across, and up to 14 series would cover the lines.
    panel_height = max(2.4, 0.6 + LEGEND_ROW_IN * (len(names) + 1))
    fig, (ax_time, ax_memory, ax_roof) = plt.subplots(
        3, 1, figsize=(FIGURE_WIDTH, 3 * panel_height)
    )
    markers = "osD^v<>ph*"
    for i, name in enumerate(names):
        style = {"marker": markers[i % len(markers)], "color": f"C{i % 10}"}
        vocab, seconds = series(result, name, "median_s")
        ax_time.plot(vocab, seconds, label=_label(name, vocab, seconds), **style)
        vocab_m, peaks = series(result, name, "peak_bytes")
        kept = [(v, p) for v, p in zip(vocab_m, peaks) if p > 0]
        if kept:
            xs, ys = zip(*kept)
            ax_memory.plot(xs, ys, label=_label(name, xs, ys), **style)
        moved, times = series(result, name, "bytes_moved")[1], seconds
        if len(moved) == len(times):
            ax_roof.plot(moved, times, linestyle="none", label=name, **style)

    ax_time.set(
        xlabel="vocabulary size V", ylabel="median time per call (s)", title="time"
    )
    ax_memory.set(
        xlabel="vocabulary size V",
        ylabel="peak memory per call (bytes)",
        title="peak memory",
    )
    ax_roof.set(
        xlabel="bytes the call must move",
        ylabel="median time per call (s)",
        title="against the bandwidth",
    )
    bandwidth = (result.get("bandwidth") or {}).get("bandwidth_Bps")
    all_moved = [
        r["bytes_moved"]
        for r in result["results"]
        if r["status"] == "ok" and "bytes_moved" in r
    ]
    if bandwidth and all_moved:
        span = np.geomspace(min(all_moved), max(all_moved), 50)
        ax_roof.plot(
            span,
            span / bandwidth,
            color="black",
            linewidth=1,
            label=f"bound at {bandwidth / 1e9:.1f} GB/s",
        )
    for ax in (ax_time, ax_memory, ax_roof):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(True, which="major", alpha=0.3)
        if ax.get_legend_handles_labels()[1]:
            ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return fig


def plot_ratios(result: dict, pairs: Sequence[tuple[str, str]]) -> Figure:
    """Ratios of median times against ``V``: one line per ``(numerator, denominator)``.

    A dotted line marks a ratio of 1 (equal speed). The legend sits below the axes.

    Args:
        result: a benchmark result.
        pairs: the ratios to draw, each ``(numerator, denominator)`` by method name.

    Returns:
        matplotlib.figure.Figure: the figure, with one axes.

    Examples::

        >>> result = {"results": [
        ...     {"method": m, "vocab": v, "status": "ok", "median_s": t * v}
        ...     for m, t in (("a", 2.0), ("b", 1.0)) for v in (10, 100)]}
        >>> fig = plot_ratios(result, [("a", "b")])
        >>> fig.axes[0].get_lines()[0].get_ydata().tolist()
        [2.0, 2.0]
        >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.0 + LEGEND_ROW_IN * len(pairs)))
    for i, (top, bottom) in enumerate(pairs):
        values = ratio(result, top, bottom)
        if values:
            ax.plot(
                list(values),
                list(values.values()),
                marker="osD^v"[i % 5],
                label=f"{top} / {bottom}",
            )
    ax.axhline(1.0, color="black", linestyle=":", linewidth=1)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="vocabulary size V",
        ylabel="ratio of median times",
    )
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[1]:
        # Below the axes: inside, it would hide a line wherever it went.
        fig.legend(loc="outside lower center", frameon=False)
    return fig
