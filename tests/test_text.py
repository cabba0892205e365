"""embedlab.text: tokens, the vocabulary, subsampling and word2vec's training pairs, checked against plain loops."""

from __future__ import annotations

import math
import random

import pytest
import torch

from embedlab import IdOutOfRangeError
from embedlab.text import (
    PAD,
    UNK,
    Vocabulary,
    cbow_pairs,
    keep_probability,
    skipgram_pairs,
    subsample,
    tokenize,
)


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("Hello, World!", ["hello", ",", "world", "!"]),
        ("don't stop", ["don't", "stop"]),
        ("  \n\t ", []),
        ("임베딩은 단어를 벡터로!", ["임베딩은", "단어를", "벡터로", "!"]),
        ("Ünïcode ÀÉ 42x", ["ünïcode", "àé", "42x"]),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_tokenize_can_keep_case() -> None:
    assert tokenize("The Cat", lowercase=False) == ["The", "Cat"]


def test_vocabulary_orders_by_count_then_first_appearance() -> None:
    vocab = Vocabulary([["b", "a", "c"], ["c", "a", "d"]])
    assert vocab.words == [PAD, UNK, "a", "c", "b", "d"]
    assert vocab.counts.tolist() == [0, 0, 2, 2, 1, 1]
    assert (vocab.pad_id, vocab.unk_id) == (0, 1) and len(vocab) == 6
    assert repr(vocab) == "Vocabulary(6 ids, min_count=1)"


def test_min_count_sends_rare_words_to_unk_and_counts_them() -> None:
    vocab = Vocabulary([["a", "a", "b", "c"], ["a", "b"]], min_count=2)
    assert vocab.words == [PAD, UNK, "a", "b"]
    assert vocab.counts.tolist() == [0, 1, 3, 2]
    assert "c" not in vocab and "a" in vocab
    assert vocab.id("c") == vocab.unk_id and vocab.encode(["c", "a"]).tolist() == [1, 2]


def test_encode_decode_round_trip() -> None:
    vocab = Vocabulary([["x", "y", "z"]])
    ids = vocab.encode(["z", "x", "q"])
    assert ids.dtype == torch.int64
    assert vocab.decode(ids) == ["z", "x", UNK]
    assert vocab.decode([0, 1]) == [PAD, UNK]


@pytest.mark.parametrize("bad", [-1, 4, 100])
def test_decode_names_the_bad_id(bad: int) -> None:
    vocab = Vocabulary([["x", "y"]])
    with pytest.raises(IdOutOfRangeError, match=rf"ids\[1\] = {bad} is out of range: expected 0 <= id < 4"):
        vocab.decode([2, bad])
    with pytest.raises(IndexError):  # also an IndexError, as for a list
        vocab.decode([bad])


@pytest.mark.parametrize("min_count", [0, -2, 1.5, True])
def test_bad_min_count(min_count: object) -> None:
    with pytest.raises(ValueError, match="min_count must be an int of at least 1"):
        Vocabulary([["a"]], min_count=min_count)  # type: ignore[arg-type]


def test_no_word_frequent_enough() -> None:
    with pytest.raises(ValueError, match="no word occurs at least min_count=3 times \\(2 distinct words, 3 tokens\\)"):
        Vocabulary([["a", "b", "a"]], min_count=3)


def test_empty_corpus_has_no_vocabulary() -> None:
    with pytest.raises(ValueError, match="no word occurs"):
        Vocabulary([])


def test_a_sentence_given_as_a_string_is_refused() -> None:
    with pytest.raises(ValueError, match="sentence 1 is a str \\('a cat'\\); expected a list of tokens"):
        Vocabulary([["ok"], "a cat"])  # type: ignore[list-item]


@pytest.mark.parametrize("token", [PAD, UNK])
def test_reserved_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValueError, match=f"sentence 0 contains the reserved token '{token}'"):
        Vocabulary([["a", token]])


