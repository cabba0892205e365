"""What ``python -m embedlab.distributed`` shows, rank by rank, against one process.

Every check builds, on every rank, what one unsharded process would compute for the
global batch (every rank's batch together), to compare with; a real job never holds
the whole table anywhere.
"""

from __future__ import annotations

import argparse

import torch
import torch.distributed as dist
from torch import Tensor, nn

from embedlab.distributed.ddp import data_parallel
from embedlab.distributed.launch import init_from_env
from embedlab.distributed.rowwise import compare
from embedlab.distributed.sharded import ShardedEmbedding

__all__ = ["ddp_matches_one_process", "main", "sharded_matches_one_table"]


def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def sharded_matches_one_table(
    num_embeddings: int, embedding_dim: int, batch: int
) -> dict:
    """Look up, backpropagate and take an SGD step; compare each with one table, bit for bit."""
    rank, world = dist.get_rank(), dist.get_world_size()
    full = torch.randn(num_embeddings, embedding_dim, generator=_seeded(0))
    all_ids = [
        torch.randint(0, num_embeddings, (batch,), generator=_seeded(1 + r))
        for r in range(world)
    ]
    all_grads = [
        torch.randn(batch, embedding_dim, generator=_seeded(100 + r))
        for r in range(world)
    ]
    # Without de-duplication each rank's gradient rows arrive one by one, and the owner
    # adds them in the order one table does: equal bit for bit.
    sharded = ShardedEmbedding.from_full(full, dedupe=False)
    out = sharded(all_ids[rank])
    out.backward(all_grads[rank])
    torch.optim.SGD(sharded.parameters(), lr=0.1).step()

    single = nn.Embedding.from_pretrained(full.clone(), freeze=False)
    single(torch.cat(all_ids)).backward(torch.cat(all_grads))
    mine = sharded.global_rows()
    expected_grad = single.weight.grad[mine].clone()
    torch.optim.SGD(single.parameters(), lr=0.1).step()
    return {
        "rows": f"{sharded.start}:{sharded.end}",
        "shard_bytes": sharded.shard_bytes(),
        "lookup_equal": torch.equal(out.detach(), full[all_ids[rank]]),
        "grad_equal": torch.equal(sharded.weight.grad, expected_grad),
        "step_equal": torch.equal(
            sharded.weight.detach(), single.weight.detach()[mine]
        ),
        "exchange": sharded.exchange,
    }


class _Model(nn.Module):
    """A sharded table, the mean of each sequence's rows, and a dense layer."""

    def __init__(self, table: nn.Module, embedding_dim: int) -> None:
        super().__init__()
        self.table = table
        self.dense = nn.Linear(embedding_dim, 1)

    def forward(self, ids: Tensor) -> Tensor:
        return self.dense(self.table(ids).mean(1)).squeeze(1)


