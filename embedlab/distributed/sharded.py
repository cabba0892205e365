"""The sharded table: :class:`ShardedEmbedding`."""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from embedlab._checks import IdOutOfRangeError, check_ids_in_range, check_index_dtype
from embedlab.distributed.exchange import EXCHANGES, ReturnRows, exchange, gather_counts
from embedlab.distributed.placement import SHARDINGS, Placement
from embedlab.functional import embedding, normalize_padding_idx

__all__ = ["GRAD_REDUCTIONS", "ShardedEmbedding"]

_INDEX_DTYPES = (torch.int64, torch.int32)

#: How the ranks' gradients of a row combine: ``"sum"`` (the gradient of the sum of
#: the ranks' losses) or ``"mean"`` (their mean, as DDP averages dense gradients).
GRAD_REDUCTIONS = ("sum", "mean")

# Backends that implement all_to_all_single. Gloo does on the CPU in PyTorch 2.13
# (checked by the tests), NCCL on CUDA; any other gets the fallback.
_ALL_TO_ALL_BACKENDS = ("gloo", "nccl", "mpi", "ucc")

_DDP_FIX = (
    "wrap the model with embedlab.distributed.data_parallel(model, ...), which tells "
    "DDP to leave every ShardedEmbedding alone, or call "
    "DistributedDataParallel._set_params_and_buffers_to_ignore_for_model(model, "
    "embedlab.distributed.sharded_names(model)) before wrapping"
)


