"""An embedding table split row-wise over the ranks of a :mod:`torch.distributed` process group.

Each of the :math:`N` ranks (processes) holds a contiguous range of rows, its *shard*,
so each holds :math:`1/N` of the table (up to one row). A lookup is data parallel:
every rank brings its own batch of ids, sends each id to the rank that owns it, and
gets the rows back. The backward pass sends each gradient row back to the owner, so
that each rank's optimizer updates its own rows only.

The split rule is :func:`torch.tensor_split`'s: with :math:`V` rows over :math:`N`
ranks, the first :math:`V \\bmod N` ranks hold :math:`\\lceil V/N \\rceil` rows and
the others :math:`\\lfloor V/N \\rfloor`, in rank order (:func:`shard_bounds`).

Run ``python -m embedlab.distributed`` under ``torchrun`` for a demonstration that
the sharded lookup, its gradient and an optimizer step equal those of one table::

    torchrun --nproc-per-node 2 --master-addr 127.0.0.1 --master-port 29500 \\
        -m embedlab.distributed
"""

from __future__ import annotations

import argparse
import os
import socket
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import Tensor, nn

from embedlab._checks import IdOutOfRangeError, check_ids_in_range, check_index_dtype
from embedlab.functional import embedding, normalize_padding_idx

__all__ = [
    "EXCHANGES",
    "ShardedEmbedding",
    "free_loopback_port",
    "init_loopback",
    "shard_bounds",
    "shard_sizes",
]

_INDEX_DTYPES = (torch.int64, torch.int32)

#: The ways rows can travel between ranks. ``"all_to_all"`` sends each rank exactly the rows it
#: needs with :func:`torch.distributed.all_to_all_single`; ``"all_gather"`` is the
#: fallback for backends without all-to-all: every rank gathers every rank's whole
#: (padded) send buffer with :func:`torch.distributed.all_gather` and keeps its part,
#: which moves and holds :math:`N` times more data.
EXCHANGES = ("all_to_all", "all_gather")

# Backends that implement all_to_all_single. Gloo does on the CPU in PyTorch 2.13
# (checked by tests/test_distributed.py), NCCL on CUDA; any other gets the fallback.
_ALL_TO_ALL_BACKENDS = ("gloo", "nccl", "mpi", "ucc")


