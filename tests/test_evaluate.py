"""embedlab.evaluate: the benchmark readers, Spearman's rho, scores equal to gensim's, and
the held-out context score derived by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from embedlab.corpus import gensim_test_file
from embedlab.evaluate import (
    analogy_score,
    context_score,
    load_analogies,
    load_word_pairs,
    spearman,
    word_similarity,
)
from embedlab.vectors import WordVectors

stats = pytest.importorskip("scipy.stats")
keyedvectors = pytest.importorskip("gensim.models.keyedvectors")


def _keyed(wv: WordVectors):
    kv = keyedvectors.KeyedVectors(wv.dim)
    kv.add_vectors(wv.words, wv.vectors.numpy())
    return kv


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spearman_equals_scipy_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.integers(0, 8, 60).astype(float), rng.normal(size=60)
    y[:10] = y[10:20]  # ties in both samples
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-4)


def test_spearman_by_hand_and_its_errors() -> None:
    # Ranks 1 2 3 and 3 2 1: d = (2, 0, 2), rho = 1 - 6 * 8 / (3 * 8) = -1.
    assert spearman([1.0, 5.0, 9.0], [3.0, 2.0, 1.0]) == -1.0
    assert math.isnan(spearman([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="same length of at least 2, got 3 and 2"):
        spearman([1, 2, 3], [1, 2])


def test_benchmark_files_are_read_as_gensim_ships_them() -> None:
    wordsim = load_word_pairs(gensim_test_file("wordsim353.tsv"))
    simlex = load_word_pairs(gensim_test_file("simlex999.txt"))
    assert len(wordsim) == 353 and len(simlex) == 999
    assert wordsim[1] == ("tiger", "cat", 7.35)
    sections = load_analogies(gensim_test_file("questions-words.txt"))
    assert len(sections) == 14 and sum(map(len, sections.values())) == 19544
    assert sections["capital-common-countries"][0] == ("greece", "athens", "baghdad", "iraq")


def _vectors_for(words: list[str], seed: int) -> WordVectors:
    vectors = torch.randn(len(words), 16, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return WordVectors(words, vectors.float())


def test_word_similarity_equals_gensims() -> None:
    pairs = load_word_pairs(gensim_test_file("wordsim353.tsv"))
    words = sorted({w for a, b, _ in pairs[::2] for w in (a, b)})  # about half the pairs covered
    wv = _vectors_for(words, 0)
    # Make the similarities follow the ratings, noisily, so the correlation is far from 0.
    for a, b, rating in pairs:
        if a in wv and b in wv and a != b:
            wv.vectors[wv.index(b)] += 0.05 * rating * wv.vectors[wv.index(a)]
    ours = word_similarity(wv, pairs)
    pearson, theirs, oov = _keyed(wv).evaluate_word_pairs(gensim_test_file("wordsim353.tsv"))
    assert ours.spearman == pytest.approx(theirs.statistic, abs=1e-4) and abs(ours.spearman) > 0.1
    assert ours.oov_rate * 100 == pytest.approx(oov)
    assert ours.total == 353 and 100 < ours.covered < 353


def test_analogy_score_equals_gensims() -> None:
    sections = load_analogies(gensim_test_file("questions-words.txt"))
    questions = sections["capital-common-countries"]
    countries = sorted({q[0] for q in questions} | {q[3] for q in questions})
    capitals = sorted({q[1] for q in questions} | {q[2] for q in questions})
    generator = torch.Generator().manual_seed(0)
    offset = torch.randn(32, generator=generator)
    places = {c: torch.randn(32, generator=generator) for c in countries}
    # Each capital sits near its country minus one offset: noise makes some answers wrong.
    pairs = {q[1]: q[0] for q in questions} | {q[2]: q[3] for q in questions}
    vectors = {c: places[pairs[c]] - offset + 1.5 * torch.randn(32, generator=generator) for c in capitals}
    kept = countries + capitals[:-3]  # the last capitals out of the vocabulary
    wv = WordVectors(kept, torch.stack([places.get(w, vectors.get(w)) for w in kept]))
    ours = analogy_score(wv, questions)
    gensim_score, found = _keyed(wv).evaluate_word_analogies(
        gensim_test_file("questions-words.txt"), restrict_vocab=len(wv)
    )
    capital_section = next(s for s in found if s["section"] == "capital-common-countries")
    correct, wrong = len(capital_section["correct"]), len(capital_section["incorrect"])
    assert ours.covered == correct + wrong < ours.total == len(questions)
    assert ours.accuracy == pytest.approx(correct / (correct + wrong)) and 0.1 < ours.accuracy < 0.9


def test_bad_benchmark_files(tmp_path: Path) -> None:
    bad = tmp_path / "pairs.tsv"
    bad.write_text("# header\ncat dog\n")
    with pytest.raises(ValueError, match="line 2: expected two words and a rating, got 'cat dog'"):
        load_word_pairs(bad)
    questions = tmp_path / "questions.txt"
    questions.write_text("a b c d\n")
    with pytest.raises(ValueError, match="line 1: expected four words, got a question before any"):
        load_analogies(questions)
    questions.write_text(": s\na b c\n")
    with pytest.raises(ValueError, match="line 2: expected four words, got 3 words"):
        load_analogies(questions)
    with pytest.raises(FileNotFoundError, match="is not a file"):
        load_word_pairs(tmp_path / "missing.tsv")


def test_too_little_coverage() -> None:
    wv = WordVectors(["cat"], torch.ones(1, 2))
    with pytest.raises(ValueError, match="only 0 of 1 pairs have both words"):
        word_similarity(wv, [("cat", "dog", 3.0)])
    score = analogy_score(wv, [("a", "b", "c", "d")])
    assert score.covered == 0 and math.isnan(score.accuracy) and score.coverage == 0
    with pytest.raises(ValueError, match="analogies is empty"):
        analogy_score(wv, [])


# Four known words whose output rows score 3, 2, 1 and 0 against the held-out word's
# vector (1, 0): against a random one of the four, "a" wins 3 times in 4 (it ties with
# itself, which loses), "b" 2 in 4, "c" 1 in 4, "d" never.
OUTPUT = torch.tensor([[3.0, 0.0], [2.0, 5.0], [1.0, -5.0], [0.0, 1.0]])
ROWS = {"a": 0, "b": 1, "c": 2, "d": 3}
HELD = {"new": torch.tensor([1.0, 0.0])}


def _score(sentences: list[list[str]], window: int = 5, seed: int = 0) -> float:
    return context_score(sentences, HELD, OUTPUT, ROWS, window, torch.Generator().manual_seed(seed))


def test_context_score_by_hand() -> None:
    n = 4000
    # Expected wins (3 + 2 + 1 + 0) / 16 = 0.375 over 4n contests; the standard
    # deviation of the fraction is below sqrt(0.25 / 4n) = 0.004.
    score = _score([["a", "new", "b"], ["c", "new", "d"]] * n)
    assert abs(score - 0.375) < 0.016, score
    assert abs(_score([["new", "a"]] * n) - 0.75) < 0.03
    # "d" scores lowest of all and "new" beats nothing: every contest is lost.
    assert _score([["d", "new"], ["new", "d", "new"]]) == 0.0


def test_context_score_counts_only_known_words_in_the_window() -> None:
    # With window 1, "new" sees only "unknown" and itself (held out): no contest at all.
    with pytest.raises(ValueError, match="none of the 1 held-out words occurs next to a known word"):
        _score([["d", "unknown", "new", "new"]], window=1)
    # With window 2 it sees "d" on its left: one contest, lost; "a" 3 to the right is
    # out of reach, and would win 3 times in 4 were it counted.
    assert _score([["d", "unknown", "new", "x", "y", "a"]] * 50, window=2) == 0.0
    assert _score([["d", "unknown", "new", "x", "y", "a"]] * 50, window=3) > 0.2


def test_random_vectors_score_one_half() -> None:
    generator = torch.Generator().manual_seed(0)
    output = torch.randn(200, 16, generator=generator)
    rows = {f"w{k}": k for k in range(200)}
    held = {f"h{k}": torch.randn(16, generator=generator) for k in range(50)}
    ids = torch.randint(200, (5000,), generator=generator).tolist()
    sentences = [[f"h{k % 50}", f"w{i}"] for k, i in enumerate(ids)]
    assert abs(context_score(sentences, held, output, rows, generator=generator) - 0.5) < 0.03


def test_context_score_errors() -> None:
    with pytest.raises(ValueError, match="window must be an int of at least 1, got 0"):
        _score([["new", "a"]], window=0)
    with pytest.raises(ValueError, match="need held-out words and known words, got 0 and 4"):
        context_score([["new", "a"]], {}, OUTPUT, ROWS)
    with pytest.raises(ValueError, match=r"rows must index the 4 rows of output \(V, D\), got rows 0 .. 4"):
        context_score([["new", "a"]], HELD, OUTPUT, {**ROWS, "e": 4})
    with pytest.raises(ValueError, match="held vectors have size 3, output rows 2"):
        context_score([["new", "a"]], {"new": torch.ones(3)}, OUTPUT, ROWS)
