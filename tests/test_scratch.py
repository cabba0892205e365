"""Tests of the NumPy embedding layer: forward is a lookup, backward a scatter-add that sums repeats."""

from __future__ import annotations

import re
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from embedlab import IdOutOfRangeError
from embedlab.scratch import Embedding, scatter_add_rows

V, D = 7, 3


def weight(dtype: type = np.float64) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((V, D)).astype(dtype)


# --- forward -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4)])
def test_forward_shape_is_ids_shape_then_embedding_dim(shape: tuple[int, ...]) -> None:
    ids = np.random.default_rng(1).integers(0, V, size=shape)
    assert Embedding(weight()).forward(ids).shape == (*shape, D)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64])
def test_forward_is_the_row_lookup_and_the_one_hot_product(dtype: type) -> None:
    W = weight()
    ids = np.array([[0, 6, 2], [2, 2, 5]], dtype=dtype)
    out = Embedding(W).forward(ids)
    np.testing.assert_array_equal(out, W[ids])
    one_hot = np.eye(V)[ids]  # (2, 3, V)
    np.testing.assert_allclose(out, one_hot @ W, rtol=1e-12)


def test_forward_returns_a_copy() -> None:
    W = weight()
    out = Embedding(W).forward(np.array([1, 1]))
    out[...] = 0
    assert np.all(W[1] != 0)


def test_forward_returns_the_padding_row_as_it_is() -> None:
    W = weight()
    np.testing.assert_array_equal(Embedding(W, padding_idx=2).forward(np.array([2])), W[[2]])


# --- backward ------------------------------------------------------------------------