def test_encode_sentences_drops_unknown_words_and_empty_sentences() -> None:
    vocab = Vocabulary([["a", "a", "b"], ["c"]], min_count=2)
    assert [s.tolist() for s in vocab.encode_sentences([["a", "b", "a"], ["c"], []])] == [[2, 2]]
    kept = vocab.encode_sentences([["a", "b"], ["c"]], drop_unknown=False)
    assert [s.tolist() for s in kept] == [[2, 1], [1]]


# Subsampling


def test_subsample_is_reproducible_and_keeps_rare_words() -> None:
    counts = torch.tensor([0, 0, 1000, 1])
    sentences = [torch.tensor([2, 3, 2, 2, 3]), torch.tensor([3])]
    first = subsample(sentences, counts, threshold=1e-3, generator=torch.Generator().manual_seed(1))
    second = subsample(sentences, counts, threshold=1e-3, generator=torch.Generator().manual_seed(1))
    assert [s.tolist() for s in first] == [s.tolist() for s in second]
    # id 3 has frequency 1/1001 < 1e-3 ... only just: its keep probability is 1.
    assert sum((s == 3).sum().item() for s in first) == 3


@pytest.mark.parametrize(
    "formula, keep",
    [
        # word2vec's C code: sqrt(t/f) + t/f; t/f = 1/16 and 1/4 here.
        ("word2vec", {2: 0.25 + 0.0625, 3: 0.5 + 0.25}),
        ("paper", {2: 0.25, 3: 0.5}),
    ],
)
def test_subsample_keeps_each_word_with_the_expected_probability(formula: str, keep: dict) -> None:
    counts = torch.tensor([0, 0, 80, 20])
    ids = torch.tensor([2] * 20_000 + [3] * 20_000)
    generator = torch.Generator().manual_seed(0)
    kept = torch.cat(subsample([ids], counts, threshold=0.05, generator=generator, formula=formula))
    for word, expected in keep.items():
        assert abs((kept == word).sum().item() / 20_000 - expected) < 0.02
    probability = keep_probability(counts, threshold=0.05, formula=formula)
    torch.testing.assert_close(probability[2:], torch.tensor([keep[2], keep[3]], dtype=torch.float64))


def test_keep_probability_word2vec_keeps_every_word_below_about_2_6_t() -> None:
    # sqrt(x) + x = 1 at x = t/f = 0.382: f = 2.618 t is where dropping starts.
    counts = torch.tensor([0, 0, 2600, 2640, 10**6 - 5240])   # f = 2.60e-3 and 2.64e-3
    probability = keep_probability(counts, threshold=1e-3)
    assert probability[2] == 1.0 and probability[3] < 1.0
    assert keep_probability(counts, threshold=1e-3, formula="paper")[2] < 0.7


def test_keep_probability_unknown_formula() -> None:
    with pytest.raises(ValueError, match="formula must be one of \\('word2vec', 'paper'\\), got 'C'"):
        keep_probability(torch.tensor([0, 0, 3]), formula="C")


def test_dynamic_window_pairs_near_neighbours_more_often() -> None:
    # Over many centres, a neighbour at distance d is paired with probability (w - d + 1) / w.
    window, n = 4, 40_000
    sentence = [torch.arange(n)]
    centres, contexts = skipgram_pairs(sentence, window, dynamic_window=True,
                                       generator=torch.Generator().manual_seed(0))
    distance = (contexts - centres).abs()
    for d in range(1, window + 1):
        rate = (distance == d).sum().item() / (2 * n)
        assert abs(rate - (window - d + 1) / window) < 0.01, (d, rate)
    # Each centre has its own window: both sides of one centre share it.
    right = set(zip(centres[contexts > centres].tolist(), distance[contexts > centres].tolist()))
    left = set(zip(centres[contexts < centres].tolist(), distance[contexts < centres].tolist()))
    inner = {(c, d) for c, d in right if window <= c < n - window}
    assert inner == {(c, d) for c, d in left if window <= c < n - window}


