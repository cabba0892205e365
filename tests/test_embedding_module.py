"""embedlab.Embedding against torch.nn.Embedding: construction, repr, from_pretrained, training."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from embedlab.embedding import Embedding

EXACT = {"rtol": 0.0, "atol": 0.0}

CONFIGS = [
    {},
    {"padding_idx": 0},
    {"padding_idx": -1},
    {"max_norm": 1.0},
    {"max_norm": 2.0, "norm_type": 1.0},
    {"scale_grad_by_freq": True},
    {"sparse": True},
    {"padding_idx": 3, "max_norm": 0.5, "norm_type": 3.0, "sparse": True},
    {"padding_idx": -2, "scale_grad_by_freq": True, "max_norm": 1.5},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_initial_weight_is_bit_for_bit_torchs(kwargs):
    torch.manual_seed(123)
    theirs = torch.nn.Embedding(10, 3, **kwargs)
    torch.manual_seed(123)
    ours = Embedding(10, 3, **kwargs)
    torch.testing.assert_close(ours.weight, theirs.weight, **EXACT)
    assert isinstance(ours.weight, torch.nn.Parameter) and ours.weight.requires_grad


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_device_and_dtype_are_honoured(dtype, device):
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(6, 2, padding_idx=1, device=device, dtype=dtype)
    torch.manual_seed(0)
    ours = Embedding(6, 2, padding_idx=1, device=device, dtype=dtype)
    assert ours.weight.dtype == dtype and ours.weight.device.type == device.type
    torch.testing.assert_close(ours.weight, theirs.weight, **EXACT)
    out = ours(torch.tensor([[1, 5]]).to(device))
    assert out.shape == (1, 2, 2) and out.dtype == dtype


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_repr_is_torchs(kwargs):
    assert repr(Embedding(10, 3, **kwargs)) == repr(torch.nn.Embedding(10, 3, **kwargs))


def test_repr_shows_check_ids_only_when_off():
    assert repr(Embedding(4, 2, check_ids=False)) == "Embedding(4, 2, check_ids=False)"


def test_state_dict_is_interchangeable_with_torchs():
    theirs = torch.nn.Embedding(7, 4, padding_idx=2)
    ours = Embedding(7, 4, padding_idx=2)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    ours.load_state_dict(theirs.state_dict())
    torch.testing.assert_close(ours.weight, theirs.weight, **EXACT)


@settings(max_examples=80, deadline=None)
@given(
    kwargs=st.sampled_from(CONFIGS),
    # At least 1-D: PyTorch fails on 0-d ids with sparse and padding_idx (see test_functional).
    shape=st.lists(st.integers(0, 4), min_size=1, max_size=3),
    int32=st.booleans(),
    steps=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_training_steps_match_torch(kwargs, shape, int32, steps, seed):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(10, 3, generator=generator) * 2
    theirs = torch.nn.Embedding(10, 3, _weight=weight.clone(), **kwargs)
    ours = Embedding(10, 3, _weight=weight.clone(), **kwargs)
    # Steps taken with scale_grad_by_freq gradients, or after renorms, agree only to rounding.
    tolerance = {} if kwargs.get("scale_grad_by_freq") or kwargs.get("max_norm") else EXACT
    for _ in range(steps):
        ids = torch.randint(0, 10, shape, generator=generator)
        ids = ids.int() if int32 else ids
        target = torch.randn(*shape, 3, generator=generator)
        for module in (theirs, ours):
            module.weight.grad = None
            out = module(ids)
            (out - target).pow(2).sum().backward()
            grad = module.weight.grad.to_dense() if module.sparse else module.weight.grad
            with torch.no_grad():
                module.weight.sub_(0.1 * grad)
        torch.testing.assert_close(ours(ids), theirs(ids), **tolerance)
    torch.testing.assert_close(ours.weight, theirs.weight, **tolerance)


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained_matches_torch_and_shares_memory(freeze, padding_idx):
    vectors = torch.arange(12.0).reshape(4, 3)
    ours = Embedding.from_pretrained(vectors, freeze=freeze, padding_idx=padding_idx)
    theirs = torch.nn.Embedding.from_pretrained(vectors.clone(), freeze=freeze, padding_idx=padding_idx)
    assert ours.weight.requires_grad is (not freeze)
    assert ours.weight.data_ptr() == vectors.data_ptr()
    assert ours.padding_idx == theirs.padding_idx and repr(ours) == repr(theirs)
    # The padding row keeps what it held.
    torch.testing.assert_close(ours.weight, theirs.weight, **EXACT)
    torch.testing.assert_close(ours.weight, torch.arange(12.0).reshape(4, 3), **EXACT)
    ids = torch.tensor([[3, 1], [1, 0]])
    torch.testing.assert_close(ours(ids), theirs(ids), **EXACT)
    if not freeze:
        ours(ids).sum().backward()
        theirs(ids).sum().backward()
        torch.testing.assert_close(ours.weight.grad, theirs.weight.grad, **EXACT)


def test_from_pretrained_passes_every_option_through():
    ours = Embedding.from_pretrained(
        torch.randn(5, 2) * 4, padding_idx=-2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, sparse=False
    )
    assert (ours.padding_idx, ours.max_norm, ours.norm_type, ours.scale_grad_by_freq, ours.sparse) == (3, 1.0, 1.0, True, False)
    ours(torch.tensor([0, 1]))
    assert torch.all(torch.linalg.vector_norm(ours.weight[:2], ord=1, dim=1) <= 1.0 + 1e-6)


def test_from_pretrained_renorm_changes_the_given_tensor_like_torch():
    vectors = torch.full((3, 2), 5.0)
    expected = vectors.clone()
    torch.nn.Embedding.from_pretrained(expected, max_norm=1.0)(torch.tensor([1]))
    Embedding.from_pretrained(vectors, max_norm=1.0)(torch.tensor([1]))
    torch.testing.assert_close(vectors, expected, **EXACT)
    assert not torch.equal(vectors[1], torch.full((2,), 5.0))


@pytest.mark.parametrize("shape", [(5,), (2, 3, 1), ()])
def test_from_pretrained_needs_a_2d_tensor(shape):
    with pytest.raises(ValueError, match=rf"embeddings must be 2-D .*got {len(shape)}-D"):
        Embedding.from_pretrained(torch.randn(shape))


@pytest.mark.parametrize(("args", "message"), [
    ((-1, 3), "num_embeddings must be non-negative, got -1"),
    ((4, -2), "embedding_dim must be non-negative, got -2"),
])
def test_negative_sizes_are_value_errors(args, message):
    with pytest.raises(ValueError, match=message):
        Embedding(*args)


@pytest.mark.parametrize("padding_idx", [10, -11])
def test_padding_idx_out_of_range_is_a_value_error(padding_idx):
    with pytest.raises(ValueError, match=rf"padding_idx={padding_idx} is out of range: expected -10 <= padding_idx < 10"):
        Embedding(10, 3, padding_idx=padding_idx)


@pytest.mark.parametrize("max_norm", [0.0, -0.5])
def test_non_positive_max_norm_is_a_value_error(max_norm):
    with pytest.raises(ValueError, match=rf"max_norm must be positive .*got {max_norm}"):
        Embedding(10, 3, max_norm=max_norm)


def test_weight_of_the_wrong_shape_is_a_value_error():
    with pytest.raises(ValueError, match=r"_weight has shape \(3, 2\), expected .* = \(4, 2\)"):
        Embedding(4, 2, _weight=torch.randn(3, 2))


def test_freeze_and_shared_weight():
    weight = torch.randn(4, 2)
    ours = Embedding(4, 2, _weight=weight, _freeze=True)
    assert not ours.weight.requires_grad and ours.weight.data_ptr() == weight.data_ptr()


def test_bad_ids_are_reported_by_the_module():
    with pytest.raises(IndexError, match=r"input\[0, 2\] = 4 is out of range: expected 0 <= id < 4"):
        Embedding(4, 2)(torch.tensor([[0, 1, 4]]))
    with pytest.raises(TypeError, match="input must have dtype torch.int64 or torch.int32, got torch.float32"):
        Embedding(4, 2)(torch.tensor([0.0]))


def test_check_ids_is_passed_to_the_lookup():
    from embedlab._checks import IdOutOfRangeError

    table = Embedding(4, 2, check_ids=False)
    with pytest.raises(IndexError) as info:
        table(torch.tensor([5]))
    assert not isinstance(info.value, IdOutOfRangeError)


def test_reset_parameters_redraws_and_zeroes_padding():
    table = Embedding(5, 3, padding_idx=2)
    with torch.no_grad():
        table.weight.fill_(7.0)
    torch.manual_seed(9)
    table.reset_parameters()
    torch.manual_seed(9)
    expected = torch.randn(5, 3)
    expected[2] = 0
    torch.testing.assert_close(table.weight, expected, **EXACT)
