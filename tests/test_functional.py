"""embedlab.functional.embedding against torch.nn.functional.embedding, argument by argument."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode

import embedlab.functional as F_el
from embedlab._checks import IdOutOfRangeError

EXACT = {"rtol": 0.0, "atol": 0.0}
FLOAT_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def run_both(ids, weight, grad_out=None, **kwargs):
    """Run torch's and embedlab's embedding on clones of ``weight``; return (output, weight, grad) pairs."""
    results = []
    for fn in (F.embedding, F_el.embedding):
        w = weight.clone().requires_grad_()
        out = fn(ids, w, **kwargs)
        out.backward(torch.ones_like(out) if grad_out is None else grad_out)
        results.append((out.detach(), w.detach(), w.grad))
    return results


def assert_same_grad(expected, actual, **tolerance):
    assert expected.layout == actual.layout
    if expected.is_sparse:
        assert actual.is_coalesced() == expected.is_coalesced()
        torch.testing.assert_close(actual._indices(), expected._indices(), **EXACT)
        torch.testing.assert_close(actual._values(), expected._values(), **tolerance)
        torch.testing.assert_close(actual.to_dense(), expected.to_dense(), **tolerance)
    else:
        torch.testing.assert_close(actual, expected, **tolerance)


def assume_torch_copes(ids, weight, kwargs):
    """Leave out the two corners where PyTorch itself fails (each has its own test below)."""
    assume(not (ids.dim() == 0 and kwargs["sparse"] and kwargs["padding_idx"] is not None))
    assume(not (weight.shape[1] == 0 and kwargs["max_norm"] is not None and kwargs["norm_type"] == math.inf))


@st.composite
def lookups(draw, sparse=st.booleans()):
    """A weight, ids of 0 to 3 dims (maybe non-contiguous, maybe int32) and a mix of arguments."""
    vocab = draw(st.integers(1, 8))
    dim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=3)))
    seed = draw(st.integers(0, 2**16))
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(vocab, dim, generator=generator) * draw(st.sampled_from([0.3, 1.0, 3.0]))
    if draw(st.booleans()) and len(shape) >= 1:
        # Every other element of a wider tensor: a non-contiguous view.
        wide = torch.randint(0, vocab, (*shape[:-1], shape[-1] * 2), generator=generator)
        ids = wide[..., ::2]
    else:
        ids = torch.randint(0, vocab, shape, generator=generator)
    ids = ids.to(draw(st.sampled_from([torch.int64, torch.int32])))
    kwargs = {
        "padding_idx": draw(st.one_of(st.none(), st.integers(-vocab, vocab - 1))),
        "max_norm": draw(st.one_of(st.none(), st.floats(0.1, 3.0))),
        "norm_type": draw(st.sampled_from([1.0, 2.0, 3.0, math.inf, 0.5])),
        "sparse": draw(sparse),
    }
    kwargs["scale_grad_by_freq"] = draw(st.booleans()) and not kwargs["sparse"]
    grad_out = torch.randn(*ids.shape, dim, generator=generator)
    return ids, weight, grad_out, kwargs


@settings(max_examples=300, deadline=None)
@given(lookups())
def test_matches_torch(case):
    ids, weight, grad_out, kwargs = case
    assume_torch_copes(ids, weight, kwargs)
    (out_t, w_t, g_t), (out_e, w_e, g_e) = run_both(ids, weight, grad_out, **kwargs)
    torch.testing.assert_close(w_e, w_t, **EXACT)
    torch.testing.assert_close(out_e, out_t, **EXACT)
    # Gradients are sums in the same order as PyTorch's, except that PyTorch scales
    # each term by 1/count with a fused multiply-add, which we do not reproduce.
    assert_same_grad(g_t, g_e, **({} if kwargs["scale_grad_by_freq"] else EXACT))


def test_0d_input_with_sparse_and_padding_works_where_torch_fails():
    # PyTorch 2.13 masks a 0-d index with a boolean tensor and raises IndexError here.
    weight = torch.randn(3, 2, requires_grad=True)
    F_el.embedding(torch.tensor(1), weight, padding_idx=1, sparse=True).sum().backward()
    assert weight.grad._nnz() == 0
    F_el.embedding(torch.tensor(2), weight, padding_idx=1, sparse=True).sum().backward()
    torch.testing.assert_close(weight.grad.to_dense(), torch.zeros(3, 2).index_fill_(0, torch.tensor([2]), 1))


def test_inf_norm_renorm_of_zero_width_rows_fails_like_torch():
    for fn in (F.embedding, F_el.embedding):
        with pytest.raises(RuntimeError, match="cannot compute the inf norm"):
            fn(torch.tensor([0]), torch.randn(2, 0), max_norm=1.0, norm_type=math.inf)


@settings(max_examples=60, deadline=None)
@given(lookups(sparse=st.just(False)))
def test_matches_torch_with_expanded_grad(case):
    # out.sum().backward() hands the backward a stride-0 gradient.
    ids, weight, _, kwargs = case
    assume_torch_copes(ids, weight, kwargs)
    (_, _, g_t), (_, _, g_e) = run_both(ids, weight, **kwargs)
    assert_same_grad(g_t, g_e, **({} if kwargs["scale_grad_by_freq"] else EXACT))


class _IndexAddSources(TorchDispatchMode):
    """Record the strides of every gradient that reaches ``index_add``."""

    def __init__(self) -> None:
        super().__init__()
        self.strides: list[tuple[int, ...]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in (torch.ops.aten.index_add.default, torch.ops.aten.index_add_.default):
            self.strides.append(args[3].stride())
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"scale_grad_by_freq": True}])
def test_an_expanded_gradient_reaches_index_add_contiguous(kwargs):
    # Speed, not values: index_add_ is several times slower on a stride-0 source.
    weight = torch.randn(4, 3, requires_grad=True)
    out = F_el.embedding(torch.tensor([[0, 2, 2], [3, 0, 1]]), weight, **kwargs)
    with _IndexAddSources() as seen:
        out.sum().backward()
    assert seen.strides[-1] == (3, 1)


def test_hooks_of_ones_own_on_the_output_still_run_and_come_off():
    weight = torch.randn(4, 3, requires_grad=True)
    out = F_el.embedding(torch.tensor([0, 2, 2]), weight)
    seen = []
    handle = out.register_hook(lambda grad: seen.append(grad.is_contiguous()))
    out.sum().backward(retain_graph=True)
    handle.remove()
    out.sum().backward()
    assert seen == [True]
    torch.testing.assert_close(weight.grad[2], torch.full((3,), 4.0), **EXACT)


def test_a_hook_after_an_in_place_change_sees_what_torch_s_does():
    # The package's hook lives in the output's hook dict, which an in-place op must
    # hand over to the new node as it does for torch's output.
    seen = {}
    for fn in (F.embedding, F_el.embedding):
        out = fn(torch.tensor([0, 2]), torch.randn(4, 3, requires_grad=True))
        out.mul_(2)
        out.register_hook(lambda grad, fn=fn: seen.setdefault(fn, grad.clone()))
        out.sum().backward()
    torch.testing.assert_close(seen[F_el.embedding], seen[F.embedding], **EXACT)


def test_saving_an_output_does_not_warn_of_the_package_s_hook(tmp_path, recwarn):
    out = F_el.embedding(torch.tensor([0, 2]), torch.randn(4, 3, requires_grad=True))
    torch.save(out, tmp_path / "out.pt")
    assert not [w for w in recwarn if "will not be serialized" in str(w.message)]


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 3), (2, 2, 3)])
def test_output_shape_and_values(shape, dtype):
    weight = torch.randn(5, 4)
    ids = torch.randint(0, 5, shape, dtype=dtype)
    out = F_el.embedding(ids, weight)
    assert out.shape == (*shape, 4)
    torch.testing.assert_close(out, weight[ids.long()], **EXACT)


def test_zero_width_rows():
    weight = torch.randn(5, 0, requires_grad=True)
    out = F_el.embedding(torch.tensor([[1, 4]]), weight)
    assert out.shape == (1, 2, 0)
    out.sum().backward()
    assert weight.grad.shape == (5, 0)


def test_output_is_a_copy():
    weight = torch.randn(5, 3, requires_grad=True)
    before = weight.detach().clone()
    out = F_el.embedding(torch.tensor([[1, 1], [2, 4]]), weight)
    out.detach().add_(100)
    torch.testing.assert_close(weight.detach(), before, **EXACT)
    assert out.untyped_storage().data_ptr() != weight.untyped_storage().data_ptr()


@pytest.mark.parametrize("shape", [(3,), (1, 3)])
def test_output_may_be_changed_in_place(shape):
    weight = torch.randn(5, 3)
    grads = []
    for fn in (F.embedding, F_el.embedding):
        w = weight.clone().requires_grad_()
        out = fn(torch.tensor([1, 1, 3]).reshape(shape), w)
        out.mul_(3)
        out.sum().backward()
        grads.append(w.grad)
    torch.testing.assert_close(grads[1], grads[0], **EXACT)


def test_padding_row_returned_as_stored_and_gets_no_gradient():
    weight = torch.randn(4, 3, requires_grad=True)
    out = F_el.embedding(torch.tensor([2, 2, 0]), weight, padding_idx=-2)
    torch.testing.assert_close(out[0], weight[2], **EXACT)
    out.backward(torch.full_like(out, float("nan")))
    assert torch.all(weight.grad[2] == 0)
    assert torch.isnan(weight.grad[0]).all()


def test_sparse_padding_entries_are_dropped():
    weight = torch.randn(6, 3, requires_grad=True)
    F_el.embedding(torch.tensor([[0, 2, 2], [5, 0, 1]]), weight, padding_idx=2, sparse=True).sum().backward()
    grad = weight.grad
    assert grad.is_sparse and not grad.is_coalesced()
    assert grad._indices().tolist() == [[0, 5, 0, 1]]
    assert grad._values().shape == (4, 3)


def test_sparse_all_padding_gives_an_empty_gradient():
    (_, _, g_t), (_, _, g_e) = run_both(torch.tensor([1, 1]), torch.randn(4, 3), padding_idx=1, sparse=True)
    assert g_e._nnz() == 0 and g_e._indices().shape == (1, 0) and g_e._values().shape == (0, 3)
    assert_same_grad(g_t, g_e, **EXACT)


def test_sparse_with_scale_grad_by_freq_fails_in_backward_like_torch():
    for fn in (F.embedding, F_el.embedding):
        weight = torch.randn(4, 3, requires_grad=True)
        out = fn(torch.tensor([1, 1]), weight, scale_grad_by_freq=True, sparse=True)
        with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):
            out.sum().backward()


def test_scale_grad_by_freq_divides_by_counts():
    weight = torch.zeros(4, 2, requires_grad=True)
    F_el.embedding(torch.tensor([[1, 1, 3], [1, 0, 3]]), weight, scale_grad_by_freq=True).sum().backward()
    torch.testing.assert_close(weight.grad, torch.ones(4, 2).index_fill_(0, torch.tensor([2]), 0))


# Few ids, and more than twice as many ids as rows (then each distinct row is scaled once).
RENORM_IDS = {
    "few": torch.tensor([[3, 7, 3], [40, 0, 7]]),
    "many": torch.randint(0, 45, (3, 40), generator=torch.Generator().manual_seed(2)),
}


@pytest.mark.parametrize("ids", RENORM_IDS.values(), ids=RENORM_IDS.keys())
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_renorm_matches_torch_and_touches_only_looked_up_rows(dtype, norm_type, ids, device):
    weight = (torch.randn(50, 6, generator=torch.Generator().manual_seed(1)) * 2).to(device, dtype)
    ids = ids.to(device)
    w_t, w_e = weight.clone(), weight.clone()
    out_t = F.embedding(ids, w_t, max_norm=1.5, norm_type=norm_type)
    out_e = F_el.embedding(ids, w_e, max_norm=1.5, norm_type=norm_type)
    # Bit for bit on the CPU except float64, where the norm's summation order may differ in
    # the last bit; CUDA reduces in yet another order.
    tolerance = EXACT if device.type == "cpu" and dtype != torch.float64 else {}
    torch.testing.assert_close(w_e, w_t, **tolerance)
    torch.testing.assert_close(out_e, out_t, **tolerance)
    untouched = torch.ones(50, dtype=torch.bool, device=device).index_fill_(0, ids.reshape(-1), False)
    torch.testing.assert_close(w_e[untouched], weight[untouched], **EXACT)
    norms = torch.linalg.vector_norm(w_e[ids.reshape(-1)].double(), ord=norm_type, dim=1)
    assert torch.all(norms <= 1.5 * 1.01)


@pytest.mark.parametrize("ids", [[1, 1, 2], [1, 1, 2] * 4], ids=["few", "many"])
def test_renorm_is_not_differentiated_and_bumps_the_version_once(ids):
    for fn in (F.embedding, F_el.embedding):
        weight = (torch.randn(5, 3) * 10).requires_grad_()
        version = weight._version
        fn(torch.tensor(ids), weight, max_norm=1.0).sum().backward()
        assert weight._version == version + 1
        count = ids.count(1)
        torch.testing.assert_close(weight.grad[1], torch.full((3,), float(count)), **EXACT)
        # Also when no row is over max_norm, or nothing is looked up at all.
        fn(torch.tensor([1]), weight, max_norm=1e9)
        fn(torch.zeros(0, dtype=torch.long), weight, max_norm=1e9)
        assert weight._version == version + 3


def inplace_patterns():
    """Ways to use the weight around a max_norm lookup; some hit autograd's in-place check."""

    def weight_before(fn, emb_weight, w_other, ids, max_norm):
        a = emb_weight @ w_other.t()
        b = fn(ids, emb_weight, max_norm=max_norm) @ w_other.t()
        return (a.unsqueeze(0) + b.unsqueeze(1)).sigmoid().prod()

    def clone_before(fn, emb_weight, w_other, ids, max_norm):
        a = emb_weight.clone() @ w_other.t()
        b = fn(ids, emb_weight, max_norm=max_norm) @ w_other.t()
        return (a.unsqueeze(0) + b.unsqueeze(1)).sigmoid().prod()

    def indexed_before(fn, emb_weight, w_other, ids, max_norm):
        a = emb_weight[ids] * 2
        return (a + fn(ids, emb_weight, max_norm=max_norm)).pow(2).sum()

    def transposed_view_before(fn, emb_weight, w_other, ids, max_norm):
        weight_t = emb_weight.t()
        out = fn(ids, emb_weight, max_norm=max_norm)
        return (out @ weight_t).pow(2).sum()

    def weight_after(fn, emb_weight, w_other, ids, max_norm):
        out = fn(ids, emb_weight, max_norm=max_norm)
        return (out @ emb_weight.t()).pow(2).sum()

    def two_lookups(fn, emb_weight, w_other, ids, max_norm):
        first = fn(ids, emb_weight, max_norm=max_norm)
        second = fn(ids.flip(0), emb_weight, max_norm=max_norm)
        return (first * second).sum()

    return [weight_before, clone_before, indexed_before, transposed_view_before, weight_after, two_lookups]


