"""embedlab.distributed.ShardedEmbedding on 2 and 3 CPU processes (gloo over 127.0.0.1) against one nn.Embedding.

Each test spawns its ranks with torch.multiprocessing; the ranks write what the
parent needs into files, and any failed assert in a rank fails the test. Every
collective is bounded by the process group's timeout, so a bug cannot hang the suite.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from embedlab._checks import IdOutOfRangeError
from embedlab.distributed import ShardedEmbedding, free_loopback_port, init_loopback, shard_bounds, shard_sizes

VOCAB, DIM, STEPS = 60, 4, 3
OPTIMIZERS = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.5),
    "adagrad": lambda params: torch.optim.Adagrad(params, lr=0.5),
    "sparse_adam": lambda params: torch.optim.SparseAdam(params, lr=0.1),
}


def spawn(worker, world: int, outdir: Path, *args, backend: str = "gloo") -> list[dict]:
    """Run ``worker(rank, world, ...)`` on ``world`` processes; return what each rank wrote."""
    mp.spawn(_entry, args=(world, free_loopback_port(), backend, worker, str(outdir), args), nprocs=world)
    return [json.loads((outdir / f"rank{r}.json").read_text()) for r in range(world)]


def _entry(rank, world, port, backend, worker, outdir, args):
    torch.set_num_threads(1)
    # Sparse Adagrad warns unless the invariant checks are chosen explicitly.
    torch.sparse.check_sparse_tensor_invariants.disable()
    if backend == "nccl":
        torch.cuda.set_device(rank)
    init_loopback(rank, world, port, backend=backend, timeout=60)
    try:
        result = worker(rank, world, *args)
        Path(outdir, f"rank{rank}.json").write_text(json.dumps(result))
        # No rank tears the group down while a peer is still in its last collective:
        # gloo then aborts that peer ("terminate called without an active exception").
        dist.barrier()
    finally:
        dist.destroy_process_group()


def batches(world: int, step: int, scenario: str) -> list[torch.Tensor]:
    """Every rank's ids at one step (each rank can rebuild all of them)."""
    generator = torch.Generator().manual_seed(1000 * step + world)
    if scenario == "repeated":
        # Few distinct ids, many repeats, within and across ranks; 2-D and int32 on rank 1.
        out = [torch.randint(0, 5, (7,), generator=generator) * 12 for _ in range(world)]
        out[1] = out[1].reshape(-1)[:6].reshape(2, 3).int()
        return out
    if scenario == "one_shard":
        # Every id lives on the last rank's shard.
        start, end = shard_bounds(VOCAB, world)[-1]
        return [torch.randint(start, end, (5,), generator=generator) for _ in range(world)]
    if scenario == "empty":
        # Rank 0 looks nothing up; the others do.
        return [torch.randint(0, VOCAB, (0 if r == 0 else 6,), generator=generator) for r in range(world)]
    if scenario == "edges":
        # The first and the last row of every shard, on every rank, with the shards taken
        # from torch.tensor_split rather than from the code under test: a shard that ends
        # a row early or late shows here.
        parts = torch.tensor_split(torch.arange(VOCAB), world)
        edges = torch.stack([torch.stack([part[0], part[-1]]) for part in parts]).reshape(-1)
        return [edges.roll(r) for r in range(world)]
    if scenario == "all_empty":
        return [torch.zeros(0, dtype=torch.long) for _ in range(world)]
    raise ValueError(scenario)


CASES = [
    # (scenario, optimizer, sparse, padding_idx, exchange)
    ("repeated", "sgd", False, None, "auto"),
    ("repeated", "sparse_adam", True, None, "auto"),
    ("repeated", "adagrad", True, 24, "auto"),
    ("one_shard", "adagrad", False, None, "auto"),
    ("one_shard", "sgd", True, None, "all_gather"),
    ("empty", "sgd", False, -1, "auto"),
    ("empty", "sparse_adam", True, None, "all_gather"),
    ("all_empty", "sgd", False, None, "auto"),
    ("edges", "sgd", False, None, "auto"),
    ("edges", "sparse_adam", True, -1, "all_gather"),
]


