"""Figure of the chapter *nn.Embedding: the API*: the memory of real embedding
tables."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from embedlab.memory import ADAM_TABLES, REAL_TABLES, EmbeddingTable, table_bytes
from embedlab.plot._bars import grouped_log_bars
from embedlab.plot.style import MIN_FONT_PT

__all__ = ["plot_table_memory"]


def plot_table_memory(
    tables: Sequence[EmbeddingTable] = REAL_TABLES,
    dtypes: Sequence[torch.dtype] = (torch.float32, torch.float16),
    adam: bool = True,
    limit: tuple[float, str] | None = None,
) -> Figure:
    r"""Draw the memory of embedding tables as horizontal bars on a logarithmic axis.

    One group of bars per table: one bar per dtype (the weight alone, from
    :func:`~embedlab.memory.table_bytes`) and, if ``adam`` is true, one for dense
    float32 training with Adam, which keeps :data:`~embedlab.memory.ADAM_TABLES` tables
    of that size.
    Bars and labels are drawn for the book's column; the legend sits below the axes.

    Args:
        tables (list of embedlab.memory.EmbeddingTable): the tables, drawn top to
            bottom.
            Default: :data:`~embedlab.memory.REAL_TABLES`.
        dtypes (list of torch.dtype): the dtypes to draw a bar for.
            Default: float32 and float16.
        adam (bool): add the bar for float32 training with Adam. Default: ``True``.
        limit (tuple, optional): ``(size, label)``, a memory size in bytes and its
            label, drawn as a vertical dashed line (say, the memory of one GPU).

    Returns:
        matplotlib.figure.Figure: the figure, with one axes; its bar containers are
        in the order ``dtypes`` then Adam.

    Examples::

        >>> fig = plot_table_memory(REAL_TABLES[:2], dtypes=[torch.float32])
        >>> ax = fig.axes[0]
        >>> ax.get_xscale(), [label.get_text() for label in ax.get_yticklabels()]
        ('log', ['BERT-base', 'GPT-2 (124M)'])
        >>> float(ax.containers[0][0].get_width()) == table_bytes(30_522, 768)
        True
        >>> plt.close(fig)
    """
    tables = list(tables)
    series = [
        (
            str(dtype).removeprefix("torch."),
            [table_bytes(t.num_embeddings, t.embedding_dim, dtype) for t in tables],
        )
        for dtype in dtypes
    ]
    if adam:
        series.append(
            (
                "float32, training with Adam (weight, gradient, 2 moments)",
                [
                    ADAM_TABLES * table_bytes(t.num_embeddings, t.embedding_dim)
                    for t in tables
                ],
            )
        )
    fig, ax = grouped_log_bars([t.name for t in tables], series)
    if limit is not None:
        size, label = limit
        ax.axvline(size, color="0.3", linestyle="--", linewidth=1)
        ax.text(
            size * 1.15,
            0.98,
            label,
            transform=ax.get_xaxis_transform(),
            rotation=90,
            va="top",
            fontsize=MIN_FONT_PT,
            color="0.3",
        )
    ax.set_xlabel("bytes (log scale)")
    ax.set_title("memory of an embedding table")
    return fig