@pytest.mark.parametrize("max_norm", [None, 1.0, 1e9])
@pytest.mark.parametrize("pattern", inplace_patterns(), ids=lambda p: p.__name__)
def test_inplace_error_raised_exactly_where_torch_raises_it(pattern, max_norm):
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(3, 5, generator=generator) * 3
    w_other = torch.randn(7, 5, generator=generator)
    ids = torch.tensor([1, 2])
    outcomes = []
    for fn in (F.embedding, F_el.embedding):
        emb_weight = weight.clone().requires_grad_()
        other = w_other.clone().requires_grad_()
        try:
            pattern(fn, emb_weight, other, ids, max_norm).backward()
        except RuntimeError as error:
            assert "modified by an inplace operation" in str(error)
            outcomes.append("raised")
        else:
            outcomes.append((emb_weight.grad, other.grad))
    if outcomes[0] == "raised":
        assert outcomes[1] == "raised"
    else:
        assert outcomes[1] != "raised"
        for expected, actual in zip(outcomes[0], outcomes[1]):
            torch.testing.assert_close(actual, expected)


def test_inplace_error_is_raised_at_all():
    # Guards the test above against passing only because neither version ever raises.
    weight = (torch.randn(3, 5) * 3).requires_grad_()
    w_other = torch.randn(7, 5, requires_grad=True)
    a = weight @ w_other.t()
    b = F_el.embedding(torch.tensor([1, 2]), weight, max_norm=1.0) @ w_other.t()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (a.unsqueeze(0) + b.unsqueeze(1)).sum().backward()


