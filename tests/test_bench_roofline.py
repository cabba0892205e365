"""embedlab.bench.roofline: intensities, roofs and the points of a benchmark result."""

from __future__ import annotations

import math

import pytest

from embedlab.bench.roofline import (
    attainable,
    measure_gemm_peak,
    onehot_must_move,
    onehot_points,
    ridge_point,
)
from embedlab.onehot import onehot_cost


def test_must_move_counts_ids_table_and_output_but_not_the_onehot_matrix() -> None:
    batch, vocab, dim = 4096, 1000, 128
    moved = onehot_must_move(batch, vocab, dim)
    assert moved == 8 * batch + 4 * vocab * dim + 4 * batch * dim
    # the cost model's bytes_moved writes and reads the one-hot matrix, and leaves out the ids
    assert onehot_cost(batch, vocab, dim).bytes_moved - moved == 2 * 4 * batch * vocab - 8 * batch


def test_roof_is_the_slope_left_of_the_ridge_and_flat_right_of_it() -> None:
    peak, bandwidth = 8e10, 2e10
    ridge = ridge_point(peak, bandwidth)
    assert ridge == 4.0
    assert attainable(ridge, peak, bandwidth) == peak == bandwidth * ridge
    assert attainable(ridge / 2, peak, bandwidth) == peak / 2
    assert attainable(ridge * 10, peak, bandwidth) == peak


def test_points_are_flops_over_must_move_bytes_and_flops_over_time() -> None:
    result = {
        "config": {"batch": 16, "dim": 8, "dtype": "float64"},
        "results": [
            {"method": "onehot", "vocab": 100, "status": "ok", "median_s": 2e-4},
            {"method": "onehot", "vocab": 10**6, "status": "skipped", "note": "big"},
            {"method": "F.embedding", "vocab": 100, "status": "ok", "median_s": 1e-6},
        ],
    }
    points = onehot_points(result)
    assert list(points) == [100]  # skipped sizes and other methods are left out
    flops = 2 * 16 * 100 * 8
    moved = 16 * 8 + 100 * 8 * 8 + 16 * 8 * 8  # float64: 8 bytes a number
    intensity, attained = points[100]
    assert intensity == pytest.approx(flops / moved)
    assert attained == pytest.approx(flops / 2e-4)


def test_gemm_peak_is_a_plausible_speed() -> None:
    peak = measure_gemm_peak(sizes=(64, 128), min_run_time=0.02)
    # above 10 MFLOP/s (any machine) and below 100 TFLOP/s (no CPU core)
    assert math.isfinite(peak) and 1e7 < peak < 1e14
