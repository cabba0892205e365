r"""Checkpoints of a sharded table that load at any world size.

A shard alone says nothing about where its rows sit in the whole table. These
functions save the table through :mod:`torch.distributed.checkpoint` as a DTensor
placed ``Shard(0)`` over the ranks: DTensor's blocks of :math:`\lceil V/N \rceil`
consecutive rows, whose global offsets the checkpoint records. Before saving, each
rank sends its rows to the block that holds them (the shards may be ``"modulo"``, or
split as :func:`torch.tensor_split` splits, which is not DTensor's rule); after
loading, each block's rows travel to their owner under the new world size and
placement. The optimizer state of the table's rows (moments, sums of squares, step
counts) travels the same way, so training resumes where it stopped.
"""

from __future__ import annotations

import math
import os

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch import Tensor
from torch.distributed.checkpoint.metadata import TensorStorageMetadata
from torch.distributed.device_mesh import DeviceMesh
from torch.distributed.tensor import DTensor, Shard

from embedlab.distributed.exchange import move_rows
from embedlab.distributed.sharded import ShardedEmbedding

__all__ = ["block_bounds", "load_sharded", "save_sharded"]

_OPTIMIZER = "optimizer."


def block_bounds(num_embeddings: int, world_size: int) -> list[tuple[int, int]]:
    r"""DTensor's ``Shard(0)`` blocks: rank :math:`r` holds rows :math:`[rc, \min(V, (r+1)c))`, :math:`c = \lceil V/N \rceil`.

    Examples::

        >>> block_bounds(10, 3)
        [(0, 4), (4, 8), (8, 10)]
        >>> block_bounds(5, 4)  # the last rank may hold nothing
        [(0, 2), (2, 4), (4, 5), (5, 5)]
    """
    size = math.ceil(num_embeddings / world_size)
    return [
        (min(r * size, num_embeddings), min((r + 1) * size, num_embeddings))
        for r in range(world_size)
    ]


def _mesh(table: ShardedEmbedding) -> DeviceMesh:
    group = table.group or dist.group.WORLD
    return DeviceMesh.from_group(group, table.weight.device.type)


def _to_blocks(table: ShardedEmbedding, rows: Tensor) -> DTensor:
    world, rank = table.world_size, table.rank
    lo, hi = block_bounds(table.num_embeddings, world)[rank]
    ids = table.global_rows()
    block_of = ids // math.ceil(table.num_embeddings / world)
    got_ids, got = move_rows(rows, ids, block_of, rank, world, table.group)
    block = rows.new_empty((hi - lo, *rows.shape[1:]))
    block[got_ids - lo] = got
    shape = torch.Size((table.num_embeddings, *rows.shape[1:]))
    stride = torch.empty(shape, device="meta").stride()
    return DTensor.from_local(
        block, _mesh(table), [Shard(0)], run_check=False, shape=shape, stride=stride
    )


def _from_blocks(table: ShardedEmbedding, blocks: DTensor) -> Tensor:
    block = blocks.to_local()
    lo, hi = block_bounds(table.num_embeddings, table.world_size)[table.rank]
    ids = torch.arange(lo, hi, device=block.device)
    owner = table.placement.owner(ids)
    got_ids, got = move_rows(
        block, ids, owner, table.rank, table.world_size, table.group
    )
    rows = block.new_empty((table.weight.shape[0], *block.shape[1:]))
    rows[table.placement.local(got_ids)] = got
    return rows


def save_sharded(
    table: ShardedEmbedding,
    path: str | os.PathLike,
    optimizer: torch.optim.Optimizer | None = None,
) -> None:
    """Save ``table`` (and ``optimizer``'s state for its rows) to the directory ``path``.

    Collective: every rank calls it with the same ``path`` (a directory all ranks
    can reach). The optimizer's state for other parameters is not saved.

    Args:
        table (ShardedEmbedding): the table.
        path (str or os.PathLike): the checkpoint directory.
        optimizer (torch.optim.Optimizer, optional): an optimizer of ``table.weight``.
    """
    state: dict[str, object] = {"weight": _to_blocks(table, table.weight.detach())}
    if optimizer is not None:
        for key, value in optimizer.state.get(table.weight, {}).items():
            if isinstance(value, Tensor) and value.shape == table.weight.shape:
                value = _to_blocks(table, value)
            state[_OPTIMIZER + key] = value
    dcp.save(state, checkpoint_id=os.fspath(path))


def load_sharded(
    table: ShardedEmbedding,
    path: str | os.PathLike,
    optimizer: torch.optim.Optimizer | None = None,
) -> None:
    """Load a checkpoint written by :func:`save_sharded`, at any world size and placement.

    Collective. ``table`` must have the saved table's shape; its rows (and
    ``optimizer``'s state for them) are replaced.

    Raises:
        ValueError: if the saved table's shape differs from ``table``'s.
    """
    shape = (table.num_embeddings, table.embedding_dim)
    saved = dcp.FileSystemReader(os.fspath(path)).read_metadata().state_dict_metadata
    if tuple(saved["weight"].size) != shape:
        raise ValueError(
            f"the checkpoint at {os.fspath(path)!r} holds a table of shape "
            f"{tuple(saved['weight'].size)}, expected {shape}"
        )
    template: dict[str, object] = {}
    for key, meta in saved.items():
        if key != "weight" and not (
            optimizer is not None and key.startswith(_OPTIMIZER)
        ):
            continue
        if not isinstance(meta, TensorStorageMetadata):
            template[key] = None
        elif tuple(meta.size) == shape:
            empty = table.weight.new_empty(
                table.weight.shape, dtype=meta.properties.dtype
            )
            template[key] = _to_blocks(table, empty)
        else:
            template[key] = torch.empty(tuple(meta.size), dtype=meta.properties.dtype)
    dcp.load(template, checkpoint_id=os.fspath(path))
    with torch.no_grad():
        table.weight.copy_(_from_blocks(table, template.pop("weight")))
    if optimizer is not None:
        state = optimizer.state[table.weight]
        for key, value in template.items():
            if isinstance(value, DTensor):
                value = _from_blocks(table, value)
            state[key.removeprefix(_OPTIMIZER)] = value
