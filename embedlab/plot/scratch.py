"""Figures of chapter 2, the embedding layer from scratch: the backward scatter-add, and
the rows of a table moving as it trains."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch, Rectangle

from embedlab._checks import check_ids_in_range, check_index_dtype
from embedlab.plot._labels import place_labels
from embedlab.plot.onehot import HIGHLIGHT, _draw_grid
from embedlab.plot.style import FIGURE_WIDTH
from embedlab.scratch import scatter_add_rows

#: Colour of the arrows of ids that occur once.
SINGLE = "0.45"


def plot_scatter_add(ids: np.ndarray, dout: np.ndarray, num_embeddings: int) -> Figure:
    r"""Draw a lookup's backward pass: row ``i`` of ``dout`` added into row ``ids[i]``.

    The left grid is the upstream gradient ``dout``, one row per position, labelled
    with the id looked up there; the right grid is ``dW``, the scatter-add of those
    rows (:func:`embedlab.scratch.scatter_add_rows`). An arrow goes from each row
    of ``dout`` to the row of ``dW`` it is added into. Ids that occur more than once
    are highlighted in both grids and their arrows drawn in colour: their row of
    ``dW`` holds the *sum* of several upstream rows. Rows of ``dW`` that no id
    points at stay zero.

    Args:
        ids (numpy.ndarray): 1-D integer ids in ``[0, num_embeddings)``.
        dout (numpy.ndarray): the upstream gradient, shape ``(len(ids), D)``.
        num_embeddings (int): the number of rows ``V`` of the weight.

    Returns:
        matplotlib.figure.Figure: the figure, with two axes (``dout``, ``dW``).

    Examples::

        >>> fig = plot_scatter_add(np.array([1, 3, 1]), np.ones((3, 2)),
        ...                        num_embeddings=4)
        >>> [ax.get_title() for ax in fig.axes]
        ['upstream gradient\ndout (3×2)', 'dW (4×2)\nrow 1 gets 2 rows of dout']
        >>> plt.close(fig)
    """
    ids = np.asarray(ids)
    dout = np.asarray(dout, dtype=float)
    check_index_dtype(ids, name="ids")
    if ids.ndim != 1:
        raise ValueError(f"ids must be 1-D, got shape {ids.shape}")
    if dout.ndim != 2 or dout.shape[0] != ids.shape[0]:
        raise ValueError(
            f"dout must have shape (len(ids), D) = ({ids.shape[0]}, D), "
            f"got {dout.shape}"
        )
    check_ids_in_range(ids, num_embeddings, "num_embeddings")
    dW = scatter_add_rows(np.zeros((num_embeddings, dout.shape[1])), ids, dout)

    counts = np.bincount(ids, minlength=num_embeddings)
    repeated = [int(row) for row in np.flatnonzero(counts > 1)]
    batch, dim = dout.shape
    # Each title on two lines, so that two narrow grids' titles do not run together.
    size = (min(FIGURE_WIDTH, 3.8 + 0.9 * dim), 1.4 + 0.45 * max(batch, num_embeddings))
    fig, (ax_dout, ax_dW) = plt.subplots(
        1, 2, figsize=size, gridspec_kw={"wspace": 0.3}
    )
    _draw_grid(ax_dout, dout, f"upstream gradient\ndout ({batch}×{dim})")
    ax_dout.set_yticks(
        np.arange(batch), [f"ids[{i}] = {row}" for i, row in enumerate(ids)]
    )
    ax_dout.tick_params(labelleft=True)
    if repeated:
        summary = "\n".join(
            f"row {row} gets {counts[row]} rows of dout" for row in repeated
        )
    else:
        summary = "no repeated ids"
    _draw_grid(ax_dW, dW, f"dW ({num_embeddings}×{dim})\n{summary}")
    ax_dW.set_yticks(
        np.arange(num_embeddings), [f"row {row}" for row in range(num_embeddings)]
    )
    ax_dW.tick_params(labelleft=False, labelright=True)
    for ax, rows in (
        (ax_dout, [i for i, row in enumerate(ids) if row in repeated]),
        (ax_dW, repeated),
    ):
        for row in rows:
            ax.add_patch(
                Rectangle(
                    (-0.5, row - 0.5), dim, 1, alpha=0.35, color=HIGHLIGHT, linewidth=0
                )
            )
    for position, row in enumerate(ids):
        arrow = ConnectionPatch(
            xyA=(dim - 0.5, position),
            coordsA=ax_dout.transData,
            xyB=(-0.5, row),
            coordsB=ax_dW.transData,
            arrowstyle="-|>",
            color=HIGHLIGHT if row in repeated else SINGLE,
            linewidth=1.5,
        )
        fig.add_artist(arrow)
    return fig


def plot_trajectories(
    path: np.ndarray, labels: Sequence[str], groups: Sequence[int] | None = None
) -> Figure:
    r"""Draw how the 2-D rows of a table move during training.

    Two panels. The left one shows the rows before training, each labelled with its
    name, on axes scaled to them. The right one draws each row's path, from a hollow
    marker (before training) to a filled one (after). Rows of one group share a
    colour, so a reader sees related rows gather.

    Args:
        path (numpy.ndarray): the table after every step, shape ``(steps + 1, V, 2)``;
            ``path[0]`` is the table before training.
        labels (list of str): a name for each of the ``V`` rows.
        groups (list of int, optional): a group number for each row, which picks its
            colour. Default: every row its own colour.

    Returns:
        matplotlib.figure.Figure: the figure, with two axes (before, paths).

    Examples::

        >>> path = np.array([[[0.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [2.0, 0.0]]])
        >>> fig = plot_trajectories(path, ["a", "b"])
        >>> fig.axes[1].get_lines()[0].get_xydata().tolist()
        [[0.0, 0.0], [0.0, 1.0]]
        >>> plt.close(fig)
    """
    path = np.asarray(path, dtype=float)
    if path.ndim != 3 or path.shape[2] != 2:
        raise ValueError(f"path must have shape (steps + 1, V, 2), got {path.shape}")
    vocab = path.shape[1]
    if len(labels) != vocab:
        raise ValueError(f"labels must name all {vocab} rows, got {len(labels)} labels")
    groups = list(range(vocab)) if groups is None else list(groups)
    if len(groups) != vocab:
        raise ValueError(
            f"groups must give all {vocab} rows a group, got {len(groups)}"
        )
    fig, (ax_before, ax_paths) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4))
    colours = [f"C{group % 10}" for group in groups]
    for row, colour in enumerate(colours):
        ax_before.plot(*path[0, row], "o", color=colour, markerfacecolor="none")
        ax_paths.plot(path[:, row, 0], path[:, row, 1], color=colour, linewidth=1)
        ax_paths.plot(*path[0, row], "o", color=colour, markerfacecolor="none")
        ax_paths.plot(*path[-1, row], "o", color=colour)
    ax_before.set(title="before training", xlabel="dimension 0", ylabel="dimension 1")
    ax_before.margins(0.25)
    ax_paths.set(
        title="paths during training",
        xlabel="dimension 0",
        ylabel="dimension 1",
    )
    for ax in (ax_before, ax_paths):
        ax.grid(True, alpha=0.3)
    # Last: the labels are placed in pixels, on the final layout.
    place_labels(ax_before, path[0], labels, colours, fontsize=9)
    return fig
