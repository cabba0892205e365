"""embedlab.corpus: the generated corpus has the structure it claims; load_text reads any UTF-8 file or says why not."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from embedlab.corpus import Corpus, generate_corpus, load_text


def test_same_seed_same_sentences_other_seed_other_sentences() -> None:
    assert generate_corpus(200, seed=3).sentences == generate_corpus(200, seed=3).sentences
    assert generate_corpus(200, seed=3).sentences != generate_corpus(200, seed=4).sentences


def test_generation_does_not_touch_the_global_random_state() -> None:
    import random

    state = random.getstate()
    generate_corpus(50, seed=1)
    assert random.getstate() == state


def test_size_and_zero_sentences() -> None:
    assert len(generate_corpus(123).sentences) == 123
    empty = generate_corpus(0)
    assert empty.sentences == [] and empty.num_tokens == 0 and empty.text() == ""


def test_negative_size_is_refused() -> None:
    with pytest.raises(ValueError, match="num_sentences must be at least 0, got -1"):
        generate_corpus(-1)


def test_every_word_with_a_category_occurs_in_a_default_corpus() -> None:
    corpus = generate_corpus()
    counts = Counter(token for sentence in corpus.sentences for token in sentence)
    rare = {word: counts[word] for word in corpus.categories if counts[word] < 20}
    assert not rare, f"words too rare to learn: {rare}"


def test_categories_have_enough_members_for_five_neighbours() -> None:
    sizes = Counter(generate_corpus(0).categories.values())
    assert set(sizes) == {"animal", "food", "person", "object", "country", "capital", "language", "colour"}
    assert min(sizes.values()) >= 6


def test_relations_and_analogies_agree() -> None:
    corpus = generate_corpus(0)
    assert set(corpus.relations) == {"singular-plural", "male-female", "country-capital"}
    pair_sets = [set(pairs) for pairs in corpus.relations.values()]
    for a, b, c, d in corpus.analogies:
        # b is to a as c is to d: (b, a) and (c, d) are pairs of one relation, in the same direction,
        # or both reversed.
        assert any(({(b, a), (c, d)} <= pairs) or ({(a, b), (d, c)} <= pairs) for pairs in pair_sets)
        assert len({a, b, c, d}) == 4
        assert all(word in corpus.categories for word in (a, b, c, d))
    assert len(corpus.analogies) == len(set(corpus.analogies)) == 2 * (6 * 5 + 6 * 5 + 8 * 7)


def test_relation_pairs_stay_within_expected_categories() -> None:
    corpus = generate_corpus(0)
    kinds = {
        "singular-plural": ("animal", "animal"),
        "male-female": ("person", "person"),
        "country-capital": ("country", "capital"),
    }
    for name, pairs in corpus.relations.items():
        assert {(corpus.categories[x], corpus.categories[y]) for x, y in pairs} == {kinds[name]}


def test_text_round_trips_through_load_text(tmp_path: Path) -> None:
    corpus = generate_corpus(300, seed=2)
    path = tmp_path / "corpus.txt"
    path.write_text(corpus.text(), encoding="utf-8")
    assert load_text(path) == corpus.sentences
    assert isinstance(corpus, Corpus) and corpus.num_tokens == sum(map(len, corpus.sentences))


def test_load_text_reads_korean_crlf_bom_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "ko.txt"
    path.write_bytes("\ufeff임베딩 층은 행을 꺼낸다.\r\n\r\n   \r\nOne-hot 벡터\r\n".encode("utf-8"))
    assert load_text(path) == [["임베딩", "층은", "행을", "꺼낸다", "."], ["one", "-", "hot", "벡터"]]
    assert load_text(str(path), lowercase=False)[1][0] == "One"


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError) as info:
        load_text(path)
    assert str(path) in str(info.value) and "does not exist: expected a UTF-8 text file" in str(info.value)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="is a directory: expected a UTF-8 text file"):
        load_text(tmp_path)


@pytest.mark.parametrize(
    "content, what",
    [(b"", "is empty"), (b" \n\t\n", "holds no words"), (b"\xef\xbb\xbf\n", "holds no words")],
    ids=["empty", "whitespace", "only-bom"],
)
def test_file_without_words_is_refused(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        load_text(path)
    message = str(info.value)
    assert str(path) in message and what in message and "expected UTF-8 text with at least one word" in message


def test_non_utf8_file_is_refused_with_the_offending_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("café au lait\n".encode("latin-1"))
    with pytest.raises(ValueError) as info:
        load_text(path)
    message = str(info.value)
    assert str(path) in message
    assert "is not valid UTF-8: byte 0xe9 at offset 3" in message and "expected a UTF-8 text file" in message
    # A ValueError, but not the bare UnicodeDecodeError: the message is ours.
    assert not isinstance(info.value, UnicodeDecodeError)
