r"""From text to training examples: tokens, a vocabulary, subsampling, and word2vec's pairs.

The pipeline of the chapter on learning embeddings::

    sentences of words --Vocabulary.encode--> sentences of ids --subsample--> fewer ids
        --skipgram_pairs / cbow_pairs--> (input, target) tensors for training
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import torch
from torch import Tensor

from embedlab._checks import IdOutOfRangeError, is_integer_dtype

__all__ = [
    "PAD",
    "UNK",
    "KEEP_FORMULAS",
    "Vocabulary",
    "cbow_pairs",
    "check_counts",
    "keep_probability",
    "skipgram_pairs",
    "subsample",
    "tokenize",
]

#: The padding token; always id 0.
PAD = "<pad>"
#: The token that stands for every word outside the vocabulary; always id 1.
UNK = "<unk>"

# A word is a run of letters, digits, underscores and apostrophes inside it
# ("don't"); any other non-space character is a token of its own.
_TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    r"""Split ``text`` into word and punctuation tokens, in any script.

    Args:
        text (str): the text.
        lowercase (bool): lower-case the tokens. Default: ``True``.

    Returns:
        list: the tokens, in order.

    Examples::

        >>> tokenize("The cat's toy, isn't it?")
        ['the', "cat's", 'toy', ',', "isn't", 'it', '?']
        >>> tokenize("임베딩 층은 행을 꺼낸다.")
        ['임베딩', '층은', '행을', '꺼낸다', '.']
    """
    if lowercase:
        text = text.lower()
    return _TOKEN.findall(text)


def _check_token(token: object, sentences: list[Sequence[str]]) -> None:
    if isinstance(token, str) and token and not any(ch.isspace() for ch in token):
        return
    number, sentence = next((n, s) for n, s in enumerate(sentences) if token in s)
    where = f"sentence {number}, token {list(sentence).index(token)}"
    if not isinstance(token, str):
        kind = type(token).__name__
        raise TypeError(f"{where} is {token!r} ({kind}): expected a str")
    raise ValueError(
        f"{where} is {token!r}: expected a non-empty str without whitespace "
        "(as embedlab.text.tokenize makes them)"
    )


class Vocabulary:
    r"""The words a model knows, numbered by frequency, with a padding id and an unknown-word id.

    Id 0 is :data:`PAD`, id 1 is :data:`UNK`, and the words that occur at least
    ``min_count`` times follow, most frequent first (ties in order of first
    appearance), so the numbering is the same on every run.

    Args:
        sentences (list): sentences, each a sequence of tokens.
        min_count (int): the fewest occurrences a word needs to be kept; rarer words
            are encoded as :data:`UNK`. Default: ``1``.

    Attributes:
        words (list): the word of each id; ``words[0] == PAD``, ``words[1] == UNK``.
        counts (torch.Tensor): int64 occurrences of each id in ``sentences``; the count
            of :data:`UNK` is the number of dropped tokens, that of :data:`PAD` is 0.
        pad_id (int): 0.
        unk_id (int): 1.

    Raises:
        TypeError: if a token is not a str.
        ValueError: if ``min_count`` is below 1, if a sentence contains :data:`PAD` or
            :data:`UNK` (they are reserved), a token is empty or holds whitespace (no
            word2vec file could store it), or if no word occurs ``min_count`` times.

    Examples::

        >>> vocab = Vocabulary([["a", "cat", "sat"], ["a", "dog", "sat"]], min_count=2)
        >>> vocab.words
        ['<pad>', '<unk>', 'a', 'sat']
        >>> vocab.counts.tolist()
        [0, 2, 2, 2]
        >>> vocab.encode(["a", "dog"]), vocab.decode([3, 2])
        (tensor([2, 1]), ['sat', 'a'])
    """

    pad_id = 0
    unk_id = 1

    def __init__(self, sentences: Iterable[Sequence[str]], min_count: int = 1) -> None:
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be an int of at least 1, got {min_count!r}")
        counter: Counter[str] = Counter()
        sentences = list(sentences)  # kept to say where a bad token is
        for number, sentence in enumerate(sentences):
            if isinstance(sentence, str):
                raise ValueError(
                    f"sentence {number} is a str ({sentence[:30]!r}); expected a list of tokens "
                    "(split it with embedlab.text.tokenize)"
                )
            for token in (PAD, UNK):
                if token in sentence:
                    raise ValueError(f"sentence {number} contains the reserved token {token!r}")
            try:
                counter.update(sentence)
            except TypeError:
                bad = next(t for t in sentence if not isinstance(t, str))
                _check_token(bad, sentences)
        # Each distinct word is checked once, not each of its occurrences.
        for word in counter:
            _check_token(word, sentences)
        # Counter keeps first-appearance order, and sorted() is stable: ties stay in that order.
        kept = [word for word, count in sorted(counter.items(), key=lambda item: -item[1]) if count >= min_count]
        if not kept:
            raise ValueError(
                f"no word occurs at least min_count={min_count} times "
                f"({len(counter)} distinct words, {sum(counter.values())} tokens); lower min_count"
            )
        self.min_count = min_count
        self.words: list[str] = [PAD, UNK, *kept]
        self._ids = {word: i for i, word in enumerate(self.words)}
        dropped = sum(count for word, count in counter.items() if count < min_count)
        self.counts: Tensor = torch.tensor([0, dropped, *(counter[word] for word in kept)], dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._ids

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} ids, min_count={self.min_count})"

    def id(self, word: str) -> int:
        """The id of ``word``, or :attr:`unk_id` if the vocabulary does not hold it.

        Examples::

            >>> vocab = Vocabulary([["hello", "world"]])
            >>> vocab.id("world"), vocab.id("mars")
            (3, 1)
        """
        return self._ids.get(word, self.unk_id)

    def encode(self, tokens: Sequence[str]) -> Tensor:
        """The ids of ``tokens`` as an int64 tensor; unknown words become :attr:`unk_id`.

        Raises:
            TypeError: if ``tokens`` is a str, which would be encoded character by
                character.

        Examples::

            >>> Vocabulary([["hello", "world"]]).encode(["world", "mars"])
            tensor([3, 1])
        """
        if isinstance(tokens, str):
            raise TypeError(
                f"tokens is a str ({tokens[:30]!r}); expected a sequence of tokens "
                "(split it with embedlab.text.tokenize)"
            )
        return torch.tensor([self._ids.get(token, self.unk_id) for token in tokens], dtype=torch.int64)

    def decode(self, ids: Sequence[int] | Tensor) -> list[str]:
        """The words of ``ids`` (a sequence or a 1-D tensor).

        Raises:
            ValueError: if ``ids`` is a tensor that is not 1-D.
            TypeError: if an id is not an int.
            IdOutOfRangeError: if an id is outside ``[0, len(self))``.

        Examples::

            >>> Vocabulary([["hello", "world"]]).decode(torch.tensor([2, 0]))
            ['hello', '<pad>']
        """
        if isinstance(ids, Tensor):
            if ids.dim() != 1:
                raise ValueError(
                    f"ids must be 1-D (one sentence), got shape {tuple(ids.shape)}; "
                    "decode each row on its own"
                )
            if not is_integer_dtype(ids):
                raise TypeError(f"ids must hold integers, got dtype {ids.dtype}")
        values = ids.tolist() if isinstance(ids, Tensor) else list(ids)
        for position, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int):
                kind = type(value).__name__
                raise TypeError(
                    f"ids[{position}] is {value!r} ({kind}): expected an int"
                )
            if not 0 <= value < len(self.words):
                raise IdOutOfRangeError(
                    f"ids[{position}] = {value} is out of range: expected 0 <= id < {len(self.words)} "
                    f"(the vocabulary size)"
                )
        return [self.words[value] for value in values]

    def encode_sentences(self, sentences: Iterable[Sequence[str]], drop_unknown: bool = True) -> list[Tensor]:
        """Encode every sentence; by default leave out the words the vocabulary does not hold.

        Dropping them, rather than training on :data:`UNK`, is what word2vec does with
        words rarer than ``min_count``. Sentences left empty are dropped too.

        Examples::

            >>> vocab = Vocabulary([["a", "b", "a"], ["c"]], min_count=2)
            >>> vocab.encode_sentences([["a", "b", "a"], ["c"]])
            [tensor([2, 2])]
        """
        encoded = []
        for sentence in sentences:
            ids = self.encode(sentence)
            if drop_unknown:
                ids = ids[ids != self.unk_id]
            if ids.numel():
                encoded.append(ids)
        return encoded


def _check_generator(generator: torch.Generator | None) -> torch.Generator:
    if generator is None:
        return torch.default_generator
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    return generator


#: The two keep probabilities of subsampling, the C code's (also gensim's) and the paper's.
KEEP_FORMULAS = ("word2vec", "paper")


def keep_probability(counts: Tensor, threshold: float = 1e-3, formula: str = "word2vec") -> Tensor:
    r"""The probability that subsampling keeps an occurrence of each id.

    For a word of relative frequency :math:`f` and a threshold :math:`t`, the paper
    (Mikolov et al., 2013) keeps an occurrence with probability :math:`\sqrt{t/f}`.
    The word2vec C code, which gensim follows, uses
    :math:`\sqrt{t/f} + t/f`, which keeps more: every word with :math:`f` below about
    :math:`2.6\,t` is always kept, where the paper's formula starts dropping at
    :math:`f = t`. Both are capped at 1.

    Args:
        counts (torch.Tensor): the count of each id (e.g. :attr:`Vocabulary.counts`).
        threshold (float): :math:`t`, positive. Default: ``1e-3``.
        formula (str): ``"word2vec"`` (the C code's) or ``"paper"``. Default: ``"word2vec"``.

    Returns:
        torch.Tensor: float64 probabilities of shape ``(V,)``.

    Raises:
        ValueError: if ``threshold`` is not positive, ``formula`` is unknown, or
            ``counts`` is not 1-D, has a negative or non-finite entry, or sums to zero.

    Examples::

        >>> counts = torch.tensor([0, 0, 90, 10])   # frequencies 0.9 and 0.1
        >>> keep_probability(counts, threshold=0.1)         # sqrt(1/9) + 1/9 = 0.444...
        tensor([1.0000, 1.0000, 0.4444, 1.0000], dtype=torch.float64)
        >>> keep_probability(counts, threshold=0.1, formula="paper")    # sqrt(1/9)
        tensor([1.0000, 1.0000, 0.3333, 1.0000], dtype=torch.float64)
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold!r}")
    if formula not in KEEP_FORMULAS:
        raise ValueError(f"formula must be one of {KEEP_FORMULAS}, got {formula!r}")
    check_counts(counts)
    total = counts.sum()
    if total <= 0:
        raise ValueError("counts sum to zero: expected the count of every id, e.g. Vocabulary.counts")
    ratio = threshold / (counts.double() / total).clamp_min(1e-300)
    probability = ratio.sqrt() + ratio if formula == "word2vec" else ratio.sqrt()
    return probability.clamp(max=1.0)


