"""embedlab.plot.scratch: the scatter-add figure shows what the backward pass does."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import ConnectionPatch, Rectangle

from embedlab.plot.scratch import plot_scatter_add, plot_trajectories


def cell_texts(ax: plt.Axes) -> list[str]:
    return [text.get_text() for text in ax.texts]


def highlighted_rows(ax: plt.Axes) -> list[int]:
    return sorted(
        int(patch.get_y() + 0.5) for patch in ax.patches if isinstance(patch, Rectangle)
    )


def arrows(fig: plt.Figure) -> list[ConnectionPatch]:
    return [artist for artist in fig.artists if isinstance(artist, ConnectionPatch)]


def test_right_grid_holds_the_scatter_add_and_repeated_rows_are_highlighted() -> None:
    ids = np.array([2, 0, 2, 3, 2])
    dout = np.arange(10.0).reshape(5, 2)
    fig = plot_scatter_add(ids, dout, num_embeddings=5)
    ax_dout, ax_dW = fig.axes
    expected = np.zeros((5, 2))
    np.add.at(expected, ids, dout)
    assert cell_texts(ax_dW) == [f"{v:g}" for v in expected.ravel()]
    assert cell_texts(ax_dout) == [f"{v:g}" for v in dout.ravel()]
    assert highlighted_rows(ax_dW) == [2]  # only id 2 repeats
    assert highlighted_rows(ax_dout) == [0, 2, 4]  # the positions that looked it up
    assert "row 2 gets 3 rows of dout" in ax_dW.get_title()
    assert [label.get_text() for label in ax_dout.get_yticklabels()] == [
        f"ids[{i}] = {r}" for i, r in enumerate(ids)
    ]
    plt.close(fig)


def test_one_arrow_per_position_from_its_dout_row_to_its_weight_row() -> None:
    ids = np.array([1, 1, 3])
    fig = plot_scatter_add(ids, np.ones((3, 4)), num_embeddings=4)
    drawn = arrows(fig)
    assert len(drawn) == len(ids)
    assert [arrow.xy1[1] for arrow in drawn] == [0, 1, 2]  # from each position ...
    assert [arrow.xy2[1] for arrow in drawn] == ids.tolist()  # ... to the row of its id
    colours = [arrow.get_edgecolor() for arrow in drawn]
    assert colours[0] == colours[1] != colours[2]  # repeated id 1 stands out
    plt.close(fig)


def test_without_repeats_nothing_is_highlighted() -> None:
    fig = plot_scatter_add(np.array([0, 2]), np.ones((2, 1)), num_embeddings=3)
    assert all(highlighted_rows(ax) == [] for ax in fig.axes)
    assert "no repeated ids" in fig.axes[1].get_title()
    plt.close(fig)


@pytest.mark.parametrize(
    ("ids", "dout", "match"),
    [
        (np.array([[0, 1]]), np.ones((2, 2)), "ids must be 1-D"),
        (
            np.array([0, 1]),
            np.ones((3, 2)),
            r"dout must have shape \(len\(ids\), D\) = \(2, D\)",
        ),
        (np.array([0, 5]), np.ones((2, 2)), r"ids\[1\] = 5 is out of range"),
    ],
)
def test_bad_arguments_are_refused(
    ids: np.ndarray, dout: np.ndarray, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        plot_scatter_add(ids, dout, num_embeddings=3)


def test_float_ids_are_refused() -> None:
    with pytest.raises(TypeError, match="ids must hold integers"):
        plot_scatter_add(np.array([0.0, 1.0]), np.ones((2, 2)), num_embeddings=3)


def test_trajectories_draw_each_rows_path_from_hollow_start_to_filled_end() -> None:
    path = np.array(
        [[[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]], [[0.5, 0.0], [1.0, 2.0], [3.0, 1.0]]]
    )
    fig = plot_trajectories(path, ["a", "b", "c"], groups=[0, 0, 1])
    ax_before, ax = fig.axes
    paths = [line for line in ax.get_lines() if len(line.get_xdata()) == 2]
    assert [line.get_xydata().tolist() for line in paths] == [
        path[:, row].tolist() for row in range(3)
    ]
    markers = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
    hollow = [m for m in markers if m.get_markerfacecolor() == "none"]
    starts = [m.get_xydata()[0].tolist() for m in hollow]
    assert starts == path[0].tolist()
    filled = [m for m in markers if m.get_markerfacecolor() != "none"]
    assert [m.get_xydata()[0].tolist() for m in filled] == path[-1].tolist()
    assert [text.get_text() for text in ax_before.texts] == ["a", "b", "c"]
    # Each label points at its row (placed in pixels, so up to rounding).
    np.testing.assert_allclose([text.xy for text in ax_before.texts], path[0], atol=1e-12)
    before = [line.get_xydata()[0].tolist() for line in ax_before.get_lines()]
    assert before == path[0].tolist()
    # rows of one group share a colour
    assert paths[0].get_color() == paths[1].get_color() != paths[2].get_color()
    plt.close(fig)


@pytest.mark.parametrize(
    ("path", "labels", "message"),
    [
        (np.zeros((2, 3, 3)), ["a", "b", "c"], r"shape \(steps \+ 1, V, 2\)"),
        (np.zeros((2, 3, 2)), ["a", "b"], "labels must name all 3 rows"),
    ],
)
def test_trajectories_reject_bad_shapes(path, labels, message) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=message):
        plot_trajectories(path, labels)


def test_trajectories_reject_a_group_list_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="groups must give all 2 rows a group, got 1"):
        plot_trajectories(np.zeros((2, 2, 2)), ["a", "b"], groups=[0])
