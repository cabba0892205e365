"""embedlab.distributed without processes: placements, load shares, traffic, launch choices."""

from __future__ import annotations

import pytest
import torch

from embedlab.distributed import (
    Placement,
    device_for,
    init_from_env,
    lookup_shares,
    lookup_traffic,
    shard_sizes,
    zipf_ids,
)
from embedlab.distributed.checkpoint import block_bounds

V = 100_000


@pytest.fixture(scope="module")
def zipf_batch() -> torch.Tensor:
    return zipf_ids(V, 8 * 4096, torch.Generator().manual_seed(0))


@pytest.mark.parametrize("sharding", ["contiguous", "modulo", "frequency"])
@pytest.mark.parametrize(("vocab", "world"), [(10, 3), (7, 7), (100, 1), (11, 4)])
def test_every_row_has_one_owner_and_one_local_slot(
    sharding: str, vocab: int, world: int
) -> None:
    if sharding == "frequency":
        counts = torch.rand(vocab, generator=torch.Generator().manual_seed(vocab))
        placement = Placement.from_counts(counts, world)
    else:
        placement = Placement(vocab, world, sharding)
    rows = [placement.rows(r) for r in range(world)]
    assert sorted(torch.cat(rows).tolist()) == list(range(vocab))
    assert [len(r) for r in rows] == shard_sizes(vocab, world)
    for rank, mine in enumerate(rows):
        assert placement.owner(mine).tolist() == [rank] * len(mine)
        assert placement.local(mine).tolist() == list(range(len(mine)))


def test_frequency_placement_is_greedy_and_keeps_the_row_counts() -> None:
    counts = torch.tensor([1.0, 9, 0, 5, 4, 3, 0])
    placement = Placement.from_counts(counts, 3)
    # 9 -> rank 0; 5 -> rank 1; 4 -> rank 2; 3 -> rank 2 (load 4 is the least), ...
    owners = placement.owner(torch.arange(7)).tolist()
    assert owners[1] == 0 and owners[3] == 1 and owners[4] == 2 and owners[5] == 2
    assert [len(placement.rows(r)) for r in range(3)] == shard_sizes(7, 3)
    assert repr(placement) != repr(Placement.from_counts(counts.flip(0), 3))
    with pytest.raises(ValueError, match="counts must be a 1-D tensor of non-negative"):
        Placement.from_counts(torch.tensor([1.0, -1.0]), 2)


def test_modulo_deals_ids_like_cards() -> None:
    placement = Placement(10, 3, "modulo")
    ids = torch.arange(10)
    assert placement.owner(ids).tolist() == [i % 3 for i in range(10)]
    assert placement.local(ids).tolist() == [i // 3 for i in range(10)]


def test_unknown_sharding_is_refused() -> None:
    with pytest.raises(
        ValueError, match="sharding must be 'contiguous' or 'modulo', got 'rows'"
    ):
        Placement(10, 2, "rows")


def test_zipf_ids_follow_zipfs_law(zipf_batch: torch.Tensor) -> None:
    counts = torch.bincount(zipf_batch, minlength=V).double()
    harmonic = (1 / torch.arange(1, V + 1, dtype=torch.float64)).sum()
    # P(id 0) = 1 / H(V), about 8.3%; id 1 half as often.
    assert abs(counts[0] / zipf_batch.numel() - 1 / harmonic) < 0.005
    assert 1.8 < counts[0] / counts[1] < 2.2


def test_contiguous_shares_are_the_zipf_mass_of_each_block(
    zipf_batch: torch.Tensor,
) -> None:
    shares = lookup_shares(zipf_batch, Placement(V, 8, "contiguous"))
    assert torch.isclose(shares.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert shares[0] == (zipf_batch < V // 8).double().mean()
    assert shares[0] > 0.8


def test_balanced_placement_is_within_target_at_8_ranks(
    zipf_batch: torch.Tensor,
) -> None:
    fair = 1 / 8
    modulo = Placement(V, 8, "modulo")
    every = lookup_shares(zipf_batch, modulo)
    distinct = lookup_shares(zipf_batch, modulo, distinct=True)
    contiguous = lookup_shares(zipf_batch, Placement(V, 8, "contiguous"), distinct=True)
    # Placed by counts from another sample, one added to each for the rows it missed.
    sample = zipf_ids(V, 8 * 4096, torch.Generator().manual_seed(1))
    by_frequency = Placement.from_counts(torch.bincount(sample, minlength=V) + 1, 8)
    frequency = lookup_shares(zipf_batch, by_frequency)
    print(
        f"busiest / fair at 8 ranks: modulo {every.max() / fair:.3f}, "
        f"modulo distinct {distinct.max() / fair:.3f}, contiguous distinct "
        f"{contiguous.max() / fair:.3f}, by frequency {frequency.max() / fair:.3f}"
    )
    assert frequency.max() <= 1.2 * fair
    assert distinct.max() <= 1.2 * fair
    assert contiguous.max() > 4 * fair
    # Counting every lookup, id 0 alone is 8.3% (0.66 of the fair share) wherever it
    # lives, and its rank's share of the rest brings it to about 1.47.
    assert 1.3 * fair < every.max() < 1.6 * fair


def test_dedupe_saves_most_of_the_traffic_of_a_zipf_batch(
    zipf_batch: torch.Tensor,
) -> None:
    parts = list(zipf_batch.tensor_split(8))
    placement = Placement(V, 8, "modulo")
    every = sum(lookup_traffic(parts, placement, 64, dedupe=False))
    distinct = sum(lookup_traffic(parts, placement, 64))
    print(
        f"bytes sent, 8 ranks x 4096 Zipf ids, D=64: {every} -> {distinct} "
        f"({1 - distinct / every:.1%} saved)"
    )
    assert distinct < 0.7 * every


def test_traffic_counts_ids_rows_and_gradients() -> None:
    placement = Placement(4, 2)  # rank 0: rows 0-1, rank 1: rows 2-3
    ids = [torch.tensor([2, 2, 0]), torch.tensor([3])]
    counts = 1 * 3 * 8  # the all-gather of 3 int64 counts, to one peer
    # Rank 0 asks for id 2 twice (8-byte id, then a 16-byte gradient row, each) and
    # serves nothing; rank 1 asks for nothing and serves two 16-byte rows.
    assert lookup_traffic(ids, placement, 4, dedupe=False) == [
        counts + 2 * 24,
        counts + 2 * 16,
    ]
    assert lookup_traffic(ids, placement, 4) == [counts + 24, counts + 16]


@pytest.mark.parametrize(("vocab", "world"), [(10, 3), (5, 4), (60, 2), (7, 7)])
def test_checkpoint_blocks_are_dtensors_shard_rule(vocab: int, world: int) -> None:
    chunks = [len(c) for c in torch.arange(vocab).chunk(world)]
    chunks += [0] * (world - len(chunks))
    assert [hi - lo for lo, hi in block_bounds(vocab, world)] == chunks


def test_device_follows_local_rank() -> None:
    assert device_for(1, cuda=True) == ("nccl", torch.device("cuda", 1))
    assert device_for(1, cuda=False) == ("gloo", torch.device("cpu"))


def test_init_from_env_needs_torchrun(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    with pytest.raises(
        RuntimeError, match="LOCAL_RANK is not set: start the ranks with torchrun"
    ):
        init_from_env()
