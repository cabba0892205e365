"""embedlab.alias: Walker's alias table encodes the distribution exactly and samples it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from embedlab.alias import AliasTable


def test_table_for_a_hand_worked_distribution() -> None:
    # Weights 1, 2, 5 of 8: heights 3/8, 6/8, 15/8 of columns of height 1.
    # Column 1 (6/8) is topped up by id 2, then column 0 (3/8) by id 2 too.
    table = AliasTable(torch.tensor([1.0, 2.0, 5.0]))
    torch.testing.assert_close(table.threshold, torch.tensor([3 / 8, 6 / 8, 1.0], dtype=torch.float64))
    assert table.alias.tolist() == [2, 2, 2]
    torch.testing.assert_close(table.probabilities(), torch.tensor([1, 2, 5], dtype=torch.float64) / 8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_encodes_any_distribution_exactly(seed: int) -> None:
    weights = torch.rand(500, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) ** 4
    weights[::7] = 0.0
    table = AliasTable(weights)
    torch.testing.assert_close(table.probabilities(), weights / weights.sum(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("generator", [torch.Generator().manual_seed(0), np.random.default_rng(0)])
def test_draws_follow_the_distribution(generator: object) -> None:
    weights = torch.tensor([0.0, 1.0, 2.0, 0.0, 7.0])
    draws = AliasTable(weights).sample(200_000, generator=generator)
    assert draws.dtype == torch.int64 and draws.shape == (200_000,)
    frequency = torch.bincount(draws, minlength=5).double() / 200_000
    torch.testing.assert_close(frequency, weights.double() / 10, rtol=0, atol=0.005)
    assert frequency[0] == 0 and frequency[3] == 0


def test_draws_are_seeded() -> None:
    table = AliasTable(torch.arange(1.0, 20.0))
    first = table.sample(1000, generator=np.random.default_rng(3))
    assert torch.equal(first, table.sample(1000, generator=np.random.default_rng(3)))
    assert not torch.equal(first, table.sample(1000, generator=np.random.default_rng(4)))


@pytest.mark.parametrize(
    "weights, message",
    [
        (torch.ones(2, 2), "counts must be 1-D"),
        (torch.tensor([1.0, -1.0]), "counts must be non-negative"),
        (torch.zeros(3), "weights sum to zero"),
    ],
)
def test_bad_weights(weights: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AliasTable(weights)


@pytest.mark.parametrize("count", [-1, 2.5, True])
def test_bad_sample_count(count: object) -> None:
    with pytest.raises(ValueError, match="num_samples must be an int of at least 0"):
        AliasTable(torch.ones(3)).sample(count)  # type: ignore[arg-type]
