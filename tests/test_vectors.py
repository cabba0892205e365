"""embedlab.vectors: neighbours, analogies, the 2-D projection, and the word2vec file format (checked against gensim)."""

from __future__ import annotations

import contextlib
import inspect
import pickle
import re
import struct
import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import embedlab.vectors
from embedlab import Embedding
from embedlab.plot.word2vec import plot_embedding_map
from embedlab.vectors import (
    UnknownWordError,
    WordVectors,
    analogy_accuracy,
    category_agreement,
    load_word2vec_format,
    pca_2d,
    save_word2vec_format,
)


def random_vectors(count: int = 30, dim: int = 7, seed: int = 0) -> WordVectors:
    g = torch.Generator().manual_seed(seed)
    return WordVectors([f"w{i}" for i in range(count)], torch.randn(count, dim, generator=g))


# WordVectors


@pytest.mark.parametrize(
    "words, vectors, message",
    [
        (["a"], [[1.0]], "vectors must be a 2-D floating-point tensor \\(V, D\\), got list"),
        (["a"], torch.ones(2), "got \\(2,\\)"),
        (["a"], torch.ones(1, 2, dtype=torch.int64), "vectors must be a 2-D floating-point tensor"),
        (["a", "b"], torch.ones(3, 2), "got 2 words for 3 vectors"),
        (["a", "b", "a"], torch.ones(3, 2), "word 'a' occurs twice, at rows 0 and 2"),
    ],
)
def test_bad_word_vectors(words: list[str], vectors: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WordVectors(words, vectors)  # type: ignore[arg-type]


def test_lookup_and_unknown_words() -> None:
    wv = random_vectors()
    assert len(wv) == 30 and wv.dim == 7 and "w3" in wv and "zz" not in wv
    assert torch.equal(wv["w3"], wv.vectors[3]) and wv.index("w3") == 3
    with pytest.raises(UnknownWordError, match="^'zz' is not one of the 30 words$"):
        wv["zz"]
    with pytest.raises(KeyError):  # it is a KeyError, as a dict would raise
        wv.nearest("zz")


def brute_force_nearest(wv: WordVectors, query: torch.Tensor, exclude: set[str]) -> list[str]:
    scored = []
    for word, vector in zip(wv.words, wv.vectors):
        if word not in exclude:
            scored.append((float(vector @ query / (vector.norm() * query.norm())), word))
    return [word for _, word in sorted(scored, reverse=True)]


@pytest.mark.parametrize("seed", range(5))
def test_nearest_matches_brute_force_and_excludes_the_query(seed: int) -> None:
    wv = random_vectors(seed=seed)
    found = wv.nearest("w0", k=6, exclude=["w1"])
    assert [word for word, _ in found] == brute_force_nearest(wv, wv["w0"], {"w0", "w1"})[:6]
    assert all(a[1] >= b[1] for a, b in zip(found, found[1:]))
    assert wv.similarity("w0", found[0][0]) == found[0][1]


@pytest.mark.parametrize("seed", range(5))
def test_analogy_is_3cosadd_without_the_query_words(seed: int) -> None:
    wv = random_vectors(seed=seed)
    unit = torch.nn.functional.normalize(wv.vectors, dim=1)
    target = unit[1] - unit[2] + unit[3]
    expected = brute_force_nearest(wv, target, {"w1", "w2", "w3"})[:3]
    assert [word for word, _ in wv.analogy("w1", "w2", "w3", k=3)] == expected


def test_nearest_edge_cases() -> None:
    wv = WordVectors(["a", "b", "zero"], torch.tensor([[1.0, 0.0], [0.5, 0.5], [0.0, 0.0]]))
    assert wv.nearest("a", k=10) == [("b", 0.7071), ("zero", 0.0)]  # k larger than what is left
    assert wv.nearest(torch.tensor([0.0, 1.0]), k=1) == [("b", 0.7071)]
    assert wv.similarity("a", "zero") == 0.0  # a zero vector has no direction: 0, not NaN
    for k in (0, -1, True, 1.0):
        with pytest.raises(ValueError, match="k must be an int of at least 1"):
            wv.nearest("a", k=k)  # type: ignore[arg-type]
    with pytest.raises(UnknownWordError, match="'nope' is not one of the 3 words"):
        wv.nearest("a", exclude=["nope"])
    with pytest.raises(UnknownWordError):
        wv.analogy("a", "b", "nope")


def test_quality_measures() -> None:
    wv = WordVectors(["cat", "dog", "red", "blue", "the"], torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.7, 0.7]]))
    categories = {"cat": "animal", "dog": "animal", "red": "colour", "blue": "colour"}
    assert category_agreement(wv, categories, k=1) == 1.0
    assert category_agreement(wv, categories, k=2) == 0.5  # 'the' is second for everyone
    with pytest.raises(ValueError, match="none of the words of categories"):
        category_agreement(wv, {"fish": "animal"})
    assert analogy_accuracy(wv, [("cat", "dog", "blue", "red")]) == 1.0
    with pytest.raises(ValueError, match="analogies is empty"):
        analogy_accuracy(wv, [])
    with pytest.raises(UnknownWordError, match="'cow'"):
        analogy_accuracy(wv, [("cat", "dog", "blue", "cow")])


