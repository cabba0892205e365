"""embedlab.plot.autograd: the row-drift figure plots what the trajectories hold."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from embedlab.plot.autograd import plot_row_drift, row_drift


def test_row_drift_is_the_distance_from_the_initial_row() -> None:
    rng = np.random.default_rng(0)
    trajectory = rng.normal(size=(4, 3, 2))
    drift = row_drift(trajectory)
    assert drift.shape == (4, 3)
    assert (drift[0] == 0).all()
    np.testing.assert_allclose(
        drift[2, 1], np.hypot(*(trajectory[2, 1] - trajectory[0, 1]))
    )


def test_row_drift_rejects_a_single_weight() -> None:
    with pytest.raises(ValueError, match=r"got \(3, 2\)"):
        row_drift(np.zeros((3, 2)))


def test_one_panel_per_optimizer_and_lines_follow_the_drift() -> None:
    rng = np.random.default_rng(1)
    runs = {"SGD": rng.normal(size=(4, 3, 2)), "Adam": rng.normal(size=(4, 3, 2))}
    batches = [[0], [1, 2], [1]]
    fig = plot_row_drift(runs, batches)
    assert [ax.get_title() for ax in fig.axes] == ["SGD", "Adam"]
    for ax, trajectory in zip(fig.axes, runs.values()):
        drift = row_drift(trajectory)
        lines = ax.get_lines()
        assert len(lines) == 3 * 3  # per row: the curve, filled markers, hollow markers
        for row in range(3):
            curve, filled, hollow = lines[3 * row : 3 * row + 3]
            np.testing.assert_allclose(curve.get_ydata(), drift[:, row])
            in_batch = [
                step for step, batch in enumerate(batches, start=1) if row in batch
            ]
            assert list(filled.get_xdata()) == in_batch
            assert list(hollow.get_xdata()) == [
                s for s in range(1, 4) if s not in in_batch
            ]
            assert hollow.get_markerfacecolor() == "none"
    plt.close(fig)


def test_rows_selects_the_lines_drawn() -> None:
    fig = plot_row_drift({"Adam": np.zeros((3, 5, 2))}, [[0], [4]], rows=[0, 4])
    labels = [
        line.get_label()
        for line in fig.axes[0].get_lines()
        if not line.get_label().startswith("_")
    ]
    assert labels == ["row 0", "row 4"]
    plt.close(fig)


def test_trajectory_length_must_match_the_batches() -> None:
    with pytest.raises(ValueError, match="it must hold 3"):
        plot_row_drift({"Adam": np.zeros((2, 3, 2))}, [[0], [1]])


def test_no_trajectories_is_refused() -> None:
    with pytest.raises(ValueError, match="trajectories is empty"):
        plot_row_drift({}, [[0]])
