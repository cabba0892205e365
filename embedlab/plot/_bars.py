"""Grouped horizontal bars of byte sizes on a log axis, shared by the memory figures."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from embedlab.memory import format_bytes
from embedlab.plot.style import FIGURE_WIDTH, MIN_FONT_PT

#: Height of one bar, in inches: a 9 pt label (0.125 in) and a gap above and below.
BAR_HEIGHT_IN = 0.19


def grouped_log_bars(
    groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> tuple[Figure, plt.Axes]:
    """One group of bars per entry of ``groups`` (top to bottom), one bar per series.

    ``series`` holds ``(label, sizes)`` pairs with one size, in bytes, per group;
    each bar is labelled with its size. The legend sits below the axes.
    """
    groups = list(groups)
    height = 0.8 / len(series)
    legend_rows = math.ceil(len(series) / 2)
    fig, ax = plt.subplots(
        figsize=(
            FIGURE_WIDTH,
            1.2 + 0.25 * legend_rows + BAR_HEIGHT_IN * len(series) * len(groups),
        )
    )
    for k, (label, sizes) in enumerate(series):
        # Groups run top to bottom; within a group, series run top to bottom too.
        positions = [
            row + (k - (len(series) - 1) / 2) * height for row in range(len(groups))
        ]
        bars = ax.barh(positions, sizes, height=height, label=label)
        ax.bar_label(
            bars,
            labels=[format_bytes(s) for s in sizes],
            padding=3,
            fontsize=MIN_FONT_PT,
        )
    ax.set_yticks(range(len(groups)), groups)
    ax.invert_yaxis()
    ax.set_xscale("log")
    every_size = [size for _, sizes in series for size in sizes]
    # Bars on a log axis start at its left edge: make that a round power of ten below
    # every bar, and leave room on the right for the labels at the ends of the bars.
    ax.set_xlim(10 ** math.floor(math.log10(min(every_size))), max(every_size) * 30)
    ax.grid(True, axis="x", which="major", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(len(series), 2), frameon=False)
    return fig, ax
