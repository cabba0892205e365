"""The functional API: :func:`embedding` and :func:`embedding_bag`, as in PyTorch's.

Two modules, imported one way: :mod:`embedlab.functional.lookup` holds the row
lookup and its autograd Function, and :mod:`embedlab.functional.bag` builds bags on
it. This package gathers both, so that ``embedlab.functional.embedding_bag`` exists
as ``torch.nn.functional.embedding_bag`` does.

Errors of PyTorch's types
-------------------------

For every input that PyTorch also rejects, embedlab's error is an instance of the
exception type PyTorch raises there, so that an ``except`` written for PyTorch
catches it, and its message holds PyTorch's key phrase beside embedlab's detail
(the value, its position, the valid range). ``tests/test_torch_errors.py`` checks
each row against PyTorch itself.

.. list-table::
   :header-rows: 1

   * - input
     - PyTorch raises
     - embedlab raises
   * - ``embedding`` with a weight that is not 2-D
     - :class:`RuntimeError`
     - :class:`~embedlab.WeightShapeError`
   * - ``embedding_bag`` with a weight that is not 2-D
     - :class:`ValueError`
     - :class:`~embedlab.WeightShapeError`
   * - a module's ``_weight`` of another shape, ``from_pretrained`` of a 1-D tensor
     - :class:`AssertionError`
     - :class:`~embedlab.WeightShapeError`
   * - ``padding_idx`` out of range: ``embedding``, ``Embedding``, ``EmbeddingBag``
     - :class:`AssertionError`
     - :class:`~embedlab.PaddingIdxError`
   * - ``padding_idx`` out of range: ``embedding_bag``
     - :class:`RuntimeError`
     - :class:`~embedlab.PaddingIdxError`
   * - ``padding_idx`` of a module not an int
     - :class:`IndexError`
     - :class:`~embedlab.IndexTypeError`
   * - ids or offsets neither int64 nor int32
     - :class:`RuntimeError`
     - :class:`~embedlab.IndexDtypeError`
   * - an id out of range: ``embedding``
     - :class:`IndexError`
     - :class:`~embedlab.IdOutOfRangeError`
   * - an id out of range: ``embedding_bag``
     - :class:`RuntimeError`
     - :class:`~embedlab.BagIdOutOfRangeError`
   * - any id in a table without rows
     - :class:`RuntimeError`
     - :class:`~embedlab.EmptyTableError`
   * - a negative size
     - :class:`RuntimeError`
     - :class:`~embedlab.NegativeSizeError`
   * - ``per_sample_weights`` of another dtype than ``weight``
     - :class:`RuntimeError`
     - :class:`~embedlab.DtypeMismatchError`
   * - offsets not from 0, decreasing, past the end, or none with
       ``include_last_offset``
     - :class:`RuntimeError`
     - :class:`~embedlab.functional.BadOffsetsError`
   * - a bad ``mode``; ``max`` with ``sparse`` or ``scale_grad_by_freq``; input not
       1-D or 2-D; offsets missing, given for a 2-D input or not 1-D;
       ``per_sample_weights`` of another shape
     - :class:`ValueError`
     - :class:`ValueError`
   * - ``per_sample_weights`` with a mode other than ``"sum"``
     - :class:`NotImplementedError`
     - :class:`NotImplementedError`
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
