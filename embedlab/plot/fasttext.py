"""The figure of embedlab's subword model against gensim's ``FastText``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from embedlab.plot.style import FIGURE_WIDTH

__all__ = ["plot_fasttext_comparison"]

#: The bars of each group: (trainer, metric suffix, legend label, colour).
_SERIES = (
    ("gensim", "", "gensim FastText", "tab:orange"),
    ("embedlab", "", "embedlab", "tab:blue"),
    ("embedlab", "_untrained", "embedlab, untrained", "0.65"),
)
_GROUPS = {"context": "context\n(held out)", "stem_top10": "stem in\n10 nearest",
           "wordsim353": "WordSim353\nSpearman", "simlex999": "SimLex-999\nSpearman"}


def _row(summary: Sequence[Mapping[str, Any]], trainer: str) -> Mapping[str, Any]:
    for row in summary:
        if (row["trainer"], row["variant"]) == (trainer, ""):
            return row
    raise ValueError(f"the summary has no row for {trainer} with the shared settings")


def plot_fasttext_comparison(result: Mapping[str, Any]) -> Figure:
    """What gensim's FastText and embedlab's subword model do for unseen words (left),
    and how fast they train (right), from a benchmark result.

    Left, for each score: the mean over seeds, an error bar of one standard deviation
    and a dot per seed, for gensim, embedlab, and embedlab's initial bag rows with its
    trained output rows (where measured); a dashed line marks chance (0.5) for the
    context score. Right: the mean words per second on one thread.

    Args:
        result (dict): what :func:`embedlab.bench.fasttext.run_fasttext_bench` returns.

    Raises:
        ValueError: if a trainer is missing from the summary.

    Examples::

        >>> row = {"variant": "", "seeds": 1, "words_per_second_mean": 1e5,
        ...        "words_per_second_std": 0.0}
        >>> for name in ("context", "stem_top10", "wordsim353", "simlex999"):
        ...     row.update({f"{name}_mean": 0.5, f"{name}_std": 0.0})
        >>> rows = [{**row, "trainer": "gensim"},
        ...         {**row, "trainer": "embedlab", "context_untrained_mean": 0.5,
        ...          "context_untrained_std": 0.0}]
        >>> fig = plot_fasttext_comparison({"summary": rows, "runs": []})
        >>> len(fig.axes), len(fig.axes[0].patches), len(fig.axes[1].patches)
        (2, 9, 2)
        >>> plt.close(fig)
    """
    summary, runs = result["summary"], result["runs"]
    rows = {trainer: _row(summary, trainer) for trainer in ("gensim", "embedlab")}
    fig, (quality, speed) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.6), width_ratios=(3.2, 1))
    width = 0.27
    for k, (trainer, suffix, label, colour) in enumerate(_SERIES):
        row = rows[trainer]
        shown = [(g, name) for g, name in enumerate(_GROUPS) if f"{name}{suffix}_mean" in row]
        positions = np.array([g for g, _ in shown]) + (k - 1) * width
        quality.bar(positions, [row[f"{name}{suffix}_mean"] for _, name in shown], width,
                    yerr=[row[f"{name}{suffix}_std"] for _, name in shown], capsize=2,
                    color=colour, alpha=0.8, label=label)
        for x, (_, name) in zip(positions, shown):
            seeds = [r[f"{name}{suffix}"] for r in runs if (r["trainer"], r["variant"]) == (trainer, "")]
            quality.plot([x] * len(seeds), seeds, "o", color="black", markersize=2)
    quality.hlines(0.5, -1.6 * width, 1.6 * width, color="0.2", linestyle="--", linewidth=1,
                   label="chance")
    quality.axhline(0, color="0.3", linewidth=0.8)
    quality.set_xticks(range(len(_GROUPS)), list(_GROUPS.values()))
    quality.set_ylabel("score, mean over seeds")
    quality.set_title("scores, 1 thread")
    for k, trainer in enumerate(("gensim", "embedlab")):
        row = rows[trainer]
        speed.bar(k, row["words_per_second_mean"] / 1e3, 0.6, yerr=row["words_per_second_std"] / 1e3,
                  capsize=2, color=_SERIES[k][3], alpha=0.8)
    speed.set_xticks([0, 1], ["gensim", "embedlab"])
    speed.set_ylabel("thousand words per second")
    speed.set_title("speed")
    # Below both panels: inside the left one it would cover a bar.
    fig.legend(*quality.get_legend_handles_labels(), loc="outside lower center", ncols=4, frameon=False)
    return fig
