r"""Subword vectors in the style of fastText: a word is the bag of its character n-grams.

fastText (Bojanowski et al., 2017) gives each word a vector built from pieces: the
word itself and its character n-grams, with ``<`` and ``>`` marking the word's start
and end. ``where`` with :math:`n = 3` gives ``<wh whe her ere re>``; the ``her`` inside
``where`` differs from the word ``<her>``. A word that never occurred in training
still has n-grams, so it still gets a vector, close to the words it shares pieces with.

There are far more distinct n-grams than rows one wants to keep, so each is *hashed*
into one of ``buckets`` rows (the hashing trick): distinct n-grams may share a row
(a collision). The hash is 32-bit FNV-1a over the UTF-8 bytes, as fastText's, including
its quirk of sign-extending each byte: bytes from ``0x80`` up (every non-ASCII
character) are mixed in as ``0xFFFFFFxx``.

The word's vector is an :class:`torch.nn.EmbeddingBag` over those rows. fastText
averages them (``mode="mean"``, the default here); ``mode="sum"`` adds them, which gives
longer words longer vectors and larger steps. Training is skip-gram with negative
sampling, like :func:`embedlab.sgns.train_sgns`: the bag of the context word predicts
the centre word's output row.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from embedlab.alias import AliasTable
from embedlab.text import Vocabulary, skipgram_pairs, subsample
from embedlab.vectors import WordVectors
from embedlab.word2vec import TrainingLog, noise_distribution

__all__ = ["SubwordModel", "char_ngrams", "collision_rate", "fnv1a_32", "ngram_bucket", "train_subword"]

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619


def fnv1a_32(data: bytes) -> int:
    r"""The 32-bit FNV-1a hash of ``data`` as fastText computes it (bytes sign-extended).

    For each byte :math:`b`: :math:`h \leftarrow (h \oplus b) \cdot 16777619 \bmod 2^{32}`,
    from :math:`h = 2166136261`. fastText reads each byte as a signed ``int8`` before the
    xor, so a byte :math:`b \ge 128` enters as :math:`b + \mathtt{0xFFFFFF00}`; for ASCII
    this is the standard FNV-1a.

    Args:
        data (bytes): the bytes to hash.

    Returns:
        int: in :math:`[0, 2^{32})`.

    Examples::

        >>> hex(fnv1a_32(b"a"))           # the standard FNV-1a test value
        '0xe40c292c'
        >>> fnv1a_32("é".encode())        # bytes 0xc3 0xa9, sign-extended
        1023043777
    """
    h = _FNV_OFFSET
    for byte in data:
        h = ((h ^ (byte | 0xFFFFFF00 if byte >= 0x80 else byte)) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def char_ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    r"""The character n-grams of ``<word>``, for :math:`n` from ``min_n`` to ``max_n``.

    In fastText's order: by start position, then by length. The bracketed word itself
    is included when it is at most ``max_n`` characters long (``<at>``); the word's
    own row is added separately by :class:`SubwordModel`.

    Args:
        word (str): the word, without the markers.
        min_n (int): the shortest n-gram, at least 1. Default: ``3``.
        max_n (int): the longest n-gram, at least ``min_n``. Default: ``6``.

    Returns:
        list: the n-grams; duplicates kept (``<aaaa>`` has ``aaa`` twice).

    Raises:
        ValueError: if ``min_n < 1`` or ``max_n < min_n``.

    Examples::

        >>> char_ngrams("where", 3, 3)
        ['<wh', 'whe', 'her', 'ere', 're>']
        >>> char_ngrams("at", 3, 6)
        ['<at', '<at>', 'at>']
    """
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1 or not isinstance(max_n, int) or max_n < min_n:
        raise ValueError(f"need 1 <= min_n <= max_n, got min_n={min_n!r}, max_n={max_n!r}")
    marked = f"<{word}>"
    return [
        marked[start : start + n]
        for start in range(len(marked))
        for n in range(min_n, max_n + 1)
        if start + n <= len(marked)
    ]


def ngram_bucket(ngram: str, buckets: int) -> int:
    """The row of ``ngram`` among ``buckets`` rows: its FNV-1a hash modulo ``buckets``.

    Examples::

        >>> ngram_bucket("a", 1000)        # 3826002220 % 1000
        220
    """
    return fnv1a_32(ngram.encode("utf-8")) % buckets


def collision_rate(ngrams: Sequence[str], buckets: int) -> float:
    r"""The fraction of distinct n-grams that share their bucket with another distinct n-gram.

    For :math:`N` n-grams hashed uniformly into :math:`b` buckets, the expected rate is
    :math:`1 - (1 - 1/b)^{N - 1}`.

    Args:
        ngrams (list of str): n-grams; duplicates are counted once.
        buckets (int): the number of rows, at least 1.

    Returns:
        float: in :math:`[0, 1]`.

    Raises:
        ValueError: if ``ngrams`` is empty or ``buckets`` is below 1.

    Examples::

        >>> collision_rate(["a", "b", "c"], 1)          # all in one bucket
        1.0
        >>> collision_rate(["a", "b", "c"], 10**6)
        0.0
    """
    distinct = sorted(set(ngrams))
    if not distinct or isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
        raise ValueError(f"need at least one n-gram and buckets >= 1, got {len(distinct)} and {buckets!r}")
    rows = torch.tensor([ngram_bucket(g, buckets) for g in distinct])
    shared = torch.bincount(rows)[rows] > 1
    return float(shared.double().mean())


class SubwordModel(nn.Module):
    r"""Skip-gram whose input vectors are bags of a word's row and its hashed n-gram rows.

    Row ``i < len(vocab)`` of :attr:`bag` is word ``i``'s own row; rows from
    ``len(vocab)`` hold the ``buckets`` n-gram rows; the last row is padding.

    Args:
        vocab (Vocabulary): the words trained on.
        embedding_dim (int): the vector size.
        buckets (int): n-gram rows. Default: ``2**16``.
        min_n, max_n (int): n-gram lengths. Default: ``3`` and ``6``.
        mode (str): ``"mean"`` (fastText) or ``"sum"``. Default: ``"mean"``.
        generator (torch.Generator, optional): the initial vectors' random source.

    Attributes:
        bag (torch.nn.EmbeddingBag): the input rows, uniform in
            :math:`[-1/D, 1/D]` as in fastText, sparse gradients.
        output (torch.nn.Embedding): the output rows, zero at the start.
        pieces (torch.Tensor): ``(len(vocab), L)`` int64, the bag rows of each word,
            padded with the padding row.

    Examples::

        >>> vocab = Vocabulary([["walk", "walks", "walk"]])
        >>> model = SubwordModel(vocab, 8, buckets=100, generator=torch.Generator().manual_seed(0))
        >>> rows = model.rows("walking")  # an unseen word: n-gram rows only
        >>> len(rows) == len(char_ngrams("walking")), rows[0] == len(vocab) + ngram_bucket("<wa", 100)
        (True, True)
        >>> model.rows("walk")[0] == vocab.id("walk")    # a known word: its own row first
        True
        >>> model.word_vectors(["walking"]).shape
        torch.Size([1, 8])
    """

    def __init__(
        self,
        vocab: Vocabulary,
        embedding_dim: int,
        buckets: int = 2**16,
        min_n: int = 3,
        max_n: int = 6,
        mode: str = "mean",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if mode not in ("mean", "sum"):
            raise ValueError(f"mode must be 'mean' or 'sum', got {mode!r}")
        if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
            raise ValueError(f"buckets must be an int of at least 1, got {buckets!r}")
        char_ngrams("", min_n, max_n)  # checks the lengths
        self.vocab, self.buckets, self.min_n, self.max_n = vocab, buckets, min_n, max_n
        rows = len(vocab) + buckets + 1
        self.pad = rows - 1
        initial = torch.empty(rows, embedding_dim).uniform_(-1 / embedding_dim, 1 / embedding_dim, generator=generator)
        initial[self.pad] = 0.0
        self.bag = nn.EmbeddingBag.from_pretrained(
            initial, freeze=False, mode=mode, sparse=True, padding_idx=self.pad
        )
        self.output = nn.Embedding(len(vocab), embedding_dim, sparse=True, _weight=torch.zeros(len(vocab), embedding_dim))
        lists = [self.rows(word) for word in vocab.words]
        longest = max(map(len, lists))
        self.pieces = torch.tensor([r + [self.pad] * (longest - len(r)) for r in lists])

    def rows(self, word: str) -> list[int]:
        """The bag rows of ``word``: its own row if the vocabulary holds it, then its n-grams'."""
        own = [self.vocab.id(word)] if word in self.vocab else []
        start = len(self.vocab)
        return own + [start + ngram_bucket(g, self.buckets) for g in char_ngrams(word, self.min_n, self.max_n)]

    def word_vectors(self, words: Sequence[str]) -> Tensor:
        """The vectors of ``words``, known or not, as a ``(len(words), D)`` tensor (no gradient)."""
        lists = [self.rows(word) for word in words]
        flat = torch.tensor([r for rows in lists for r in rows])
        offsets = torch.tensor([0, *np.cumsum([len(r) for r in lists])[:-1].tolist()])
        with torch.no_grad():
            return self.bag(flat, offsets)

    def forward(self, inputs: Tensor, targets: Tensor, negatives: Tensor) -> Tensor:
        """The summed negative-sampling loss of a batch; ``inputs`` are word ids.

        In ``"mean"`` mode the loss is that of the mean of the rows, but each row's
        gradient is that of the mean vector itself, as in fastText's skip-gram update.
        """
        pieces = self.pieces[inputs]
        summed = F.embedding_bag(pieces, self.bag.weight, mode="sum", sparse=True, padding_idx=self.pad)
        if self.bag.mode == "mean":
            # fastText's skip-gram hands every row the bag's whole gradient, not 1/L of it;
            # autograd through the mean gave the input rows steps L (~25) times too small,
            # so the output rows learnt only word frequency and unseen words gained nothing.
            sizes = (pieces != self.pad).sum(1, keepdim=True)
            v = summed.detach() / sizes + (summed - summed.detach())
        else:
            v = summed
        u = self.output(torch.cat([targets.unsqueeze(1), negatives], dim=1))
        scores = torch.bmm(u, v.unsqueeze(2)).squeeze(2)
        signs = torch.ones_like(scores)
        signs[:, 1:] = -1.0
        return -F.logsigmoid(scores * signs).sum()

    def known_vectors(self) -> WordVectors:
        """The vectors of the vocabulary's real words (``<pad>`` and ``<unk>`` left out)."""
        words = self.vocab.words[2:]
        return WordVectors(words, self.word_vectors(words))