# pca_2d


def test_pca_matches_numpy_up_to_sign_and_fixes_the_sign() -> None:
    x = random_vectors(40, 6, seed=3).vectors
    coordinates, explained = pca_2d(x)
    centred = (x - x.mean(0)).double().numpy()
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    reference = u[:, :2] * s[:2]
    for axis in range(2):
        column = coordinates[:, axis].double().numpy()
        sign = np.sign(column @ reference[:, axis])
        np.testing.assert_allclose(column, sign * reference[:, axis], rtol=1e-4, atol=1e-5)
        assert column[np.abs(column).argmax()] > 0
    np.testing.assert_allclose(explained.numpy(), (s[:2] ** 2) / (s**2).sum(), rtol=1e-5)
    flipped, _ = pca_2d(-x)
    torch.testing.assert_close(flipped, coordinates)


@pytest.mark.parametrize("shape", [(5,), (1, 4), (4, 1), (2, 2, 2)])
def test_pca_bad_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="vectors must be 2-D with at least 2 rows and 2 columns"):
        pca_2d(torch.ones(shape))


def test_embedding_map_figure() -> None:
    wv = random_vectors(6, 4)
    categories = {"w0": "b", "w1": "b", "w2": "a"}
    fig = plot_embedding_map(wv.words, wv.vectors, categories, pairs=[("w0", "w2")])
    ax = fig.axes[0]
    assert [text.get_text() for text in ax.texts if text.get_text()] == wv.words
    assert ax.get_legend_handles_labels()[1] == ["a", "b", "other"]
    coordinates, _ = pca_2d(wv.vectors)
    np.testing.assert_allclose(ax.collections[0].get_offsets(), coordinates[[2]].numpy())  # category 'a'
    plt.close(fig)
    with pytest.raises(ValueError, match="got 5 words for vectors of shape \\(6, 4\\)"):
        plot_embedding_map(wv.words[:5], wv.vectors, categories)
    with pytest.raises(ValueError, match="pair \\('w0', 'x'\\): 'x' is not one of the words"):
        plot_embedding_map(wv.words, wv.vectors, categories, pairs=[("w0", "x")])


# The word2vec format


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_is_exact(tmp_path: Path, binary: bool) -> None:
    words = ["cat", "고양이", "naïve", "x" * 50]
    vectors = torch.randn(4, 9, generator=torch.Generator().manual_seed(0))
    vectors[0, 0] = 1e-40  # a subnormal float32
    path = tmp_path / "v.bin"
    save_word2vec_format(path, words, vectors, binary=binary)
    loaded = load_word2vec_format(path, binary=binary)
    assert loaded.words == words and loaded.vectors.dtype == torch.float32
    assert torch.equal(loaded.vectors, vectors)