def test_changing_ids_in_place_before_backward_raises_like_torch():
    for fn in (F.embedding, F_el.embedding):
        weight = torch.randn(5, 3, requires_grad=True)
        ids = torch.tensor([1, 2])
        out = fn(ids, weight)
        ids.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"padding_idx": -1, "scale_grad_by_freq": True}])
def test_gradcheck_and_gradgradcheck(kwargs):
    ids = torch.tensor([[0, 2, 2], [3, 0, 1]])
    weight = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    if not kwargs:
        # With padding_idx or scale_grad_by_freq the "gradient" is deliberately not the
        # derivative, so finite differences only check the plain lookup.
        assert torch.autograd.gradcheck(lambda w: F_el.embedding(ids, w), (weight,))
    assert torch.autograd.gradgradcheck(lambda w: F_el.embedding(ids, w, **kwargs), (weight,))


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"scale_grad_by_freq": True}])
def test_double_backward_matches_torch(kwargs):
    ids = torch.tensor([[0, 2, 2], [3, 0, 1]])
    weight = torch.randn(4, 3, dtype=torch.float64)
    probe = torch.arange(12.0, dtype=torch.float64).reshape(4, 3)
    second = []
    for fn in (F.embedding, F_el.embedding):
        w = weight.clone().requires_grad_()
        grad_out = torch.randn(2, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        grad_out.requires_grad_()
        (grad_w,) = torch.autograd.grad(fn(ids, w, **kwargs), w, grad_out, create_graph=True)
        (grad_grad_out,) = torch.autograd.grad((grad_w * probe).sum(), grad_out)
        second.append(grad_grad_out)
    if kwargs.get("scale_grad_by_freq"):
        # PyTorch 2.13's double backward forgets the 1/count of scale_grad_by_freq (its
        # formula is a plain gather); ours keeps it, and gradgradcheck above agrees with ours.
        counts = torch.tensor([[2, 2, 2], [1, 2, 1]], dtype=torch.float64).unsqueeze(-1)
        torch.testing.assert_close(second[1], second[0] / counts)
    else:
        torch.testing.assert_close(second[1], second[0], **EXACT)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("sparse", [False, True])
def test_dtypes_and_devices(dtype, sparse, device):
    generator = torch.Generator().manual_seed(2)
    weight = torch.randn(9, 4, generator=generator).to(device, dtype)
    ids = torch.randint(0, 9, (3, 5), generator=generator).to(device)
    grad_out = torch.randn(3, 5, 4, generator=generator).to(device, dtype)
    (out_t, _, g_t), (out_e, _, g_e) = run_both(ids, weight, grad_out, padding_idx=2, sparse=sparse)
    assert out_e.dtype == dtype and out_e.device == weight.device
    torch.testing.assert_close(out_e, out_t, **EXACT)
    assert g_e.dtype == dtype and g_e.device == weight.device
    if sparse or (dtype in (torch.float32, torch.float64) and device.type == "cpu"):
        assert_same_grad(g_t, g_e, **EXACT)
    elif dtype in (torch.float32, torch.float64):
        # CUDA adds with atomics, in no fixed order.
        assert_same_grad(g_t, g_e)
    else:
        # PyTorch rounds to float16/bfloat16 after every addition; index_add_ need not,
        # so compare both with the exact sum instead, within a few roundings.
        exact = torch.zeros(9, 4, dtype=torch.float64, device=device).index_add_(
            0, ids.reshape(-1), grad_out.reshape(-1, 4).double()
        )
        exact[2] = 0
        scale = 4 * (2**-8 if dtype == torch.bfloat16 else 2**-11)
        for grad in (g_t, g_e):
            torch.testing.assert_close(grad.double(), exact, rtol=scale, atol=scale * 4)


# Four repeats make more than twice as many ids as rows (max_norm then counts them).
@pytest.mark.parametrize("repeats", [1, 4])
@pytest.mark.parametrize("value", [5, -1, 17])
@pytest.mark.parametrize("max_norm", [None, 0.5])
def test_out_of_range_id_is_named_with_its_position(value, max_norm, repeats, device):
    weight = (torch.randn(5, 3) * 3).to(device)
    before = weight.clone()
    ids = torch.tensor([[0, 1, 2] * repeats, [3, value, value] * repeats]).to(device)
    with pytest.raises(IdOutOfRangeError) as info:
        F_el.embedding(ids, weight, max_norm=max_norm)
    message = str(info.value)
    assert f"input[1, 1] = {value}" in message
    assert "0 <= id < 5" in message and "num_embeddings=5" in message
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)
    # Nothing was renormed before the error.
    torch.testing.assert_close(weight, before, **EXACT)
    # The kernel's bare IndexError is replaced, not chained onto ours.
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_out_of_range_id_with_grad_tracking_and_check_ids_off():
    weight = torch.randn(5, 3, requires_grad=True)
    with pytest.raises(IdOutOfRangeError, match=r"input\[2\] = 9"):
        F_el.embedding(torch.tensor([1, 2, 9]), weight)
    # Without the check the CPU kernel's own (terser) IndexError still comes through.
    with pytest.raises(IndexError) as info:
        F_el.embedding(torch.tensor([1, 2, 9]), weight, check_ids=False)
    assert not isinstance(info.value, IdOutOfRangeError)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int16, torch.uint8, torch.bool, torch.int8])
