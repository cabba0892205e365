r"""Which rank holds which row of a sharded table, and how many lookups each rank serves.

Two placements split :math:`V` rows over :math:`N` ranks, each giving rank :math:`r`
the same number of rows (:func:`~embedlab.distributed.shard_sizes`, :func:`torch.tensor_split`'s sizes):

- ``"contiguous"``: rank :math:`r` holds one block of consecutive ids
  (:func:`~embedlab.distributed.shard_bounds`);
- ``"modulo"``: id :math:`i` lives on rank :math:`i \bmod N`, at local row
  :math:`\lfloor i / N \rfloor`.

Ids numbered by frequency, as :class:`embedlab.text.Vocabulary` numbers them, put the
frequent rows together, so a contiguous split sends most lookups to rank 0;
``"modulo"`` deals them out like cards, and
:meth:`~embedlab.distributed.Placement.from_counts` by how often they are looked up, so
that every rank serves about as many lookups.
:func:`~embedlab.distributed.lookup_shares` counts each rank's share of a batch without
starting any process.
"""

from __future__ import annotations

import hashlib
import heapq

import torch
from torch import Tensor

__all__ = [
    "SHARDINGS",
    "Placement",
    "lookup_shares",
    "shard_bounds",
    "shard_sizes",
    "zipf_ids",
]

#: The placements :class:`Placement` knows.
SHARDINGS = ("contiguous", "modulo")


def shard_sizes(num_embeddings: int, world_size: int) -> list[int]:
    """The number of rows each rank holds: :func:`torch.tensor_split`'s sizes.

    Both placements give rank ``r`` this many rows.

    Args:
        num_embeddings (int): rows of the whole table.
        world_size (int): ranks.

    Raises:
        TypeError: if an argument is not an int.
        ValueError: if ``num_embeddings`` is negative or ``world_size`` is not positive.

    Examples::

        >>> shard_sizes(10, 3)
        [4, 3, 3]
        >>> [len(part) for part in torch.tensor_split(torch.arange(10), 3)]
        [4, 3, 3]
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
    """The ``[start, end)`` id range of each rank under ``"contiguous"``, in rank order.

    Examples::

        >>> shard_bounds(10, 3)
        [(0, 4), (4, 7), (7, 10)]
    """
    bounds, start = [], 0
    for size in shard_sizes(num_embeddings, world_size):
        bounds.append((start, start + size))
        start += size
    return bounds


class Placement:
    """Where each of ``num_embeddings`` rows lives among ``world_size`` ranks.

    Args:
        num_embeddings (int): rows of the whole table.
        world_size (int): ranks.
        sharding (str): ``"contiguous"`` or ``"modulo"``; :meth:`from_counts` makes
            the third kind, ``"frequency"``. Default: ``"contiguous"``.

    Raises:
        ValueError: if ``sharding`` is not one of ``SHARDINGS``.

    Examples::

        >>> p = Placement(10, 3, "modulo")
        >>> ids = torch.tensor([0, 4, 8])
        >>> p.owner(ids).tolist(), p.local(ids).tolist()
        ([0, 1, 2], [0, 1, 2])
        >>> p.rows(1).tolist()
        [1, 4, 7]
        >>> Placement(10, 3).rows(1).tolist()
        [4, 5, 6]
    """

    def __init__(
        self, num_embeddings: int, world_size: int, sharding: str = "contiguous"
    ) -> None:
        if sharding not in SHARDINGS:
            raise ValueError(
                f"sharding must be 'contiguous' or 'modulo', got {sharding!r}"
            )
        self.sizes = shard_sizes(num_embeddings, world_size)
        self.num_embeddings, self.world_size = num_embeddings, world_size
        self.sharding = sharding
        bounds = shard_bounds(num_embeddings, world_size)
        self._starts = torch.tensor([lo for lo, _ in bounds])
        self._ends = torch.tensor([hi for _, hi in bounds])
        # Under "frequency", every id's owner and local row, looked up.
        self._owner: Tensor | None = None
        self._local: Tensor | None = None

    @classmethod
    def from_counts(cls, counts: Tensor, world_size: int) -> Placement:
        """Deal the rows out by frequency, so that every rank serves about as many lookups.

        Greedy: the rows, most frequent first, each go to the rank with the fewest
        lookups so far among those with room left; every rank ends with the rows
        :func:`shard_sizes` gives it. Counts from a sample of the data say little of
        the rows it missed: add one to every count (or use a known law) so that the
        unseen rows are dealt out too rather than piled on the rank with most room.
        Every rank must build the same placement, from the same counts, and holds its
        tables of every row's owner and local row: 16 bytes a row, where the other
        placements compute both.

        Args:
            counts (torch.Tensor): ``(num_embeddings,)``, non-negative: how often each
                row is looked up, or any weights proportional to it.
            world_size (int): ranks.

        Raises:
            ValueError: if ``counts`` is not 1-D or has a negative entry.

        Examples::

            >>> p = Placement.from_counts(torch.tensor([8.0, 4, 2, 1, 1, 0]), 2)
            >>> [p.rows(r).tolist() for r in range(2)]
            [[0, 4, 5], [1, 2, 3]]
        """
        if counts.dim() != 1 or bool((counts < 0).any()):
            raise ValueError(
                "counts must be a 1-D tensor of non-negative counts, got shape "
                f"{tuple(counts.shape)} with minimum {counts.min().item() if counts.numel() else None}"
            )
        placement = cls(counts.numel(), world_size)
        placement.sharding = "frequency"
        weights = counts.double().tolist()
        room = list(placement.sizes)
        owner = [0] * len(weights)
        local = [0] * len(weights)
        ranks = [(0.0, r) for r in range(world_size) if room[r]]
        for i in torch.argsort(counts, descending=True, stable=True).tolist():
            load, r = heapq.heappop(ranks)
            owner[i], local[i] = r, placement.sizes[r] - room[r]
            room[r] -= 1
            if room[r]:
                heapq.heappush(ranks, (load + weights[i], r))
        placement._owner, placement._local = torch.tensor(owner), torch.tensor(local)
        return placement

    def __repr__(self) -> str:
        kind = self.sharding
        if self._owner is not None:
            # Ranks compare placements by their repr: it must tell two tables apart.
            digest = hashlib.sha1(self._owner.numpy().tobytes()).hexdigest()[:12]
            kind = f"{kind}, owners {digest}"
        return f"Placement({self.num_embeddings}, {self.world_size}, {kind})"

    def owner(self, ids: Tensor) -> Tensor:
        """The rank that holds each id's row (int64, ``ids``' shape and device)."""
        if self._owner is not None:
            return self._owner.to(ids.device)[ids.long()]
        if self.sharding == "modulo":
            return ids.long() % self.world_size
        return torch.bucketize(ids.long(), self._ends.to(ids.device), right=True)

    def local(self, ids: Tensor) -> Tensor:
        """Each id's row within its owner's shard."""
        if self._local is not None:
            return self._local.to(ids.device)[ids.long()]
        if self.sharding == "modulo":
            return ids.long() // self.world_size
        return ids.long() - self._starts.to(ids.device)[self.owner(ids)]

    def rows(self, rank: int, device: torch.device | str | None = None) -> Tensor:
        """The global ids of ``rank``'s rows, in the order its shard stores them."""
        if self._owner is not None:
            mine = torch.nonzero(self._owner == rank).view(-1)
            return mine[torch.argsort(self._local[mine])].to(device)
        if self.sharding == "modulo":
            return torch.arange(
                rank, self.num_embeddings, self.world_size, device=device
            )
        return torch.arange(
            int(self._starts[rank]), int(self._ends[rank]), device=device
        )


