"""embedlab: the tested code behind the book *The Embedding Layer, Shown*.

Each module holds the code of one chapter; the names most chapters need are
re-exported here.
"""

from embedlab import corpus, distributed, functional, scratch, text, vectors, word2vec
from embedlab._checks import (
    BagIdOutOfRangeError,
    DtypeMismatchError,
    EmptyTableError,
    IdOutOfRangeError,
    IndexDtypeError,
    IndexTypeError,
    NegativeSizeError,
    PaddingIdxError,
    WeightShapeError,
)
from embedlab.device import default_device
from embedlab.embedding import Embedding
from embedlab.embedding_bag import EmbeddingBag
from embedlab.seeding import seed_everything

__version__ = "0.1.0"

__all__ = [
    "BagIdOutOfRangeError",
    "DtypeMismatchError",
    "Embedding",
    "EmbeddingBag",
    "EmptyTableError",
    "IdOutOfRangeError",
    "IndexDtypeError",
    "IndexTypeError",
    "NegativeSizeError",
    "PaddingIdxError",
    "WeightShapeError",
    "__version__",
    "corpus",
    "default_device",
    "distributed",
    "functional",
    "scratch",
    "seed_everything",
    "text",
    "vectors",
    "word2vec",
]