def shard_sizes(num_embeddings: int, world_size: int) -> list[int]:
    """The number of rows each rank holds: :func:`torch.tensor_split`'s sizes.

    Raises:
        TypeError: if an argument is not an int.
        ValueError: if ``num_embeddings`` is negative or ``world_size`` is not positive.

    Examples::

        >>> shard_sizes(10, 3)
        [4, 3, 3]
        >>> shard_sizes(10, 3) == [len(part) for part in torch.tensor_split(torch.arange(10), 3)]
        True
    """
    for name, value in (("num_embeddings", num_embeddings), ("world_size", world_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            kind = type(value).__name__
            raise TypeError(f"{name} must be an int, got {value!r} ({kind})")
    if num_embeddings < 0:
        raise ValueError(f"num_embeddings must be non-negative, got {num_embeddings}")
    if world_size <= 0:
        raise ValueError(f"world_size must be positive, got {world_size}")
    base, extra = divmod(num_embeddings, world_size)
    return [base + 1 if rank < extra else base for rank in range(world_size)]


def shard_bounds(num_embeddings: int, world_size: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` row range of each rank, contiguous and in rank order.

    Examples::

        >>> shard_bounds(10, 3)
        [(0, 4), (4, 7), (7, 10)]
    """
    bounds, start = [], 0
    for size in shard_sizes(num_embeddings, world_size):
        bounds.append((start, start + size))
        start += size
    return bounds


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago, for a process group's rendezvous."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def init_loopback(
    rank: int, world_size: int, port: int, backend: str = "gloo", timeout: float = 60.0
) -> None:
    """Join a process group whose ranks all run on this machine, over 127.0.0.1 only.

    The timeout bounds every collective, so that a rank that never arrives makes
    the others fail instead of waiting for ever.
    """
    dist.init_process_group(
        backend,
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=timedelta(seconds=timeout),
    )


def _exchange(tensor: Tensor, counts: list[list[int]], rank: int, group, method: str) -> Tensor:
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


class _ReturnRows(torch.autograd.Function):
    """Send looked-up rows back to the ranks that asked for them; the backward sends gradients to the owners."""

    @staticmethod
    def forward(ctx, rows: Tensor, counts: list[list[int]], rank: int, group, method: str) -> Tensor:  # type: ignore[override]
        # The rows go back along the reverse of the route the ids came by: transpose.
        ctx.counts, ctx.rank, ctx.group, ctx.method = counts, rank, group, method
        reverse = [list(column) for column in zip(*counts)]
        return _exchange(rows, reverse, rank, group, method)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        # Each gradient row travels the ids' route, to the rank that owns the row.
        return _exchange(grad, ctx.counts, ctx.rank, ctx.group, ctx.method), None, None, None, None


class ShardedEmbedding(nn.Module):
    r"""An embedding table whose rows are split over the ranks of a process group.

    Every rank of the group constructs it with the same arguments; rank :math:`r`
    keeps rows ``shard_bounds(num_embeddings, world_size)[r]`` in :attr:`weight`.
    Calling it on each rank with that rank's ids returns, on each rank, exactly what
    one unsharded :class:`torch.nn.Embedding` with the same rows returns for them.
    After ``loss.backward()`` on every rank, :attr:`weight`'s gradient on each rank
    is the gradient of the sum of all ranks' losses with respect to its rows, so a
    per-rank optimizer (:class:`torch.optim.SGD`, :class:`torch.optim.Adagrad`,
    :class:`torch.optim.SparseAdam` with ``sparse=True``) trains the whole table.

    Forward and backward are collective: every rank must call them, in the same
    order, even with an empty batch.

    Args:
        num_embeddings (int): rows of the whole table; at least the world size.
        embedding_dim (int): length of each row.
        padding_idx (int, optional): a row that gets no gradient, zero in a new table.
            Default: ``None``.
        sparse (bool): make the shard's gradient a sparse COO tensor. Default: ``False``.
        group (torch.distributed.ProcessGroup, optional): the group to shard over.
            Default: the default group.
        device (torch.device, optional): where the shard lives: the CPU for gloo, this
            rank's CUDA device for NCCL.
        dtype (torch.dtype, optional): the shard's dtype.
        exchange (str): ``"all_to_all"``, ``"all_gather"`` or ``"auto"`` (all-to-all
            where the backend has it). Default: ``"auto"``.

    Attributes:
        weight (torch.nn.Parameter): this rank's rows, shape ``(end - start, embedding_dim)``.
        start (int): the global id of this rank's first row.
        end (int): one past the global id of this rank's last row.

    Raises:
        RuntimeError: if no process group is initialised.
        ValueError: if the ranks were given different arguments (on every rank,
            naming each rank's values), or the group has more ranks than the table rows.

    Not supported: ``max_norm`` and ``scale_grad_by_freq``, whose results depend
    on the whole global batch.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        sparse: bool = False,
        group: dist.ProcessGroup | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        exchange: str = "auto",
    ) -> None:
        super().__init__()
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError(
                "ShardedEmbedding needs an initialised process group: call "
                "torch.distributed.init_process_group first (torchrun sets up its environment)"
            )
        self.group = group
        self.rank = dist.get_rank(group)
        self.world_size = dist.get_world_size(group)
        dtype = dtype or torch.get_default_dtype()
        settings = {
            "num_embeddings": num_embeddings,
            "embedding_dim": embedding_dim,
            "padding_idx": padding_idx,
            "sparse": sparse,
            "dtype": str(dtype),
            "exchange": exchange,
        }
        # Checked before anything else, so that every rank fails the same way.
        everyone: list[dict | None] = [None] * self.world_size
        dist.all_gather_object(everyone, settings, group=group)
        differing = sorted(key for key in settings if len({repr(s[key]) for s in everyone}) > 1)  # type: ignore[index]
        if differing:
            detail = "; ".join(
                f"{key}: " + ", ".join(f"rank {r}={s[key]!r}" for r, s in enumerate(everyone))  # type: ignore[index]
                for key in differing
            )
            raise ValueError(f"every rank must construct ShardedEmbedding with the same arguments; they differ in {detail}")
        for name, size in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if size < 0:
                raise ValueError(f"{name} must be non-negative, got {size}")
        if self.world_size > num_embeddings:
            raise ValueError(
                f"cannot shard {num_embeddings} rows over {self.world_size} ranks: "
                "every rank must own at least one row (num_embeddings >= world size)"
            )
        if exchange == "auto":
            exchange = "all_to_all" if dist.get_backend(group) in _ALL_TO_ALL_BACKENDS else "all_gather"
        if exchange not in EXCHANGES:
            raise ValueError(f"exchange must be 'auto', 'all_to_all' or 'all_gather', got {exchange!r}")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = normalize_padding_idx(padding_idx, num_embeddings)
        self.sparse = sparse
        self.exchange = exchange
        bounds = shard_bounds(num_embeddings, self.world_size)
        self.start, self.end = bounds[self.rank]
        # The exclusive end of every shard: bucketize maps an id to its owner.
        self.register_buffer(
            "shard_ends", torch.tensor([end for _, end in bounds], device=device), persistent=False
        )
        self.weight = nn.Parameter(torch.empty((self.end - self.start, embedding_dim), device=device, dtype=dtype))
        self.reset_parameters()

    @property
    def local_padding_idx(self) -> int | None:
        """The padding row's index in this rank's shard, or ``None`` if another rank holds it."""
        if self.padding_idx is not None and self.start <= self.padding_idx < self.end:
            return self.padding_idx - self.start
        return None

    def reset_parameters(self) -> None:
        r"""Draw this rank's rows from :math:`\mathcal{N}(0, 1)` and zero the padding row where it lives.

        Each rank draws from its own generator: seed ranks differently, or use
        :meth:`from_full` to shard a table built elsewhere.
        """
        nn.init.normal_(self.weight)
        if self.local_padding_idx is not None:
            with torch.no_grad():
                self.weight[self.local_padding_idx].fill_(0)

    @classmethod
    def from_full(cls, weight: Tensor, **kwargs) -> ShardedEmbedding:
        """Shard a whole table that every rank holds: each rank copies its own rows.

        Meant for tests and demonstrations (the whole table must fit on every rank);
        ``kwargs`` are those of :class:`ShardedEmbedding`.
        """
        if weight.dim() != 2:
            raise ValueError(f"weight must be 2-D, got {weight.dim()}-D with shape {tuple(weight.shape)}")
        kwargs.setdefault("device", weight.device)
        kwargs.setdefault("dtype", weight.dtype)
        table = cls(weight.shape[0], weight.shape[1], **kwargs)
        with torch.no_grad():
            table.weight.copy_(weight[table.start : table.end])
        return table

    def shard_bytes(self) -> int:
        """Bytes of this rank's rows: ``(end - start) * embedding_dim * element_size``."""
        return self.weight.numel() * self.weight.element_size()

    def forward(self, input: Tensor) -> Tensor:
        """Look up this rank's ids in the whole table.

        Args:
            input (torch.Tensor): int64 or int32 ids of any shape, on :attr:`weight`'s device.

        Returns:
            torch.Tensor: ``(*input.shape, embedding_dim)``, the rows of the whole table.

        Raises:
            IdOutOfRangeError: on every rank, if any rank has an id outside
                ``[0, num_embeddings)``; that rank's message names the id and its position.
        """
        check_index_dtype(input, allowed=_INDEX_DTYPES, name="input")
        # int64 on the wire whatever the caller used: ranks may differ in their ids' dtype.
        ids = input.reshape(-1).long()
        bad = (ids < 0) | (ids >= self.num_embeddings)
        owner = torch.bucketize(ids, self.shard_ends, right=True)
        # One small all_gather carries how many ids each rank sends to each, and a
        # flag for bad ids: every rank learns of a bad id before any rows move, and
        # all of them raise instead of one raising and the others waiting.
        row = torch.cat([torch.bincount(owner[~bad], minlength=self.world_size), bad.any().long().view(1)])
        rows = [torch.empty_like(row) for _ in range(self.world_size)]
        dist.all_gather(rows, row, group=self.group)
        table = torch.stack(rows).tolist()
        flagged = [r for r, counts in enumerate(table) if counts[-1]]
        if flagged:
            if self.rank in flagged:
                check_ids_in_range(input, self.num_embeddings, "num_embeddings", name="input")
            raise IdOutOfRangeError(
                f"rank(s) {flagged} were given ids outside [0, {self.num_embeddings}) "
                f"(num_embeddings={self.num_embeddings}); no rank looked anything up"
            )
        counts = [counts[:-1] for counts in table]
        # Group the ids by owner, keeping their order within each owner.
        order = torch.argsort(owner, stable=True)
        received = _exchange(ids[order], counts, self.rank, self.group, self.exchange)
        looked_up = embedding(
            received - self.start, self.weight, padding_idx=self.local_padding_idx, sparse=self.sparse
        )
        returned = _ReturnRows.apply(looked_up, counts, self.rank, self.group, self.exchange)
        # Undo the grouping: position order[k] of the batch gets returned row k.
        inverse = torch.empty_like(order)
        inverse[order] = torch.arange(order.numel(), device=order.device)
        return returned.index_select(0, inverse).view(*input.shape, self.embedding_dim)

    def extra_repr(self) -> str:
        parts = [f"{self.num_embeddings}, {self.embedding_dim}", f"rows {self.start}:{self.end} on rank {self.rank}"]
        parts.append(f"of {self.world_size}")
        if self.padding_idx is not None:
            parts.append(f"padding_idx={self.padding_idx}")
        if self.sparse:
            parts.append("sparse=True")
        return ", ".join(parts)


def _demo(num_embeddings: int, embedding_dim: int, batch: int) -> None:
    """Check on every rank that sharding changes nothing; rank 0 prints one line per rank."""
    rank, world = dist.get_rank(), dist.get_world_size()
    # Every rank builds the same whole table and every rank's ids, to have the answer
    # of one unsharded table; a real job would never hold the whole table anywhere.
    full = torch.randn(num_embeddings, embedding_dim, generator=torch.Generator().manual_seed(0))
    all_ids = [torch.randint(0, num_embeddings, (batch,), generator=torch.Generator().manual_seed(1 + r))
               for r in range(world)]
    all_grads = [torch.randn(batch, embedding_dim, generator=torch.Generator().manual_seed(100 + r))
                 for r in range(world)]
    sharded = ShardedEmbedding.from_full(full)
    out = sharded(all_ids[rank])
    out.backward(all_grads[rank])
    torch.optim.SGD(sharded.parameters(), lr=0.1).step()

    single = nn.Embedding.from_pretrained(full.clone(), freeze=False)
    single(torch.cat(all_ids)).backward(torch.cat(all_grads))
    expected_grad = single.weight.grad[sharded.start : sharded.end].clone()
    torch.optim.SGD(single.parameters(), lr=0.1).step()
    report = {
        "rank": rank,
        "rows": f"{sharded.start}:{sharded.end}",
        "shard_bytes": sharded.shard_bytes(),
        "lookup_equal": torch.equal(out.detach(), full[all_ids[rank]]),
        "grad_equal": torch.equal(sharded.weight.grad, expected_grad),
        "step_equal": torch.equal(sharded.weight.detach(), single.weight.detach()[sharded.start : sharded.end]),
        "exchange": sharded.exchange,
    }
    reports: list[dict | None] = [None] * world
    dist.all_gather_object(reports, report)
    if rank == 0:
        table_bytes = full.numel() * full.element_size()
        print(f"{world} ranks, backend {dist.get_backend()}, table {num_embeddings} x {embedding_dim}: "
              f"{table_bytes} bytes")
        for r in reports:
            print(" ".join(f"{key}={value}" for key, value in r.items()))  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m embedlab.distributed``, run by torchrun on each rank."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-embeddings", type=int, default=100)
    parser.add_argument("--embedding-dim", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args(argv)
    if "RANK" not in os.environ:
        parser.error("run me under torchrun, e.g. torchrun --nproc-per-node 2 -m embedlab.distributed")
    dist.init_process_group("gloo", timeout=timedelta(seconds=60))
    try:
        _demo(args.num_embeddings, args.embedding_dim, args.batch)
        # No rank tears gloo down while a peer is still in its last collective.
        dist.barrier()
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
