"""embedlab.distributed on 2 and 3 CPU processes (gloo over 127.0.0.1) against one process.

Starting processes is the expensive part, so one 2-rank and one 3-rank world run
every check (:func:`worker`), once per session (the ``worlds`` fixture); the 3-rank
world loads the checkpoint the 2-rank world saved. The ranks assert what they can
see and write what the parent needs into files; any failed assert in a rank fails
every test that uses the worlds. Every collective is bounded by the process group's
timeout, so a bug cannot hang the suite.
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
from embedlab.distributed import (
    Placement,
    SentBytes,
    ShardedEmbedding,
    data_parallel,
    device_for,
    free_loopback_port,
    init_loopback,
    lookup_traffic,
    shard_bounds,
    shard_sizes,
    sharded_names,
    zipf_ids,
)
from embedlab.distributed.checkpoint import load_sharded, save_sharded
from embedlab.distributed.demo import ddp_matches_one_process
from embedlab.distributed.rowwise import compare

VOCAB, DIM, STEPS = 60, 4, 3
OPTIMIZERS = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.5),
    "adagrad": lambda params: torch.optim.Adagrad(params, lr=0.5),
    "sparse_adam": lambda params: torch.optim.SparseAdam(params, lr=0.1),
}


def spawn(worker, world: int, outdir: Path, *args, backend: str = "gloo") -> list[dict]:
    """Run ``worker(rank, world, ...)`` on ``world`` processes; return what each rank wrote.

    CPU ranks are forked from this process, which has imported torch already: on a
    busy two-core machine that saves several seconds a rank. CUDA cannot be forked.
    """
    method = "spawn" if backend == "nccl" else "fork"
    entry_args = (world, free_loopback_port(), backend, worker, str(outdir), args)
    mp.start_processes(_entry, args=entry_args, nprocs=world, start_method=method)
    return [json.loads((outdir / f"rank{r}.json").read_text()) for r in range(world)]


def _entry(rank, world, port, backend, worker, outdir, args):
    torch.set_num_threads(1)
    # Sparse Adagrad warns unless the invariant checks are chosen explicitly.
    torch.sparse.check_sparse_tensor_invariants.disable()
    if backend == "nccl":
        torch.cuda.set_device(device_for(rank, cuda=True)[1])
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
        out = [
            torch.randint(0, 5, (7,), generator=generator) * 12 for _ in range(world)
        ]
        out[1] = out[1].reshape(-1)[:6].reshape(2, 3).int()
        return out
    if scenario == "one_shard":
        # Every id lives on the last rank's shard.
        start, end = shard_bounds(VOCAB, world)[-1]
        return [
            torch.randint(start, end, (5,), generator=generator) for _ in range(world)
        ]
    if scenario == "empty":
        # Rank 0 looks nothing up; the others do.
        return [
            torch.randint(0, VOCAB, (0 if r == 0 else 6,), generator=generator)
            for r in range(world)
        ]
    if scenario == "edges":
        # The first and the last row of every shard, on every rank, with the shards taken
        # from torch.tensor_split rather than from the code under test: a shard that ends
        # a row early or late shows here.
        parts = torch.tensor_split(torch.arange(VOCAB), world)
        edges = torch.stack(
            [torch.stack([part[0], part[-1]]) for part in parts]
        ).reshape(-1)
        return [edges.roll(r) for r in range(world)]
    if scenario == "all_empty":
        return [torch.zeros(0, dtype=torch.long) for _ in range(world)]
    raise ValueError(scenario)


CASES = [
    # (scenario, optimizer, sparse, padding_idx, exchange, sharding, dedupe)
    ("repeated", "sgd", False, None, "auto", "contiguous", False),
    ("repeated", "sgd", False, None, "auto", "modulo", True),
    ("repeated", "sparse_adam", True, None, "auto", "contiguous", False),
    ("repeated", "adagrad", True, 24, "auto", "modulo", True),
    ("one_shard", "adagrad", False, None, "auto", "contiguous", False),
    ("one_shard", "sgd", True, None, "all_gather", "modulo", False),
    ("empty", "sgd", False, -1, "auto", "contiguous", True),
    ("empty", "sparse_adam", True, None, "all_gather", "contiguous", False),
    ("all_empty", "sgd", False, None, "auto", "modulo", True),
    ("edges", "sgd", False, None, "auto", "contiguous", False),
    ("edges", "sparse_adam", True, -1, "all_gather", "modulo", True),
    ("repeated", "adagrad", True, 24, "auto", "frequency", True),
    ("edges", "sgd", False, None, "auto", "frequency", False),
]


def placement_of(sharding: str, world: int) -> Placement | str:
    """The ``sharding`` argument of a case; "frequency" places rows by made-up counts."""
    if sharding != "frequency":
        return sharding
    counts = (torch.arange(VOCAB) * 37 % 11).double()
    return Placement.from_counts(counts, world)


def check_parity(rank: int, world: int) -> dict:
    """Train a sharded table and one whole table side by side; assert they agree at every step."""
    full = torch.randn(VOCAB, DIM, generator=torch.Generator().manual_seed(7))
    report = {"shard_bytes": None, "exchange": {}, "cases": 0}
    for scenario, optimizer, sparse, padding_idx, exchange, sharding, dedupe in CASES:
        sharded = ShardedEmbedding.from_full(
            full,
            sparse=sparse,
            padding_idx=padding_idx,
            exchange=exchange,
            sharding=placement_of(sharding, world),
            dedupe=dedupe,
        )
        single = torch.nn.Embedding.from_pretrained(
            full.clone(), freeze=False, sparse=sparse, padding_idx=padding_idx
        )
        opt_sharded = OPTIMIZERS[optimizer](list(sharded.parameters()))
        opt_single = OPTIMIZERS[optimizer](list(single.parameters()))
        mine = sharded.global_rows()
        # Taken from the placement's rule, not from the code under test.
        expected_rows = {
            "modulo": torch.arange(rank, VOCAB, world),
            "contiguous": torch.arange(VOCAB).tensor_split(world)[rank],
            "frequency": sharded.placement.rows(rank),
        }[sharding]
        assert torch.equal(mine, expected_rows)
        for step in range(STEPS):
            ids = batches(world, step, scenario)
            grads = [
                torch.randn(
                    *i.shape,
                    DIM,
                    generator=torch.Generator().manual_seed(50 * step + r),
                )
                for r, i in enumerate(ids)
            ]
            opt_sharded.zero_grad()
            opt_single.zero_grad()
            out = sharded(ids[rank])
            # The rows of the table the shards make up now, bit for bit: a lookup only copies.
            shards = [torch.empty_like(sharded.weight) for _ in range(world)]
            dist.all_gather(shards, sharded.weight.detach())
            table = torch.empty(VOCAB, DIM)
            table[torch.cat([sharded.placement.rows(r) for r in range(world)])] = (
                torch.cat(shards)
            )
            assert out.shape == (*ids[rank].shape, DIM)
            assert torch.equal(out.detach(), table[ids[rank].long()]), (scenario, step)
            if step == 0:
                assert torch.equal(out.detach(), full[ids[rank].long()])
            out.backward(grads[rank])
            # The whole table sees every rank's batch; the sum of the ranks' losses.
            single(torch.cat([i.reshape(-1) for i in ids])).backward(
                torch.cat([g.reshape(-1, DIM) for g in grads])
            )
            got, expected = sharded.weight.grad, single.weight.grad
            if sparse:
                assert got is None or got.is_sparse
                got = torch.zeros(len(mine), DIM) if got is None else got.to_dense()
                expected = (
                    torch.zeros(VOCAB, DIM) if expected is None else expected.to_dense()
                )
            if dedupe:
                # A rank adds its repeats before sending: the same sum in another order.
                torch.testing.assert_close(got, expected[mine], rtol=1e-6, atol=1e-6)
            else:
                # Rows summed in the same order as the whole table sums them: equal bit for bit.
                torch.testing.assert_close(got, expected[mine], rtol=0, atol=0)
            opt_sharded.step()
            opt_single.step()
            # Same gradients, same update formula; only rounding may differ, by one ulp where a
            # row falls in a SIMD lane of one tensor and in the scalar tail of the other.
            torch.testing.assert_close(
                sharded.weight.detach(),
                single.weight.detach()[mine],
                rtol=1e-5,
                atol=1e-6,
            )
        report["shard_bytes"] = sharded.shard_bytes()
        report["exchange"][exchange] = sharded.exchange
        report["cases"] += 1
    report["rows"] = [sharded.start, sharded.end] if sharded.start is not None else None
    report["table_bytes"] = full.numel() * full.element_size()
    return report


def check_traffic(rank: int, world: int) -> dict:
    """Count the bytes a Zipf batch sends, with and without de-duplication, against the model."""
    vocab, dim, batch = 1000, 16, 256
    ids = [
        zipf_ids(vocab, batch, torch.Generator().manual_seed(r)) for r in range(world)
    ]
    full = torch.randn(vocab, dim, generator=torch.Generator().manual_seed(0))
    report = {}
    for sharding in ("contiguous", "modulo"):
        for dedupe in (False, True):
            table = ShardedEmbedding.from_full(full, sharding=sharding, dedupe=dedupe)
            with SentBytes(rank, world) as sent:
                out = table(ids[rank])
                out.sum().backward()
            assert not sent.uncounted, sent.uncounted
            model = lookup_traffic(
                ids, Placement(vocab, world, sharding), dim, dedupe=dedupe
            )
            assert sent.total == model[rank], (sharding, dedupe, sent.total, model)
            assert torch.equal(out.detach(), full[ids[rank]])
            report[f"{sharding},{dedupe}"] = sent.total
    return report


def check_unused_output(rank: int, world: int) -> bool:
    """A rank whose loss ignores the output still joins the backward through 0 * output.sum()."""
    table = ShardedEmbedding(VOCAB, DIM)
    out = table(torch.tensor([rank, VOCAB - 1 - rank]))
    loss = 0 * out.sum() if rank == 0 else out.sum()
    loss.backward()
    grads = [torch.empty_like(table.weight.grad) for _ in range(world)]
    dist.all_gather(grads, table.weight.grad)
    # Only rank 1 and above used their rows: 2 rows each, one count per entry.
    return torch.cat(grads).sum().item() == 2 * DIM * (world - 1)


def check_ddp(rank: int, world: int) -> dict:
    report = ddp_matches_one_process(VOCAB, DIM, batch=4)
    try:
        data_parallel(torch.nn.Sequential(ShardedEmbedding(VOCAB, DIM)))
    except ValueError as err:
        report["summed"] = str(err)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), ShardedEmbedding(VOCAB, DIM))
    report["names"] = sharded_names(model)
    return report


def gathered(table: ShardedEmbedding, rows: torch.Tensor) -> torch.Tensor:
    """The whole table (or a state of its shape) from every rank's rows."""
    world = table.world_size
    parts = [torch.empty(size, DIM) for size in shard_sizes(VOCAB, world)]
    dist.all_gather(parts, rows.contiguous())
    whole = torch.empty(VOCAB, DIM)
    whole[torch.cat([table.placement.rows(r) for r in range(world)])] = torch.cat(parts)
    return whole


