"""Bad input gets a clear error naming the value and what was expected, never silence.

Where PyTorch raises for the same input, embedlab's error is also of PyTorch's type,
checked here against PyTorch itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from embedlab import Embedding, EmbeddingBag, IdOutOfRangeError
from embedlab.distributed import shard_sizes
from embedlab.functional import embedding
from embedlab.text import Vocabulary, cbow_pairs, skipgram_pairs, subsample
from embedlab.vectors import load_word2vec_format
from embedlab.word2vec import Word2Vec, noise_distribution, train_word2vec


def torch_error(call: Callable[[], object]) -> type[BaseException]:
    """The type of what PyTorch raises for ``call``; fails the test if it raises nothing."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 - whatever PyTorch raises is the reference
        return type(error)
    pytest.fail("PyTorch accepted the input: this case is not one where it raises")


def test_numpy_ids_are_named_as_a_numpy_array() -> None:
    ids = np.array([1, 2])
    expected = torch_error(lambda: torch.nn.Embedding(5, 3)(ids))
    message = re.escape("input is a numpy.ndarray (dtype int64), not a torch.Tensor: "
                        "convert it with torch.from_numpy(input)")
    with pytest.raises(expected, match=message):
        Embedding(5, 3)(ids)
    with pytest.raises(expected, match=message):
        embedding(ids, torch.ones(5, 3))


@pytest.mark.parametrize("requires_grad", [False, True])
def test_a_lookup_in_an_empty_table(requires_grad: bool) -> None:
    weight = torch.ones(0, 3, requires_grad=requires_grad)
    expected = torch_error(lambda: torch.nn.functional.embedding(torch.tensor([0]), weight))
    message = "input holds 2 ids, but the table is empty \\(num_embeddings=0\\): no id is valid"
    with pytest.raises(expected, match=message) as info:
        embedding(torch.tensor([0, 0]), weight)
    assert isinstance(info.value, IdOutOfRangeError)
    with pytest.raises(expected, match=message):
        Embedding(0, 3)(torch.tensor([[0], [0]]))
    assert embedding(torch.tensor([], dtype=torch.long), weight).shape == (0, 3)  # nothing looked up


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((5.0, 3), "num_embeddings must be an int, got 5.0 (float)"),
        ((5, 3.0), "embedding_dim must be an int, got 3.0 (float)"),
        ((True, 3), "num_embeddings must be an int, got True (bool)"),
        ((-1, 3), "num_embeddings must be non-negative, got -1"),
    ],
)
@pytest.mark.parametrize("module", [Embedding, EmbeddingBag])
def test_sizes_of_the_wrong_type_or_sign(module: type, args: tuple, message: str) -> None:
    reference = torch.nn.Embedding if module is Embedding else torch.nn.EmbeddingBag
    expected = torch_error(lambda: reference(*args))
    with pytest.raises(expected, match=re.escape(message)):
        module(*args)