def test_text_file_layout(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    save_word2vec_format(path, ["a", "b"], torch.tensor([[0.1, 2.0], [-3.0, 1e-5]], dtype=torch.float64))
    assert path.read_bytes() == b"2 2\na 0.1 2.0\nb -3.0 1e-05\n"


def test_binary_file_layout(tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    save_word2vec_format(path, ["a"], torch.tensor([[1.0, -2.0]]), binary=True)
    assert path.read_bytes() == b"1 2\na " + struct.pack("<2f", 1.0, -2.0) + b"\n"


@pytest.mark.parametrize(
    "words, message",
    [
        (["a", "b c"], "word 1 \\('b c'\\) contains whitespace"),
        (["a", "b\u00a0c"], "contains whitespace"),
        (["", "b"], "word 0 is '': expected a non-empty str"),
        (["a", 7], "word 1 is 7: expected a non-empty str"),
        (["a", "a"], "word 'a' occurs twice"),
    ],
)
def test_save_refuses_words_the_format_cannot_hold(tmp_path: Path, words: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        save_word2vec_format(tmp_path / "v.txt", words, torch.ones(2, 3))
    assert not (tmp_path / "v.txt").exists()


def test_save_refuses_a_shape_mismatch(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="got 2 words for 3 vectors"):
        save_word2vec_format(tmp_path / "v.txt", ["a", "b"], torch.ones(3, 2))


def test_load_tolerates_crlf_and_trailing_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\r\na 1 2\r\nb  3   4\r\n\n\n")
    loaded = load_word2vec_format(path)
    assert loaded.words == ["a", "b"] and loaded.vectors.tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "line 1: the file is empty"),
        (b"3\na 1 2 3\n", "line 1: expected a header '<count> <dim>' of two integers, got b'3'"),
        (b"two 3\na 1 2 3\n", "line 1: expected a header '<count> <dim>' of two integers"),
        (b"1 0\na\n", "line 1: expected count >= 0 and dim >= 1 in the header, got 1 0"),
        (b"3 2\na 1 2\nb 3 4\n", "line 4: the file ends after 2 rows, but the header announces 3"),
        (b"1 2\na 1 2\nb 3 4\n", "line 3: more rows than the 1 the header announces"),
        (b"2 2\na 1 2\nb 3\n", "line 3: expected a word and 2 numbers, got 1 numbers"),
        (b"2 2\na 1 2\nb 3 4 5\n", "line 3: expected a word and 2 numbers, got 3 numbers"),
        (b"2 2\na 1 2\nb 3 x4\n", "line 3: 'x4' is not a number"),
        (b"2 2\na 1 2\n\nb 3 4\n", "line 3: blank line; expected a word followed by 2 numbers"),
        (b"2 2\na 1 2\n\xffb 3 4\n", "line 3: not valid UTF-8 \\(byte 0xff at column 1\\)"),
        (b"2 2\na 1 2\na 3 4\n", "line 3: word 'a' occurs twice, at rows 0 and 1"),
    ],
    ids=["empty", "one-number-header", "word-header", "zero-dim", "too-few-rows", "too-many-rows",
         "short-row", "long-row", "not-a-number", "blank-line", "not-utf8", "duplicate"],
)
def test_malformed_text_files_name_the_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        load_word2vec_format(path)
    assert str(path) in str(info.value)


