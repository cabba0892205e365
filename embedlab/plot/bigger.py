"""Figures of the chapter *Bigger tables*: training memory; ids routed to ranks; load balance."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

import torch

from embedlab.distributed import Placement, lookup_shares, shard_bounds
from embedlab.memory import EmbeddingTable
from embedlab.memory_optim import training_memory
from embedlab.plot._bars import grouped_log_bars
from embedlab.plot.style import FIGURE_WIDTH

__all__ = [
    "BALANCE_SERIES",
    "plot_busiest_share",
    "plot_sharded_lookup",
    "plot_training_memory",
]

#: The lines of :func:`plot_busiest_share`: label, sharding, whether ids are distinct.
BALANCE_SERIES = (
    ("contiguous, every lookup", "contiguous", False),
    ("contiguous, distinct ids", "contiguous", True),
    ("modulo, every lookup", "modulo", False),
    ("modulo, distinct ids", "modulo", True),
)


def plot_training_memory(
    tables: Sequence[EmbeddingTable], optimizers: Sequence[str], num_ids: int = 4096
) -> Figure:
    """Horizontal bars of the memory of training each table with each optimizer.

    Each bar is :func:`embedlab.memory_optim.training_memory`'s total; one group per
    table, one bar per optimizer, labelled with its size, on a log axis; the legend
    sits below.

    Examples::

        >>> fig = plot_training_memory([EmbeddingTable("t", 1000, 8)], ["SGD", "Adam"])
        >>> [float(bar.get_width()) for bar in fig.axes[0].patches]
        [64000.0, 128000.0]
        >>> plt.close(fig)
    """
    tables, optimizers = list(tables), list(optimizers)
    series = [
        (
            name,
            [
                training_memory(t.num_embeddings, t.embedding_dim, name, num_ids).total
                for t in tables
            ],
        )
        for name in optimizers
    ]
    fig, ax = grouped_log_bars([t.name for t in tables], series)
    ax.set_xlabel("bytes: weight + gradient + optimizer state (log scale)")
    ax.set_title(
        f"memory of training a float32 table\n"
        f"(sparse gradients: {num_ids} ids per batch)"
    )
    return fig


def plot_sharded_lookup(
    ids_per_rank: Sequence[Sequence[int]], num_embeddings: int
) -> Figure:
    """Draw each rank's batch of ids, and an arrow from each id to its row's owner.

    The table's rows are split as :func:`embedlab.distributed.shard_bounds` splits them
    over ``len(ids_per_rank)`` ranks. Each id is coloured by its owner; the arrows are
    the all-to-all of the forward pass (the backward sends gradients back along them).

    Args:
        ids_per_rank (list of list of int): the ids each rank looks up.
        num_embeddings (int): rows of the whole table.

    Raises:
        ValueError: if an id is outside ``[0, num_embeddings)``.

    Examples::

        >>> fig = plot_sharded_lookup([[0, 7], [3]], 8)
        >>> len([p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)])
        3
        >>> plt.close(fig)
    """
    world = len(ids_per_rank)
    bounds = shard_bounds(num_embeddings, world)
    colours = plt.get_cmap("tab10").colors

    def owner(i: int) -> int:
        if not 0 <= i < num_embeddings:
            raise ValueError(
                f"id {i} is out of range: expected 0 <= id < {num_embeddings}"
            )
        return next(r for r, (lo, hi) in enumerate(bounds) if lo <= i < hi)

    longest = max([len(ids) for ids in ids_per_rank] + [1])
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 1.1 + 0.8 * world))
    shard_x, box = longest + 3.0, 0.8
    for rank, ids in enumerate(ids_per_rank):
        y = world - 1 - rank
        ax.text(-0.6, y, f"rank {rank}\nbatch", ha="right", va="center", fontsize=10)
        lo, hi = bounds[rank]
        ax.add_patch(
            Rectangle(
                (shard_x, y - 0.35),
                3.0,
                0.7,
                facecolor=colours[rank % 10],
                alpha=0.25,
                edgecolor=colours[rank % 10],
            )
        )
        ax.text(
            shard_x + 1.5,
            y,
            f"rank {rank} shard\nrows {lo}\u2013{hi - 1}",
            ha="center",
            va="center",
            fontsize=10,
        )
        for k, i in enumerate(ids):
            r = owner(int(i))
            # Opaque boxes above the arrows, so that an arrow passing behind a box is
            # hidden.
            ax.add_patch(
                Rectangle(
                    (k, y - box / 2), box, box, facecolor=colours[r % 10], zorder=3
                )
            )
            ax.text(
                k + box / 2,
                y,
                str(int(i)),
                ha="center",
                va="center",
                fontsize=10,
                zorder=4,
            )
            target_y = world - 1 - r
            ax.add_patch(
                FancyArrowPatch(
                    (k + box, y),
                    (shard_x, target_y),
                    arrowstyle="->",
                    mutation_scale=10,
                    color=colours[r % 10],
                    alpha=0.7,
                    zorder=1,
                )
            )
    ax.set_xlim(-2.5, shard_x + 3.5)
    ax.set_ylim(-0.8, world - 0.2)
    ax.axis("off")
    ax.set_title(
        f"row-wise sharding: {num_embeddings} rows over {world} ranks;\n"
        "each id goes to the rank that owns its row"
    )
    return fig


def plot_busiest_share(
    ids: torch.Tensor,
    num_embeddings: int,
    worlds: Sequence[int] = (2, 4, 8),
    target: float = 1.2,
    counts: torch.Tensor | None = None,
) -> Figure:
    """The busiest rank's share of a global batch's lookups, over the fair share ``1/N``.

    One line per entry of :data:`BALANCE_SERIES`, computed by
    :func:`embedlab.distributed.lookup_shares`, against the number of ranks, and with
    ``counts`` one more, ``"by frequency, every lookup"``, for the placement
    :meth:`embedlab.distributed.Placement.from_counts` makes from them; a dotted line
    marks ``target``. A ratio of 1 is a perfect balance, :math:`N` means one rank
    serves everything.

    Args:
        ids (torch.Tensor): the global batch.
        num_embeddings (int): rows of the table.
        worlds (list of int): the numbers of ranks. Default: ``(2, 4, 8)``.
        target (float): the ratio to mark. Default: ``1.2``.
        counts (torch.Tensor, optional): ``(num_embeddings,)`` counts to place rows by,
            best taken from another sample than ``ids``.

    Examples::

        >>> fig = plot_busiest_share(torch.tensor([0, 0, 1, 3]), 4, worlds=(2,))
        >>> [line.get_ydata().tolist() for line in fig.axes[0].lines[:2]]
        [[1.5], [1.3333333333333333]]
        >>> plt.close(fig)
    """
    worlds = list(worlds)
    series = [
        (
            label,
            "-" if sharding == "contiguous" else "--",
            "o" if distinct else "s",
            [(Placement(num_embeddings, n, sharding), distinct) for n in worlds],
        )
        for label, sharding, distinct in BALANCE_SERIES
    ]
    if counts is not None:
        placements = [(Placement.from_counts(counts, n), False) for n in worlds]
        series.append(("by frequency, every lookup", "-.", "^", placements))
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.8))
    finals = []
    for label, style, marker, placements in series:
        ratios = [
            float(lookup_shares(ids, placement, distinct).max()) * n
            for n, (placement, distinct) in zip(worlds, placements)
        ]
        ax.plot(worlds, ratios, style, marker=marker, label=label)
        finals.append(ratios[-1])
    # One label for the ends of lines that nearly meet, so that no two overlap.
    groups: list[list[float]] = []
    for value in sorted(finals):
        if groups and value < groups[-1][0] * 1.08:
            groups[-1].append(value)
        else:
            groups.append([value])
    for group in groups:
        ax.annotate(
            " / ".join(f"{v:.2f}" for v in group),
            (worlds[-1], group[0]),
            textcoords="offset points",
            xytext=(6, 0),
            va="center",
        )
    ax.axhline(target, color="0.4", linestyle=":", linewidth=1)
    ax.annotate(
        f"target {target}",
        (worlds[0], target),
        textcoords="offset points",
        xytext=(0, 4),
        color="0.3",
    )
    ax.set_xscale("log", base=2)
    ax.set_xticks(worlds, [str(n) for n in worlds])
    ax.set_yscale("log", base=2)
    ticks = [t for t in (1, 1.5, 2, 4, 8) if t <= max(worlds)]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlabel("ranks N")
    ax.set_ylabel("busiest rank's share \u00d7 N")
    ax.set_title(f"load balance of {ids.numel()} Zipf ids over {num_embeddings} rows")
    ax.grid(True, alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig
