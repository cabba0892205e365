"""Figures for the chapter *Why a lookup wins*, drawn from a benchmark result.

:func:`plot_bench` and :func:`plot_ratios` take the dictionary
:func:`~embedlab.bench.runner.run_bench` returns (or
:func:`~embedlab.bench.report.load_result` reads back), so a figure always shows what
was measured; :func:`plot_roofline` takes measured points and the machine's measured
roof.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from embedlab.bench.report import fit_slope, ratio, series
from embedlab.bench.roofline import attainable, ridge_point
from embedlab.plot._labels import place_labels
from embedlab.plot.style import FIGURE_WIDTH

#: Height of one legend entry, in inches, at the book's 9 pt legend font.
LEGEND_ROW_IN = 0.19

__all__ = ["FIGURE_METHODS", "plot_bench", "plot_ratios", "plot_roofline"]

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
    """Time and peak memory against ``V``, one panel above the other.

    Both panels are on log-log axes, each with its legend to its right, outside the
    axes:

    1. median time per call against the vocabulary size, with each method's fitted
       slope in the legend (1: grows in proportion to ``V``; 0: does not depend on it);
    2. peak memory per call against the vocabulary size, likewise (only positive
       figures can be drawn on a log axis; zeros are left out).

    What limits each call, arithmetic or memory, is :func:`plot_roofline`'s subject.

    Args:
        result: a benchmark result.
        methods: which methods to draw, in legend order. Default: those of
            ``FIGURE_METHODS`` that the result holds.

    Returns:
        matplotlib.figure.Figure: the figure, with two axes.

    Examples::

        >>> result = {"results": [
        ...     {"method": "onehot", "vocab": v, "status": "ok", "median_s": v * 1e-6,
        ...      "peak_bytes": 32 * v} for v in (10, 100, 1000)]}
        >>> fig = plot_bench(result)
        >>> [ax.get_legend_handles_labels()[1][0] for ax in fig.axes]
        ['onehot (slope 1.00)', 'onehot (slope 1.00)']
        >>> plt.close(fig)
    """
    names = _present(result, methods)
    # One panel per row, each with its legend to its right, outside the axes: the
    # column holds one panel across, and up to 14 series would cover the lines.
    panel_height = max(2.4, 0.6 + LEGEND_ROW_IN * (len(names) + 1))
    fig, (ax_time, ax_memory) = plt.subplots(
        2, 1, figsize=(FIGURE_WIDTH, 2 * panel_height)
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

    ax_time.set(
        xlabel="vocabulary size V", ylabel="median time per call (s)", title="time"
    )
    ax_memory.set(
        xlabel="vocabulary size V",
        ylabel="peak memory per call (bytes)",
        title="peak memory",
    )
    for ax in (ax_time, ax_memory):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(True, which="major", alpha=0.3)
        if ax.get_legend_handles_labels()[1]:
            ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return fig


def plot_roofline(
    points: Mapping[str, Mapping[int, tuple[float, float]]],
    peak_flops: float,
    bandwidth: float,
    threads: int,
) -> Figure:
    """A roofline: attained FLOP/s against arithmetic intensity, under the machine's roof.

    The roof is ``min(peak_flops, bandwidth * intensity)``
    (:func:`embedlab.bench.roofline.attainable`): a slope set by the memory bandwidth,
    then a flat compute roof, meeting at the ridge point, drawn as a dotted vertical
    line. Each point is one call, labelled with its vocabulary size; a point right of
    the ridge is compute-bound, one left of it memory-bound.

    Args:
        points: for each series name, ``{V: (intensity, attained FLOP/s)}``
            (:func:`embedlab.bench.roofline.onehot_points`).
        peak_flops: the compute roof, in FLOP/s
            (:func:`embedlab.bench.roofline.measure_gemm_peak`).
        bandwidth: the memory bandwidth, in bytes per second, measured on the same
            number of threads.
        threads: that number of threads, for the title.

    Returns:
        matplotlib.figure.Figure: the figure, with one axes.

    Raises:
        ValueError: if ``peak_flops`` or ``bandwidth`` is not positive.

    Examples::

        >>> fig = plot_roofline({"one-hot": {10: (40.0, 2e10)}}, 5e10, 1e10, 1)
        >>> fig.axes[0].get_title()
        'roofline, 1 thread: ridge at 5 FLOP/byte'
        >>> plt.close(fig)
    """
    if not peak_flops > 0 or not bandwidth > 0:
        raise ValueError(
            "peak_flops and bandwidth must be positive, "
            f"got peak_flops={peak_flops!r} and bandwidth={bandwidth!r}"
        )
    ridge = ridge_point(peak_flops, bandwidth)
    intensities = [i for by_vocab in points.values() for i, _ in by_vocab.values()]
    low = min([ridge, *intensities]) / 10
    high = max([ridge, *intensities]) * 10
    span = np.geomspace(low, high, 200)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.6))
    roof = [attainable(i, peak_flops, bandwidth) for i in span]
    ax.plot(
        span,
        roof,
        color="black",
        linewidth=1.2,
        label=(
            f"roof: {bandwidth / 1e9:.1f} GB/s × intensity, "
            f"at most {peak_flops / 1e9:.0f} GFLOP/s"
        ),
    )
    ax.axvline(ridge, color="black", linestyle=":", linewidth=1)
    markers = "osD^v"
    spots, names = [], []
    for i, (name, by_vocab) in enumerate(points.items()):
        vocab = sorted(by_vocab)
        xs = [by_vocab[v][0] for v in vocab]
        ys = [by_vocab[v][1] for v in vocab]
        ax.plot(
            xs, ys, linestyle="none", marker=markers[i % 5], color=f"C{i}", label=name
        )
        spots += zip(xs, ys)
        names += [f"V={v:,}" for v in vocab]
    thread_word = "thread" if threads == 1 else "threads"
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="arithmetic intensity (FLOPs per byte that must move)",
        ylabel="attained FLOP/s",
        title=f"roofline, {threads} {thread_word}: ridge at {ridge:.3g} FLOP/byte",
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower right")
    # Last: the labels are placed in pixels, on the final layout.
    place_labels(ax, np.array(spots), names, ["black"] * len(names), fontsize=9)
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