def train_subword(
    sentences: Sequence[Sequence[str]],
    *,
    embedding_dim: int = 100,
    buckets: int = 2**16,
    min_n: int = 3,
    max_n: int = 6,
    mode: str = "mean",
    window: int = 5,
    negatives: int = 5,
    min_count: int = 5,
    sample: float | None = 1e-3,
    epochs: int = 5,
    lr: float = 0.05,
    batch_size: int = 1024,
    seed: int = 0,
) -> tuple[SubwordModel, TrainingLog]:
    r"""Train a :class:`SubwordModel` with skip-gram and negative sampling, on the CPU.

    As :func:`embedlab.sgns.train_sgns` does: a window per centre word drawn from
    ``1 .. window``, subsampling drawn every epoch with the C code's formula, exact
    unigram\ :sup:`0.75` noise words, plain SGD with the rate falling linearly to 0
    (fastText's default ``lr`` is 0.05). Unlike it, this uses autograd (with each bag row given the
    bag's whole gradient, see :meth:`SubwordModel.forward`) and does not
    skip noise words equal to the target.

    Returns:
        tuple: the model and its :class:`~embedlab.word2vec.TrainingLog`.

    Raises:
        ValueError: see :class:`SubwordModel` and :class:`~embedlab.text.Vocabulary`.

    Examples::

        >>> from embedlab.corpus import generate_corpus
        >>> model, log = train_subword(generate_corpus(300).sentences, embedding_dim=8,
        ...                            buckets=1000, min_count=1, epochs=2)
        >>> log.epoch_losses[0] > log.epoch_losses[1]
        True
    """
    vocab = Vocabulary(sentences, min_count=min_count)
    generator = torch.Generator().manual_seed(seed)
    model = SubwordModel(vocab, embedding_dim, buckets, min_n, max_n, mode, generator=generator)
    encoded = vocab.encode_sentences(sentences)
    counts = vocab.counts.clone()
    counts[vocab.unk_id] = 0
    noise_table = AliasTable(noise_distribution(vocab.counts))
    fast_generator = np.random.default_rng(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    log = TrainingLog(words=sum(len(s) for s in encoded) * epochs)
    start = time.perf_counter()
    for epoch in range(epochs):
        kept = encoded if sample is None else subsample(encoded, counts, sample, generator, formula="word2vec")
        centres, contexts = skipgram_pairs(kept, window, dynamic_window=True, generator=generator)
        n = len(centres)
        order = torch.randperm(n, generator=generator)
        noise = noise_table.sample(n * negatives, generator=fast_generator).view(n, negatives)
        total = 0.0
        steps = math.ceil(n / batch_size)
        for step in range(steps):
            optimizer.param_groups[0]["lr"] = lr * (1 - (epoch * steps + step) / (epochs * steps))
            batch = order[step * batch_size : (step + 1) * batch_size]
            loss = model(contexts[batch], centres[batch], noise[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            log.losses.append(loss.item() / len(batch))
            total += loss.item()
        log.epoch_losses.append(total / n)
    log.seconds = time.perf_counter() - start
    return model, log
