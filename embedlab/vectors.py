r"""Using trained word vectors: nearest neighbours, analogies, a 2-D map, and the word2vec file format.

:class:`WordVectors` pairs a list of words with a ``(V, D)`` tensor of their vectors
and answers the questions one asks of embeddings: which words are closest to this
one (by cosine similarity), and which word completes ``a - b + c``.
:func:`save_word2vec_format` and :func:`load_word2vec_format` write and read the
format of the original word2vec tool, text or binary, which gensim's
``KeyedVectors`` also reads and writes. Nothing is ever loaded with ``pickle``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from embedlab.atomic import atomic_write

__all__ = [
    "UnknownWordError",
    "WordVectors",
    "analogy_accuracy",
    "category_agreement",
    "load_word2vec_format",
    "pca_2d",
    "save_word2vec_format",
]


class UnknownWordError(KeyError):
    """A word that a :class:`WordVectors` does not hold; a :class:`KeyError` with a readable message."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class WordVectors:
    r"""Words and their vectors, with cosine nearest neighbours and analogies.

    Args:
        words (list of str): distinct words, one per row of ``vectors``.
        vectors (torch.Tensor): a floating tensor of shape ``(len(words), D)``; it is
            kept as given (not copied).

    Attributes:
        words (list): the words, in row order.
        vectors (torch.Tensor): the vectors.

    Raises:
        ValueError: if ``vectors`` is not 2-D floating point, its row count differs
            from the number of words, or a word occurs twice.

    Examples::

        >>> wv = WordVectors(["cat", "dog", "car"], torch.tensor([[1.0, 0.1], [0.9, 0.2], [0.0, 1.0]]))
        >>> wv
        WordVectors(3 words, dim=2)
        >>> wv["dog"]
        tensor([0.9000, 0.2000])
        >>> wv.nearest("cat", k=2)
        [('dog', 0.9929), ('car', 0.0995)]
    """

    def __init__(self, words: Sequence[str], vectors: Tensor) -> None:
        if not isinstance(vectors, Tensor) or vectors.dim() != 2 or not vectors.is_floating_point():
            shape = tuple(vectors.shape) if isinstance(vectors, Tensor) else type(vectors).__name__
            raise ValueError(f"vectors must be a 2-D floating-point tensor (V, D), got {shape}")
        words = list(words)
        if len(words) != vectors.shape[0]:
            raise ValueError(f"got {len(words)} words for {vectors.shape[0]} vectors: expected one word per row")
        index: dict[str, int] = {}
        for row, word in enumerate(words):
            if word in index:
                raise ValueError(f"word {word!r} occurs twice, at rows {index[word]} and {row}")
            index[word] = row
        self.words = words
        self.vectors = vectors
        self._index = index

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __repr__(self) -> str:
        return f"WordVectors({len(self)} words, dim={self.dim})"

    @property
    def dim(self) -> int:
        """The length :math:`D` of every vector."""
        return self.vectors.shape[1]

    def index(self, word: str) -> int:
        """The row of ``word``.

        Raises:
            UnknownWordError: (a :class:`KeyError`) if ``word`` is not held.

        Examples::

            >>> WordVectors(["a", "b"], torch.eye(2)).index("b")
            1
        """
        try:
            return self._index[word]
        except KeyError:
            raise UnknownWordError(f"{word!r} is not one of the {len(self)} words") from None

    def __getitem__(self, word: str) -> Tensor:
        return self.vectors[self.index(word)]

    def _unit_vectors(self) -> Tensor:
        # A zero vector (an untrained padding row, say) has no direction: it gets
        # similarity 0 with everything instead of a NaN.
        return torch.nn.functional.normalize(self.vectors.float(), dim=1)

    def similarity(self, first: str, second: str) -> float:
        """The cosine similarity of two words' vectors.

        Examples::

            >>> WordVectors(["a", "b"], torch.tensor([[1.0, 0.0], [1.0, 1.0]])).similarity("a", "b")
            0.7071
        """
        unit = self._unit_vectors()
        return round(float(unit[self.index(first)] @ unit[self.index(second)]), 4)

    def _rank(self, query: Tensor, k: int, exclude: Iterable[str]) -> list[tuple[str, float]]:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be an int of at least 1, got {k!r}")
        scores = self._unit_vectors() @ torch.nn.functional.normalize(query.float(), dim=0)
        scores[[self.index(word) for word in exclude]] = -float("inf")
        k = min(k, len(self) - int(torch.isinf(scores).sum()))
        # Sorting in double on the CPU, stably, makes ties come out in row order on every device.
        values, rows = torch.sort(scores.double().cpu(), descending=True, stable=True)
        return [(self.words[row], round(value, 4)) for value, row in zip(values[:k].tolist(), rows[:k].tolist())]

    def nearest(self, query: str | Tensor, k: int = 5, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        r"""The ``k`` words whose vectors have the highest cosine similarity with ``query``.

        Args:
            query (str or torch.Tensor): a word (which is then never its own neighbour)
                or a vector of length :math:`D`.
            k (int): how many neighbours. Default: ``5``.
            exclude (list of str): words never returned. Default: none.

        Returns:
            list: ``(word, similarity)`` pairs, most similar first, similarities rounded
            to 4 decimals (ties in row order).

        Raises:
            UnknownWordError: if ``query`` or a word of ``exclude`` is not held.
            ValueError: if ``k`` is below 1.

        Examples::

            >>> wv = WordVectors(["x", "y", "z"], torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]))
            >>> wv.nearest(torch.tensor([1.0, 1.0]), k=2)
            [('x', 0.7071), ('y', 0.7071)]
        """
        exclude = list(exclude)
        if isinstance(query, str):
            exclude.append(query)
            query = self[query]
        return self._rank(query, k, exclude)

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        r"""The words nearest to :math:`\hat a - \hat b + \hat c`, the query words excluded.

        :math:`\hat x` is the unit vector of word :math:`x`. If ``b`` is to ``a`` as
        ``c`` is to the answer (``man`` is to ``king`` as ``woman`` is to ``queen``),
        the answer should rank first: ``analogy("king", "man", "woman")``. This is
        3CosAdd, the rule of Mikolov et al. (2013) and of gensim's ``most_similar``.

        Args:
            a (str): the word to start from.
            b (str): the word whose direction is taken away.
            c (str): the word whose direction is added.
            k (int): how many answers. Default: ``1``.

        Returns:
            list: ``(word, similarity)`` pairs, best first.

        Raises:
            UnknownWordError: if a query word is not held.

        Examples::

            >>> words = ["king", "queen", "man", "woman"]
            >>> vectors = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
            >>> WordVectors(words, vectors).analogy("king", "man", "woman")
            [('queen', 0.9586)]
        """
        unit = self._unit_vectors()
        target = unit[self.index(a)] - unit[self.index(b)] + unit[self.index(c)]
        return self._rank(target, k, [a, b, c])


def category_agreement(wv: WordVectors, categories: Mapping[str, str], k: int = 5) -> float:
    r"""How often a word's ``k`` nearest neighbours share its category.

    For every word of ``categories`` that ``wv`` holds, its ``k`` nearest neighbours
    are taken among *all* words of ``wv``; the result is the fraction of those
    neighbours whose category equals the word's (a word without a category never
    counts as a match).

    Args:
        wv (WordVectors): the vectors.
        categories (dict): the category of each word that has one.
        k (int): neighbours per word. Default: ``5``.

    Returns:
        float: a fraction in ``[0, 1]``.

    Raises:
        ValueError: if ``wv`` holds none of the words of ``categories``.

    Examples::

        >>> wv = WordVectors(["cat", "dog", "red", "blue"], torch.tensor([[1.0, 0.1], [1.0, 0.2], [0.1, 1.0], [0.3, 1.0]]))
        >>> category_agreement(wv, {"cat": "animal", "dog": "animal", "red": "colour", "blue": "colour"}, k=1)
        1.0
    """
    words = [word for word in categories if word in wv]
    if not words:
        raise ValueError("none of the words of categories is in the word vectors")
    matches = total = 0
    for word in words:
        neighbours = wv.nearest(word, k)
        matches += sum(categories.get(other) == categories[word] for other, _ in neighbours)
        total += len(neighbours)
    return matches / total


def analogy_accuracy(wv: WordVectors, analogies: Sequence[tuple[str, str, str, str]]) -> float:
    r"""The fraction of analogies ``(a, b, c, d)`` whose top answer to ``a - b + c`` is ``d``.

    Answers are ranked by :meth:`WordVectors.analogy`, which excludes the three query words.

    Args:
        wv (WordVectors): the vectors.
        analogies (list of tuple): 4-tuples of words, e.g. ``Corpus.analogies``.

    Returns:
        float: a fraction in ``[0, 1]``.

    Raises:
        ValueError: if ``analogies`` is empty.
        UnknownWordError: if a word of an analogy is not held.

    Examples::

        >>> words = ["king", "queen", "man", "woman"]
        >>> vectors = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> analogy_accuracy(WordVectors(words, vectors), [("king", "man", "woman", "queen"), ("man", "king", "queen", "woman")])
        1.0
    """
    if not analogies:
        raise ValueError("analogies is empty: expected at least one (a, b, c, d) tuple")
    for analogy in analogies:
        for word in analogy:
            wv.index(word)  # an unknown answer is an error too, not a silent miss
    correct = sum(wv.analogy(a, b, c)[0][0] == d for a, b, c, d in analogies)
    return correct / len(analogies)


def pca_2d(vectors: Tensor) -> tuple[Tensor, Tensor]:
    r"""Project vectors on their two principal components, computed with an SVD.

    The vectors are centred and decomposed as :math:`X = U S V^\top`
    (:func:`torch.linalg.svd`); the coordinates are the first two columns of
    :math:`U S`. The SVD fixes each axis only up to its sign, so each axis is turned
    to make its largest coordinate (in absolute value) positive: the same vectors
    always give the same picture.

    Args:
        vectors (torch.Tensor): shape ``(N, D)`` with :math:`N, D \ge 2`.

    Returns:
        tuple: ``(coordinates, explained)``: float32 coordinates of shape ``(N, 2)``
        on the CPU, and the fraction of the total variance each axis explains, shape ``(2,)``.

    Raises:
        ValueError: if ``vectors`` is not 2-D with at least 2 rows and 2 columns.

    Examples::

        >>> points = torch.tensor([[3.0, 0.0, 0.0], [-2.0, 0.0, 0.0], [-0.5, 1.0, 0.0], [-0.5, -1.0, 0.0]])
        >>> coordinates, explained = pca_2d(points)
        >>> coordinates[:, 0]     # the first axis is the first coordinate, the widest spread
        tensor([ 3.0000, -2.0000, -0.5000, -0.5000])
        >>> explained
        tensor([0.8710, 0.1290])
    """
    if vectors.dim() != 2 or vectors.shape[0] < 2 or vectors.shape[1] < 2:
        raise ValueError(f"vectors must be 2-D with at least 2 rows and 2 columns, got shape {tuple(vectors.shape)}")
    x = vectors.detach().double().cpu()
    x = x - x.mean(dim=0)
    u, s, _ = torch.linalg.svd(x, full_matrices=False)
    coordinates = u[:, :2] * s[:2]
    largest = coordinates.abs().argmax(dim=0)
    signs = torch.sign(coordinates[largest, torch.arange(2)])
    signs[signs == 0] = 1.0
    variance = s.square()
    explained = variance[:2] / variance.sum() if variance.sum() > 0 else torch.zeros(2, dtype=torch.float64)
    # Adding 0.0 turns the -0.0 a sign flip can leave into 0.0.
    return (coordinates * signs + 0.0).float(), explained.float()


def _check_word(word: object, row: int) -> bytes:
    if not isinstance(word, str) or not word:
        raise ValueError(f"word {row} is {word!r}: expected a non-empty str")
    if any(ch.isspace() for ch in word):
        raise ValueError(f"word {row} ({word!r}) contains whitespace, which the word2vec format cannot store")
    try:
        return word.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"word {row} ({word!r}) cannot be written as UTF-8: {word[exc.start]!r} at "
            f"character {exc.start} is a lone surrogate; expected a str of Unicode "
            "characters"
        ) from None


