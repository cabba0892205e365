"""embedlab.onehot: one-hot vectors, the one-hot product, and its cost model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from embedlab import IdOutOfRangeError
from embedlab.onehot import lookup_cost, one_hot, onehot_cost, onehot_lookup


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4)])
def test_one_hot_numpy_matches_torch_for_every_rank(shape: tuple[int, ...]) -> None:
    ids = np.random.default_rng(0).integers(0, 7, size=shape)
    got = one_hot(ids, 7)
    assert got.shape == shape + (7,) and got.dtype == np.float32
    expected = torch.nn.functional.one_hot(torch.from_numpy(ids), 7).numpy()
    np.testing.assert_array_equal(got, expected)


def test_one_hot_tensor_stays_on_its_device_with_requested_dtype(device: torch.device) -> None:
    ids = torch.tensor([[0, 2], [1, 1]], dtype=torch.int32).to(device)
    got = one_hot(ids, 3, dtype=torch.float64)
    assert got.device.type == device.type and got.dtype == torch.float64
    assert torch.equal(got.argmax(-1), ids.long())
    assert torch.equal(got.sum(-1), torch.ones(2, 2, dtype=torch.float64, device=device))


def test_one_hot_default_dtype_is_float32_for_tensors() -> None:
    assert one_hot(torch.tensor([1]), 2).dtype == torch.float32


@pytest.mark.parametrize("kind", ["numpy", "torch"])
@pytest.mark.parametrize("bad, position", [(-1, "ids[1]"), (5, "ids[1]")])
def test_out_of_range_id_is_named_with_position_and_range(kind: str, bad: int, position: str) -> None:
    values = [0, bad, 2, bad]
    ids = np.array(values) if kind == "numpy" else torch.tensor(values)
    with pytest.raises(IdOutOfRangeError) as info:
        one_hot(ids, 5)
    message = str(info.value)
    assert f"{position} = {bad}" in message
    assert "expected 0 <= id < 5 (num_classes=5)" in message
    assert "2 of 4 ids are out of range" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, IndexError)


def test_out_of_range_0d_id_has_no_position() -> None:
    with pytest.raises(ValueError, match=r"^ids = 3 is out of range"):
        one_hot(np.array(3), 3)


@pytest.mark.parametrize("ids", [np.array([0.0, 1.0]), torch.tensor([0.0]), np.array([True]), torch.tensor([True])])
def test_non_integer_ids_are_rejected(ids: np.ndarray | torch.Tensor) -> None:
    with pytest.raises(TypeError, match=f"ids must hold integers, got dtype {ids.dtype}"):
        one_hot(ids, 3)


def test_ids_must_be_an_array_or_tensor() -> None:
    with pytest.raises(TypeError, match="got list"):
        one_hot([0, 1], 3)  # type: ignore[type-var]


@pytest.mark.parametrize("num_classes, error, message", [
    (0, ValueError, "num_classes must be at least 1, got 0"),
    (-3, ValueError, "got -3"),
    (2.0, TypeError, "num_classes must be an int, got 2.0 of type float"),
])
def test_bad_num_classes(num_classes: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        one_hot(np.array([0]), num_classes)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    vocab=st.integers(1, 20),
    dim=st.integers(1, 6),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
)
def test_onehot_lookup_equals_indexing_exactly(data: st.DataObject, vocab: int, dim: int, shape: tuple[int, ...]) -> None:
    ids = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, vocab - 1)))
    weight = data.draw(hnp.arrays(np.float32, (vocab, dim), elements=st.floats(-1e6, 1e6, width=32)))
    np.testing.assert_array_equal(onehot_lookup(ids, weight), weight[ids])
    ids_t, weight_t = torch.from_numpy(ids), torch.from_numpy(weight)
    assert torch.equal(onehot_lookup(ids_t, weight_t), weight_t[ids_t])


def test_onehot_lookup_on_device(device: torch.device) -> None:
    weight = torch.randn(6, 4).to(device)
    ids = torch.tensor([[5, 0], [5, 3]]).to(device)
    assert torch.equal(onehot_lookup(ids, weight), weight[ids])


def test_onehot_lookup_rejects_mixed_kinds() -> None:
    with pytest.raises(TypeError, match="got ndarray and Tensor"):
        onehot_lookup(np.array([0]), torch.zeros(2, 2))


def test_onehot_lookup_rejects_non_matrix_weight() -> None:
    with pytest.raises(ValueError, match=r"weight must be 2-D \(V, D\), got shape \(4,\)"):
        onehot_lookup(np.array([0]), np.zeros(4))


def test_onehot_lookup_range_is_checked_against_weight_rows() -> None:
    with pytest.raises(ValueError, match=r"ids\[0\] = 4 .*\(num_classes=4\)"):
        onehot_lookup(np.array([4]), np.zeros((4, 2)))


@pytest.mark.parametrize("batch, vocab, dim", [(1, 1, 1), (7, 50, 3), (32, 1000, 16)])
def test_cost_model_matches_the_arrays_it_describes(batch: int, vocab: int, dim: int) -> None:
    ids = np.zeros(batch, dtype=np.int64)
    weight = np.zeros((vocab, dim), dtype=np.float32)
    onehot, out = one_hot(ids, vocab), weight[ids]
    cost = onehot_cost(batch, vocab, dim)
    assert cost.extra_memory == onehot.nbytes + out.nbytes
    assert cost.bytes_moved == 2 * onehot.nbytes + weight.nbytes + out.nbytes
    assert cost.flops == 2 * onehot.size * dim  # one multiply and one add per (b, v, d)
    lookup = lookup_cost(batch, vocab, dim)
    assert lookup.flops == 0
    assert lookup.extra_memory == out.nbytes
    assert lookup.bytes_moved == ids.nbytes + 2 * out.nbytes


def test_onehot_cost_grows_linearly_in_vocab_and_lookup_does_not() -> None:
    small, large = onehot_cost(64, 1000, 32), onehot_cost(64, 10_000, 32)
    assert large.flops == 10 * small.flops
    assert lookup_cost(64, 1000, 32) == lookup_cost(64, 10_000, 32)


@pytest.mark.parametrize("function", [onehot_cost, lookup_cost])
@pytest.mark.parametrize("kwargs, message", [
    ({"batch": 0}, "batch must be at least 1, got 0"),
    ({"vocab": -5}, "vocab must be at least 1, got -5"),
    ({"dim": 1.5}, "dim must be an int, got 1.5"),
])
def test_cost_model_rejects_bad_sizes(function, kwargs: dict, message: str) -> None:
    arguments = {"batch": 4, "vocab": 10, "dim": 3, **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        function(**arguments)
