"""The numbers and figure of the chapter *nn.Embedding: the API*: table memory."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from embedlab.memory import ADAM_TABLES, REAL_TABLES, EmbeddingTable, format_bytes, table_bytes
from embedlab.plot.api import plot_table_memory


@pytest.mark.parametrize(
    ("dtype", "itemsize"), [(torch.float32, 4), (torch.float16, 2), (torch.bfloat16, 2), (torch.float64, 8)]
)
def test_table_bytes_is_rows_times_columns_times_itemsize(dtype: torch.dtype, itemsize: int) -> None:
    assert table_bytes(1_000, 48, dtype) == 1_000 * 48 * itemsize


def test_table_bytes_agrees_with_an_allocated_table() -> None:
    real = torch.nn.Embedding(300, 7, dtype=torch.float16)
    assert table_bytes(300, 7, torch.float16) == real.weight.untyped_storage().nbytes()


def test_table_bytes_of_a_huge_table_allocates_nothing() -> None:
    # 25.6 GB would not fit in the test machine's memory; the meta device never allocates it.
    assert table_bytes(100_000_000, 64) == 25_600_000_000


def test_adam_keeps_three_more_tables_of_the_weight_size() -> None:
    table = torch.nn.Embedding(6, 3)
    optimizer = torch.optim.Adam(table.parameters())
    table(torch.tensor([1, 4])).sum().backward()
    optimizer.step()
    state = optimizer.state[table.weight]
    same_size = [table.weight.grad, state["exp_avg"], state["exp_avg_sq"]]
    assert all(t.shape == table.weight.shape and t.dtype == table.weight.dtype for t in same_size)
    assert ADAM_TABLES == 1 + len(same_size)


def test_real_tables_are_the_published_sizes() -> None:
    sizes = {t.name: (t.num_embeddings, t.embedding_dim) for t in REAL_TABLES}
    assert sizes["BERT-base"] == (30_522, 768)
    assert sizes["GPT-2 (124M)"] == (50_257, 768)
    assert sizes["word2vec GoogleNews"] == (3_000_000, 300)


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (999, "999 B"), (1_000, "1 kB"), (1_536_000, "1.54 MB"), (3.6e9, "3.6 GB"), (1e12, "1 TB")],
)
def test_format_bytes_uses_decimal_units(size: float, text: str) -> None:
    assert format_bytes(size) == text


def test_memory_figure_draws_one_bar_per_table_and_dtype_plus_adam() -> None:
    tables = [EmbeddingTable("small", 100, 8), EmbeddingTable("large", 10_000, 8)]
    fig = plot_table_memory(tables, dtypes=[torch.float32, torch.bfloat16], limit=(1e6, "1 MB"))
    (ax,) = fig.axes
    float32, bfloat16, adam = ([bar.get_width() for bar in container] for container in ax.containers)
    assert float32 == [100 * 8 * 4, 10_000 * 8 * 4]
    assert bfloat16 == [w / 2 for w in float32]
    assert adam == [ADAM_TABLES * w for w in float32]
    assert ax.get_xscale() == "log"
    assert [label.get_text() for label in ax.get_yticklabels()] == ["small", "large"]
    assert "320 kB" in [text.get_text() for text in ax.texts]  # bars are labelled with their size
    assert any(line.get_xdata()[0] == 1e6 for line in ax.get_lines())  # the limit line
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend[:2] == ["float32", "bfloat16"]
    plt.close(fig)


def test_memory_figure_without_adam_has_only_dtype_bars() -> None:
    fig = plot_table_memory(REAL_TABLES[:1], dtypes=[torch.float16], adam=False)
    assert len(fig.axes[0].containers) == 1
    plt.close(fig)