class ShardedEmbedding(nn.Module):
    r"""An embedding table whose rows are split over the ranks of a process group.

    Every rank of the group constructs it with the same arguments; rank :math:`r`
    keeps the rows :class:`~embedlab.distributed.Placement` gives it in :attr:`weight`.
    Calling it on each rank with that rank's ids returns, on each rank, exactly what
    one unsharded :class:`torch.nn.Embedding` with the same rows returns for them.
    After ``loss.backward()`` on every rank, :attr:`weight`'s gradient on each rank
    is the gradient of the sum (or, with ``grad_reduction="mean"``, the mean) of all
    ranks' losses with respect to its rows, so a per-rank optimizer
    (:class:`torch.optim.SGD`, :class:`torch.optim.Adagrad`,
    :class:`torch.optim.SparseAdam` with ``sparse=True``) trains the whole table.

    Forward and backward are collective: every rank must call them, in the same
    order, even with an empty batch, and every rank's loss must depend on the output
    (add ``0 * output.sum()`` where it does not), or the other ranks wait in the
    backward exchange until the group's timeout.

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
        sharding (str or Placement): ``"contiguous"``, ``"modulo"``, or a placement
            such as :meth:`Placement.from_counts` builds. Default: ``"contiguous"``.
        dedupe (bool): send each distinct id of a batch once, and copy its row to every
            position that asked for it. Default: ``True``.
        grad_reduction (str): ``"sum"`` or ``"mean"`` over ranks. Use ``"mean"`` beside
            :class:`~torch.nn.parallel.DistributedDataParallel`. Default: ``"sum"``.

    Attributes:
        weight (torch.nn.Parameter): this rank's rows, shape ``(rows, embedding_dim)``.
        placement (embedlab.distributed.Placement): where every row lives.
        start (int or None): under ``"contiguous"``, the global id of this rank's first
            row; ``None`` under ``"modulo"``.
        end (int or None): one past the global id of this rank's last row, or ``None``.

    Raises:
        RuntimeError: if no process group is initialised; in the forward, if
            :class:`~torch.nn.parallel.DistributedDataParallel` synchronises the shard.
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
        sharding: str | Placement = "contiguous",
        dedupe: bool = True,
        grad_reduction: str = "sum",
    ) -> None:
        super().__init__()
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError(
                "ShardedEmbedding needs an initialised process group: call "
                "torch.distributed.init_process_group first (torchrun sets up its "
                "environment)"
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
            "sharding": repr(sharding) if isinstance(sharding, Placement) else sharding,
            "dedupe": dedupe,
            "grad_reduction": grad_reduction,
        }
        self._check_same_everywhere(settings)
        for name, size in (
            ("num_embeddings", num_embeddings),
            ("embedding_dim", embedding_dim),
        ):
            if size < 0:
                raise ValueError(f"{name} must be non-negative, got {size}")
        if self.world_size > num_embeddings:
            raise ValueError(
                f"cannot shard {num_embeddings} rows over {self.world_size} ranks: "
                "every rank must own at least one row (num_embeddings >= world size)"
            )
        if exchange == "auto":
            backend = dist.get_backend(group)
            exchange = "all_to_all" if backend in _ALL_TO_ALL_BACKENDS else "all_gather"
        if exchange not in EXCHANGES:
            raise ValueError(
                f"exchange must be 'auto', 'all_to_all' or 'all_gather', got {exchange!r}"
            )
        if isinstance(sharding, Placement):
            placed = (sharding.num_embeddings, sharding.world_size)
            if placed != (num_embeddings, self.world_size):
                raise ValueError(
                    f"the placement is of {placed[0]} rows over {placed[1]} ranks, "
                    f"expected {num_embeddings} rows over {self.world_size} ranks"
                )
        elif sharding not in SHARDINGS:
            raise ValueError(
                "sharding must be 'contiguous', 'modulo' or a Placement, "
                f"got {sharding!r}"
            )
        if grad_reduction not in GRAD_REDUCTIONS:
            raise ValueError(
                f"grad_reduction must be 'sum' or 'mean', got {grad_reduction!r}"
            )
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = normalize_padding_idx(padding_idx, num_embeddings)
        self.sparse, self.exchange, self.dedupe = sparse, exchange, dedupe
        self.grad_reduction = grad_reduction
        if not isinstance(sharding, Placement):
            sharding = Placement(num_embeddings, self.world_size, sharding)
        self.placement, self.sharding = sharding, sharding.sharding
        rows = self.placement.rows(self.rank)
        contiguous = self.sharding == "contiguous"
        self.start = int(rows[0]) if contiguous else None
        self.end = int(rows[-1]) + 1 if contiguous else None
        shape = (len(rows), embedding_dim)
        self.weight = nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
        self.reset_parameters()

    def _check_same_everywhere(self, settings: dict) -> None:
        # Checked before anything else, so that every rank fails the same way.
        everyone: list[dict] = [{}] * self.world_size
        dist.all_gather_object(everyone, settings, group=self.group)
        differing = sorted(
            k for k in settings if len({repr(s[k]) for s in everyone}) > 1
        )
        if differing:
            detail = "; ".join(
                f"{key}: "
                + ", ".join(f"rank {r}={s[key]!r}" for r, s in enumerate(everyone))
                for key in differing
            )
            raise ValueError(
                "every rank must construct ShardedEmbedding with the same arguments; "
                f"they differ in {detail}"
            )

    def global_rows(self) -> Tensor:
        """The global ids of this rank's rows, in the order :attr:`weight` stores them."""
        return self.placement.rows(self.rank, device=self.weight.device)

    @property
    def local_padding_idx(self) -> int | None:
        """The padding row's index in this rank's shard, or ``None`` if another rank holds it."""
        if self.padding_idx is None:
            return None
        padding = torch.tensor([self.padding_idx])
        if int(self.placement.owner(padding)) != self.rank:
            return None
        return int(self.placement.local(padding))

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
            raise ValueError(
                f"weight must be 2-D, got {weight.dim()}-D with shape {tuple(weight.shape)}"
            )
        kwargs.setdefault("device", weight.device)
        kwargs.setdefault("dtype", weight.dtype)
        table = cls(weight.shape[0], weight.shape[1], **kwargs)
        with torch.no_grad():
            table.weight.copy_(weight[table.global_rows()])
        return table

    def shard_bytes(self) -> int:
        """Bytes of this rank's rows: ``rows * embedding_dim * element_size``."""
        return self.weight.numel() * self.weight.element_size()

    def _refuse_ddp(self) -> None:
        active = DistributedDataParallel._get_active_ddp_module()
        managed = getattr(active, "_module_parameters", ())
        if any(p is self.weight for p in managed):
            raise RuntimeError(
                "DistributedDataParallel synchronises this ShardedEmbedding's shard as if "
                "every rank held the same rows: it broadcast rank 0's rows over the "
                "others' and would average different rows' gradients. To fix it, "
                + _DDP_FIX
            )

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
        self._refuse_ddp()
        check_index_dtype(input, allowed=_INDEX_DTYPES, name="input")
        # int64 on the wire whatever the caller used: ranks may differ in their ids' dtype.
        ids = input.reshape(-1).long()
        if self.dedupe:
            wanted, positions = torch.unique(ids, return_inverse=True)
        else:
            wanted, positions = ids, None
        bad = (wanted < 0) | (wanted >= self.num_embeddings)
        owner = self.placement.owner(wanted)
        # One small all_gather carries how many ids each rank sends to each, and a
        # flag for bad ids: every rank learns of a bad id before any rows move, and
        # all of them raise instead of one raising and the others waiting.
        counted = torch.bincount(owner[~bad], minlength=self.world_size)
        row = torch.cat([counted, bad.any().long().view(1)])
        table = gather_counts(row, self.world_size, self.group)
        flagged = [r for r, counts in enumerate(table) if counts[-1]]
        if flagged:
            if self.rank in flagged:
                check_ids_in_range(
                    input, self.num_embeddings, "num_embeddings", name="input"
                )
            raise IdOutOfRangeError(
                f"rank(s) {flagged} were given ids outside [0, {self.num_embeddings}) "
                f"(num_embeddings={self.num_embeddings}); no rank looked anything up"
            )
        counts = [counts[:-1] for counts in table]
        # Group the ids by owner, keeping their order within each owner.
        order = torch.argsort(owner, stable=True)
        received = exchange(wanted[order], counts, self.rank, self.group, self.exchange)
        looked_up = embedding(
            self.placement.local(received),
            self.weight,
            padding_idx=self.local_padding_idx,
            sparse=self.sparse,
        )
        scale = 1 / self.world_size if self.grad_reduction == "mean" else 1
        returned = ReturnRows.apply(
            looked_up, counts, self.rank, self.group, self.exchange, scale
        )
        # Undo the grouping: position order[k] of the request gets returned row k.
        inverse = torch.empty_like(order)
        inverse[order] = torch.arange(order.numel(), device=order.device)
        if positions is not None:
            inverse = inverse[positions]
        return returned.index_select(0, inverse).view(*input.shape, self.embedding_dim)

    def extra_repr(self) -> str:
        parts = [f"{self.num_embeddings}, {self.embedding_dim}"]
        if self.start is not None:
            parts.append(f"rows {self.start}:{self.end} on rank {self.rank}")
        else:
            parts.append(f"{self.sharding} rows on rank {self.rank}")
        parts.append(f"of {self.world_size}")
        if self.padding_idx is not None:
            parts.append(f"padding_idx={self.padding_idx}")
        if self.sparse:
            parts.append("sparse=True")
        return ", ".join(parts)