def save_word2vec_format(
    path: str | os.PathLike[str], words: Sequence[str], vectors: Tensor, binary: bool = False
) -> None:
    r"""Write words and vectors in the word2vec format, which gensim's ``KeyedVectors`` reads.

    The text format is a header line ``"<count> <dim>"`` and then one line per word:
    the word and its numbers, separated by single spaces, in UTF-8. Each number is
    the shortest decimal that reads back as the same float32, so a round trip is
    exact. The binary format has the same header, then each word, a space, and its
    ``dim`` float32 numbers in little-endian byte order, followed by a newline as in
    the original word2vec tool. The file is replaced atomically
    (:func:`embedlab.atomic.atomic_write`): if writing fails, a file already at
    ``path`` is left as it was.

    Args:
        path (str or os.PathLike): the file to write (replaced if it exists).
        words (list of str): distinct non-empty words without whitespace.
        vectors (torch.Tensor): shape ``(len(words), dim)``; stored as float32.
        binary (bool): write the binary format. Default: ``False``.

    Raises:
        ValueError: if a word is empty, contains whitespace, is not valid Unicode (a
            lone surrogate) or occurs twice, or ``vectors`` does not have one row per
            word.
        IsADirectoryError: if ``path`` is a folder.

    Examples::

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt"
        >>> save_word2vec_format(path, ["고양이", "dog"], torch.tensor([[0.1, -2.0], [3.5, 1e-8]]))
        >>> print(path.read_text(encoding="utf-8"), end="")
        2 2
        고양이 0.1 -2.0
        dog 3.5 1e-08
    """
    wv = WordVectors(words, vectors)  # checks the shape and duplicates
    encoded = [_check_word(word, row) for row, word in enumerate(wv.words)]
    array = wv.vectors.detach().cpu().to(torch.float32).numpy()
    count, dim = array.shape
    with atomic_write(path, "wb") as file:
        file.write(f"{count} {dim}\n".encode())
        for word, row in zip(encoded, array):
            if binary:
                file.write(word + b" " + row.astype("<f4").tobytes() + b"\n")
            else:
                # str() of a NumPy float32 is its shortest round-tripping repr, as gensim writes it.
                numbers = " ".join(str(value) for value in row)
                file.write(word + f" {numbers}\n".encode())