def subsample(
    sentences: Sequence[Tensor],
    counts: Tensor,
    threshold: float = 1e-3,
    generator: torch.Generator | None = None,
    formula: str = "word2vec",
) -> list[Tensor]:
    r"""Randomly drop occurrences of frequent words, as word2vec does (Mikolov et al., 2013).

    Each occurrence of an id is kept with the probability :func:`keep_probability`
    gives: words rarer than the threshold :math:`t` are always kept, and the most
    frequent words (``the``, ``is``), which say little about their neighbours, are
    mostly dropped. Sentences left empty are dropped. word2vec draws again every
    epoch; call this once per epoch to do the same.

    Args:
        sentences (list of torch.Tensor): 1-D int64 id tensors.
        counts (torch.Tensor): the count of each id (e.g. :attr:`Vocabulary.counts`).
        threshold (float): :math:`t`, positive. Default: ``1e-3``.
        generator (torch.Generator, optional): the random source; the same seed gives the
            same result. Default: the global generator.
        formula (str): ``"word2vec"`` (the C code's :math:`\sqrt{t/f} + t/f`) or
            ``"paper"`` (:math:`\sqrt{t/f}`). Default: ``"word2vec"``.

    Returns:
        list: the subsampled sentences.

    Raises:
        ValueError: see :func:`keep_probability`.
        TypeError: if a sentence is not a tensor of integer ids.
        IdOutOfRangeError: if an id is outside ``[0, len(counts))``.

    Examples::

        >>> counts = torch.tensor([0, 0, 90, 10])    # id 2 is nine times as frequent as id 3
        >>> ids = [torch.tensor([2, 2, 3, 2, 3, 2, 2, 2])]
        >>> subsample(ids, counts, threshold=0.1, generator=torch.Generator().manual_seed(0),
        ...           formula="paper")
        [tensor([3, 3, 2])]
    """
    probability = keep_probability(counts, threshold, formula)
    generator = _check_generator(generator)
    if not sentences:
        return []
    for number, sentence in enumerate(sentences):
        if not isinstance(sentence, Tensor) or not is_integer_dtype(sentence):
            is_tensor = isinstance(sentence, Tensor)
            found = sentence.dtype if is_tensor else type(sentence).__name__
            raise TypeError(
                f"sentences[{number}] must be a tensor of integer ids, got {found}"
            )
    lengths = [len(sentence) for sentence in sentences]
    flat = torch.cat(list(sentences))
    _check_flat_ids(flat, lengths, len(counts), "len(counts)")
    keep = torch.rand(flat.shape, generator=generator, dtype=torch.float64) < probability[flat]
    return [s[k] for s, k in zip(torch.split(flat, lengths), torch.split(keep, lengths)) if k.any()]


