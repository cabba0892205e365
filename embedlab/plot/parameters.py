"""Figures of the chapters on :class:`torch.nn.Embedding`'s options: max_norm and
norm_type (the lookup options), scale_grad_by_freq and sparse (the gradient options)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from embedlab.parameters import gradient_bytes, sparse_break_even
from embedlab.plot.style import FIGURE_WIDTH

LOOKED_UP = "tab:orange"
UNTOUCHED = "tab:blue"


def _as_numpy(values: object) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def plot_renorm_histogram(
    norms_before: Sequence[float] | np.ndarray | torch.Tensor,
    norms_after: Sequence[float] | np.ndarray | torch.Tensor,
    max_norm: float,
    looked_up: Sequence[bool] | np.ndarray | torch.Tensor,
    bins: int = 30,
) -> Figure:
    r"""Histograms of a table's row norms before and after a lookup with ``max_norm``.

    The right panel stacks the rows that were looked up (which ``max_norm`` may have
    rescaled) on the rows that were not (which it never touches). Both panels use the
    same bins and mark ``max_norm`` with a dashed line.

    Args:
        norms_before (numpy.ndarray or torch.Tensor): the norm of every row, shape
            ``(V,)``.
        norms_after (numpy.ndarray or torch.Tensor): the norm of every row after the
            lookup, shape ``(V,)``.
        max_norm (float): the ``max_norm`` the lookup used.
        looked_up (numpy.ndarray or torch.Tensor): booleans, which rows the lookup
            read, shape ``(V,)``.
        bins (int): number of histogram bins. Default: ``30``.

    Returns:
        matplotlib.figure.Figure: the figure, with two axes (before, after).

    Raises:
        ValueError: if the three arrays do not have the same length.

    Examples::

        >>> fig = plot_renorm_histogram([0.5, 2.0, 3.0], [0.5, 1.0, 3.0], 1.0,
        ...                             [True, True, False])
        >>> [ax.get_title() for ax in fig.axes]
        ['before the lookup: 3 rows', 'after: 2 looked up, 1 not']
        >>> plt.close(fig)
    """
    before, after = _as_numpy(norms_before).astype(float), _as_numpy(
        norms_after
    ).astype(float)
    mask = _as_numpy(looked_up).astype(bool)
    if not before.shape == after.shape == mask.shape or before.ndim != 1:
        raise ValueError(
            "norms_before, norms_after and looked_up must be 1-D of one length, "
            f"got shapes "
            f"{before.shape}, {after.shape}, {mask.shape}"
        )
    edges = np.histogram_bin_edges(
        np.concatenate([before, after, [max_norm]]), bins=bins
    )
    fig, (ax_before, ax_after) = plt.subplots(
        1, 2, figsize=(FIGURE_WIDTH, 3.0), sharex=True, sharey=True
    )
    ax_before.hist(before, bins=edges, color="0.6")
    ax_before.set_title(f"before the lookup: {before.size} rows")
    ax_after.hist(
        [after[mask], after[~mask]],
        bins=edges,
        stacked=True,
        color=[LOOKED_UP, UNTOUCHED],
        label=["looked up", "not looked up"],
    )
    ax_after.set_title(f"after: {int(mask.sum())} looked up, {int((~mask).sum())} not")
    ax_after.legend(loc="upper right")
    for ax in (ax_before, ax_after):
        ax.axvline(max_norm, color="k", linestyle="--", linewidth=1)
        ax.set_xlabel("row norm")
    ax_before.set_ylabel("rows")
    return fig


def _ball_boundary(radius: float, norm_type: float, samples: int = 721) -> np.ndarray:
    """Points of the 2-D sphere ``{x : ||x||_p = radius}``, shape ``(samples, 2)``."""
    angle = np.linspace(0.0, 2 * np.pi, samples)
    directions = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lengths = np.linalg.norm(directions, ord=norm_type, axis=1)
    return radius * directions / lengths[:, None]


def plot_norm_balls(
    points: Sequence[Sequence[float]] | np.ndarray | torch.Tensor,
    max_norm: float = 1.0,
    norm_types: Sequence[float] = (1.0, 2.0, math.inf),
) -> Figure:
    r"""Where ``max_norm`` moves 2-D rows, for several ``norm_type``\ s.

    One panel per ``p``: the ball of radius ``max_norm`` in the ``p``-norm, every row
    as a dot, and an arrow from each row that :func:`torch.nn.functional.embedding`
    rescales to where it lands. The rescaling is computed by PyTorch itself, on a
    copy of ``points``.

    Args:
        points (numpy.ndarray or torch.Tensor): rows of shape ``(N, 2)``; nested lists
            work too.
        max_norm (float): the ``max_norm`` to apply. Default: ``1.0``.
        norm_types (tuple of float): the ``p`` of each panel. Default: ``(1, 2, inf)``.

    Returns:
        matplotlib.figure.Figure: the figure, with one axes per norm type.

    Raises:
        ValueError: if ``points`` is not of shape ``(N, 2)``.

    Examples::

        >>> fig = plot_norm_balls([[0.6, 0.6], [0.2, 0.1]])
        >>> [ax.get_title().split("\n") for ax in fig.axes][0]
        ['p = 1', '1 of 2 rows rescaled']
        >>> [ax.get_title().split("\n")[1] for ax in fig.axes][1:]
        ['0 of 2 rows rescaled', '0 of 2 rows rescaled']
        >>> plt.close(fig)
    """
    table = torch.as_tensor(_as_numpy(points), dtype=torch.float64)
    if table.dim() != 2 or table.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {tuple(table.shape)}")
    ids = torch.arange(table.shape[0])
    extent = 1.15 * max(max_norm, float(table.abs().max()) if table.numel() else 0.0)
    fig, axes = plt.subplots(
        1,
        len(norm_types),
        figsize=(FIGURE_WIDTH, 1.0 + FIGURE_WIDTH / len(norm_types)),
        squeeze=False,
    )
    for ax, p in zip(axes[0], norm_types):
        rescaled = table.clone()
        torch.nn.functional.embedding(ids, rescaled, max_norm=max_norm, norm_type=p)
        moved = (rescaled != table).any(dim=1)
        boundary = _ball_boundary(max_norm, p)
        ax.fill(boundary[:, 0], boundary[:, 1], color="0.92", zorder=0)
        ax.plot(boundary[:, 0], boundary[:, 1], color="0.4", linewidth=1)
        ax.scatter(
            table[~moved, 0], table[~moved, 1], color=UNTOUCHED, zorder=3, label="kept"
        )
        ax.scatter(
            table[moved, 0],
            table[moved, 1],
            color=LOOKED_UP,
            zorder=3,
            label="rescaled from",
        )
        for (x0, y0), (x1, y1) in zip(table[moved].tolist(), rescaled[moved].tolist()):
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops={"arrowstyle": "->", "color": LOOKED_UP},
            )
        ax.scatter(
            rescaled[moved, 0],
            rescaled[moved, 1],
            color=LOOKED_UP,
            marker="x",
            zorder=3,
            label="to",
        )
        label = "inf" if math.isinf(p) else f"{p:g}"
        ax.set_title(
            f"p = {label}\n{int(moved.sum())} of {table.shape[0]} rows rescaled"
        )
        ax.set(xlim=(-extent, extent), ylim=(-extent, extent), aspect="equal")
        ax.axhline(0, color="0.8", linewidth=0.5, zorder=0)
        ax.axvline(0, color="0.8", linewidth=0.5, zorder=0)
    # Below the panels, where it covers no point.
    fig.legend(
        *axes[0][0].get_legend_handles_labels(),
        loc="outside lower center",
        ncols=3,
        frameon=False,
    )
    return fig


def plot_gradient_memory(
    vocab_sizes: Sequence[int], embedding_dim: int, num_ids: int, itemsize: int = 4
) -> Figure:
    r"""Bytes of a dense and of a sparse weight gradient against the vocabulary size.

    Both axes are logarithmic. The dense gradient grows in proportion to ``V``; the
    sparse one depends only on the batch, so it is a flat line. A dotted vertical line
    marks :func:`~embedlab.parameters.sparse_break_even`, the smallest ``V`` for which
    the sparse gradient is the smaller.

    Args:
        vocab_sizes (list of int): the vocabulary sizes ``V`` to plot.
        embedding_dim (int): the row length ``D``.
        num_ids (int): ids looked up per batch ``B``.
        itemsize (int): bytes per number. Default: ``4``.

    Returns:
        matplotlib.figure.Figure: the figure, with one axes.

    Examples::

        >>> fig = plot_gradient_memory([10**3, 10**4, 10**5], embedding_dim=64,
        ...                            num_ids=4096)
        >>> [line.get_label() for line in fig.axes[0].get_lines()]
        ['dense', 'sparse (uncoalesced)', 'break-even V = 4,225']
        >>> plt.close(fig)
    """
    vocab_sizes = list(vocab_sizes)
    dense = [
        gradient_bytes(v, embedding_dim, num_ids, itemsize=itemsize)
        for v in vocab_sizes
    ]
    sparse = [
        gradient_bytes(v, embedding_dim, num_ids, sparse=True, itemsize=itemsize)
        for v in vocab_sizes
    ]
    break_even = sparse_break_even(embedding_dim, num_ids, itemsize=itemsize)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.4))
    ax.loglog(vocab_sizes, dense, "o-", label="dense")
    ax.loglog(vocab_sizes, sparse, "s--", label="sparse (uncoalesced)")
    ax.axvline(
        break_even, color="0.4", linestyle=":", label=f"break-even V = {break_even:,}"
    )
    ax.set(
        xlabel="vocabulary size V",
        ylabel="bytes of weight.grad",
        title=f"gradient memory, D={embedding_dim}, B={num_ids} ids",
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return fig


def plot_row_norms(
    norms: np.ndarray | torch.Tensor,
    batches: Sequence[Sequence[int]],
    max_norm: float,
) -> Figure:
    r"""The norm of every row of a table over training, against ``max_norm``.

    One line per row: its norm before training and after each step. A filled
    marker shows a step whose batch looked the row up, so that ``max_norm`` rescaled
    it at the start of that step; a line with no markers belongs to a row that
    ``max_norm`` never touched. A dashed line marks ``max_norm``.

    Args:
        norms (numpy.ndarray or torch.Tensor): the row norms before training and after
            each step, shape ``(steps + 1, V)``.
        batches (list of list of int): the ids each step looked up; its length is the
            number of steps.
        max_norm (float): the table's ``max_norm``.

    Returns:
        matplotlib.figure.Figure: the figure, with one axes.

    Raises:
        ValueError: if ``norms`` is not 2-D or does not hold one row more than
            ``batches``.

    Examples::

        >>> fig = plot_row_norms([[0.5, 2.0], [1.1, 2.0]], [[0]], max_norm=1.0)
        >>> [line.get_label() for line in fig.axes[0].get_lines()][::2]
        ['row 0', 'row 1', 'max_norm = 1']
        >>> plt.close(fig)
    """
    values = _as_numpy(norms).astype(float)
    if values.ndim != 2 or values.shape[0] != len(batches) + 1:
        raise ValueError(
            f"norms must have shape (steps + 1, V) = ({len(batches) + 1}, V) for "
            f"{len(batches)} batches, got {values.shape}"
        )
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.4))
    steps = np.arange(values.shape[0])
    for row in range(values.shape[1]):
        (line,) = ax.plot(steps, values[:, row], "-", label=f"row {row}")
        looked_up = np.array([False] + [row in batch for batch in batches])
        ax.plot(
            steps[looked_up],
            values[looked_up, row],
            "o",
            markersize=3,
            color=line.get_color(),
        )
    ax.axhline(
        max_norm, color="k", linestyle="--", linewidth=1, label=f"max_norm = {max_norm:g}"
    )
    ax.set(xlabel="step", ylabel="row norm after the step")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", ncols=2)
    return fig


def plot_update_by_frequency(
    counts: Sequence[int] | np.ndarray | torch.Tensor,
    updates: Mapping[str, Sequence[float] | np.ndarray | torch.Tensor],
) -> Figure:
    r"""The size of each row's update against how often its id was looked up.

    Both axes are logarithmic, so an update that grows in proportion to the count is
    a line of slope 1 and one that does not depend on it is flat. Rows whose id was
    not looked up (count 0) are left out: they have no update.

    Args:
        counts (numpy.ndarray or torch.Tensor): how often each id occurs in the batch,
            shape ``(V,)``.
        updates (dict): maps a label (a :class:`str`) to the size of each row's
            update, shape ``(V,)``; one series per entry.

    Returns:
        matplotlib.figure.Figure: the figure, with one axes.

    Raises:
        ValueError: if ``updates`` is empty or a series does not have the shape of
            ``counts``.

    Examples::

        >>> fig = plot_update_by_frequency([1, 0, 4], {"sum": [1.0, 0.0, 4.0],
        ...                                            "mean": [1.0, 0.0, 1.0]})
        >>> [line.get_label() for line in fig.axes[0].get_lines()]
        ['sum', 'mean']
        >>> plt.close(fig)
    """
    count = _as_numpy(counts).astype(float)
    if not updates:
        raise ValueError("updates is empty: give at least one series of update sizes")
    seen = count > 0
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.4))
    for (label, sizes), marker in zip(updates.items(), "os^vD"):
        size = _as_numpy(sizes).astype(float)
        if size.shape != count.shape:
            raise ValueError(
                f"updates[{label!r}] has shape {size.shape}, expected {count.shape} "
                "(one size per id, as counts)"
            )
        ax.loglog(count[seen], size[seen], marker, markersize=3, alpha=0.6, label=label)
    ax.set(xlabel="times the id occurs in the batch", ylabel="size of the row's update")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return fig