def _parse_header(line: bytes, where: str) -> tuple[int, int]:
    parts = line.split()
    try:
        count, dim = (int(part) for part in parts)
    except ValueError:
        raise ValueError(
            f"{where}: expected a header '<count> <dim>' of two integers, got {line[:60]!r}"
        ) from None
    if count < 0 or dim < 1:
        raise ValueError(f"{where}: expected count >= 0 and dim >= 1 in the header, got {count} {dim}")
    return count, dim


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})") from None


def _fields(raw: bytes, where: str) -> list[str]:
    # As gensim reads a line: trailing ASCII whitespace (a CR, say) dropped, then split
    # on the ASCII space only, so a word may hold any other character (a no-break
    # space, a tab). Runs of spaces count as one separator.
    return [field for field in _decode(raw.rstrip(), where).split(" ") if field]


def _read_text(data: bytes, name: str) -> tuple[list[str], np.ndarray]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line
    if not lines:
        raise ValueError(f"{name!r} line 1: the file is empty; expected a header '<count> <dim>'")
    count, dim = _parse_header(lines[0], f"{name!r} line 1")
    words: list[str] = []
    # The header is only a claim: room is made for no more rows than the file can
    # hold, so that a damaged header gets the error below about the rows that are
    # missing, not a MemoryError. A row is at least a one-byte word and dim one-digit
    # numbers, each after a space, and rows are separated by a newline.
    after_header = len(data) - len(lines[0]) - 1
    room = (after_header + 1) // (2 * dim + 2)
    array = np.empty((min(count, room), dim), dtype=np.float32)
    for number, raw in enumerate(lines[1:], start=2):
        where = f"{name!r} line {number}"
        parts = _fields(raw, where)
        if not parts:
            if all(not rest.strip() for rest in lines[number - 1 :]):
                break  # blank lines at the end
            raise ValueError(f"{where}: blank line; expected a word followed by {dim} numbers")
        if len(words) == count:
            raise ValueError(f"{where}: more rows than the {count} the header announces")
        if len(parts) - 1 != dim:
            raise ValueError(f"{where}: expected a word and {dim} numbers, got {len(parts) - 1} numbers")
        try:
            array[len(words)] = [float(part) for part in parts[1:]]
        except ValueError:
            bad = next(part for part in parts[1:] if not _is_number(part))
            raise ValueError(f"{where}: {bad!r} is not a number") from None
        words.append(parts[0])
    if len(words) != count:
        raise ValueError(
            f"{name!r} line {len(lines) + 1}: the file ends after {len(words)} rows, "
            f"but the header announces {count}"
        )
    return words, array


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_binary(data: bytes, name: str) -> tuple[list[str], np.ndarray]:
    end = data.find(b"\n")
    if end == -1:
        raise ValueError(f"{name!r} line 1: expected a header '<count> <dim>' ending in a newline")
    count, dim = _parse_header(data[:end], f"{name!r} line 1")
    position = end + 1
    size = 4 * dim
    words: list[str] = []
    # Room for no more entries than the file can hold (see _read_text): an entry is at
    # least a one-byte word, a space and dim float32 numbers.
    room = (len(data) - position) // (size + 2)
    array = np.empty((min(count, room), dim), dtype=np.float32)
    for entry in range(1, count + 1):
        while position < len(data) and data[position : position + 1] == b"\n":
            position += 1  # the newline that ends the previous vector, as word2vec writes it
        where = f"{name!r} entry {entry} (byte {position})"
        space = data.find(b" ", position)
        if space == -1 or len(data) - (space + 1) < size:
            raise ValueError(
                f"{where}: the file ends after {entry - 1} entries, but the header announces {count}"
            )
        # Everything up to the space is the word, as gensim reads it: a tab or a
        # no-break space is part of it.
        word = _decode(data[position:space], where)
        if not word:
            raise ValueError(
                f"{where}: expected a word before the space, got an empty one"
            )
        words.append(word)
        array[entry - 1] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        position = space + 1 + size
    if data[position:].strip(b"\n"):
        raise ValueError(
            f"{name!r} byte {position}: {len(data) - position} bytes follow the {count} entries the header announces"
        )
    return words, array