def check_checkpoint(rank: int, world: int, outdir: str) -> dict:
    """At 2 ranks (modulo): train with Adam and save. At 3 (by frequency): load, compare, resume."""
    path = Path(outdir).parent / "checkpoint"
    expected_path = Path(outdir).parent / "checkpoint_expected.pt"
    if world == 2:
        full = torch.randn(VOCAB, DIM, generator=torch.Generator().manual_seed(3))
        table = ShardedEmbedding.from_full(full, sharding="modulo")
        opt = torch.optim.Adam(table.parameters(), lr=0.1)
        for step in range(2):
            opt.zero_grad()
            table(batches(world, step, "repeated")[rank]).sum().backward()
            opt.step()
        save_sharded(table, path, opt)
        state = opt.state[table.weight]
        whole = {
            "weight": gathered(table, table.weight.detach()),
            "step": state["step"].clone(),
        }
        whole |= {k: gathered(table, state[k]) for k in ("exp_avg", "exp_avg_sq")}
        if rank == 0:
            torch.save(whole, expected_path)
        dist.barrier()
        return {"saved": True}
    table = ShardedEmbedding(VOCAB, DIM, sharding=placement_of("frequency", world))
    opt = torch.optim.Adam(table.parameters(), lr=0.1)
    load_sharded(table, path, opt)
    expected = torch.load(expected_path)
    state = opt.state[table.weight]
    assert torch.equal(gathered(table, table.weight.detach()), expected["weight"])
    for key in ("exp_avg", "exp_avg_sq"):
        assert torch.equal(gathered(table, state[key]), expected[key]), key
    assert torch.equal(state["step"], expected["step"])
    try:
        load_sharded(ShardedEmbedding(VOCAB + 1, DIM), path)
    except ValueError as err:
        message = str(err)
    # Resumes: Adam's next step uses the loaded moments and step count.
    opt.zero_grad()
    table(torch.tensor([rank])).sum().backward()
    opt.step()
    return {"loaded": True, "wrong_shape": message, "step": state["step"].item()}