def parity_worker(rank: int, world: int) -> dict:
    """Train a sharded table and one whole table side by side; assert they agree at every step."""
    full = torch.randn(VOCAB, DIM, generator=torch.Generator().manual_seed(7))
    report = {"shard_bytes": None, "exchange": {}, "cases": 0}
    for scenario, optimizer, sparse, padding_idx, exchange in CASES:
        sharded = ShardedEmbedding.from_full(full, sparse=sparse, padding_idx=padding_idx, exchange=exchange)
        single = torch.nn.Embedding.from_pretrained(full.clone(), freeze=False, sparse=sparse, padding_idx=padding_idx)
        opt_sharded = OPTIMIZERS[optimizer](list(sharded.parameters()))
        opt_single = OPTIMIZERS[optimizer](list(single.parameters()))
        lo, hi = sharded.start, sharded.end
        for step in range(STEPS):
            ids = batches(world, step, scenario)
            grads = [torch.randn(*i.shape, DIM, generator=torch.Generator().manual_seed(50 * step + r))
                     for r, i in enumerate(ids)]
            opt_sharded.zero_grad()
            opt_single.zero_grad()
            out = sharded(ids[rank])
            # The rows of the table the shards make up now, bit for bit: a lookup only copies.
            shards = [torch.empty_like(sharded.weight) for _ in range(world)]
            dist.all_gather(shards, sharded.weight.detach())
            assert out.shape == (*ids[rank].shape, DIM)
            assert torch.equal(out.detach(), torch.cat(shards)[ids[rank].long()]), (scenario, step)
            if step == 0:
                assert torch.equal(out.detach(), full[ids[rank].long()])
            out.backward(grads[rank])
            # The whole table sees every rank's batch; the sum of the ranks' losses.
            single(torch.cat([i.reshape(-1) for i in ids])).backward(torch.cat([g.reshape(-1, DIM) for g in grads]))
            mine, expected = sharded.weight.grad, single.weight.grad
            if sparse:
                assert mine is None or mine.is_sparse
                mine = torch.zeros(hi - lo, DIM) if mine is None else mine.to_dense()
                expected = torch.zeros(VOCAB, DIM) if expected is None else expected.to_dense()
            # Rows summed in the same order as the whole table sums them: equal bit for bit.
            torch.testing.assert_close(mine, expected[lo:hi], rtol=0, atol=0)
            opt_sharded.step()
            opt_single.step()
            # Same gradients, same update formula; only rounding may differ, by one ulp where a
            # row falls in a SIMD lane of one tensor and in the scalar tail of the other.
            torch.testing.assert_close(sharded.weight.detach(), single.weight.detach()[lo:hi], rtol=1e-6, atol=1e-7)
        report["shard_bytes"] = sharded.shard_bytes()
        report["exchange"][exchange] = sharded.exchange
        report["cases"] += 1
    report["rows"] = [sharded.start, sharded.end]
    report["table_bytes"] = full.numel() * full.element_size()
    return report


@pytest.mark.parametrize("world", [2, 3])
def test_sharded_training_equals_one_table(world: int, tmp_path: Path) -> None:
    reports = spawn(parity_worker, world, tmp_path)
    table_bytes = reports[0]["table_bytes"]
    for rank, report in enumerate(reports):
        assert report["cases"] == len(CASES)
        # Gloo in PyTorch 2.13 has all_to_all on the CPU, so "auto" picks it.
        assert report["exchange"] == {"auto": "all_to_all", "all_gather": "all_gather"}
        assert report["rows"] == list(shard_bounds(VOCAB, world)[rank])
        print(f"world {world}, rank {rank}: rows {report['rows']}, shard {report['shard_bytes']} bytes "
              f"of a {table_bytes}-byte table ({report['shard_bytes'] / table_bytes:.3f})")
        # VOCAB divides evenly by 2 and 3: each rank holds exactly 1/N of the table.
        assert report["shard_bytes"] * world == table_bytes