def test_wrong_index_dtype_is_a_type_error(dtype):
    with pytest.raises(TypeError, match=rf"input must have dtype torch.int64 or torch.int32, got {dtype}"):
        F_el.embedding(torch.tensor([1, 0]).to(dtype), torch.randn(3, 2))


def test_non_tensor_input_is_a_type_error():
    with pytest.raises(TypeError, match="input must be a numpy.ndarray or a torch.Tensor, got list"):
        F_el.embedding([1, 0], torch.randn(3, 2))


@pytest.mark.parametrize("padding_idx", [3, -4, 100])
def test_padding_idx_out_of_range_is_a_value_error(padding_idx):
    with pytest.raises(ValueError, match=rf"padding_idx={padding_idx} is out of range: expected -3 <= padding_idx < 3"):
        F_el.embedding(torch.tensor([1]), torch.randn(3, 2), padding_idx=padding_idx)


@pytest.mark.parametrize("max_norm", [0.0, -1.0, float("nan")])
def test_non_positive_max_norm_is_a_value_error(max_norm):
    weight = torch.randn(3, 2)
    before = weight.clone()
    with pytest.raises(ValueError, match=rf"max_norm must be positive .*got {max_norm}"):
        F_el.embedding(torch.tensor([1]), weight, max_norm=max_norm)
    torch.testing.assert_close(weight, before, **EXACT)