def binary_entry(word: bytes, values: list[float]) -> bytes:
    return word + b" " + struct.pack(f"<{len(values)}f", *values)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"2 2", "line 1: expected a header '<count> <dim>' ending in a newline"),
        (b"x y\n", "line 1: expected a header '<count> <dim>' of two integers"),
        (b"2 2\n" + binary_entry(b"a", [1, 2]), "entry 2 \\(byte 14\\): the file ends after 1 entries, but the header announces 2"),
        (b"1 2\n" + binary_entry(b"a", [1, 2])[:-1], "entry 1 \\(byte 4\\): the file ends after 0 entries"),
        (b"1 2\n" + binary_entry(b"a", [1, 2]) + b"\nextra", "byte 14: 6 bytes follow the 1 entries the header announces"),
        (b"1 2\n" + binary_entry(b"\xff", [1, 2]), "entry 1 \\(byte 4\\): not valid UTF-8"),
        (b"2 2\n" + binary_entry(b"a", [1, 2]) + binary_entry(b"a", [3, 4]), "entry 2: word 'a' occurs twice"),
    ],
    ids=["no-newline", "bad-header", "truncated-entry", "short-vector", "trailing-bytes", "not-utf8", "duplicate"],
)
def test_malformed_binary_files_name_the_entry(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        load_word2vec_format(path, binary=True)
    assert str(path) in str(info.value)


def test_binary_reads_entries_with_or_without_newlines(tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    path.write_bytes(b"2 1\n" + binary_entry(b"a", [1.0]) + binary_entry(b"b", [2.0]))  # gensim writes no newline
    assert load_word2vec_format(path, binary=True).words == ["a", "b"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist: expected a file in the word2vec format"):
        load_word2vec_format(tmp_path / "none.txt")


def test_nothing_is_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "evil.txt"
    path.write_bytes(pickle.dumps({"a": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="line 1"):
        load_word2vec_format(path)
    source = inspect.getsource(embedlab.vectors)
    assert "import pickle" not in source and "torch.load" not in source and "allow_pickle=True" not in source


def test_loaded_vectors_make_a_pretrained_embedding(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    vectors = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    save_word2vec_format(path, ["<pad>", "a", "b", "c", "d"], vectors)
    loaded = load_word2vec_format(path)
    table = Embedding.from_pretrained(loaded.vectors, freeze=True, padding_idx=0)
    assert not table.weight.requires_grad
    assert torch.equal(table(torch.tensor([0, 3])), vectors[[0, 3]])  # the given padding row is kept
    trainable = Embedding.from_pretrained(loaded.vectors.clone(), freeze=False, padding_idx=0)
    trainable(torch.tensor([0, 2])).sum().backward()
    assert trainable.weight.grad[0].abs().sum() == 0 and trainable.weight.grad[2].abs().sum() == 3


# gensim interoperability (gensim is a test dependency)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_our_files(tmp_path: Path, binary: bool) -> None:
    gensim_models = pytest.importorskip("gensim.models")
    words = ["paris", "파리", "tokyo"]
    vectors = torch.randn(3, 5, generator=torch.Generator().manual_seed(1))
    path = tmp_path / "ours.w2v"
    save_word2vec_format(path, words, vectors, binary=binary)
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == words
    np.testing.assert_array_equal(kv.vectors, vectors.numpy())


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensims_files(tmp_path: Path, binary: bool) -> None:
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(vector_size=4)
    words = ["cat", "고양이", "dog"]
    values = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    kv.add_vectors(words, values)
    path = tmp_path / "gensim.w2v"
    kv.save_word2vec_format(str(path), binary=binary)
    loaded = load_word2vec_format(path, binary=binary)
    assert sorted(loaded.words) == sorted(words)
    for word in words:
        np.testing.assert_array_equal(loaded[word].numpy(), kv[word])
    # And the neighbours agree with gensim's.
    ours = [word for word, _ in loaded.nearest("cat", k=2)]
    assert ours == [word for word, _ in kv.most_similar("cat", topn=2)]


# Saving replaces the file atomically


GOOD = b"1 2\ngood 1.0 2.0\n"


@pytest.mark.parametrize("binary", [False, True])
def test_a_word_that_is_not_unicode_is_refused_and_the_old_file_kept(tmp_path: Path, binary: bool) -> None:
    path = tmp_path / "v.txt"
    path.write_bytes(GOOD)
    with pytest.raises(ValueError, match="word 1 \\('x\\\\udcff'\\) cannot be written as UTF-8: '\\\\udcff' at "
                                         "character 1 is a lone surrogate"):
        save_word2vec_format(path, ["fine", "x\udcff"], torch.ones(2, 2), binary=binary)
    assert path.read_bytes() == GOOD and sorted(p.name for p in tmp_path.iterdir()) == ["v.txt"]


class DiskFull:
    """Stands for a file on a disk that fills up after ``room`` bytes."""

    def __init__(self, file, room: int) -> None:  # noqa: ANN001
        self.file, self.room = file, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.file.write(data[: self.room])
            raise OSError(28, "No space left on device")
        self.room -= len(data)
        return self.file.write(data)


@pytest.mark.parametrize("binary", [False, True])
def test_a_full_disk_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, binary: bool) -> None:
    real = embedlab.vectors.atomic_write

    @contextlib.contextmanager
    def filling_up(path, mode="w", *, encoding=None):  # noqa: ANN001, ANN202
        with real(path, mode, encoding=encoding) as file:
            yield DiskFull(file, room=30)

    monkeypatch.setattr(embedlab.vectors, "atomic_write", filling_up)
    path = tmp_path / "v.bin"
    path.write_bytes(GOOD)
    with pytest.raises(OSError, match="No space left on device"):
        save_word2vec_format(path, [f"w{i}" for i in range(50)], torch.ones(50, 4), binary=binary)
    assert path.read_bytes() == GOOD and sorted(p.name for p in tmp_path.iterdir()) == ["v.bin"]
    assert load_word2vec_format(path).words == ["good"]


def test_save_into_a_folder_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save_word2vec_format(tmp_path, ["a"], torch.ones(1, 2))


# The loader allocates for what the file holds, not for what its header claims


@pytest.mark.parametrize(
    ("content", "binary", "message"),
    [
        (b"1000000000000 1000000000000\na 1 2\n", False,
         "line 2: expected a word and 1000000000000 numbers, got 2 numbers"),
        (b"100000000 300\na" + b" 0.5" * 300 + b"\n", False,
         "line 3: the file ends after 1 rows, but the header announces 100000000"),
        (b"1000000000000 1000000000000\na \x00\x00\x00\x00", True,
         "entry 1 \\(byte 28\\): the file ends after 0 entries, but the header announces 1000000000000"),
        (b"100000000 300\n" + binary_entry(b"a", [0.5] * 300), True,
         "entry 2 \\(byte 1216\\): the file ends after 1 entries, but the header announces 100000000"),
    ],
    ids=["text-1e12", "text-1e8x300", "binary-1e12", "binary-1e8x300"],
)
def test_a_header_larger_than_the_file_allocates_nothing(
    tmp_path: Path, content: bytes, binary: bool, message: str
) -> None:
    path = tmp_path / "liar.w2v"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message) as info:
            load_word2vec_format(path, binary=binary)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value)
    assert peak < 2**20  # the 100000000 x 300 header would be 112 GiB


def test_a_folder_is_not_a_vectors_file(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match=f"^{re.escape(repr(str(tmp_path)))} is a folder: expected a file "
                                                "in the word2vec format$"):
        load_word2vec_format(tmp_path)


# Fields are split on the ASCII space only, as gensim splits them

UNUSUAL_WORDS = ["a\xa0b", "tab\there", "고양이", "ideographic\u3000space", "em\u2003space", "next\x85line",
                 "vt\x0bff\x0c", "cr\rinside", "naïve", "😀", "line\u2028separator", "trailing\t"]


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_every_word_gensim_writes_and_reads(tmp_path: Path, binary: bool) -> None:
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(vector_size=3)
    values = np.random.default_rng(1).normal(size=(len(UNUSUAL_WORDS), 3)).astype(np.float32)
    kv.add_vectors(UNUSUAL_WORDS, values)
    path = tmp_path / "gensim.w2v"
    kv.save_word2vec_format(str(path), binary=binary)
    # gensim itself reads them all back...
    again = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert again.index_to_key == UNUSUAL_WORDS
    # ... and so do we, in the same order, with the same numbers.
    loaded = load_word2vec_format(path, binary=binary)
    assert loaded.words == UNUSUAL_WORDS
    np.testing.assert_array_equal(loaded.vectors.numpy(), again.vectors)


def test_text_fields_split_on_ascii_space_only(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    path.write_bytes("2 2\na\xa0b 1 2\t\r\nc\u3000d  3 4\n".encode())
    loaded = load_word2vec_format(path)
    assert loaded.words == ["a\xa0b", "c\u3000d"] and loaded.vectors.tolist() == [[1, 2], [3, 4]]
    # A no-break space between numbers does not separate them.
    path.write_bytes("1 2\na 1\xa02\n".encode())
    with pytest.raises(ValueError, match="line 2: expected a word and 2 numbers, got 1 numbers"):
        load_word2vec_format(path)


def test_binary_refuses_an_empty_word(tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    path.write_bytes(b"1 1\n" + binary_entry(b"", [1.0]))
    with pytest.raises(ValueError, match="entry 1 \\(byte 4\\): expected a word before the space, got an empty one"):
        load_word2vec_format(path, binary=True)


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"2 2\na 1 2\nb 3 4", ["a", "b"]), (b"1 1\na 1", ["a"]), (b"3 1\na 1\nb 2\nc 3\n", ["a", "b", "c"])],
    ids=["no-final-newline", "one-row", "final-newline"],
)
def test_rows_of_the_smallest_size_all_fit(tmp_path: Path, content: bytes, words: list[str]) -> None:
    # One-character words and numbers: the room made from the file's size is just enough.
    path = tmp_path / "v.txt"
    path.write_bytes(content)
    assert load_word2vec_format(path).words == words