def load_word2vec_format(path: str | os.PathLike[str], binary: bool = False) -> WordVectors:
    r"""Read a file in the word2vec format, text or binary, as gensim or word2vec wrote it.

    The file is parsed, never unpickled. Every row is checked against the header,
    and no more memory is set aside than the rows the file's size leaves room for.
    Fields are split on the ASCII space only, as gensim splits them, so a word may
    hold any other character (a no-break space, a tab): every file gensim writes
    loads.

    Args:
        path (str or os.PathLike): the file to read.
        binary (bool): the file is in the binary format. Default: ``False``.

    Returns:
        WordVectors: the words and their float32 vectors, in file order.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        IsADirectoryError: if ``path`` is a folder.
        ValueError: if the file is malformed: a header that is not two integers or
            fewer or more rows than it announces, a row with the wrong number of
            numbers, something that is not a number, bytes that are not UTF-8, or a word
            that occurs twice. The message names the line (for binary files, the entry
            and its byte offset).

    Examples::

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt"
        >>> _ = path.write_text("2 3\nhello 1 2 3\nworld 4 5 6\n", encoding="utf-8")
        >>> load_word2vec_format(path).vectors
        tensor([[1., 2., 3.],
                [4., 5., 6.]])
        >>> _ = path.write_text("2 3\nhello 1 2 3\nworld 4 5\n", encoding="utf-8")
        >>> load_word2vec_format(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: '...tiny.txt' line 3: expected a word and 3 numbers, got 2 numbers
    """
    name = os.fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(f"{name!r} does not exist: expected a file in the word2vec format")
    if os.path.isdir(name):
        raise IsADirectoryError(
            f"{name!r} is a folder: expected a file in the word2vec format"
        )
    with open(name, "rb") as file:
        data = file.read()
    words, array = _read_binary(data, name) if binary else _read_text(data, name)
    try:
        return WordVectors(words, torch.from_numpy(array))
    except ValueError as exc:
        # The only check left to fail is a repeated word; name the line it is on.
        word = next(w for i, w in enumerate(words) if w in words[:i])
        second = [i for i, w in enumerate(words) if w == word][1]
        where = f"line {second + 2}" if not binary else f"entry {second + 1}"
        raise ValueError(f"{name!r} {where}: {exc}") from None