def lookup_shares(ids: Tensor, placement: Placement, distinct: bool = False) -> Tensor:
    """Each rank's share of the rows looked up for a global batch, as fractions summing to 1.

    The batch is split into one equal part per rank (:func:`torch.tensor_split`), as
    data-parallel training splits it.

    Args:
        ids (torch.Tensor): the ids of the global batch.
        placement (Placement): where the rows live.
        distinct (bool): count each distinct id of a rank's part once, as the owners
            see them when the senders de-duplicate. Default: ``False``.

    Shape:
        - Output: ``(placement.world_size,)``, float64.

    Examples::

        >>> ids = torch.tensor([0, 0, 0, 1, 5, 0])
        >>> lookup_shares(ids, Placement(6, 2, "contiguous")).tolist()
        [0.8333333333333334, 0.16666666666666666]
        >>> lookup_shares(ids, Placement(6, 2, "modulo"), distinct=True).tolist()
        [0.5, 0.5]
    """
    world = placement.world_size
    parts = ids.reshape(-1).tensor_split(world)
    if distinct:
        parts = [torch.unique(part) for part in parts]
    owners = placement.owner(torch.cat(parts))
    counts = torch.bincount(owners, minlength=world).double()
    return counts / max(owners.numel(), 1)


def zipf_ids(
    num_embeddings: int, num_ids: int, generator: torch.Generator, exponent: float = 1.0
) -> Tensor:
    r"""Draw ids whose frequencies follow Zipf's law: id :math:`i` with probability :math:`\propto (i + 1)^{-s}`.

    Id 0 is the most frequent, as :class:`embedlab.text.Vocabulary` numbers words.

    Args:
        num_embeddings (int): ids are drawn from ``[0, num_embeddings)``.
        num_ids (int): how many to draw.
        generator (torch.Generator): the random source.
        exponent (float): :math:`s`. Default: ``1.0``.

    Examples::

        >>> ids = zipf_ids(1000, 10_000, torch.Generator().manual_seed(0))
        >>> bool((ids == 0).sum() > (ids == 1).sum() > (ids == 9).sum())
        True
    """
    weights = torch.arange(1, num_embeddings + 1, dtype=torch.float64).pow(-exponent)
    return torch.multinomial(weights, num_ids, replacement=True, generator=generator)
