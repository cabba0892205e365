"""Moving rows between ranks: the all-to-all of a sharded lookup and its fallback.

Every exchange needs the whole matrix of how many rows each rank sends to each:
``gather_counts`` gathers it with one small collective and brings it to the host
(``.tolist()``), because :func:`torch.distributed.all_to_all_single` takes its split
sizes as Python ints. On CUDA that is a device-to-host copy, which waits for every
kernel queued before it, on every lookup; TorchRec also exchanges its split sizes
before each id all-to-all, and hides part of the cost by pipelining batches.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["EXCHANGES", "exchange", "gather_counts", "move_rows"]

#: The ways rows can travel between ranks. ``"all_to_all"`` sends each rank exactly
#: the rows it needs with :func:`torch.distributed.all_to_all_single`;
#: ``"all_gather"`` is the fallback for backends without all-to-all: every rank
#: gathers every rank's whole (padded) send buffer with
#: :func:`torch.distributed.all_gather` and keeps its part, which moves and holds
#: :math:`N` times more data.
EXCHANGES = ("all_to_all", "all_gather")


def gather_counts(row: Tensor, world_size: int, group=None) -> list[list[int]]:
    """Every rank's ``row`` (equal lengths, int64), as lists on the host, in rank order."""
    rows = [torch.empty_like(row) for _ in range(world_size)]
    dist.all_gather(rows, row, group=group)
    return torch.stack(rows).tolist()


def exchange(
    tensor: Tensor, counts: list[list[int]], rank: int, group, method: str
) -> Tensor:
    """Send ``counts[rank][r]`` leading rows of ``tensor`` (grouped by destination) to each rank ``r``.

    ``counts[s][r]`` is how many rows rank ``s`` sends to rank ``r``; every rank
    knows the whole matrix. Returns the rows received, grouped by source rank.
    """
    world = len(counts)
    send = counts[rank]
    recv = [counts[source][rank] for source in range(world)]
    tensor = tensor.contiguous()
    out = tensor.new_empty((sum(recv), *tensor.shape[1:]))
    if method == "all_to_all":
        dist.all_to_all_single(out, tensor, recv, send, group=group)
        return out
    # Fallback: every rank gathers every send buffer, padded to the longest, and keeps
    # the slice addressed to it.
    longest = max(sum(row) for row in counts)
    padded = tensor.new_zeros((longest, *tensor.shape[1:]))
    padded[: tensor.shape[0]] = tensor
    gathered = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(gathered, padded, group=group)
    pieces = []
    for source, buffer in enumerate(gathered):
        start = sum(counts[source][:rank])
        pieces.append(buffer[start : start + counts[source][rank]])
    return torch.cat(pieces) if pieces else out


class ReturnRows(torch.autograd.Function):
    """Send looked-up rows back to the ranks that asked; the backward sends gradients to the owners.

    ``scale`` multiplies the gradient rows before they travel: ``1`` sums the ranks'
    gradients, ``1 / world_size`` averages them as DDP does.
    """

    @staticmethod
    def forward(ctx, rows, counts, rank, group, method, scale):  # type: ignore[override]
        # The rows go back along the reverse of the route the ids came by: transpose.
        ctx.counts, ctx.rank, ctx.group, ctx.method, ctx.scale = (
            counts,
            rank,
            group,
            method,
            scale,
        )
        reverse = [list(column) for column in zip(*counts)]
        return exchange(rows, reverse, rank, group, method)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        if ctx.scale != 1:
            grad = grad * ctx.scale
        # Each gradient row travels the ids' route, to the rank that owns the row.
        moved = exchange(grad, ctx.counts, ctx.rank, ctx.group, ctx.method)
        return moved, None, None, None, None, None


def move_rows(
    rows: Tensor,
    ids: Tensor,
    destination: Tensor,
    rank: int,
    world_size: int,
    group=None,
) -> tuple[Tensor, Tensor]:
    """Send each row, with its global id, to the rank ``destination`` names.

    Every rank of ``group`` calls it. Returns ``(ids, rows)`` received, grouped by
    source rank; the caller puts them where they belong.
    """
    order = torch.argsort(destination, stable=True)
    row = torch.bincount(destination, minlength=world_size)
    counts = gather_counts(row, world_size, group)
    received_ids = exchange(ids[order], counts, rank, group, "all_to_all")
    received_rows = exchange(rows[order], counts, rank, group, "all_to_all")
    return received_ids, received_rows
