"""PyTorch's own row-wise table, beside :class:`~embedlab.distributed.ShardedEmbedding`.

:func:`torch.distributed.tensor.parallel.parallelize_module` with
:class:`~torch.distributed.tensor.parallel.RowwiseParallel` turns an
:class:`torch.nn.Embedding` into one whose weight is a DTensor placed ``Shard(0)``.
It is *tensor* parallel: every rank looks up the same, replicated, ids; each finds the
rows it holds and writes zeros for the others, and a reduce-scatter sums the partial
results, leaving each rank its slice of the batch (``output_layouts=Shard(0)``).
Used data parallel, as :class:`~embedlab.distributed.ShardedEmbedding` is, the ranks
must first all-gather their ids, and every row of the global batch then crosses the
network, not only the rows another rank holds. In the backward, DTensor all-gathers the
output gradient and computes the weight's gradient as a replicated dense table on every
rank (PyTorch 2.13).

:func:`compare` runs both on the same table and batches and reports results, bytes and
times; ``python -m embedlab.distributed`` prints it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.distributed.device_mesh import DeviceMesh
from torch.distributed.tensor import Replicate, Shard
from torch.distributed.tensor.parallel import RowwiseParallel, parallelize_module

from embedlab.distributed.placement import zipf_ids
from embedlab.distributed.sharded import ShardedEmbedding
from embedlab.distributed.traffic import SentBytes

__all__ = ["compare", "rowwise_embedding"]


def rowwise_embedding(weight: Tensor, mesh: DeviceMesh) -> nn.Module:
    """An :class:`torch.nn.Embedding` holding ``weight``, sharded row-wise by DTensor.

    Collective. It takes the global batch's ids on every rank and returns this rank's
    equal slice of the rows.
    """
    table = nn.Embedding.from_pretrained(weight.clone(), freeze=False)
    plan = RowwiseParallel(input_layouts=Replicate(), output_layouts=Shard(0))
    return parallelize_module(table, mesh, plan)


def _gather_ids(ids: Tensor, world: int) -> Tensor:
    everyone = [torch.empty_like(ids) for _ in range(world)]
    dist.all_gather(everyone, ids)
    return torch.cat(everyone)


def _seconds(step: Callable[[], None], repeats: int) -> float:
    # A fixed count on every rank: ranks that chose their own counts would wait for
    # each other in a collective that the others never call.
    dist.barrier()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    dist.barrier()
    return (time.perf_counter() - start) / repeats


def compare(
    num_embeddings: int,
    embedding_dim: int,
    batch: int,
    repeats: int = 20,
    seed: int = 0,
) -> dict:
    """Run one lookup and backward of a Zipf batch per rank through both tables.

    Collective, on the default group. Every rank draws its own ``batch`` ids.

    Returns:
        dict: ``rows_equal`` (the two outputs are equal bit for bit),
        ``grads_close`` (this rank's rows' gradients agree), ``bytes`` (sent by this
        rank, per table, counted by :class:`~embedlab.distributed.SentBytes`),
        ``uncounted`` (collectives it could not count: none), ``dense_grad_rows``
        (the rows of DTensor's weight gradient on this rank) and ``seconds`` (a
        forward and backward, mean of ``repeats``).
    """
    rank, world = dist.get_rank(), dist.get_world_size()
    full = torch.randn(
        num_embeddings, embedding_dim, generator=torch.Generator().manual_seed(seed)
    )
    ids = zipf_ids(
        num_embeddings, batch, torch.Generator().manual_seed(seed + 1 + rank)
    )
    ours = ShardedEmbedding.from_full(full)
    theirs = rowwise_embedding(full, DeviceMesh.from_group(dist.group.WORLD, "cpu"))

    def ours_step() -> Tensor:
        out = ours(ids)
        out.sum().backward()
        return out

    def theirs_step() -> Tensor:
        out = theirs(_gather_ids(ids, world))
        out.sum().backward()
        return out

    sent, outputs, uncounted = {}, {}, set()
    for name, step in (
        ("ShardedEmbedding", ours_step),
        ("RowwiseParallel", theirs_step),
    ):
        with SentBytes(rank, world) as counter:
            outputs[name] = step().detach()
        sent[name], uncounted = counter.total, uncounted | counter.uncounted
    dense_grad_rows = theirs.weight.grad.to_local().shape[0]
    # Before the timing runs, which accumulate more gradients.
    grads_close = torch.allclose(
        ours.weight.grad, theirs.weight.grad.full_tensor()[ours.global_rows()]
    )
    seconds = {
        "ShardedEmbedding": _seconds(ours_step, repeats),
        "RowwiseParallel": _seconds(theirs_step, repeats),
    }
    return {
        "rows_equal": torch.equal(
            outputs["ShardedEmbedding"], outputs["RowwiseParallel"]
        ),
        "grads_close": grads_close,
        "bytes": sent,
        "uncounted": sorted(uncounted),
        "dense_grad_rows": dense_grad_rows,
        "seconds": seconds,
    }
