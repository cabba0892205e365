"""Figures of the chapter on learning embeddings: the loss curve, a map of vectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from embedlab.plot._labels import place_labels
from embedlab.plot.style import FIGURE_WIDTH, MIN_FONT_PT
from embedlab.vectors import pca_2d

#: The colour of words without a category (function words).
OTHER = "0.6"


def plot_loss_curve(
    losses: Sequence[float], steps_per_epoch: int | None = None, smooth: int = 20
) -> Figure:
    r"""The training loss of every step, with a moving average and the epoch boundaries.

    Args:
        losses (list of float): the loss of each step, e.g.
            :attr:`embedlab.word2vec.TrainingLog.losses`.
        steps_per_epoch (int, optional): draw a dotted line at the end of every epoch.
            Default: ``None``.
        smooth (int): the window of the moving average, in steps. Default: ``20``.

    Returns:
        matplotlib.figure.Figure: one axes with two lines: the raw losses and their
        moving average (as long as the losses minus ``smooth - 1``).

    Raises:
        ValueError: if ``losses`` is empty or ``smooth`` is below 1.

    Examples::

        >>> fig = plot_loss_curve([3.0, 2.0, 1.5, 1.2, 1.1, 1.0], steps_per_epoch=3,
        ...                       smooth=2)
        >>> [len(line.get_ydata()) for line in fig.axes[0].get_lines()]
        [6, 5, 2]
        >>> plt.close(fig)
    """
    values = np.asarray(losses, dtype=float)
    if values.size == 0:
        raise ValueError("losses is empty: expected the loss of at least one step")
    if smooth < 1:
        raise ValueError(f"smooth must be at least 1, got {smooth}")
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.2))
    steps = np.arange(1, values.size + 1)
    ax.plot(
        steps,
        values,
        color="tab:blue",
        alpha=0.35,
        linewidth=0.8,
        label="loss of each step",
    )
    smooth = min(smooth, values.size)
    average = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
    ax.plot(
        steps[smooth - 1 :],
        average,
        color="tab:blue",
        linewidth=2,
        label=f"mean of {smooth} steps",
    )
    if steps_per_epoch:
        for boundary in range(steps_per_epoch, values.size, steps_per_epoch):
            ax.axvline(boundary + 0.5, color="0.5", linestyle=":", linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("negative-sampling loss")
    ax.set_title("word2vec training loss")
    ax.legend(loc="upper right", frameon=False)
    return fig


def plot_embedding_map(
    words: Sequence[str],
    vectors: torch.Tensor,
    categories: Mapping[str, str],
    pairs: Sequence[tuple[str, str]] = (),
    title: str = "word vectors, projected to 2-D",
) -> Figure:
    r"""The vectors on their two principal components, labelled, coloured by category.

    The projection is :func:`embedlab.vectors.pca_2d`. Words without a category are
    grey.
    Optional ``pairs`` are joined by arrows, e.g. to show that every country-to-capital
    arrow points the same way. A category has the same colour in every map drawn with
    the same ``categories``. Each label is set where it covers no other label, point
    or arrow, with a leader line when it had to move away from its point
    (a label that finds no free place is left out); the legend sits below the axes.

    Args:
        words (list of str): the words, one per row of ``vectors``.
        vectors (torch.Tensor): shape ``(N, D)``.
        categories (dict): the category of each word that has one.
        pairs (list of tuple): ``(from, to)`` words to join with an arrow.
            Default: none.
        title (str): the title of the axes.
            Default: ``"word vectors, projected to 2-D"``.

    Returns:
        matplotlib.figure.Figure: one axes, with one scatter (collection) per category
        shown, in sorted order, then one for the words without a category if any,
        and one text label per word that found a free place.

    Raises:
        ValueError: if ``words`` and ``vectors`` do not match, or a word of ``pairs``
            is not in ``words``.

    Examples::

        >>> vectors = torch.tensor([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.2],
        ...                         [0.0, 0.1, 1.0]])
        >>> categories = {"cat": "animal", "dog": "animal", "red": "colour"}
        >>> fig = plot_embedding_map(["cat", "dog", "red", "the"], vectors, categories)
        >>> [text.get_text() for text in fig.axes[0].texts]
        ['cat', 'dog', 'red', 'the']
        >>> [text.get_text() for text in fig.legends[0].get_texts()]
        ['animal', 'colour', 'other']
        >>> plt.close(fig)
    """
    words = list(words)
    if vectors.dim() != 2 or len(words) != vectors.shape[0]:
        raise ValueError(
            f"got {len(words)} words for vectors of shape {tuple(vectors.shape)}: "
            "expected one row per word"
        )
    row = {word: i for i, word in enumerate(words)}
    for start, end in pairs:
        for word in (start, end):
            if word not in row:
                raise ValueError(
                    f"pair ({start!r}, {end!r}): {word!r} is not one of the words"
                )
    coordinates, explained = pca_2d(vectors)
    points = coordinates.numpy()
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 5.8))
    # Colours follow every category of ``categories``, not only those shown, so a
    # category has the same colour in every map drawn from one corpus.
    every_group = sorted(set(categories.values()))
    palette = plt.get_cmap("tab10")
    colour_of = {group: palette(i % 10) for i, group in enumerate(every_group)}
    groups = [g for g in every_group if any(categories.get(w) == g for w in words)]
    for group in [*groups, None]:
        members = [i for i, w in enumerate(words) if categories.get(w) == group]
        if not members:
            continue
        colour = colour_of[group] if group is not None else OTHER
        ax.scatter(
            points[members, 0],
            points[members, 1],
            s=18,
            color=colour,
            label=group or "other",
            zorder=3,
        )
    segments = [(points[row[start]], points[row[end]]) for start, end in pairs]
    for head, tail in segments:
        # The arrow stops short of both markers, so its head points at the capital
        # without covering it; labels keep clear of the whole arrow.
        ax.annotate(
            "",
            xy=tail,
            xytext=head,
            arrowprops={
                "arrowstyle": "-|>",
                "color": "0.45",
                "lw": 0.8,
                "shrinkA": 4,
                "shrinkB": 4,
            },
        )
    # Room around the points for labels set beside the outermost ones.
    ax.margins(x=0.18, y=0.12)
    ax.set_xlabel(f"first principal component ({explained[0]:.0%} of the variance)")
    ax.set_ylabel(f"second principal component ({explained[1]:.0%})")
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncols=min(len(groups) + 1, 5), frameon=False)
    ax.set(xlim=ax.get_xlim(), ylim=ax.get_ylim())
    place_labels(
        ax,
        points,
        words,
        [colour_of.get(categories.get(w), OTHER) for w in words],
        fontsize=MIN_FONT_PT,
        avoid=segments,
    )
    return fig
