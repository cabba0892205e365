r"""Scoring word vectors on the standard benchmarks: word similarity and analogies.

- **Word similarity** (WordSim353, Finkelstein et al., 2002; SimLex-999, Hill et al.,
  2015): people rated how similar (SimLex) or related (WordSim) pairs of words are.
  The score is the Spearman correlation between those ratings and the cosine
  similarities of the vectors, over the pairs whose two words the vectors hold.
- **Analogies** (Mikolov et al., 2013): questions ``athens greece baghdad iraq``, read
  "athens is to greece as baghdad is to ?". The score is the fraction answered
  exactly by 3CosAdd (:meth:`embedlab.vectors.WordVectors.analogy`), over the
  questions whose four words the vectors hold.

- **Context prediction of unseen words** (:func:`context_score`): for a model that
  gives vectors to words it never saw (fastText's subword vectors), how often a
  held-out word's vector scores a real context word above a random word.

The benchmarks report how much of them the vocabulary covers: a score on a tenth of
the pairs says less than one on all of them. The files are those gensim ships
(:func:`embedlab.corpus.gensim_test_file`): tab- or space-separated, ``#`` comments,
``:`` section headers in the analogy file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from embedlab.vectors import WordVectors, analogy_accuracy

__all__ = [
    "AnalogyScore",
    "SimilarityScore",
    "analogy_score",
    "context_score",
    "load_analogies",
    "load_word_pairs",
    "spearman",
    "word_similarity",
]


def _lines(path: str | os.PathLike[str]) -> list[tuple[int, list[str]]]:
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise FileNotFoundError(f"{name!r} is not a file: expected a benchmark file")
    with open(name, encoding="utf-8") as file:
        return [(number, line.split()) for number, line in enumerate(file, 1) if line.strip()]


def load_word_pairs(path: str | os.PathLike[str], lowercase: bool = True) -> list[tuple[str, str, float]]:
    r"""Read a word-similarity file: lines ``word1 word2 rating``; ``#`` starts a comment.

    Args:
        path (str or os.PathLike): the file (e.g. ``wordsim353.tsv``).
        lowercase (bool): lower-case the words. Default: ``True``.

    Returns:
        list: ``(word1, word2, rating)`` triples, in file order.

    Raises:
        FileNotFoundError: if ``path`` is not a file.
        ValueError: on a line that is not two words and a number.

    Examples::

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "pairs.tsv"
        >>> _ = path.write_text("# a comment\nTiger\tcat\t7.35\ncup\tcoffee\t6.58\n")
        >>> load_word_pairs(path)
        [('tiger', 'cat', 7.35), ('cup', 'coffee', 6.58)]
    """
    pairs = []
    for number, fields in _lines(path):
        if fields[0].startswith("#"):
            continue
        try:
            first, second, rating = fields
            value = float(rating)
        except ValueError:
            raise ValueError(
                f"{os.fspath(path)!r} line {number}: expected two words and a rating, got {' '.join(fields)!r}"
            ) from None
        if lowercase:
            first, second = first.lower(), second.lower()
        pairs.append((first, second, value))
    return pairs


def _ranks(values: Tensor) -> Tensor:
    # Tied values share the mean of the ranks they span, as in scipy.stats.rankdata.
    order = torch.argsort(values, stable=True)
    sorted_values = values[order]
    starts = torch.ones_like(sorted_values, dtype=torch.bool)
    starts[1:] = sorted_values[1:] != sorted_values[:-1]
    group = torch.cumsum(starts, 0) - 1
    positions = torch.arange(1, len(values) + 1, dtype=torch.float64)
    sums = torch.zeros(int(group[-1]) + 1, dtype=torch.float64).index_add_(0, group, positions)
    sizes = torch.bincount(group).double()
    ranks = torch.empty_like(positions)
    ranks[order] = (sums / sizes)[group]
    return ranks


def spearman(x: Sequence[float] | Tensor, y: Sequence[float] | Tensor) -> float:
    r"""Spearman's rank correlation: the Pearson correlation of the ranks (ties averaged).

    Args:
        x, y (list of float or torch.Tensor): two equally long samples, at least 2.

    Returns:
        float: in :math:`[-1, 1]`; NaN if either sample is constant.

    Raises:
        ValueError: if the lengths differ or are below 2.

    Examples::

        >>> spearman([1.0, 2.0, 3.0, 4.0], [10.0, 30.0, 20.0, 40.0])
        0.8
        >>> spearman([1, 2, 2, 3], [1, 2, 3, 4])      # the tie gets rank 2.5
        0.9487
    """
    a = torch.as_tensor(x, dtype=torch.float64).flatten()
    b = torch.as_tensor(y, dtype=torch.float64).flatten()
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(f"x and y must have the same length of at least 2, got {len(a)} and {len(b)}")
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = math.sqrt(float((ra * ra).sum() * (rb * rb).sum()))
    if denominator == 0:
        return math.nan
    return round(float((ra * rb).sum()) / denominator, 4)


@dataclass(frozen=True)
class SimilarityScore:
    r"""What :func:`word_similarity` measured.

    Attributes:
        spearman (float): the rank correlation over the covered pairs.
        covered (int): pairs whose two words the vectors hold.
        total (int): pairs in the benchmark.
    """

    spearman: float
    covered: int
    total: int

    @property
    def oov_rate(self) -> float:
        """The fraction of pairs left out because a word is out of the vocabulary."""
        return 1 - self.covered / self.total


def word_similarity(wv: WordVectors, pairs: Sequence[tuple[str, str, float]]) -> SimilarityScore:
    r"""Spearman correlation of human ratings with cosine similarities, on the covered pairs.

    Args:
        wv (WordVectors): the vectors.
        pairs (list): ``(word1, word2, rating)`` triples, e.g. from :func:`load_word_pairs`.

    Returns:
        SimilarityScore: the correlation and the coverage.

    Raises:
        ValueError: if fewer than 2 pairs are covered.

    Examples::

        >>> wv = WordVectors(["cat", "tiger", "car"], torch.tensor([[1.0, 0.1], [1.0, 0.3], [0.0, 1.0]]))
        >>> pairs = [("cat", "tiger", 7.4), ("cat", "car", 1.0), ("tiger", "car", 1.5), ("cat", "mars", 2.0)]
        >>> score = word_similarity(wv, pairs)
        >>> score.spearman, score.covered, round(score.oov_rate, 2)
        (1.0, 3, 0.25)
    """
    covered = [(a, b, rating) for a, b, rating in pairs if a in wv and b in wv]
    if len(covered) < 2:
        raise ValueError(f"only {len(covered)} of {len(pairs)} pairs have both words in the vectors: need 2")
    unit = torch.nn.functional.normalize(wv.vectors.double(), dim=1)
    first = unit[[wv.index(a) for a, _, _ in covered]]
    second = unit[[wv.index(b) for _, b, _ in covered]]
    cosines = (first * second).sum(dim=1)
    ratings = [rating for _, _, rating in covered]
    return SimilarityScore(spearman(cosines, ratings), len(covered), len(pairs))


def load_analogies(
    path: str | os.PathLike[str], lowercase: bool = True
) -> dict[str, list[tuple[str, str, str, str]]]:
    r"""Read an analogy file in Mikolov's format, by section, in embedlab's word order.

    A line ``athens greece baghdad iraq`` says that athens is to greece as baghdad is
    to iraq, so iraq should be nearest to greece - athens + baghdad. It is returned as
    ``("greece", "athens", "baghdad", "iraq")``, the ``(a, b, c, d)`` of
    :func:`embedlab.vectors.analogy_accuracy`, where ``d`` answers ``a - b + c``.

    Args:
        path (str or os.PathLike): the file (e.g. ``questions-words.txt``).
        lowercase (bool): lower-case the words. Default: ``True``.

    Returns:
        dict: section name (``"capital-common-countries"``, ...) to its questions.

    Raises:
        FileNotFoundError: if ``path`` is not a file.
        ValueError: on a question line without four words, or before any section.

    Examples::

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "questions.txt"
        >>> _ = path.write_text(": capitals\nAthens Greece Baghdad Iraq\n")
        >>> load_analogies(path)
        {'capitals': [('greece', 'athens', 'baghdad', 'iraq')]}
    """
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = None
    for number, fields in _lines(path):
        if fields[0] == ":":
            current = sections.setdefault(" ".join(fields[1:]), [])
            continue
        if current is None or len(fields) != 4:
            problem = "a question before any ': section' line" if current is None else f"{len(fields)} words"
            raise ValueError(f"{os.fspath(path)!r} line {number}: expected four words, got {problem}")
        if lowercase:
            fields = [field.lower() for field in fields]
        a, b, c, d = fields
        current.append((b, a, c, d))
    return sections


@dataclass(frozen=True)
class AnalogyScore:
    r"""What :func:`analogy_score` measured.

    Attributes:
        accuracy (float): the fraction of covered questions answered exactly (NaN
            when none is covered).
        covered (int): questions whose four words the vectors hold.
        total (int): questions in the benchmark.
    """

    accuracy: float
    covered: int
    total: int

    @property
    def coverage(self) -> float:
        """The fraction of questions the vocabulary covers."""
        return self.covered / self.total


def analogy_score(wv: WordVectors, analogies: Sequence[tuple[str, str, str, str]]) -> AnalogyScore:
    r"""Analogy accuracy on the questions whose four words ``wv`` holds.

    Args:
        wv (WordVectors): the vectors.
        analogies (list): ``(a, b, c, d)`` questions, e.g. one section of
            :func:`load_analogies`, or all sections joined.

    Returns:
        AnalogyScore: the accuracy and the coverage.

    Raises:
        ValueError: if ``analogies`` is empty.

    Examples::

        >>> words = ["king", "queen", "man", "woman"]
        >>> vectors = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> analogy_score(WordVectors(words, vectors), [("king", "man", "woman", "queen"),
        ...                                             ("king", "man", "girl", "princess")])
        AnalogyScore(accuracy=1.0, covered=1, total=2)
    """
    if not analogies:
        raise ValueError("analogies is empty: expected at least one (a, b, c, d) tuple")
    covered = [question for question in analogies if all(word in wv for word in question)]
    accuracy = analogy_accuracy(wv, covered) if covered else math.nan
    return AnalogyScore(accuracy, len(covered), len(analogies))


def context_score(
    sentences: Sequence[Sequence[str]],
    held: Mapping[str, Tensor],
    output: Tensor,
    rows: Mapping[str, int],
    window: int = 5,
    generator: torch.Generator | None = None,
) -> float:
    r"""How often a held-out word's vector scores a real context word above a random word.

    Skip-gram scores a (word, context word) pair by the dot product of the word's
    input vector with the context word's *output* row. For each occurrence of a
    held-out word in ``sentences`` and each known word within ``window`` positions of
    it, the held-out word's vector is scored against that context word's output row
    and against the output row of a known word drawn uniformly at random; the result
    is the fraction of these contests the real context word wins (ties lose). Vectors
    that know nothing of the context score 0.5 on average.

    Any model that gives a vector to a word it never saw can be scored: embedlab's
    :class:`~embedlab.subword.SubwordModel` (``word_vectors`` and ``output.weight``,
    rows by vocabulary id) or gensim's ``FastText`` (``wv[word]`` and ``syn1neg``,
    rows by ``wv.key_to_index``). Context words that are not in ``rows``, held-out
    words among them, are skipped.

    Args:
        sentences (list): the text to score on, each sentence a sequence of tokens;
            normally the whole corpus, held-out words included.
        held (dict): each held-out word and its vector.
        output (torch.Tensor): the output rows of the known words.
        rows (dict): each known word and its row of ``output``.
        window (int): context words on each side. Default: ``5``.
        generator (torch.Generator, optional): the random words' source.

    Shape:
        - held values: :math:`(D)`.
        - output: :math:`(V, D)`.

    Returns:
        float: in :math:`[0, 1]`.

    Raises:
        ValueError: if ``window`` is below 1, ``held`` or ``rows`` is empty, a row is
            out of range of ``output``, the vectors' size is not ``output``'s, or no
            held-out word occurs next to a known word.

    Examples::

        >>> output = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
        >>> rows = {"day": 0, "night": 1, "dawn": 2}
        >>> held = {"sunny": torch.tensor([2.0, 1.0])}   # scores day 2, night 1, dawn -2
        >>> generator = torch.Generator().manual_seed(0)
        >>> context_score([["sunny", "day"]] * 3000, held, output, rows, generator=generator)
        0.676
        >>> context_score([["dawn", "sunny"]], held, output, rows, generator=generator)
        0.0

        ``day`` beats the random word unless it is ``day`` itself (a tie): 2/3 of the
        time; ``dawn`` never wins.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be an int of at least 1, got {window!r}")
    if not held or not rows:
        raise ValueError(f"need held-out words and known words, got {len(held)} and {len(rows)}")
    if output.dim() != 2 or not 0 <= min(rows.values()) <= max(rows.values()) < output.shape[0]:
        raise ValueError(
            f"rows must index the {output.shape[0] if output.dim() == 2 else '?'} rows of output "
            f"(V, D), got rows {min(rows.values())} .. {max(rows.values())} for output "
            f"of shape {tuple(output.shape)}"
        )
    words = list(held)
    vectors = torch.stack([torch.as_tensor(held[word]) for word in words]).to(output.dtype)
    if vectors.shape[1:] != output.shape[1:]:
        raise ValueError(f"held vectors have size {vectors.shape[1]}, output rows {output.shape[1]}")
    position = {word: k for k, word in enumerate(words)}
    queries, contexts = [], []
    for sentence in sentences:
        for i, word in enumerate(sentence):
            if word not in position:
                continue
            near = sentence[max(0, i - window) : i] + sentence[i + 1 : i + 1 + window]
            known = [rows[w] for w in near if w in rows]
            queries += [position[word]] * len(known)
            contexts += known
    if not contexts:
        raise ValueError(f"none of the {len(held)} held-out words occurs next to a known word")
    candidates = torch.tensor(sorted(set(rows.values())))
    noise = candidates[torch.randint(len(candidates), (len(contexts),), generator=generator)]
    query = vectors[torch.tensor(queries)]
    real = (output[torch.tensor(contexts)] * query).sum(1)
    random = (output[noise] * query).sum(1)
    return float((real > random).double().mean())
