"""An ``except`` written for PyTorch's error catches embedlab's, case by case.

Each case runs PyTorch on the input first: the type it raises, and its key phrase in
its message, are what embedlab's error must carry, so that a change upstream fails
here instead of silently parting the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import embedlab
import embedlab.functional as E

W = torch.ones(4, 3)
L = torch.tensor


def bag(M: object, *args: object, **kwargs: object) -> Callable[[], object]:
    return lambda: M.embedding_bag(*args, **kwargs)


def on_two_threads(call: Callable[[], object]) -> Callable[[], object]:
    """``call`` with two intra-op threads: PyTorch 2.13's CPU bag checks its offsets
    only on its multi-threaded path, and with one thread returns garbage instead."""

    def run() -> object:
        before = torch.get_num_threads()
        torch.set_num_threads(2)
        try:
            return call()
        finally:
            torch.set_num_threads(before)

    return run


# name: (PyTorch's call, embedlab's call, PyTorch's key phrase, embedlab's detail)
CASES: dict[str, tuple[Callable[[], object], Callable[[], object], str, str]] = {
    "embedding, 0-d weight": (
        lambda: F.embedding(L([0]), L(1.0)),
        lambda: E.embedding(L([0]), L(1.0)),
        "'weight' must be 2-D", "got 0-D",
    ),
    "embedding, 3-d weight": (
        lambda: F.embedding(L([0]), torch.ones(4, 3, 2)),
        lambda: E.embedding(L([0]), torch.ones(4, 3, 2)),
        "'weight' must be 2-D", r"shape \(4, 3, 2\)",
    ),
    "embedding, padding_idx out of range": (
        lambda: F.embedding(L([0]), W, padding_idx=5),
        lambda: E.embedding(L([0]), W, padding_idx=5),
        "Padding_idx must be within num_embeddings", "padding_idx=5 is out of range",
    ),
    "Embedding, padding_idx out of range": (
        lambda: nn.Embedding(10, 3, padding_idx=25),
        lambda: embedlab.Embedding(10, 3, padding_idx=25),
        "Padding_idx must be within num_embeddings", "-10 <= padding_idx < 10",
    ),
    "Embedding, padding_idx a float": (
        lambda: nn.Embedding(10, 3, padding_idx=1.5),
        lambda: embedlab.Embedding(10, 3, padding_idx=1.5),
        "", r"padding_idx must be an int .*got 1\.5",
    ),
    "embedding, float ids": (
        lambda: F.embedding(L([0.0]), W),
        lambda: E.embedding(L([0.0]), W),
        "to have one of the following scalar types: Long, Int", "got torch.float32",
    ),
    "embedding, id out of range": (
        lambda: F.embedding(L([0, 7]), W),
        lambda: E.embedding(L([0, 7]), W),
        "index out of range in self", r"input\[1\] = 7 is out of range",
    ),
    "embedding, empty table": (
        lambda: F.embedding(L([0]), torch.ones(0, 3)),
        lambda: E.embedding(L([0]), torch.ones(0, 3)),
        "self indexing axis dim should be positive", "the table is empty",
    ),
    "Embedding, negative size": (
        lambda: nn.Embedding(-1, 3),
        lambda: embedlab.Embedding(-1, 3),
        "Trying to create tensor with negative dimension", "got -1",
    ),
    "Embedding, _weight of another shape": (
        lambda: nn.Embedding(3, 3, _weight=torch.ones(2, 3)),
        lambda: embedlab.Embedding(3, 3, _weight=torch.ones(2, 3)),
        "Shape of weight does not match num_embeddings and embedding_dim", r"\(2, 3\)",
    ),
    "Embedding.from_pretrained, 1-D": (
        lambda: nn.Embedding.from_pretrained(torch.ones(3)),
        lambda: embedlab.Embedding.from_pretrained(torch.ones(3)),
        "Embeddings parameter is expected to be 2-dimensional", "got 1-D",
    ),
    "EmbeddingBag.from_pretrained, 1-D": (
        lambda: nn.EmbeddingBag.from_pretrained(torch.ones(3)),
        lambda: embedlab.EmbeddingBag.from_pretrained(torch.ones(3)),
        "Embeddings parameter is expected to be 2-dimensional", "got 1-D",
    ),
    "EmbeddingBag, padding_idx out of range": (
        lambda: nn.EmbeddingBag(4, 3, padding_idx=5),
        lambda: embedlab.EmbeddingBag(4, 3, padding_idx=5),
        "padding_idx must be within num_embeddings", "padding_idx=5 is out of range",
    ),
    "embedding_bag, padding_idx out of range": (
        bag(F, L([0]), W, L([0]), padding_idx=5),
        bag(E, L([0]), W, L([0]), padding_idx=5),
        "padding_idx must be within the number of embeddings", "-4 <= padding_idx < 4",
    ),
    "embedding_bag, 3-d weight": (
        bag(F, L([0]), torch.ones(4, 3, 2), L([0])),
        bag(E, L([0]), torch.ones(4, 3, 2), L([0])),
        "weight has to be a 2D Tensor", "got 3-D",
    ),
    "embedding_bag, id out of range": (
        bag(F, L([0, 7]), W, L([0])),
        bag(E, L([0, 7]), W, L([0])),
        re.escape(
            "Index 1 of input takes value 7 which is not in the valid range [0, 4)"
        ),
        r"input\[1\] = 7 is out of range",
    ),
    "embedding_bag, id out of range with a padding_idx": (
        bag(F, L([[1, 11]]), W, padding_idx=0),
        bag(E, L([[1, 11]]), W, padding_idx=0),
        # PyTorch's kernel words it another way when a padding_idx is given.
        re.escape("Expected idx >= 0 && idx < num_embeddings but found idx to be 11"),
        r"input\[0, 1\] = 11",
    ),
    "embedding_bag, 2-D id out of range": (
        bag(F, L([[0, 9], [1, 2]]), W),
        bag(E, L([[0, 9], [1, 2]]), W),
        re.escape(
            "Index 1 of input takes value 9 which is not in the valid range [0, 4)"
        ),
        r"input\[0, 1\] = 9",
    ),
    "embedding_bag, empty table": (
        bag(F, L([0]), torch.ones(0, 3), L([0])),
        bag(E, L([0]), torch.ones(0, 3), L([0])),
        re.escape(
            "Index 0 of input takes value 0 which is not in the valid range [0, 0)"
        ),
        "the table is empty",
    ),
    "embedding_bag, float ids": (
        bag(F, L([0.0]), W, L([0])),
        bag(E, L([0.0]), W, L([0])),
        "to have one of the following scalar types: Long, Int", "input must have dtype",
    ),
    "embedding_bag, float offsets": (
        bag(F, L([0]), W, L([0.0])),
        bag(E, L([0]), W, L([0.0])),
        "to have one of the following scalar types: Long, Int",
        "offsets must have dtype",
    ),
    "embedding_bag, per_sample_weights of another dtype": (
        bag(F, L([0]), W, L([0]), mode="sum", per_sample_weights=L([1.0]).double()),
        bag(E, L([0]), W, L([0]), mode="sum", per_sample_weights=L([1.0]).double()),
        "to have the same type as tensor for argument #1 'per_sample_weights'",
        "got torch.float64",
    ),
    "embedding_bag, per_sample_weights of another shape": (
        bag(F, L([0, 1]), W, L([0]), mode="sum", per_sample_weights=L([1.0])),
        bag(E, L([0, 1]), W, L([0]), mode="sum", per_sample_weights=L([1.0])),
        "must have the same shape as the input", r"got \(1,\)",
    ),
    "embedding_bag, per_sample_weights with mode='mean'": (
        bag(F, L([0]), W, L([0]), per_sample_weights=L([1.0])),
        bag(E, L([0]), W, L([0]), per_sample_weights=L([1.0])),
        "per_sample_weights is only supported for mode='sum'", "got mode='mean'",
    ),
    "embedding_bag, unknown mode": (
        bag(F, L([0]), W, L([0]), mode="min"),
        bag(E, L([0]), W, L([0]), mode="min"),
        "mode has to be one of sum, mean or max", "got 'min'",
    ),
    "embedding_bag, 2-D input with offsets": (
        bag(F, L([[0]]), W, L([0])),
        bag(E, L([[0]]), W, L([0])),
        "if input is 2D, then offsets has to be None", "each of its 1 rows is a bag",
    ),
    "embedding_bag, 1-D input without offsets": (
        bag(F, L([0]), W),
        bag(E, L([0]), W),
        "offsets has to be a 1D Tensor but got None", "a 1-D input needs offsets",
    ),
    "embedding_bag, 3-D input": (
        bag(F, L([[[0]]]), W),
        bag(E, L([[[0]]]), W),
        "input has to be 1D or 2D Tensor", "got 3-D",
    ),
    "embedding_bag, 2-D offsets": (
        bag(F, L([0]), W, L([[0]])),
        bag(E, L([0]), W, L([[0]])),
        "offsets has to be a 1D Tensor", "got 2-D",
    ),
    "embedding_bag, max with sparse": (
        bag(F, L([0]), W, L([0]), mode="max", sparse=True),
        bag(E, L([0]), W, L([0]), mode="max", sparse=True),
        "max mode does not support sparse weights", "mode='max'",
    ),
    "embedding_bag, max with scale_grad_by_freq": (
        bag(F, L([0]), W, L([0]), mode="max", scale_grad_by_freq=True),
        bag(E, L([0]), W, L([0]), mode="max", scale_grad_by_freq=True),
        "max mode does not support scaling the gradient by the frequency", "one row",
    ),
    "embedding_bag, offsets not from 0": (
        bag(F, L([0, 1]), W, L([1])),
        bag(E, L([0, 1]), W, L([1])),
        "offsets\\[0\\] has to be 0", "offsets\\[0\\] = 1",
    ),
    "embedding_bag, decreasing offsets": (
        on_two_threads(bag(F, L([0, 1, 2]), W, L([0, 2, 1]))),
        bag(E, L([0, 1, 2]), W, L([0, 2, 1])),
        # PyTorch's message is an internal check, not worded for this case.
        "", "offsets must be non-decreasing",
    ),
    "embedding_bag, offsets past the end": (
        bag(F, L([0, 1]), W, L([0, 3])),
        bag(E, L([0, 1]), W, L([0, 3])),
        "offsets\\[-1\\] can not be greater than input's length", "holds 2 ids",
    ),
    "embedding_bag, include_last_offset without offsets": (
        bag(F, L([0, 1]), W, L([], dtype=torch.long), include_last_offset=True),
        bag(E, L([0, 1]), W, L([], dtype=torch.long), include_last_offset=True),
        "include_last_offset: number of offset should be at least 1", "got none",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_embedlab_raises_torchs_type_with_torchs_phrase(name: str) -> None:
    theirs, ours, phrase, detail = CASES[name]
    with pytest.raises(Exception) as torch_raised:
        theirs()
    expected = type(torch_raised.value)
    assert re.search(phrase, str(torch_raised.value)), "PyTorch's wording changed"
    with pytest.raises(expected, match=phrase) as raised:
        ours()
    assert re.search(detail, str(raised.value))


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (embedlab.IdOutOfRangeError, (IndexError, ValueError)),
        (embedlab.BagIdOutOfRangeError, (IndexError, ValueError, RuntimeError)),
        (embedlab.EmptyTableError, (IndexError, ValueError, RuntimeError)),
        (embedlab.IndexDtypeError, (TypeError, RuntimeError)),
        (embedlab.DtypeMismatchError, (TypeError, RuntimeError)),
        (embedlab.WeightShapeError, (ValueError, AssertionError, RuntimeError)),
        (embedlab.PaddingIdxError, (ValueError, AssertionError, RuntimeError)),
        (embedlab.NegativeSizeError, (ValueError, RuntimeError)),
    ],
)
def test_clearer_types_are_also_pythons(error: type, bases: tuple[type, ...]) -> None:
    # The clearer Python type is kept beside PyTorch's, so either except catches it.
    assert all(issubclass(error, base) for base in bases)