def check_counts(counts: Tensor) -> None:
    """Raise :class:`ValueError` unless ``counts`` is 1-D, finite and non-negative.

    Args:
        counts (torch.Tensor): how often each id occurs, shape ``(V,)``.

    Examples::

        >>> check_counts(torch.tensor([0.0, float("nan"), 3.0]))
        Traceback (most recent call last):
            ...
        ValueError: counts must be finite, got nan at id 1
    """
    if not isinstance(counts, Tensor) or counts.dim() != 1:
        shape = (
            tuple(counts.shape) if isinstance(counts, Tensor) else type(counts).__name__
        )
        raise ValueError(f"counts must be 1-D (one count per id), got shape {shape}")
    values = counts.double()
    finite = torch.isfinite(values)
    if not bool(finite.all()):
        first = int((~finite).nonzero()[0])
        raise ValueError(
            f"counts must be finite, got {values[first].item()} at id {first}"
        )
    if bool((values < 0).any()):
        raise ValueError(
            f"counts must be non-negative, got a minimum of {counts.min().item()}"
        )


def _check_flat_ids(
    flat: Tensor, lengths: list[int], upper: int, upper_name: str
) -> None:
    bad = (flat < 0) | (flat >= upper)
    if bool(bad.any()):
        first = int(bad.nonzero()[0])
        ends = torch.tensor(lengths).cumsum(0)
        number = int(torch.searchsorted(ends, first, right=True))
        position = first - (int(ends[number - 1]) if number else 0)
        raise IdOutOfRangeError(
            f"sentences[{number}][{position}] = {int(flat[first])} is out of range: "
            f"expected 0 <= id < {upper} ({upper_name}={upper})"
        )


