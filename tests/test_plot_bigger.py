"""The numbers and figures of the chapter *Bigger tables*: training memory and the
sharded lookup."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

from embedlab.distributed import Placement, lookup_shares, zipf_ids
from embedlab.memory import EmbeddingTable, table_bytes
from embedlab.memory_optim import (
    OPTIMIZERS,
    gradient_kind,
    state_tables,
    training_memory,
)
from embedlab.parameters import gradient_bytes
from embedlab.plot.bigger import (
    BALANCE_SERIES,
    plot_busiest_share,
    plot_sharded_lookup,
    plot_training_memory,
)


@pytest.mark.parametrize(
    ("name", "tables"),
    [
        ("SGD", 0),
        ("SGD, momentum", 1),
        ("Adagrad", 1),
        ("Adam", 2),
        ("sparse SGD", 0),
        ("sparse Adagrad", 1),
        ("SparseAdam", 2),
    ],
)
def test_state_tables_are_measured(name: str, tables: int) -> None:
    assert state_tables(name) == tables


def test_training_memory_adds_weight_gradient_and_state() -> None:
    memory = training_memory(500, 6, "Adagrad")
    assert memory == (table_bytes(500, 6), table_bytes(500, 6), table_bytes(500, 6))
    assert memory.total == 3 * 500 * 6 * 4
    sparse = training_memory(500, 6, "SparseAdam", num_ids=10, dtype=torch.float16)
    assert sparse.gradient == gradient_bytes(500, 6, 10, sparse=True, itemsize=2)
    assert sparse.state == 2 * 500 * 6 * 2


def test_gradient_kind_is_what_the_optimizer_accepts() -> None:
    # A sparse optimizer takes a sparse gradient; SparseAdam refuses a dense one.
    for name in OPTIMIZERS:
        table = torch.nn.Embedding(8, 2, sparse=gradient_kind(name) == "sparse")
        opt = OPTIMIZERS[name]["cls"](table.parameters(), **OPTIMIZERS[name]["kwargs"])
        table(torch.tensor([1])).sum().backward()
        assert table.weight.grad.is_sparse == (gradient_kind(name) == "sparse")
        with torch.sparse.check_sparse_tensor_invariants(enable=False):
            opt.step()
    dense = torch.nn.Embedding(8, 2)
    dense(torch.tensor([1])).sum().backward()
    with pytest.raises(RuntimeError, match="dense"):
        torch.optim.SparseAdam(dense.parameters()).step()
    sparse = torch.nn.Embedding(8, 2, sparse=True)
    sparse(torch.tensor([1])).sum().backward()
    with pytest.raises(RuntimeError, match="sparse"):
        torch.optim.Adam(sparse.parameters()).step()


def test_every_optimizer_is_known() -> None:
    assert set(OPTIMIZERS) >= {"SGD", "Adagrad", "Adam", "SparseAdam"}


def test_training_memory_figure_draws_the_totals() -> None:
    tables = [EmbeddingTable("a", 100, 4), EmbeddingTable("b", 10_000, 4)]
    fig = plot_training_memory(tables, ["SGD", "Adam", "SparseAdam"], num_ids=8)
    ax = fig.axes[0]
    widths = [bar.get_width() for container in ax.containers for bar in container]
    expected = [
        training_memory(t.num_embeddings, 4, n, 8).total
        for n in ("SGD", "Adam", "SparseAdam")
        for t in tables
    ]
    assert widths == expected
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "SGD",
        "Adam",
        "SparseAdam",
    ]
    plt.close(fig)


def test_sharded_lookup_figure_routes_each_id_to_its_owner() -> None:
    ids = [[0, 9, 9, 4], [5, 1]]
    fig = plot_sharded_lookup(ids, 10)
    ax = fig.axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 6
    texts = [t.get_text() for t in ax.texts]
    assert (
        "rank 0 shard\nrows 0\u20134" in texts
        and "rank 1 shard\nrows 5\u20139" in texts
    )
    # Each id box is coloured by its owner: rows 0-4 rank 0, rows 5-9 rank 1.
    boxes = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() < 1]
    colours = plt.get_cmap("tab10").colors
    owners = [0 if i < 5 else 1 for batch in ids for i in batch]
    assert [b.get_facecolor()[:3] for b in boxes] == [tuple(colours[o]) for o in owners]
    plt.close(fig)


def test_sharded_lookup_figure_rejects_a_bad_id() -> None:
    with pytest.raises(ValueError, match="id 10 is out of range"):
        plot_sharded_lookup([[10]], 10)
    plt.close("all")


def test_busiest_share_figure_draws_each_placement_over_the_fair_share() -> None:
    ids = zipf_ids(1000, 2048, torch.Generator().manual_seed(0))
    counts = (
        torch.bincount(
            zipf_ids(1000, 2048, torch.Generator().manual_seed(1)), minlength=1000
        )
        + 1
    )
    fig = plot_busiest_share(ids, 1000, worlds=(2, 4), counts=counts)
    ax = fig.axes[0]
    for line, (label, sharding, distinct) in zip(ax.lines, BALANCE_SERIES):
        expected = [
            n * lookup_shares(ids, Placement(1000, n, sharding), distinct).max().item()
            for n in (2, 4)
        ]
        assert line.get_label() == label
        assert line.get_xdata().tolist() == [2, 4]
        assert line.get_ydata().tolist() == expected
    frequency = ax.lines[len(BALANCE_SERIES)]
    assert frequency.get_label() == "by frequency, every lookup"
    assert frequency.get_ydata().tolist() == [
        n * lookup_shares(ids, Placement.from_counts(counts, n)).max().item()
        for n in (2, 4)
    ]
    assert list(ax.lines[-1].get_ydata()) == [1.2, 1.2]
    plt.close(fig)