def test_dynamic_window_is_seeded_and_never_crosses_sentences() -> None:
    sentences = [torch.arange(10), torch.arange(10, 20)]
    first = skipgram_pairs(sentences, 3, dynamic_window=True, generator=torch.Generator().manual_seed(1))
    again = skipgram_pairs(sentences, 3, dynamic_window=True, generator=torch.Generator().manual_seed(1))
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert torch.equal(first[0] < 10, first[1] < 10)
    fixed = skipgram_pairs(sentences, 3)
    assert set(zip(*map(torch.Tensor.tolist, first))) < set(zip(*map(torch.Tensor.tolist, fixed)))


def test_subsample_drops_emptied_sentences_and_accepts_none() -> None:
    counts = torch.tensor([0, 0, 10**9, 1])
    out = subsample([torch.tensor([2]), torch.tensor([3])], counts, threshold=1e-9, generator=torch.Generator().manual_seed(0))
    assert [s.tolist() for s in out] == [[3]]
    assert subsample([], counts) == []


@pytest.mark.parametrize("threshold", [0.0, -1e-3, float("nan")])
def test_subsample_bad_threshold(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold must be positive"):
        subsample([torch.tensor([2])], torch.tensor([0, 0, 1]), threshold=threshold)


def test_subsample_zero_counts() -> None:
    with pytest.raises(ValueError, match="counts sum to zero"):
        subsample([torch.tensor([2])], torch.zeros(3, dtype=torch.int64))


def test_subsample_bad_generator() -> None:
    with pytest.raises(TypeError, match="generator must be a torch.Generator or None, got int"):
        subsample([torch.tensor([2])], torch.tensor([0, 0, 1]), generator=0)  # type: ignore[arg-type]


# Pairs, checked against the obvious double loop


def random_sentences(seed: int) -> list[torch.Tensor]:
    rng = random.Random(seed)
    return [torch.tensor([rng.randrange(2, 9) for _ in range(rng.randrange(1, 8))]) for _ in range(rng.randrange(1, 6))]


def reference_skipgram(sentences: list[torch.Tensor], window: int) -> list[tuple[int, int]]:
    pairs = []
    for sentence in sentences:
        ids = sentence.tolist()
        for i, centre in enumerate(ids):
            for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                if j != i:
                    pairs.append((centre, ids[j]))
    return sorted(pairs)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("window", [1, 2, 5])
def test_skipgram_pairs_match_a_double_loop(seed: int, window: int) -> None:
    sentences = random_sentences(seed)
    centres, contexts = skipgram_pairs(sentences, window)
    assert centres.dtype == contexts.dtype == torch.int64
    assert sorted(zip(centres.tolist(), contexts.tolist())) == reference_skipgram(sentences, window)


def reference_cbow(sentences: list[torch.Tensor], window: int, pad: int) -> list[tuple[list[int], int]]:
    rows = []
    for sentence in sentences:
        ids = sentence.tolist()
        for i, target in enumerate(ids):
            context = [ids[i + d] if 0 <= i + d < len(ids) else pad for d in range(-window, window + 1) if d != 0]
            if any(c != pad for c in context):
                rows.append((context, target))
    return rows


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("window", [1, 3])
def test_cbow_pairs_match_a_double_loop(seed: int, window: int) -> None:
    sentences = random_sentences(seed)
    contexts, targets = cbow_pairs(sentences, window)
    assert contexts.shape == (len(targets), 2 * window)
    assert list(zip(contexts.tolist(), targets.tolist())) == reference_cbow(sentences, window, pad=0)


def test_pairs_of_nothing() -> None:
    centres, contexts = skipgram_pairs([], 2)
    assert centres.shape == contexts.shape == (0,)
    contexts, targets = cbow_pairs([torch.tensor([4])], 2)  # a lone word has no context
    assert contexts.shape == (0, 4) and targets.shape == (0,)


@pytest.mark.parametrize("window", [0, -1, 1.5, True])
@pytest.mark.parametrize("make", [skipgram_pairs, cbow_pairs])
def test_bad_window(make: object, window: object) -> None:
    with pytest.raises(ValueError, match="window must be an int of at least 1"):
        make([torch.tensor([2, 3])], window)  # type: ignore[operator]
