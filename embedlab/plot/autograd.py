"""Figures of the chapter on autograd behaviour: how far each row of a table moves,
step by step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from embedlab.plot.style import FIGURE_WIDTH


def row_drift(trajectory: np.ndarray) -> np.ndarray:
    r"""How far each row of a weight has moved from where it started, after every step.

    Args:
        trajectory (numpy.ndarray): the weight before training and after each step,
            stacked: shape ``(steps + 1, V, D)``.

    Returns:
        numpy.ndarray: shape ``(steps + 1, V)``; entry ``[t, r]`` is the 2-norm
        :math:`\lVert W_t[r] - W_0[r] \rVert`, so row 0 of the result is all zeros.

    Examples::

        >>> trajectory = np.array([[[0.0, 0.0]], [[3.0, 4.0]]])   # one row, one step
        >>> row_drift(trajectory)
        array([[0.],
               [5.]])
    """
    trajectory = np.asarray(trajectory, dtype=float)
    if trajectory.ndim != 3:
        raise ValueError(
            f"trajectory must have shape (steps + 1, V, D), got {trajectory.shape}"
        )
    return np.linalg.norm(trajectory - trajectory[0], axis=2)


def plot_row_drift(
    trajectories: Mapping[str, np.ndarray],
    batches: Sequence[Sequence[int]],
    rows: Sequence[int] | None = None,
) -> Figure:
    r"""Plot, for each optimizer, how far each row of the table moved after each step.

    One panel per entry of ``trajectories``, one line per row: the distance
    :math:`\lVert W_t[r] - W_0[r] \rVert` (:func:`row_drift`) against the step
    :math:`t`. A filled marker shows a step whose batch contained the row; a hollow
    marker, a step whose batch did not. A line that keeps rising through hollow
    markers belongs to a row that moves although no gradient of the loss reached it.

    Args:
        trajectories (dict): maps an optimizer's name (a :class:`str`) to its
            trajectory: the weight before training and after each step, a
            :class:`numpy.ndarray` of shape ``(steps + 1, V, D)``.
        batches (list of list of int): the ids of the batch of each step; its length
            is the number of steps.
        rows (list of int, optional): the rows to draw. Default: every row.

    Returns:
        matplotlib.figure.Figure: the figure, one axes per optimizer, sharing the y
        axis.

    Examples::

        >>> rng = np.random.default_rng(0)
        >>> runs = {"SGD": rng.normal(size=(3, 4, 2)),
        ...         "Adam": rng.normal(size=(3, 4, 2))}
        >>> fig = plot_row_drift(runs, batches=[[0, 1], [2, 3]])
        >>> [ax.get_title() for ax in fig.axes]
        ['SGD', 'Adam']
        >>> plt.close(fig)
    """
    if not trajectories:
        raise ValueError(
            "trajectories is empty: give at least one optimizer's trajectory"
        )
    drifts = {name: row_drift(trajectory) for name, trajectory in trajectories.items()}
    steps = len(batches)
    for name, drift in drifts.items():
        if drift.shape[0] != steps + 1:
            raise ValueError(
                f"trajectory {name!r} holds {drift.shape[0]} weights; "
                f"with {steps} batches "
                f"it must hold {steps + 1} (the initial weight, then one per step)"
            )
    vocab = next(iter(drifts.values())).shape[1]
    rows = list(range(vocab)) if rows is None else list(rows)
    fig, axes = plt.subplots(
        1, len(drifts), figsize=(FIGURE_WIDTH, 3.4), sharey=True, squeeze=False
    )
    step_axis = np.arange(steps + 1)
    for ax, (name, drift) in zip(axes[0], drifts.items()):
        for row in rows:
            (line,) = ax.plot(step_axis, drift[:, row], "-", label=f"row {row}")
            in_batch = np.array([False] + [row in batch for batch in batches])
            ax.plot(
                step_axis[in_batch], drift[in_batch, row], "o", color=line.get_color()
            )
            ax.plot(
                step_axis[~in_batch][1:],
                drift[~in_batch, row][1:],
                "o",
                mfc="none",
                color=line.get_color(),
            )
        ax.set(title=name, xlabel="step")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("distance from initial row")
    # One legend for every panel, below them, so that it hides no line.
    fig.legend(
        *axes[0][0].get_legend_handles_labels(),
        loc="outside lower center",
        ncols=min(len(rows), 6),
        frameon=False,
    )
    return fig
