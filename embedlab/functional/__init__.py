"""The functional API: :func:`embedding` and :func:`embedding_bag`, as in :mod:`torch.nn.functional`.

Two modules, imported one way: :mod:`embedlab.functional.lookup` holds the row
lookup and its autograd Function, and :mod:`embedlab.functional.bag` builds bags on
it. This package gathers both, so that ``embedlab.functional.embedding_bag`` exists
as ``torch.nn.functional.embedding_bag`` does.
"""

from embedlab.functional.bag import MODES, BadOffsetsError, embedding_bag
from embedlab.functional.lookup import (
    check_max_norm,
    embedding,
    inspectable,
    normalize_padding_idx,
)

__all__ = [
    "MODES",
    "BadOffsetsError",
    "check_max_norm",
    "embedding",
    "embedding_bag",
    "inspectable",
    "normalize_padding_idx",
]
