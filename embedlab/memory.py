"""What an embedding table costs in memory, for the chapter *nn.Embedding: the API*.

The sizes are measured, not computed by hand: :func:`table_bytes` builds the real
:class:`torch.nn.Embedding` on PyTorch's ``meta`` device, which records shapes and
dtypes but allocates no memory, so even a table of billions of numbers costs nothing
to measure.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["ADAM_TABLES", "REAL_TABLES", "EmbeddingTable", "format_bytes", "table_bytes"]


class EmbeddingTable(NamedTuple):
    """The size of one embedding table: a name, its ``num_embeddings`` and its ``embedding_dim``."""

    name: str
    num_embeddings: int
    embedding_dim: int


#: Token-embedding tables of well-known models, and one hypothetical recommender.
REAL_TABLES: tuple[EmbeddingTable, ...] = (
    EmbeddingTable("BERT-base", 30_522, 768),
    EmbeddingTable("GPT-2 (124M)", 50_257, 768),
    EmbeddingTable("word2vec GoogleNews", 3_000_000, 300),
    EmbeddingTable("recommender, 100M ids", 100_000_000, 64),
)

#: What dense training with :class:`torch.optim.Adam` keeps per weight: the weight, its
#: gradient, and Adam's two moment estimates (``exp_avg`` and ``exp_avg_sq``).
ADAM_TABLES = 4


def table_bytes(num_embeddings: int, embedding_dim: int, dtype: torch.dtype = torch.float32) -> int:
    r"""Bytes taken by the weight of ``nn.Embedding(num_embeddings, embedding_dim, dtype=dtype)``.

    The layer is built on the ``meta`` device, so nothing is allocated, and the
    bytes are read off its parameters: ``numel() * element_size()`` summed over them,
    which for an embedding layer is :math:`V \cdot D` times the bytes of one number.

    Args:
        num_embeddings (int): the number of rows :math:`V`.
        embedding_dim (int): the length of a row :math:`D`.
        dtype (torch.dtype): the floating dtype of the table. Default: ``torch.float32``.

    Returns:
        int: the size of the table in bytes.

    Examples::

        >>> table_bytes(30_522, 768)
        93763584
        >>> table_bytes(30_522, 768, torch.bfloat16) == 30_522 * 768 * 2
        True
    """
    table = torch.nn.Embedding(num_embeddings, embedding_dim, device="meta", dtype=dtype)
    return sum(p.numel() * p.element_size() for p in table.parameters())


def format_bytes(size: float) -> str:
    """A byte count in decimal units (kB, MB, GB, TB: powers of 1000), to three significant figures.

    Examples::

        >>> format_bytes(93_763_584)
        '93.8 MB'
        >>> format_bytes(25_600_000_000)
        '25.6 GB'
        >>> format_bytes(512)
        '512 B'
    """
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:.0f} B"
