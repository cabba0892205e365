"""embedlab.plot.bench: the figures show what the result holds."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from embedlab.plot.bench import FIGURE_METHODS, plot_bench, plot_ratios, plot_roofline

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


def test_bench_figure_draws_time_and_memory_with_slopes(result: dict) -> None:
    fig = plot_bench(result)
    ax_time, ax_memory = fig.axes
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
    assert all(ax.get_xscale() == ax.get_yscale() == "log" for ax in fig.axes)
    plt.close(fig)


def test_bench_figure_draws_only_measured_methods(result: dict) -> None:
    fig = plot_bench(result, methods=["F.embedding", "not-measured"])
    assert [line.get_label() for line in fig.axes[0].get_lines()] == [
        "F.embedding (slope 0.00)"
    ]
    plt.close(fig)


def test_roofline_draws_the_roof_and_each_point_where_it_was_measured() -> None:
    points = {"one-hot": {10: (40.0, 2e10), 100: (80.0, 3e10)}, "other": {5: (1.0, 1e9)}}
    fig = plot_roofline(points, peak_flops=5e10, bandwidth=1e10, threads=2)
    (ax,) = fig.axes
    roof, ridge, onehot, other = ax.get_lines()
    x = roof.get_xdata()
    np.testing.assert_allclose(roof.get_ydata(), np.minimum(5e10, 1e10 * x))
    assert x.min() < 1.0 and x.max() > 80.0  # spans every point
    assert list(ridge.get_xdata()) == [5.0, 5.0]  # peak / bandwidth
    assert onehot.get_xydata().tolist() == [[40.0, 2e10], [80.0, 3e10]]
    assert other.get_xydata().tolist() == [[1.0, 1e9]]
    assert [text.get_text() for text in ax.texts] == ["V=10", "V=100", "V=5"]
    assert ax.get_title() == "roofline, 2 threads: ridge at 5 FLOP/byte"
    assert "10.0 GB/s" in roof.get_label() and "50 GFLOP/s" in roof.get_label()
    plt.close(fig)


@pytest.mark.parametrize(("peak", "bandwidth"), [(0.0, 1e10), (1e10, -1.0)])
def test_roofline_rejects_a_roof_that_is_not_positive(peak: float, bandwidth: float) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        plot_roofline({}, peak_flops=peak, bandwidth=bandwidth, threads=1)


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