def ddp_matches_one_process(
    num_embeddings: int,
    embedding_dim: int,
    batch: int,
    steps: int = 3,
    sharding: str = "modulo",
) -> dict:
    """Train DDP(dense) + a sharded table for ``steps`` SGD steps; compare with one process.

    Each rank's loss is the mean squared error over its ``batch`` sequences, one
    process's the mean over all ranks' sequences: the same loss, if the table's
    gradient is averaged over ranks as DDP averages the dense one.

    Returns:
        dict: the largest differences from one process of the table's rows and of the
        dense weights after training, and the message with which a model wrapped in
        plain DDP refuses to run.
    """
    rank, world = dist.get_rank(), dist.get_world_size()
    full = torch.randn(num_embeddings, embedding_dim, generator=_seeded(0))
    torch.manual_seed(1)
    one = _Model(
        nn.Embedding.from_pretrained(full.clone(), freeze=False), embedding_dim
    )
    table = ShardedEmbedding.from_full(full, sharding=sharding, grad_reduction="mean")
    model = _Model(table, embedding_dim)
    model.dense.load_state_dict(one.dense.state_dict())
    ddp = data_parallel(model)
    # DDP left the shard alone: still this rank's rows.
    kept = torch.equal(table.weight.detach(), full[table.global_rows()])
    opts = [torch.optim.SGD(m.parameters(), lr=0.5) for m in (ddp, one)]
    for step in range(steps):
        ids = [
            torch.randint(
                0, num_embeddings, (batch, 3), generator=_seeded(10 * step + r)
            )
            for r in range(world)
        ]
        targets = [
            torch.randn(batch, generator=_seeded(10 * step + r + 5))
            for r in range(world)
        ]
        for opt in opts:
            opt.zero_grad()
        nn.functional.mse_loss(ddp(ids[rank]), targets[rank]).backward()
        nn.functional.mse_loss(one(torch.cat(ids)), torch.cat(targets)).backward()
        for opt in opts:
            opt.step()
    mine = table.global_rows()
    plain = _Model(ShardedEmbedding.from_full(full), embedding_dim)
    wrapped = nn.parallel.DistributedDataParallel(plain)
    # Plain DDP has broadcast rank 0's shard over every rank's (equal shapes here).
    copied = torch.equal(
        plain.table.weight.detach(), full[plain.table.placement.rows(0)]
    )
    try:
        wrapped(ids[rank])
        refusal = ""
    except RuntimeError as err:
        refusal = str(err)
    return {
        "shard_kept": kept,
        "table_diff": (table.weight - one.table.weight[mine]).abs().max().item(),
        "dense_diff": (model.dense.weight - one.dense.weight).abs().max().item(),
        "plain_ddp_copied_rank_0": copied,
        "refusal": refusal,
    }


def _print_on_zero(report: dict) -> None:
    reports: list[dict] = [{}] * dist.get_world_size()
    dist.all_gather_object(reports, report)
    if dist.get_rank() == 0:
        for r, line in enumerate(reports):
            print(f"rank={r} " + " ".join(f"{k}={v}" for k, v in line.items()))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m embedlab.distributed``, run by torchrun on each rank."""
    parser = argparse.ArgumentParser(description="A sharded table against one table.")
    parser.add_argument("--num-embeddings", type=int, default=100)
    parser.add_argument("--embedding-dim", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument(
        "--compare-rows",
        type=int,
        default=0,
        help="also compare with DTensor's row-wise table, this many rows",
    )
    parser.add_argument(
        "--cpu", action="store_true", help="gloo on the CPU even with CUDA"
    )
    args = parser.parse_args(argv)
    init_from_env(cuda=False if args.cpu else None)
    try:
        world = dist.get_world_size()
        if dist.get_rank() == 0:
            print(
                f"{world} ranks, backend {dist.get_backend()}, table "
                f"{args.num_embeddings} x {args.embedding_dim}: "
                f"{args.num_embeddings * args.embedding_dim * 4} bytes"
            )
            print("one table against a sharded table, alone:")
        _print_on_zero(
            sharded_matches_one_table(
                args.num_embeddings, args.embedding_dim, args.batch
            )
        )
        ddp = ddp_matches_one_process(
            args.num_embeddings, args.embedding_dim, args.batch
        )
        if dist.get_rank() == 0:
            print("DDP(dense) + sharded table against one process, 3 SGD steps:")
        _print_on_zero(
            {
                "shard_kept": ddp["shard_kept"],
                # Rounding differs from one CPU to another; a tolerance does not.
                "table_close": ddp["table_diff"] < 1e-5,
                "dense_close": ddp["dense_diff"] < 1e-5,
                "plain_ddp_copied_rank_0": ddp["plain_ddp_copied_rank_0"],
                "plain_ddp_refused": "data_parallel" in ddp["refusal"],
            }
        )
        if args.compare_rows:
            result = compare(args.compare_rows, args.embedding_dim, args.batch)
            if dist.get_rank() == 0:
                print(
                    f"against DTensor RowwiseParallel, {args.compare_rows} rows, "
                    f"{args.batch} Zipf ids per rank:"
                )
            seconds = result.pop("seconds")
            result["bytes_sent"] = result.pop("bytes")
            _print_on_zero(result)
            _print_on_zero({"ms": {k: round(v * 1e3, 2) for k, v in seconds.items()}})
        # No rank tears gloo down while a peer is still in its last collective.
        dist.barrier()
    finally:
        dist.destroy_process_group()