def _flatten(sentences: Sequence[Tensor], window: int) -> tuple[Tensor, Tensor]:
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be an int of at least 1, got {window!r}")
    if not sentences:
        empty = torch.empty(0, dtype=torch.int64)
        return empty, empty
    tensors = [torch.as_tensor(s) for s in sentences]
    for number, tensor in enumerate(tensors):
        # Converting float ids to int64 would truncate 2.7 to 2 without a word.
        if tensor.numel() and not is_integer_dtype(tensor):
            raise TypeError(
                f"sentences[{number}] must hold integer ids, got dtype {tensor.dtype}"
            )
    ids = torch.cat([tensor.to(torch.int64).reshape(-1) for tensor in tensors])
    lengths = torch.tensor([len(s) for s in sentences])
    sentence_of = torch.repeat_interleave(torch.arange(len(sentences)), lengths)
    return ids, sentence_of


def skipgram_pairs(
    sentences: Sequence[Tensor],
    window: int,
    dynamic_window: bool = False,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    r"""Every (centre, context) pair of ids at most ``window`` positions apart in a sentence.

    Skip-gram learns to predict each context word from the centre word. Pairs
    never cross a sentence boundary. They come ordered by distance, then position.

    With ``dynamic_window=True``, each centre word gets its own window, drawn
    uniformly from ``1 .. window``, as word2vec's C code and gensim do: near
    neighbours are then paired more often than far ones (a neighbour at distance
    :math:`d` with probability :math:`(w - d + 1) / w`), and there are about
    :math:`(w + 1) / (2w)` as many pairs.

    Args:
        sentences (list of torch.Tensor): 1-D int64 id tensors.
        window (int): the largest distance between a centre and its context, at least 1.
        dynamic_window (bool): draw each centre's window from ``1 .. window``.
            Default: ``False``.
        generator (torch.Generator, optional): the random source of the dynamic
            windows. Default: the global generator.

    Returns:
        tuple: ``(centres, contexts)``, two 1-D int64 tensors of equal length.

    Raises:
        ValueError: if ``window`` is not an int of at least 1.
        TypeError: if a sentence holds ids that are not integers, or ``generator``
            is not a :class:`torch.Generator`.

    Examples::

        >>> centres, contexts = skipgram_pairs([torch.tensor([5, 6, 7]), torch.tensor([8, 9])], window=1)
        >>> torch.stack([centres, contexts]).T.tolist()
        [[5, 6], [6, 7], [8, 9], [6, 5], [7, 6], [9, 8]]
        >>> centres, _ = skipgram_pairs([torch.arange(100)], window=4, dynamic_window=True,
        ...                             generator=torch.Generator().manual_seed(0))
        >>> len(centres) < len(skipgram_pairs([torch.arange(100)], window=4)[0])
        True
    """
    ids, sentence_of = _flatten(sentences, window)
    generator = _check_generator(generator)
    spans = torch.randint(1, window + 1, ids.shape, generator=generator) if dynamic_window else None
    centres, contexts = [], []
    for direction in (1, -1):
        for distance in range(1, window + 1):
            if distance >= len(ids):
                break
            here = torch.arange(len(ids) - distance)
            there = here + distance
            if direction == -1:
                here, there = there, here
            keep = sentence_of[here] == sentence_of[there]
            if spans is not None:
                keep &= spans[here] >= distance
            centres.append(ids[here[keep]])
            contexts.append(ids[there[keep]])
    if not centres:
        return ids[:0], ids[:0]
    return torch.cat(centres), torch.cat(contexts)


def cbow_pairs(sentences: Sequence[Tensor], window: int, pad_id: int = Vocabulary.pad_id) -> tuple[Tensor, Tensor]:
    r"""For every position, its context ids (up to ``window`` on each side) and the word there.

    CBOW (continuous bag of words) learns to predict each word from the average of
    its context. Contexts are cut at sentence boundaries and padded with ``pad_id``
    to ``2 * window`` ids; words without any context (one-word sentences) are left out.

    Args:
        sentences (list of torch.Tensor): 1-D int64 id tensors.
        window (int): how many words on each side form the context, at least 1.
        pad_id (int): the id that fills missing context positions. Default: ``0``.

    Returns:
        tuple: ``(contexts, targets)`` of shapes ``(N, 2 * window)`` and ``(N,)``, int64.

    Raises:
        ValueError: if ``window`` is not an int of at least 1.
        TypeError: if a sentence holds ids that are not integers.

    Examples::

        >>> contexts, targets = cbow_pairs([torch.tensor([5, 6, 7])], window=1)
        >>> contexts.tolist(), targets.tolist()
        ([[0, 6], [5, 7], [6, 0]], [5, 6, 7])
    """
    ids, sentence_of = _flatten(sentences, window)
    n = len(ids)
    offsets = [d for d in range(-window, window + 1) if d != 0]
    contexts = torch.full((n, len(offsets)), pad_id, dtype=torch.int64)
    positions = torch.arange(n)
    for column, offset in enumerate(offsets):
        other = (positions + offset).clamp(0, max(n - 1, 0))
        valid = (positions + offset >= 0) & (positions + offset < n) & (sentence_of[other] == sentence_of)
        contexts[valid, column] = ids[other[valid]]
    has_context = (contexts != pad_id).any(dim=1)
    return contexts[has_context], ids[has_context]
