"""embedlab.bench.steps: whole training steps, dense Adam against SparseAdam."""

from __future__ import annotations

import pytest
import torch

from embedlab.bench.steps import OPTIMIZERS, make_step, time_training_steps


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_step_trains_the_rows_of_the_batch_and_only_those(name: str) -> None:
    start = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    ids = torch.tensor([1, 4, 4])
    table, step = make_step(start, ids, name, lr=0.1)
    step()
    moved = (table.weight.detach() != start).any(dim=1).tolist()
    assert moved == [False, True, False, False, True, False]
    assert table.weight.grad.is_sparse == OPTIMIZERS[name][0]
    assert torch.equal(start, torch.randn(6, 3, generator=torch.Generator().manual_seed(0)))
    # the loss out.square().mean() pulls every looked-up entry towards zero
    loss_before = start[ids].square().mean()
    assert table(ids).square().mean() < loss_before


def test_both_ways_take_the_same_first_step() -> None:
    start = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    ids = torch.tensor([0, 2, 2, 3])
    tables = []
    for name in OPTIMIZERS:
        table, step = make_step(start, ids, name)
        step()
        tables.append(table.weight.detach())
    torch.testing.assert_close(*tables)


def test_a_step_zeroes_the_gradient_before_its_backward_pass() -> None:
    table, step = make_step(torch.ones(4, 2), torch.tensor([1]), "dense Adam")
    step()
    first = table.weight.grad.clone()
    step()
    # not accumulated: the second gradient is the first one's size (the row moved a little)
    torch.testing.assert_close(table.weight.grad, first, rtol=0.01, atol=0.0)


def test_unknown_optimizer_is_named() -> None:
    with pytest.raises(KeyError, match="unknown optimizer 'SGD'"):
        make_step(torch.zeros(2, 2), torch.tensor([0]), "SGD")


def test_timings_cover_every_size_and_way() -> None:
    timings = time_training_steps([10, 40], batch=8, dim=4, repeats=3, block_time=0.0005)
    assert sorted(timings) == [10, 40]
    for per_way in timings.values():
        assert sorted(per_way) == sorted(OPTIMIZERS)
        assert all(len(t.times) == 3 and t.median > 0 for t in per_way.values())
