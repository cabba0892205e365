"""embedlab.plot.bench: the figures show what the result holds."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from embedlab.plot.bench import FIGURE_METHODS, plot_bench, plot_ratios

VOCAB = [10**3, 10**4, 10**5]


def record(
    method: str, vocab: int, seconds: float, peak: int | None, moved: int
) -> dict:
    return {
        "method": method,
        "vocab": vocab,
        "status": "ok",
        "median_s": seconds,
        "peak_bytes": peak,
        "bytes_moved": moved,
    }


@pytest.fixture
def result() -> dict:
    records = [record("onehot", v, 1e-8 * v, 4 * v, 8 * v) for v in VOCAB[:2]]
    records.append(
        {
            "method": "onehot",
            "vocab": VOCAB[2],
            "status": "skipped",
            "note": "over budget",
        }
    )
    records += [record("F.embedding", v, 1e-4, 2**21, 2**22) for v in VOCAB]
    records += [
        record("F.embedding-bwd", v, 1e-9 * v, 0, 4 * v) for v in VOCAB
    ]  # zero peak: not drawable
    records += [record("F.embedding-sparse", v, 5e-5, 2**20, 2**21) for v in VOCAB]
    return {
        "config": {"vocab": VOCAB},
        "bandwidth": {"bandwidth_Bps": 1e10},
        "results": records,
    }


def test_bench_figure_draws_time_memory_and_roofline_with_slopes(result: dict) -> None:
    fig = plot_bench(result)
    ax_time, ax_memory, ax_roof = fig.axes
    labels = ax_time.get_legend_handles_labels()[1]
    assert labels == [
        "onehot (slope 1.00)",
        "F.embedding (slope 0.00)",
        "F.embedding-bwd (slope 1.00)",
        "F.embedding-sparse (slope 0.00)",
    ]
    onehot = ax_time.get_lines()[0]
    assert onehot.get_xdata().tolist() == VOCAB[:2]  # the skipped size is left out
    # zero peaks cannot sit on a log axis: F.embedding-bwd has no memory line
    assert [
        label.split(" (")[0] for label in ax_memory.get_legend_handles_labels()[1]
    ] == ["onehot", "F.embedding", "F.embedding-sparse"]
    bound = ax_roof.get_lines()[-1]
    assert bound.get_label() == "bound at 10.0 GB/s"
    np.testing.assert_allclose(bound.get_ydata(), bound.get_xdata() / 1e10)
    assert all(ax.get_xscale() == ax.get_yscale() == "log" for ax in fig.axes)
    plt.close(fig)


def test_bench_figure_without_bandwidth_has_no_bound_line(result: dict) -> None:
    result["bandwidth"] = None
    fig = plot_bench(result, methods=["F.embedding", "not-measured"])
    assert [line.get_label() for line in fig.axes[2].get_lines()] == ["F.embedding"]
    plt.close(fig)


def test_default_figure_methods_exist() -> None:
    from embedlab.bench import METHODS

    assert set(FIGURE_METHODS) <= set(METHODS)


def test_ratio_figure_draws_one_line_per_pair_where_both_ran(result: dict) -> None:
    fig = plot_ratios(
        result, [("onehot", "F.embedding"), ("F.embedding-bwd", "F.embedding-sparse")]
    )
    (ax,) = fig.axes
    onehot, dense = ax.get_lines()[:2]
    assert onehot.get_xdata().tolist() == VOCAB[:2]
    np.testing.assert_allclose(onehot.get_ydata(), [0.1, 1.0])
    np.testing.assert_allclose(dense.get_ydata(), [0.02, 0.2, 2.0])
    assert list(ax.get_lines()[-1].get_ydata()) == [1.0, 1.0]  # the line of equal speed
    plt.close(fig)