@pytest.mark.parametrize("shape", [(6,), (2, 3, 1), ()])
def test_weight_must_be_2d(shape):
    with pytest.raises(ValueError, match=rf"weight must be 2-D .*got {len(shape)}-D"):
        F_el.embedding(torch.tensor([0]), torch.randn(shape))


OPTIMIZERS = [
    pytest.param(lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9), False, id="SGD-momentum-dense"),
    pytest.param(lambda params: torch.optim.SGD(params, lr=0.1), True, id="SGD-sparse"),
    pytest.param(lambda params: torch.optim.Adagrad(params, lr=0.1), False, id="Adagrad-dense"),
    pytest.param(lambda params: torch.optim.Adagrad(params, lr=0.1), True, id="Adagrad-sparse"),
    pytest.param(lambda params: torch.optim.SparseAdam(params, lr=0.1), True, id="SparseAdam-sparse"),
    pytest.param(lambda params: torch.optim.Adam(params, lr=0.1), False, id="Adam-dense"),
]


@pytest.mark.parametrize(("make_optimizer", "sparse"), OPTIMIZERS)
def test_optimizer_trajectories_match_torch(make_optimizer, sparse):
    generator = torch.Generator().manual_seed(3)
    weight = torch.randn(12, 4, generator=generator)
    batches = [torch.randint(0, 12, (5, 3), generator=generator) for _ in range(6)]
    targets = [torch.randn(5, 3, 4, generator=generator) for _ in range(6)]
    finals = []
    for fn in (F.embedding, F_el.embedding):
        w = weight.clone().requires_grad_()
        optimizer = make_optimizer([w])
        for ids, target in zip(batches, targets):
            optimizer.zero_grad()
            loss = (fn(ids, w, padding_idx=0, sparse=sparse) - target).pow(2).sum()
            loss.backward()
            optimizer.step()
        finals.append(w.detach())
    assert not torch.equal(finals[1], weight)
    torch.testing.assert_close(finals[1], finals[0])