def worker(rank: int, world: int, outdir: str) -> dict:
    report = {
        "parity": check_parity(rank, world),
        "traffic": check_traffic(rank, world),
        "unused_output": check_unused_output(rank, world),
        "ddp": check_ddp(rank, world),
        "checkpoint": check_checkpoint(rank, world, outdir),
        "rowwise": compare(600, 8, 32, repeats=2),
    }
    if world == 2:
        report["errors"] = error_worker(rank, world)
    return report


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[dict]]:
    """Every rank's report, for the 2-rank world, then the 3-rank world."""
    out = {}
    for world in (2, 3):
        outdir = tmp_path_factory.mktemp(f"world{world}")
        out[world] = spawn(worker, world, outdir, str(outdir))
    return out


@pytest.mark.parametrize("world", [2, 3])
def test_sharded_training_equals_one_table(world: int, worlds: dict) -> None:
    reports = [r["parity"] for r in worlds[world]]
    table_bytes = reports[0]["table_bytes"]
    for rank, report in enumerate(reports):
        assert report["cases"] == len(CASES)
        # Gloo in PyTorch 2.13 has all_to_all on the CPU, so "auto" picks it.
        assert report["exchange"] == {"auto": "all_to_all", "all_gather": "all_gather"}
        # VOCAB divides evenly by 2 and 3: each rank holds exactly 1/N of the table.
        assert report["shard_bytes"] * world == table_bytes


