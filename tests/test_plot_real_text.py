"""embedlab.plot.real_text: the figures draw the benchmark's numbers, not others."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from embedlab.plot.real_text import plot_collisions, plot_gensim_comparison, plot_variant_costs

RESULT = Path(__file__).parent.parent / "book" / "data" / "word2vec_vs_gensim.json"


@pytest.fixture(scope="module")
def result() -> dict:
    return json.loads(RESULT.read_text())


def _row(result: dict, trainer: str, threads: int, variant: str = "") -> dict:
    return next(r for r in result["summary"]
                if (r["trainer"], r["threads"], r["variant"]) == (trainer, threads, variant))


def test_comparison_bars_are_the_summary_means(result: dict) -> None:
    fig = plot_gensim_comparison(result)
    quality, speed = fig.axes
    heights = [round(bar.get_height(), 6) for bar in quality.patches]
    expected = [round(_row(result, t, 1)[m], 6) for t in ("gensim", "embedlab")
                for m in ("wordsim353_mean", "simlex999_mean")]
    assert heights == expected
    speeds = [round(bar.get_height(), 6) for bar in speed.patches]
    assert speeds == [round(_row(result, t, n)["words_per_second_mean"] / 1e3, 6)
                      for t in ("gensim", "embedlab") for n in (1, 2)]
    # One dot per seed and metric.
    dots = sum(len(line.get_xdata()) for line in quality.get_lines() if line.get_marker() == "o")
    assert dots == 2 * 2 * result["settings"]["seeds"]
    plt.close(fig)


def test_variant_bars_start_with_the_defaults(result: dict) -> None:
    fig = plot_variant_costs(result)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "the benchmark's settings" and "fixed window" in labels
    widths = [round(bar.get_width(), 6) for bar in ax.patches]
    assert widths[0] == round(_row(result, "embedlab", 1)["wordsim353_mean"], 6)
    gensim_line = next(line for line in ax.get_lines() if line.get_linestyle() == "--")
    assert gensim_line.get_xdata()[0] == _row(result, "gensim", 1)["wordsim353_mean"]
    plt.close(fig)


def test_missing_rows_are_named() -> None:
    with pytest.raises(ValueError, match="no row for gensim at 1 thread"):
        plot_gensim_comparison({"summary": [], "runs": [], "settings": {"threads": [1]}})


def test_collision_figure_has_both_curves_on_a_log_axis() -> None:
    fig = plot_collisions([16, 64], [0.5, 0.1], [0.45, 0.12])
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    measured, expected = ax.get_lines()
    assert list(measured.get_ydata()) == [0.5, 0.1] and list(expected.get_ydata()) == [0.45, 0.12]
    plt.close(fig)
