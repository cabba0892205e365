"""torch.func, forward-mode AD, the meta device, torch.compile, autocast and
deterministic mode: embedlab's lookups against PyTorch's own, transform by transform."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch.func import grad, jacrev, jvp, vjp, vmap

import embedlab.functional as E

Lookup = Callable[[object, torch.Tensor], torch.Tensor]

IDS = torch.tensor([[1, 2, 1], [0, 5, 1]])
FLAT = torch.tensor([1, 2, 1, 0, 5, 1, 3])
OFFSETS = torch.tensor([0, 2, 2, 5])

# Each case is a lookup written once against a functional module, F or E, so that
# the same code runs with PyTorch's functions and with embedlab's.
CASES: dict[str, Lookup] = {
    "embedding": lambda M, w: M.embedding(IDS, w),
    "embedding padding": lambda M, w: M.embedding(IDS, w, padding_idx=1),
    "embedding freq": lambda M, w: M.embedding(IDS, w, scale_grad_by_freq=True),
    "bag mean": lambda M, w: M.embedding_bag(FLAT, w, OFFSETS),
    "bag mean padding": lambda M, w: M.embedding_bag(FLAT, w, OFFSETS, padding_idx=1),
    "bag sum 2-D": lambda M, w: M.embedding_bag(IDS, w, mode="sum"),
    "bag max": lambda M, w: M.embedding_bag(FLAT, w, OFFSETS, mode="max"),
    "bag weighted": lambda M, w: M.embedding_bag(
        FLAT,
        w,
        OFFSETS,
        mode="sum",
        per_sample_weights=torch.linspace(0.5, 2, 7).double(),
    ),
}


def table(seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(6, 3, dtype=torch.float64, generator=generator)


def assert_same(ours: object, theirs: object) -> None:
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_grad_vjp_jacrev_and_vmap_over_the_weight_match_torch(name: str) -> None:
    case = CASES[name]
    w, cotangent = table(), torch.randn_like(CASES[name](F, table()))
    stacked = torch.stack([w, 2 * w])
    for transform in (
        lambda M: grad(lambda w: case(M, w).pow(2).sum())(w),
        lambda M: vjp(lambda w: case(M, w), w)[1](cotangent),
        lambda M: jacrev(lambda w: case(M, w))(w),
        lambda M: vmap(lambda w: case(M, w))(stacked),
        lambda M: vmap(grad(lambda w: case(M, w).pow(2).sum()))(stacked),
    ):
        assert_same(transform(E), transform(F))


@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_vmap_over_the_ids_and_grad_inside_match_torch(
    scale_grad_by_freq: bool,
) -> None:
    w = table()

    def per_row(M: object, ids: torch.Tensor) -> torch.Tensor:
        return M.embedding(ids, w, scale_grad_by_freq=scale_grad_by_freq)

    assert_same(vmap(lambda i: per_row(E, i))(IDS), vmap(lambda i: per_row(F, i))(IDS))
    gradients = {
        M: vmap(lambda i: grad(lambda v: M.embedding(
            i, v, scale_grad_by_freq=scale_grad_by_freq).pow(2).sum())(w))(IDS)
        for M in (E, F)
    }
    assert_same(gradients[E], gradients[F])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_vmap_over_bag_ids_matches_torch(mode: str) -> None:
    w = table()
    results = {
        M: (
            vmap(lambda i: M.embedding_bag(i.unsqueeze(0), w, mode=mode))(IDS),
            vmap(lambda i: grad(lambda v: M.embedding_bag(
                i.unsqueeze(0), v, mode=mode).pow(2).sum())(w))(IDS),
        )
        for M in (E, F)
    }
    assert_same(results[E], results[F])


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_forward_mode_ad_of_embedding_matches_torch(
    requires_grad: bool, padding_idx: int | None
) -> None:
    w, tangent = table().requires_grad_(requires_grad), table(1)

    def run(M: object) -> object:
        def lookup(v: torch.Tensor) -> torch.Tensor:
            return M.embedding(IDS, v, padding_idx=padding_idx)

        return jvp(lookup, (w,), (tangent,))

    assert_same(run(E), run(F))
    with torch.autograd.forward_ad.dual_level():
        dual = torch.autograd.forward_ad.make_dual(w, tangent)
        ours = torch.autograd.forward_ad.unpack_dual(E.embedding(IDS, dual)).tangent
    assert_same(ours, F.embedding(IDS, tangent))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_forward_mode_ad_of_a_bag_is_the_bag_of_the_tangent(mode: str) -> None:
    # PyTorch 2.13 has no forward-mode rule for embedding_bag (it raises
    # NotImplementedError), so the reference is what the rule must be: sum and mean
    # are linear in the table, and max passes on the tangent of the row that wins.
    w, tangent = table(), table(1)
    with pytest.raises(NotImplementedError):
        jvp(lambda v: F.embedding_bag(FLAT, v, OFFSETS, mode=mode), (w,), (tangent,))
    out, out_tangent = jvp(
        lambda v: E.embedding_bag(FLAT, v, OFFSETS, mode=mode), (w,), (tangent,)
    )
    assert_same(out, F.embedding_bag(FLAT, w, OFFSETS, mode=mode))
    if mode == "max":
        rows = F.embedding(FLAT, w)
        won = (rows.unsqueeze(0) == out.unsqueeze(1)).double()  # (bags, ids, D)
        # Each bag's winner is the one row of that bag equal to its max (no ties here).
        in_bag = torch.zeros(4, 7, 1, dtype=torch.float64)
        bounds = OFFSETS.tolist() + [7]
        for bag, (start, end) in enumerate(zip(bounds, bounds[1:])):
            in_bag[bag, start:end] = 1
        expected = (won * in_bag * F.embedding(FLAT, tangent).unsqueeze(0)).sum(1)
    else:
        expected = F.embedding_bag(FLAT, tangent, OFFSETS, mode=mode)
    assert_same(out_tangent, expected)


@pytest.mark.parametrize("requires_grad", [False, True])
def test_forward_mode_ad_with_max_norm_renorms_the_weight_not_its_tangent(
    requires_grad: bool,
) -> None:
    ids = torch.tensor([[0, 1], [2, 2]])
    results = {}
    for M in (E, F):
        w, tangent = (table() * 2).requires_grad_(requires_grad), table(1)
        with torch.autograd.forward_ad.dual_level():
            dual = torch.autograd.forward_ad.make_dual(w, tangent)
            out = M.embedding(ids, dual, max_norm=1.0)
            out = torch.autograd.forward_ad.unpack_dual(out)
        _, func_tangent = jvp(
            lambda v: M.embedding(ids, v, max_norm=1.0), (w,), (tangent,)
        )
        results[M] = (out.primal, out.tangent, func_tangent, w.detach())
    assert_same(results[E], results[F])
    assert_same(results[E][1], F.embedding(ids, table(1)))  # the tangent, unscaled


META_CASES: dict[str, Lookup] = {
    "embedding": lambda M, w: M.embedding(IDS.to("meta"), w),
    "embedding max_norm": lambda M, w: M.embedding(IDS.to("meta"), w, max_norm=1.0),
    "embedding freq": lambda M, w: M.embedding(
        IDS.to("meta"), w, scale_grad_by_freq=True
    ),
    "bag mean": lambda M, w: M.embedding_bag(FLAT.to("meta"), w, OFFSETS.to("meta")),
    "bag max padding": lambda M, w: M.embedding_bag(
        FLAT.to("meta"), w, OFFSETS.to("meta"), mode="max", padding_idx=1
    ),
    "bag last offset": lambda M, w: M.embedding_bag(
        FLAT.to("meta"), w, OFFSETS.to("meta"), include_last_offset=True
    ),
    "bag 2-D": lambda M, w: M.embedding_bag(IDS.to("meta"), w, mode="sum"),
}


@pytest.mark.parametrize("name", META_CASES)
def test_meta_tensors_give_torch_shapes_forward_and_backward(name: str) -> None:
    shapes = {}
    for M in (E, F):
        w = torch.empty(6, 3, device="meta", requires_grad=True)
        out = META_CASES[name](M, w)
        out.sum().backward()
        shapes[M] = (out.shape, out.dtype, w.grad.shape)
    assert shapes[E] == shapes[F]


def test_modules_run_on_meta_tensors() -> None:
    from embedlab import Embedding, EmbeddingBag

    assert Embedding(10, 3, device="meta")(IDS.to("meta")).shape == (2, 3, 3)
    bag = EmbeddingBag(10, 3, device="meta", padding_idx=0)
    assert bag(FLAT.to("meta"), OFFSETS.to("meta")).shape == (4, 3)


COMPILE_CASES: dict[str, Lookup] = {
    "embedding padding": CASES["embedding padding"],
    "embedding freq": CASES["embedding freq"],
    "embedding max_norm": lambda M, w: M.embedding(IDS, w, max_norm=1.0),
    "bag mean padding": CASES["bag mean padding"],
    "bag max": CASES["bag max"],
    "bag weighted": CASES["bag weighted"],
}


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
@pytest.mark.parametrize("name", COMPILE_CASES)
def test_compiled_fullgraph_forward_and_backward_match_torch(
    backend: str, name: str
) -> None:
    case = COMPILE_CASES[name]
    results = {}
    for M in (E, F):
        torch._dynamo.reset()
        w = table().mul_(2).requires_grad_()
        compiled = torch.compile(
            lambda v, M=M: case(M, v), backend=backend, fullgraph=True
        )
        out = compiled(w)
        out.pow(2).sum().backward()
        results[M] = (out.detach(), w.grad, w.detach())
    assert_same(results[E], results[F])


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_autocast_keeps_dtypes_as_torch_does(dtype: torch.dtype) -> None:
    w = table().float().requires_grad_()
    dtypes = {}
    for M in (E, F):
        with torch.autocast("cpu", dtype=dtype):
            outs = [
                M.embedding(IDS, w),
                M.embedding(IDS, w.to(dtype)),
                M.embedding_bag(FLAT, w, OFFSETS),
                M.embedding_bag(FLAT, w.to(dtype), OFFSETS, mode="max"),
            ]
            outs[0].float().sum().backward()
        dtypes[M] = [out.dtype for out in outs] + [w.grad.dtype]
    assert dtypes[E] == dtypes[F]


@pytest.mark.parametrize("sparse", [False, True])
def test_deterministic_mode_runs_and_agrees_with_torch(sparse: bool) -> None:
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        grads = {}
        for M in (E, F):
            w = table().requires_grad_()
            out = M.embedding(IDS, w, sparse=sparse).sum()
            out = out + M.embedding_bag(FLAT, w, OFFSETS, sparse=sparse).sum()
            out.backward()
            grads[M] = w.grad.to_dense()
    finally:
        torch.use_deterministic_algorithms(previous)
    assert_same(grads[E], grads[F])
