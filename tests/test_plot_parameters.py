"""embedlab.plot.parameters: the parameters chapter's figures show what PyTorch does."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from embedlab.parameters import gradient_bytes, sparse_break_even
from embedlab.plot.parameters import (
    plot_gradient_memory,
    plot_norm_balls,
    plot_renorm_histogram,
    plot_row_norms,
    plot_update_by_frequency,
)


def bar_heights(ax: plt.Axes) -> np.ndarray:
    return np.array([patch.get_height() for patch in ax.patches])


def test_renorm_histogram_counts_every_row_once_and_splits_the_after_panel() -> None:
    before = torch.tensor([0.5, 1.5, 2.5, 3.5, 2.0])
    looked_up = torch.tensor([True, True, True, False, False])
    after = torch.where(looked_up & (before > 1.0), torch.tensor(1.0), before)
    fig = plot_renorm_histogram(before, after, 1.0, looked_up, bins=10)
    ax_before, ax_after = fig.axes
    assert bar_heights(ax_before).sum() == 5
    assert bar_heights(ax_after).sum() == 5  # stacked: looked-up bars + untouched bars
    assert [text.get_text() for text in ax_after.get_legend().get_texts()] == [
        "looked up",
        "not looked up",
    ]
    dashed = [line.get_xdata()[0] for ax in fig.axes for line in ax.get_lines()]
    assert dashed == [1.0, 1.0]
    plt.close(fig)


def test_renorm_histogram_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match=r"got shapes \(3,\), \(2,\), \(3,\)"):
        plot_renorm_histogram([1, 2, 3], [1, 2], 1.0, [True, False, True])


def test_norm_balls_moves_exactly_the_rows_pytorch_rescales_onto_the_ball() -> None:
    points = torch.tensor(
        [[0.6, 0.6], [0.9, 0.2], [1.2, 0.1], [0.3, 0.3], [-0.2, -0.95]]
    )
    fig = plot_norm_balls(points, max_norm=1.0)
    for ax, p in zip(fig.axes, (1.0, 2.0, math.inf)):
        over = int((torch.linalg.vector_norm(points, ord=p, dim=1) > 1.0).sum())
        assert ax.get_title().endswith(f"{over} of 5 rows rescaled")
        arrows = [child for child in ax.texts if child.arrow_patch is not None]
        assert len(arrows) == over
        for arrow in arrows:  # each arrow ends on the sphere of radius max_norm
            assert np.linalg.norm(np.asarray(arrow.xy), ord=p) == pytest.approx(
                1.0, abs=1e-6
            )
    plt.close(fig)


def test_norm_balls_boundary_is_the_p_sphere() -> None:
    fig = plot_norm_balls([[0.1, 0.1]], max_norm=2.0, norm_types=(1.0, 3.0))
    for ax, p in zip(fig.axes, (1.0, 3.0)):
        boundary = ax.get_lines()[0].get_xydata()
        assert np.allclose(np.linalg.norm(boundary, ord=p, axis=1), 2.0)
    plt.close(fig)


def test_norm_balls_rejects_non_2d_rows() -> None:
    with pytest.raises(ValueError, match=r"got \(2, 3\)"):
        plot_norm_balls(np.zeros((2, 3)))


def test_norm_balls_leaves_its_input_alone() -> None:
    points = torch.tensor([[3.0, 4.0]])
    plt.close(plot_norm_balls(points))
    assert points.tolist() == [[3.0, 4.0]]


def test_gradient_memory_plots_the_model() -> None:
    vocab = [10**3, 10**4, 10**5, 10**6]
    fig = plot_gradient_memory(vocab, embedding_dim=32, num_ids=1000)
    (ax,) = fig.axes
    dense, sparse, marker = ax.get_lines()
    assert list(dense.get_ydata()) == [gradient_bytes(v, 32, 1000) for v in vocab]
    assert np.allclose(np.diff(np.log10(dense.get_ydata())), 1.0)
    assert set(sparse.get_ydata()) == {gradient_bytes(0, 32, 1000, sparse=True)}
    assert marker.get_xdata()[0] == sparse_break_even(32, 1000)
    plt.close(fig)


def test_row_norms_draws_each_row_and_marks_the_steps_that_looked_it_up() -> None:
    norms = np.array([[0.5, 2.0, 0.8], [1.2, 2.0, 0.9], [1.2, 2.0, 1.5]])
    batches = [[0, 2], [0]]
    fig = plot_row_norms(norms, batches, max_norm=1.0)
    (ax,) = fig.axes
    lines = ax.get_lines()
    for row in range(3):
        curve, markers = lines[2 * row : 2 * row + 2]
        assert curve.get_label() == f"row {row}"
        np.testing.assert_array_equal(curve.get_ydata(), norms[:, row])
        looked_up = [step for step, batch in enumerate(batches, 1) if row in batch]
        assert list(markers.get_xdata()) == looked_up
        np.testing.assert_array_equal(markers.get_ydata(), norms[looked_up, row])
    limit = lines[-1]
    assert limit.get_label() == "max_norm = 1" and set(limit.get_ydata()) == {1.0}
    plt.close(fig)


def test_row_norms_rejects_norms_that_do_not_match_the_batches() -> None:
    with pytest.raises(ValueError, match=r"\(3, V\) for 2 batches, got \(2, 4\)"):
        plot_row_norms(np.zeros((2, 4)), [[0], [1]], max_norm=1.0)


def test_update_by_frequency_plots_the_seen_ids_on_log_axes() -> None:
    counts = torch.tensor([3, 0, 1, 10])
    summed = counts * 0.5
    fig = plot_update_by_frequency(
        counts, {"sum": summed, "mean": torch.full((4,), 0.5)}
    )
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    total, mean = ax.get_lines()
    assert total.get_label() == "sum" and mean.get_label() == "mean"
    assert list(total.get_xdata()) == [3.0, 1.0, 10.0]
    assert list(total.get_ydata()) == [1.5, 0.5, 5.0]
    assert list(mean.get_ydata()) == [0.5, 0.5, 0.5]
    plt.close(fig)


def test_update_by_frequency_rejects_a_series_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match=r"updates\['sum'\] has shape \(2,\), expected \(3,\)"):
        plot_update_by_frequency([1, 2, 3], {"sum": [1.0, 2.0]})
    with pytest.raises(ValueError, match="updates is empty"):
        plot_update_by_frequency([1, 2, 3], {})
