"""Figures of the chapter *Embeddings from real text*: embedlab against gensim; hash collisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from embedlab.plot.style import FIGURE_WIDTH

__all__ = ["plot_collisions", "plot_gensim_comparison", "plot_variant_costs"]

_COLOURS = {"gensim": "tab:orange", "embedlab": "tab:blue"}


def _row(summary: Sequence[Mapping[str, Any]], trainer: str, threads: int, variant: str = "") -> Mapping[str, Any]:
    for row in summary:
        if (row["trainer"], row["threads"], row["variant"]) == (trainer, threads, variant):
            return row
    raise ValueError(f"the summary has no row for {trainer} at {threads} thread(s), variant {variant!r}")


def plot_gensim_comparison(result: Mapping[str, Any]) -> Figure:
    """Quality (left) and speed (right) of gensim and embedlab, from a benchmark result.

    Left: the mean Spearman correlation on WordSim353 and SimLex-999 at one thread,
    with error bars of one standard deviation over seeds and a dot per seed. Right:
    the mean words per second at each thread count, with the same error bars.

    Args:
        result (dict): what :func:`embedlab.bench.word2vec.run_word2vec_bench` returns.

    Raises:
        ValueError: if a trainer or thread count is missing from the summary.

    Examples::

        >>> rows = [{"trainer": t, "variant": "", "threads": 1, "seeds": 1,
        ...          "wordsim353_mean": 0.1, "wordsim353_std": 0.0, "simlex999_mean": 0.0,
        ...          "simlex999_std": 0.0, "words_per_second_mean": 1e5,
        ...          "words_per_second_std": 0.0} for t in ("gensim", "embedlab")]
        >>> fig = plot_gensim_comparison({"summary": rows, "runs": [],
        ...                               "settings": {"threads": [1]}})
        >>> len(fig.axes), len(fig.axes[1].patches)
        (2, 2)
        >>> plt.close(fig)
    """
    summary, runs = result["summary"], result["runs"]
    threads = list(result["settings"]["threads"])
    fig, (quality, speed) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4))
    width = 0.38
    for k, trainer in enumerate(("gensim", "embedlab")):
        colour = _COLOURS[trainer]
        row = _row(summary, trainer, threads[0])
        positions = np.arange(2) + (k - 0.5) * width
        means = [row["wordsim353_mean"], row["simlex999_mean"]]
        spreads = [row["wordsim353_std"], row["simlex999_std"]]
        quality.bar(positions, means, width, yerr=spreads, capsize=3, color=colour, alpha=0.75, label=trainer)
        for x, metric in zip(positions, ("wordsim353", "simlex999")):
            seeds = [r[metric] for r in runs if (r["trainer"], r["threads"], r["variant"]) == (trainer, threads[0], "")]
            quality.plot([x] * len(seeds), seeds, "o", color="black", markersize=2.5)
        rows = [_row(summary, trainer, t) for t in threads]
        positions = np.arange(len(threads)) + (k - 0.5) * width
        speed.bar(positions, [r["words_per_second_mean"] / 1e3 for r in rows], width,
                  yerr=[r["words_per_second_std"] / 1e3 for r in rows], capsize=3,
                  color=colour, alpha=0.75, label=trainer)
    quality.axhline(0, color="0.3", linewidth=0.8)
    quality.set_xticks([0, 1], ["WordSim353", "SimLex-999"])
    quality.set_ylabel("Spearman correlation")
    quality.set_title(f"quality, {threads[0]} thread, over seeds")
    speed.set_xticks(range(len(threads)), [f"{t} thread{'s' if t > 1 else ''}" for t in threads])
    speed.set_ylabel("thousand words per second")
    speed.set_title("speed")
    # Below both panels: inside either one it would cover a bar or an error bar.
    fig.legend(*speed.get_legend_handles_labels(), loc="outside lower center", ncols=2,
               frameon=False)
    return fig


_BENCHMARKS = {"wordsim353": "WordSim353", "simlex999": "SimLex-999"}


def plot_variant_costs(result: Mapping[str, Any], metric: str = "wordsim353") -> Figure:
    """Horizontal bars of ``metric`` (mean ± one standard deviation) for embedlab at
    the benchmark's settings and with each behaviour switched off, with gensim's mean as a dashed line.

    Examples::

        >>> row = {"trainer": "embedlab", "threads": 1, "seeds": 1,
        ...        "wordsim353_mean": 0.1, "wordsim353_std": 0.0}
        >>> rows = [{**row, "variant": ""}, {**row, "variant": "fixed window"},
        ...         {**row, "trainer": "gensim", "variant": ""}]
        >>> fig = plot_variant_costs({"summary": rows, "settings": {"threads": [1]}})
        >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
        ["the benchmark's settings", 'fixed window']
        >>> plt.close(fig)
    """
    threads = result["settings"]["threads"][0]
    rows = [r for r in result["summary"] if r["trainer"] == "embedlab" and r["threads"] == threads]
    rows.sort(key=lambda r: r["variant"] != "")
    labels = [r["variant"] or "the benchmark's settings" for r in rows]
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.45 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.barh(y, [r[f"{metric}_mean"] for r in rows], xerr=[r[f"{metric}_std"] for r in rows],
            capsize=3, color=_COLOURS["embedlab"], alpha=0.75)
    ax.axvline(_row(result["summary"], "gensim", threads)[f"{metric}_mean"], color=_COLOURS["gensim"],
               linestyle="--", label="gensim, defaults")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"{_BENCHMARKS.get(metric, metric)} Spearman correlation, mean over seeds")
    ax.legend(loc="lower right", frameon=False)
    return fig


def plot_collisions(buckets: Sequence[int], measured: Sequence[float], expected: Sequence[float]) -> Figure:
    """The measured collision rate against the number of buckets, with the expected rate.

    Examples::

        >>> fig = plot_collisions([10, 100], [0.9, 0.3], [0.95, 0.28])
        >>> [len(line.get_xdata()) for line in fig.axes[0].get_lines()]
        [2, 2]
        >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.0))
    ax.plot(buckets, measured, "o", color="tab:blue", label="measured (FNV-1a)")
    ax.plot(buckets, expected, "-", color="0.4", linewidth=1, label="uniform hashing, expected")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("buckets (log scale)")
    ax.set_ylabel("n-grams sharing a bucket")
    ax.legend(frameon=False)
    return fig