def error_worker(rank: int, world: int) -> dict:
    messages = {}
    # Different arguments on different ranks: every rank refuses, naming each rank's value.
    try:
        ShardedEmbedding(VOCAB, DIM + rank)
    except ValueError as err:
        messages["mismatch"] = str(err)
    try:
        ShardedEmbedding(world - 1, DIM)
    except ValueError as err:
        messages["too_small"] = str(err)
    table = ShardedEmbedding(VOCAB, DIM)
    # Only the last rank has a bad id; every rank raises, none waits for ever.
    ids = torch.tensor([1, 2, VOCAB + 39]) if rank == world - 1 else torch.tensor([3])
    try:
        table(ids)
    except IdOutOfRangeError as err:
        messages["bad_id"] = str(err)
    # The group is still in step: a good lookup afterwards works on every rank.
    table(torch.tensor([rank, VOCAB - 1])).sum().backward()
    messages["after"] = table.weight.grad.sum().item()
    try:
        table(torch.tensor([0.5]))
    except TypeError as err:  # a dtype error is raised before any collective, on the rank alone
        messages["dtype"] = str(err)
    return messages


def test_errors_are_clear_and_raised_on_every_rank(tmp_path: Path) -> None:
    world = 2
    reports = spawn(error_worker, world, tmp_path)
    for rank, messages in enumerate(reports):
        assert "they differ in embedding_dim: rank 0=4, rank 1=5" in messages["mismatch"]
        assert messages["too_small"] == (
            "cannot shard 1 rows over 2 ranks: every rank must own at least one row (num_embeddings >= world size)"
        )
        assert messages["dtype"].startswith(
            "input must have dtype torch.int64 or torch.int32, got torch.float32"
        )
    assert reports[1]["bad_id"].startswith(f"input[2] = {VOCAB + 39} is out of range: expected 0 <= id < {VOCAB}")
    assert reports[0]["bad_id"].startswith("rank(s) [1] were given ids outside [0, 60)")
    # Rows 0 and 1 were looked up once, row 59 twice (once per rank): 4 rows of DIM ones.
    assert reports[0]["after"] + reports[1]["after"] == 4 * DIM


def test_needs_a_process_group() -> None:
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="needs an initialised process group"):
        ShardedEmbedding(10, 2)


@pytest.mark.parametrize(("vocab", "world"), [(10, 3), (7, 7), (100, 1), (5, 2)])
def test_split_rule_is_tensor_split(vocab: int, world: int) -> None:
    parts = torch.tensor_split(torch.arange(vocab), world)
    assert shard_sizes(vocab, world) == [len(p) for p in parts]
    assert [list(range(lo, hi)) for lo, hi in shard_bounds(vocab, world)] == [p.tolist() for p in parts]


def nccl_worker(rank: int, world: int) -> dict:
    device = torch.device("cuda", rank)
    full = torch.randn(VOCAB, DIM, generator=torch.Generator().manual_seed(7)).to(device)
    sharded = ShardedEmbedding.from_full(full, sparse=True)
    ids = batches(world, 0, "repeated")
    out = sharded(ids[rank].to(device))
    assert torch.equal(out.detach(), full[ids[rank].long().to(device)])
    out.sum().backward()
    return {"exchange": sharded.exchange, "nnz": sharded.weight.grad._nnz()}


@pytest.mark.cuda
def test_nccl_on_cuda(tmp_path: Path) -> None:
    world = min(2, torch.cuda.device_count())
    if world < 2:
        world = 1  # one GPU: a one-rank NCCL group still runs the CUDA path
    reports = spawn(nccl_worker, world, tmp_path, backend="nccl")
    assert all(r["exchange"] == "all_to_all" for r in reports)


def test_demo_entry_point_under_torchrun() -> None:
    import subprocess
    import sys

    port = free_loopback_port()
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
               "--master-port", str(port), "-m", "embedlab.distributed", "--num-embeddings", "30"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("rank=")]
    assert len(lines) == 2
    assert all("lookup_equal=True grad_equal=True step_equal=True" in line for line in lines)
