"""Figures of chapter 2, the embedding layer from scratch: the backward scatter-add."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch, Rectangle

from embedlab._checks import check_ids_in_range, check_index_dtype
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