@pytest.mark.parametrize("padding_idx", [None, 0, 2, -1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_matches_pytorch(padding_idx: int | None, dtype: type) -> None:
    rng = np.random.default_rng(2)
    W = weight(dtype)
    ids = rng.integers(0, V, size=(4, 5))
    ids[0, :3] = [0, V - 1, 2]  # make sure the padding ids occur
    dout = rng.standard_normal((4, 5, D)).astype(dtype)

    layer = Embedding(W, padding_idx=padding_idx)
    out = layer.forward(ids)
    layer.backward(dout)

    w = torch.tensor(W, requires_grad=True)
    out_torch = F.embedding(torch.from_numpy(ids), w, padding_idx=padding_idx)
    out_torch.backward(torch.from_numpy(dout))
    np.testing.assert_array_equal(out, out_torch.detach().numpy())
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(layer.grads[0], w.grad.numpy(), rtol=tol, atol=tol)


def test_backward_adds_the_gradients_of_repeated_ids() -> None:
    ids = np.array([4, 1, 4, 4])
    dout = np.arange(4 * D, dtype=np.float64).reshape(4, D)
    layer = Embedding(weight())
    layer.forward(ids)
    layer.backward(dout)

    np.testing.assert_array_equal(layer.grads[0][4], dout[0] + dout[2] + dout[3])
    # The naive assignment keeps one of the three rows: the test above tells them apart.
    naive = np.zeros((V, D))
    naive[ids] = dout
    assert not np.array_equal(naive, layer.grads[0])


def test_padding_row_gets_no_gradient() -> None:
    layer = Embedding(weight(), padding_idx=-2)
    assert layer.padding_idx == V - 2
    layer.forward(np.array([V - 2, V - 2, 0]))
    layer.backward(np.ones((3, D)))
    np.testing.assert_array_equal(layer.grads[0][V - 2], 0)
    np.testing.assert_array_equal(layer.grads[0][0], 1)


def test_backward_fills_the_same_gradient_array_and_does_not_accumulate_across_calls() -> None:
    layer = Embedding(weight())
    dW = layer.grads[0]  # what an optimizer would hold
    for _ in range(2):
        layer.forward(np.array([3, 3]))
        layer.backward(np.ones((2, D)))
    assert layer.grads[0] is dW
    np.testing.assert_array_equal(dW[3], 2)


def test_backward_uses_the_ids_of_forward_even_if_the_caller_reuses_the_buffer() -> None:
    layer = Embedding(weight())
    ids = np.array([1])
    layer.forward(ids)
    ids[0] = 5
    layer.backward(np.ones((1, D)))
    assert layer.grads[0][1].sum() == D and layer.grads[0][5].sum() == 0


def test_backward_matches_central_differences() -> None:
    rng = np.random.default_rng(3)
    W = rng.standard_normal((4, 2))
    ids = np.array([[0, 3], [3, 3]])
    R = rng.standard_normal((2, 2, 2))
    layer = Embedding(W)

    def loss() -> float:
        return float(np.sum(np.tanh(layer.forward(ids)) * R))

    numerical = np.zeros_like(W)
    h = 1e-6
    for i in np.ndindex(W.shape):
        saved = W[i]
        W[i] = saved + h
        up = loss()
        W[i] = saved - h
        down = loss()
        W[i] = saved
        numerical[i] = (up - down) / (2 * h)

    out = layer.forward(ids)
    layer.backward((1 - np.tanh(out) ** 2) * R)
    np.testing.assert_allclose(layer.grads[0], numerical, rtol=1e-6, atol=1e-8)
    assert np.all(numerical[3] != 0)  # the repeated id is part of the check


# --- scatter_add_rows ----------------------------------------------------------------


@st.composite
def scatter_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    num_rows = draw(st.integers(1, 20))
    dim = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.int8, np.int32, np.int64, np.uint64]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=8))
    # Few rows and up to 512 ids, so most draws repeat ids.
    ids = draw(hnp.arrays(dtype, shape, elements=st.integers(0, num_rows - 1)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dW = rng.standard_normal((num_rows, dim))  # non-zero: rows must be added, not set
    return dW, ids, rng.standard_normal((*shape, dim))


@given(scatter_cases())
def test_scatter_add_rows_matches_np_add_at(case: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    dW, ids, dout = case
    expected = dW.copy()
    np.add.at(expected, ids, dout)
    result = scatter_add_rows(dW, ids, dout)
    assert result is dW
    np.testing.assert_allclose(dW, expected, rtol=1e-12, atol=1e-12)


def test_scatter_add_rows_in_float32_against_2d_np_add_at() -> None:
    rng = np.random.default_rng(4)
    ids = rng.integers(0, 100, size=4096)  # every id repeats about 40 times
    dout = rng.standard_normal((4096, 128), dtype=np.float32)
    expected = np.zeros((100, 128), np.float32)
    np.add.at(expected, ids, dout)
    np.testing.assert_allclose(scatter_add_rows(np.zeros((100, 128), np.float32), ids, dout), expected, atol=1e-4)


# --- errors --------------------------------------------------------------------------


def test_weight_must_be_an_array() -> None:
    with pytest.raises(TypeError, match="W must be a numpy.ndarray of floats, got list"):
        Embedding([[0.0, 1.0]])


def test_weight_must_hold_floats() -> None:
    with pytest.raises(TypeError, match="got dtype int64"):
        Embedding(np.zeros((3, 2), dtype=np.int64))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
def test_weight_must_be_2d(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=rf"W must be 2-D .* got shape {re.escape(str(shape))}"):
        Embedding(np.zeros(shape))


@pytest.mark.parametrize("padding_idx", [V, -V - 1])
def test_padding_idx_must_be_in_range(padding_idx: int) -> None:
    with pytest.raises(ValueError, match=rf"padding_idx = {padding_idx} is out of range.*num_embeddings={V}"):
        Embedding(weight(), padding_idx=padding_idx)


def test_ids_must_hold_integers() -> None:
    with pytest.raises(TypeError, match="ids must hold integers, got dtype float64"):
        Embedding(weight()).forward(np.array([1.0]))


@pytest.mark.parametrize(("bad", "where"), [(V, r"ids\[1, 0\] = 7"), (-1, r"ids\[1, 0\] = -1")])
def test_ids_must_be_in_range(bad: int, where: str) -> None:
    ids = np.array([[0, 1], [bad, 2]])
    with pytest.raises(IdOutOfRangeError, match=rf"{where} is out of range.*num_embeddings={V}"):
        Embedding(weight()).forward(ids)
    # Both kinds of caller catch it.
    with pytest.raises(IndexError):
        scatter_add_rows(np.zeros((V, D)), ids, np.zeros((2, 2, D)))
    with pytest.raises(ValueError):
        scatter_add_rows(np.zeros((V, D)), ids, np.zeros((2, 2, D)))


def test_backward_before_forward() -> None:
    with pytest.raises(RuntimeError, match=r"backward\(\) was called before forward\(\)"):
        Embedding(weight()).backward(np.ones((1, D)))


def test_backward_checks_the_shape_of_dout_before_touching_the_gradient() -> None:
    layer = Embedding(weight())
    layer.forward(np.array([1, 2]))
    layer.backward(np.ones((2, D)))
    with pytest.raises(ValueError, match=r"dout must have shape .* = \(2, 3\), got \(2, 4\)"):
        layer.backward(np.ones((2, 4)))
    np.testing.assert_array_equal(layer.grads[0][1], 1)  # the last good gradient is kept


def test_scatter_add_rows_checks_dW() -> None:
    with pytest.raises(ValueError, match=r"dW must be 2-D .* got shape \(5,\)"):
        scatter_add_rows(np.zeros(5), np.array([0]), np.zeros((1, 1)))
    # A transposed dW would be updated through a copy, and the sum lost.
    with pytest.raises(ValueError, match=r"dW must be C-contiguous.*\(3, 2\)"):
        scatter_add_rows(np.zeros((2, 3)).T, np.array([0]), np.zeros((1, 2)))


def test_scatter_add_rows_checks_dout_and_ids() -> None:
    with pytest.raises(ValueError, match=r"= \(2, 1, 3\), got \(2, 3\)"):
        scatter_add_rows(np.zeros((4, 3)), np.array([[0], [1]]), np.zeros((2, 3)))
    with pytest.raises(TypeError, match="ids must hold integers, got dtype bool"):
        scatter_add_rows(np.zeros((4, 3)), np.array([True]), np.zeros((1, 3)))