@pytest.mark.parametrize("world", [2, 3])
def test_dedupe_sends_fewer_bytes_as_counted(world: int, worlds: dict) -> None:
    for rank, report in enumerate(r["traffic"] for r in worlds[world]):
        print(f"world {world}, rank {rank}: bytes sent {report}")
        for sharding in ("contiguous", "modulo"):
            assert report[f"{sharding},True"] < 0.6 * report[f"{sharding},False"]


@pytest.mark.parametrize("world", [2, 3])
def test_ddp_dense_part_with_sharded_table_equals_one_process(
    world: int, worlds: dict
) -> None:
    for report in (r["ddp"] for r in worlds[world]):
        assert report["shard_kept"]
        # What the refusal prevents from going unnoticed: rank 0's rows everywhere.
        assert report["plain_ddp_copied_rank_0"]
        assert report["table_diff"] < 1e-5 and report["dense_diff"] < 1e-5, report
        assert "embedlab.distributed.data_parallel(model" in report["refusal"]
        assert "broadcast rank 0's rows" in report["refusal"]
        assert "build it with grad_reduction='mean'" in report["summed"]
        assert report["names"] == ["1.weight"]


@pytest.mark.parametrize("world", [2, 3])
def test_unused_output_joins_through_zero_times_sum(world: int, worlds: dict) -> None:
    assert all(r["unused_output"] for r in worlds[world])


def test_checkpoint_saved_at_2_ranks_loads_at_3(worlds: dict) -> None:
    assert all(r["checkpoint"] == {"saved": True} for r in worlds[2])
    for report in (r["checkpoint"] for r in worlds[3]):
        assert report["loaded"]
        assert report["wrong_shape"].endswith(
            f"holds a table of shape ({VOCAB}, {DIM}), expected ({VOCAB + 1}, {DIM})"
        )
        assert report["step"] == 3.0


@pytest.mark.parametrize("world", [2, 3])
def test_dtensor_rowwise_gives_the_same_rows_and_sends_more(
    world: int, worlds: dict
) -> None:
    batch, dim = 32, 8
    for rank, report in enumerate(r["rowwise"] for r in worlds[world]):
        assert report["rows_equal"] and report["grads_close"]
        assert report["uncounted"] == []
        # DTensor's weight gradient holds every row on every rank (PyTorch 2.13).
        assert report["dense_grad_rows"] == 600
        # Ids all-gathered, the global batch's rows reduce-scattered, their gradients
        # all-gathered: every rank sends (N - 1) * B * (8 + 2 * 4 * D) bytes.
        assert report["bytes"]["RowwiseParallel"] == (world - 1) * batch * (8 + 8 * dim)
        assert (
            report["bytes"]["ShardedEmbedding"] < report["bytes"]["RowwiseParallel"] / 2
        )