def test_a_zero_embedding_dim_for_word2vec() -> None:
    with pytest.raises(ValueError, match="embedding_dim must be at least 1, got 0"):
        train_word2vec([["a", "b", "c"]], embedding_dim=0, device="cpu")
    with pytest.raises(TypeError, match=re.escape("embedding_dim must be an int, got 2.0 (float)")):
        Word2Vec(5, 2.0, device="cpu")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ids", "error", "message"),
    [
        (torch.tensor([[2, 3]]), ValueError, "ids must be 1-D (one sentence), got shape (1, 2)"),
        (torch.tensor([2.0]), TypeError, "ids must hold integers, got dtype torch.float32"),
        ([[2, 3]], TypeError, "ids[0] is [2, 3] (list): expected an int"),
        ([2, 1.5], TypeError, "ids[1] is 1.5 (float): expected an int"),
    ],
)
def test_decode_needs_one_sentence_of_int_ids(ids: object, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Vocabulary([["a", "b"]]).decode(ids)  # type: ignore[arg-type]


def test_a_folder_given_to_the_loader(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="is a folder: expected a file in the word2vec format"):
        load_word2vec_format(tmp_path)


@pytest.mark.parametrize("padding_idx", [1.5, True, "1"])
def test_a_padding_idx_that_is_not_an_int(padding_idx: object) -> None:
    message = re.escape(f"padding_idx must be an int (a row of the table), got {padding_idx!r}")
    if not isinstance(padding_idx, bool):  # PyTorch takes True for row 1
        with pytest.raises(torch_error(lambda: torch.nn.Embedding(5, 3, padding_idx=padding_idx)), match=message):
            Embedding(5, 3, padding_idx=padding_idx)  # type: ignore[arg-type]
        weight = torch.ones(5, 3, requires_grad=True)
        functional = torch_error(lambda: torch.nn.functional.embedding(torch.tensor([1]), weight,
                                                                       padding_idx=padding_idx))
    else:
        functional = TypeError
    for sparse in (False, True):  # the sparse backward used to pad nothing, silently
        with pytest.raises(functional, match=message):
            embedding(torch.tensor([1]), torch.ones(5, 3, requires_grad=True), padding_idx=padding_idx, sparse=sparse)
    with pytest.raises(IndexError, match=message):
        Embedding(5, 3, padding_idx=padding_idx)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (torch.tensor([0.0, 0.0, float("nan"), 1.0]), "counts must be finite, got nan at id 2"),
        (torch.tensor([0.0, 0.0, 2.0, float("inf")]), "counts must be finite, got inf at id 3"),
    ],
)
def test_noise_distribution_refuses_counts_that_are_not_finite(counts: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        noise_distribution(counts)


@pytest.mark.parametrize(
    ("sentences", "counts", "error", "message"),
    [
        ([torch.tensor([2, 3]), torch.tensor([3, -1])], torch.tensor([0, 0, 5, 5]), IdOutOfRangeError,
         "sentences[1][1] = -1 is out of range: expected 0 <= id < 4 (len(counts)=4)"),
        ([torch.tensor([2, 3, 4])], torch.tensor([0, 0, 5, 5]), IdOutOfRangeError,
         "sentences[0][2] = 4 is out of range: expected 0 <= id < 4"),
        ([torch.tensor([2, 3])], torch.tensor([0, -3, 5, 5]), ValueError,
         "counts must be non-negative, got a minimum of -3"),
        ([torch.tensor([2, 3])], torch.tensor([0.0, 0.0, float("nan"), 5.0]), ValueError,
         "counts must be finite, got nan at id 2"),
        ([torch.tensor([2.0, 3.0])], torch.tensor([0, 0, 5, 5]), TypeError,
         "sentences[0] must be a tensor of integer ids, got torch.float32"),
        ([[2, 3]], torch.tensor([0, 0, 5, 5]), TypeError,
         "sentences[0] must be a tensor of integer ids, got list"),
    ],
    ids=["negative-id", "id-too-large", "negative-count", "nan-count", "float-ids", "list"],
)
def test_subsample_refuses_bad_ids_and_counts(sentences: list, counts: torch.Tensor, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        subsample(sentences, counts, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("pairs", [skipgram_pairs, cbow_pairs])
def test_pairs_refuse_float_ids(pairs: Callable) -> None:
    with pytest.raises(TypeError, match=re.escape("sentences[1] must hold integer ids, got dtype torch.float32")):
        pairs([torch.tensor([1, 2]), torch.tensor([1.5, 2.7, 3.0])], 1)
    # Empty sentences and plain lists of ints are still fine.
    assert pairs([[], [4, 5]], 1)[1].tolist() == ([5, 4] if pairs is skipgram_pairs else [4, 5])


@pytest.mark.parametrize(
    ("sentences", "error", "message"),
    [
        ([["a", "b"], ["c", 3]], TypeError, "sentence 1, token 1 is 3 (int): expected a str"),
        ([["a", ["b"]]], TypeError, "sentence 0, token 1 is ['b'] (list): expected a str"),
        ([["a"], ["b", ""]], ValueError, "sentence 1, token 1 is '': expected a non-empty str without whitespace"),
        ([["a", "b c"]], ValueError, "sentence 0, token 1 is 'b c': expected a non-empty str without whitespace"),
        ([["a", "b\xa0c"]], ValueError, "sentence 0, token 1 is 'b\\xa0c'"),
    ],
    ids=["int", "list", "empty", "space", "no-break-space"],
)
def test_vocabulary_refuses_tokens_no_file_could_store(sentences: list, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Vocabulary(sentences)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((-5, 2), ValueError, "num_embeddings must be non-negative, got -5"),
        ((5.0, 2), TypeError, "num_embeddings must be an int, got 5.0 (float)"),
        ((5, 2.0), TypeError, "world_size must be an int, got 2.0 (float)"),
    ],
)
def test_shard_sizes_refuses_bad_sizes(args: tuple, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        shard_sizes(*args)
    assert shard_sizes(0, 2) == [0, 0]


def test_encode_refuses_a_bare_string() -> None:
    vocab = Vocabulary([["a", "b"]])
    with pytest.raises(TypeError, match=re.escape("tokens is a str ('ab'); expected a sequence of tokens")):
        vocab.encode("ab")
    assert vocab.encode(["ab"]).tolist() == [vocab.unk_id]
