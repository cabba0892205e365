"""embedlab.plot: the figures show what the code computes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from embedlab.plot import plot_cost_model, plot_onehot_product


def cell_texts(ax: plt.Axes) -> list[str]:
    return [text.get_text() for text in ax.texts]


def highlighted_rows(ax: plt.Axes) -> list[float]:
    return [patch.get_y() + 0.5 for patch in ax.patches if isinstance(patch, Rectangle)]


@pytest.mark.parametrize("index", [0, 2, 4])
def test_onehot_figure_highlights_the_selected_row_and_shows_it_as_result(
    index: int,
) -> None:
    weight = np.arange(15.0).reshape(5, 3)
    fig = plot_onehot_product(weight, index)
    onehot_ax, weight_ax, result_ax = fig.axes
    assert cell_texts(onehot_ax) == ["1" if i == index else "0" for i in range(5)]
    assert highlighted_rows(weight_ax) == [index]
    assert cell_texts(result_ax) == [f"{v:g}" for v in weight[index]]
    assert [patch.get_x() + 0.5 for patch in onehot_ax.patches] == [index]
    plt.close(fig)


def test_onehot_figure_rejects_non_matrix() -> None:
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        plot_onehot_product(np.zeros(3), 0)


def test_onehot_figure_rejects_out_of_range_index() -> None:
    with pytest.raises(ValueError, match="ids\\[0\\] = 7 is out of range"):
        plot_onehot_product(np.zeros((3, 2)), 7)


def test_cost_figure_plots_linear_growth_for_onehot_and_flat_lookup() -> None:
    vocab = [100, 1000, 10_000]
    fig = plot_cost_model(vocab, batch=16, dim=8)
    ax_flops, ax_memory = fig.axes
    onehot_flops, lookup_ops = (line.get_ydata() for line in ax_flops.get_lines())
    assert np.allclose(np.diff(np.log10(onehot_flops)), 1.0)  # slope 1 on log-log axes
    assert len(set(lookup_ops)) == 1
    assert "copies" in ax_flops.get_lines()[1].get_label()
    onehot_memory, matrix, lookup_memory = (
        line.get_ydata() for line in ax_memory.get_lines()
    )
    # the one-hot memory includes the B x D output; the dotted line is the matrix alone
    assert onehot_memory.tolist() == [16 * (v + 8) * 4 for v in vocab]
    assert matrix.tolist() == [16 * v * 4 for v in vocab]
    assert len(set(lookup_memory)) == 1 and lookup_memory[0] == 16 * 8 * 4
    plt.close(fig)