def error_worker(rank: int, world: int) -> dict:
    messages = {}
    # Different arguments on different ranks: every rank refuses, naming each rank's value.
    try:
        ShardedEmbedding(VOCAB, DIM + rank)
    except ValueError as err:
        messages["mismatch"] = str(err)
    for name, value in (("sharding", "rows"), ("grad_reduction", "max")):
        try:
            ShardedEmbedding(VOCAB, DIM, **{name: value})
        except ValueError as err:
            messages[name] = str(err)
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
    except (
        TypeError
    ) as err:  # a dtype error is raised before any collective, on the rank alone
        messages["dtype"] = str(err)
    return messages


def test_errors_are_clear_and_raised_on_every_rank(worlds: dict) -> None:
    reports = [r["errors"] for r in worlds[2]]
    for rank, messages in enumerate(reports):
        assert (
            "they differ in embedding_dim: rank 0=4, rank 1=5" in messages["mismatch"]
        )
        assert messages["too_small"] == (
            "cannot shard 1 rows over 2 ranks: every rank must own at least one row (num_embeddings >= world size)"
        )
        assert (
            messages["sharding"]
            == "sharding must be 'contiguous', 'modulo' or a Placement, got 'rows'"
        )
        assert (
            messages["grad_reduction"]
            == "grad_reduction must be 'sum' or 'mean', got 'max'"
        )
        assert messages["dtype"].startswith(
            "input must have dtype torch.int64 or torch.int32, got torch.float32"
        )
    assert reports[1]["bad_id"].startswith(
        f"input[2] = {VOCAB + 39} is out of range: expected 0 <= id < {VOCAB}"
    )
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
    assert [list(range(lo, hi)) for lo, hi in shard_bounds(vocab, world)] == [
        p.tolist() for p in parts
    ]


def nccl_worker(rank: int, world: int) -> dict:
    device = device_for(rank, cuda=True)[1]
    assert torch.cuda.current_device() == device.index
    full = torch.randn(VOCAB, DIM, generator=torch.Generator().manual_seed(7)).to(
        device
    )
    sharded = ShardedEmbedding.from_full(full, sparse=True, sharding="modulo")
    ids = batches(world, 0, "repeated")
    out = sharded(ids[rank].to(device))
    assert torch.equal(out.detach(), full[ids[rank].long().to(device)])
    out.sum().backward()
    table = ShardedEmbedding.from_full(full, grad_reduction="mean")
    model = torch.nn.Sequential(table, torch.nn.Linear(DIM, 1)).to(device)
    data_parallel(model, device_ids=[device.index])(
        ids[rank].to(device).long()
    ).sum().backward()
    return {
        "exchange": sharded.exchange,
        "nnz": sharded.weight.grad._nnz(),
        "ddp": table.weight.grad is not None,
    }


@pytest.mark.cuda
def test_nccl_on_cuda(tmp_path: Path) -> None:
    world = min(2, torch.cuda.device_count())
    if world < 2:
        world = 1  # one GPU: a one-rank NCCL group still runs the CUDA path
    reports = spawn(nccl_worker, world, tmp_path, backend="nccl")
    assert all(r["exchange"] == "all_to_all" and r["ddp"] for r in reports)


def test_demo_entry_point_under_torchrun() -> None:
    import subprocess
    import sys

    port = free_loopback_port()
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-addr",
        "127.0.0.1",
        "--master-port",
        str(port),
        "-m",
        "embedlab.distributed",
        "--cpu",  # gloo on the CPU, where there are GPUs too
        "--num-embeddings",
        "30",
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("rank=")]
    assert len(lines) == 4
    assert all(
        "lookup_equal=True grad_equal=True step_equal=True" in line
        for line in lines[:2]
    )
    assert all(
        "shard_kept=True table_close=True dense_close=True "
        "plain_ddp_copied_rank_0=True plain_ddp_refused=True" in line
        for line in lines[2:]
    )
