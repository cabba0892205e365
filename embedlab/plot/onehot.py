"""Figures of chapter 1, the one-hot problem: the one-hot product and its cost."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

from embedlab.onehot import lookup_cost, one_hot, onehot_cost
from embedlab.plot.style import FIGURE_WIDTH

HIGHLIGHT = "tab:orange"


def _draw_grid(
    ax: plt.Axes, values: np.ndarray, title: str, highlight_row: int | None = None
) -> None:
    """Draw a matrix as a grid of labelled cells, optionally outlining one row."""
    rows, cols = values.shape
    ax.imshow(np.zeros_like(values), cmap="Greys", vmin=0, vmax=1, aspect="equal")
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=9)
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=10)
    if highlight_row is not None:
        ax.add_patch(
            Rectangle(
                (-0.5, highlight_row - 0.5),
                cols,
                1,
                fill=True,
                alpha=0.35,
                color=HIGHLIGHT,
                linewidth=0,
            )
        )


def plot_onehot_product(weight: np.ndarray, index: int) -> Figure:
    r"""Draw ``one_hot(index) @ weight = weight[index]`` as three labelled grids.

    The one-hot row vector has its single one highlighted, the weight matrix has the
    selected row highlighted, and the result is that row.

    Args:
        weight (numpy.ndarray): a small table of shape ``(V, D)``.
        index (int): the id to look up, in ``[0, V)``.

    Returns:
        matplotlib.figure.Figure: the figure, with three axes.

    Examples::

        >>> fig = plot_onehot_product(np.arange(12.0).reshape(4, 3), index=2)
        >>> [ax.get_title() for ax in fig.axes]
        ['one-hot x (1×4)', 'W (4×3), row 2 selected', 'x W = W[2] (1×3)']
        >>> plt.close(fig)
    """
    weight = np.asarray(weight)
    if weight.ndim != 2:
        raise ValueError(f"weight must be 2-D (V, D), got shape {weight.shape}")
    vocab, dim = weight.shape
    x = one_hot(np.array([index]), vocab)
    size = (min(FIGURE_WIDTH, 2 + 0.45 * (vocab + 2 * dim)), 0.7 + 0.45 * vocab)
    fig, axes = plt.subplots(
        1,
        3,
        figsize=size,
        gridspec_kw={"width_ratios": [vocab, dim, dim], "wspace": 0.15},
    )
    _draw_grid(axes[0], x, f"one-hot x (1×{vocab})")
    axes[0].add_patch(
        Rectangle((index - 0.5, -0.5), 1, 1, alpha=0.35, color=HIGHLIGHT, linewidth=0)
    )
    title = f"W ({vocab}×{dim}), row {index} selected"
    _draw_grid(axes[1], weight, title, highlight_row=index)
    _draw_grid(axes[2], x @ weight, f"x W = W[{index}] (1×{dim})", highlight_row=0)
    for left, right, sign in ((axes[0], axes[1], "×"), (axes[1], axes[2], "=")):
        # Centred in the gap between the two grids, wherever the layout puts them:
        # the gap is measured when the figure is drawn.
        def gap(
            renderer: object, left: plt.Axes = left, right: plt.Axes = right
        ) -> Bbox:
            a, b = left.get_window_extent(renderer), right.get_window_extent(renderer)
            return Bbox.from_extents(a.x1, b.y0, b.x0, b.y1)

        sign_text = Annotation(
            sign,
            xy=(0.5, 0.5),
            xycoords=gap,
            ha="center",
            va="center",
            fontsize=16,
            annotation_clip=False,
        )
        sign_text.set_in_layout(False)
        fig.add_artist(sign_text)
    return fig


def plot_cost_model(
    vocab_sizes: Sequence[int], batch: int, dim: int, itemsize: int = 4
) -> Figure:
    r"""Plot FLOPs and extra memory of the one-hot product and a lookup against ``V``.

    Both axes are logarithmic. The one-hot FLOPs, :math:`2BVD`, are a straight line of
    slope 1. Its extra memory, :math:`B(V + D)` numbers, includes the :math:`B \times D`
    output, so it bends away from slope 1 where :math:`V` is not much larger than
    :math:`D`; a dotted line shows the :math:`B \times V` matrix alone. The lookup does
    no arithmetic: the left panel draws its :math:`B \cdot D` copied numbers, labelled
    as copies, so that it can share the axis. Both of its curves are flat.

    Args:
        vocab_sizes (list of int): the vocabulary sizes ``V`` to plot.
        batch (int): number of ids looked up at once ``B``.
        dim (int): embedding dimension ``D``.
        itemsize (int): bytes per float. Default: 4.

    Returns:
        matplotlib.figure.Figure: the figure, with two axes (work, memory).

    Examples::

        >>> fig = plot_cost_model([10, 100, 1000], batch=32, dim=8)
        >>> [ax.get_yscale() for ax in fig.axes]
        ['log', 'log']
        >>> fig.axes[0].get_legend_handles_labels()[1]
        ['one-hot @ W: 2BVD FLOPs', 'W[ids]: BD copies, 0 FLOPs']
        >>> plt.close(fig)
    """
    vocab_sizes = list(vocab_sizes)
    onehot = [onehot_cost(batch, v, dim, itemsize) for v in vocab_sizes]
    lookup = [lookup_cost(batch, v, dim, itemsize) for v in vocab_sizes]
    fig, (ax_flops, ax_mem) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4))
    ax_flops.loglog(
        vocab_sizes, [c.flops for c in onehot], "o-", label="one-hot @ W: 2BVD FLOPs"
    )
    ax_flops.loglog(
        vocab_sizes,
        [batch * dim] * len(vocab_sizes),
        "s--",
        label="W[ids]: BD copies, 0 FLOPs",
    )
    ax_flops.set(
        xlabel="vocabulary size V",
        ylabel="FLOPs (copies for W[ids])",
        title=f"work, B={batch}, D={dim}",
    )
    ax_mem.loglog(
        vocab_sizes,
        [c.extra_memory for c in onehot],
        "o-",
        label="one-hot @ W: B×V matrix\n+ B×D output",
    )
    ax_mem.loglog(
        vocab_sizes,
        [batch * v * itemsize for v in vocab_sizes],
        ":",
        color="C0",
        label="B×V matrix alone",
    )
    ax_mem.loglog(
        vocab_sizes,
        [c.extra_memory for c in lookup],
        "s--",
        color="C1",
        label="W[ids]: B×D output",
    )
    ax_mem.set(
        xlabel="vocabulary size V", ylabel="bytes allocated", title="extra memory"
    )
    for ax in (ax_flops, ax_mem):
        ax.grid(True, which="major", alpha=0.3)
        # Upper left stays empty: both curves start low, and only one-hot rises.
        ax.legend(loc="upper left")
    return fig
