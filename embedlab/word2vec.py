r"""word2vec: skip-gram and CBOW with negative sampling, built on :class:`embedlab.Embedding`.

The model holds two tables of the same shape ``(V, D)``: *input* vectors, the
embeddings one keeps, and *output* vectors, used only to score how well an input
predicts a target. For an input vector :math:`v` (a centre word's row for skip-gram,
the mean of the context rows for CBOW), its true target :math:`u_o` and :math:`K`
noise words :math:`u_1 \dots u_K` drawn from the unigram distribution raised to the
power 0.75, the loss is (Mikolov et al., 2013)

.. math::

    -\log \sigma(u_o^\top v) - \sum_{k=1}^{K} \log \sigma(-u_k^\top v).

Each step touches only the rows of the words in the batch, which is why both tables
are created with ``sparse=True`` and trained with :class:`torch.optim.SparseAdam` (or
:class:`torch.optim.SGD`).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from embedlab.device import default_device
from embedlab.embedding import Embedding
from embedlab.text import (
    Vocabulary,
    cbow_pairs,
    check_counts,
    skipgram_pairs,
    subsample,
)
from embedlab.vectors import WordVectors

__all__ = ["MODES", "TrainingLog", "Word2Vec", "Word2VecResult", "noise_distribution", "train", "train_word2vec"]

#: The two word2vec architectures.
MODES = ("skipgram", "cbow")
OPTIMIZERS = ("sparse_adam", "sgd")


def noise_distribution(counts: Tensor, power: float = 0.75, exclude: Sequence[int] = (0, 1)) -> Tensor:
    r"""The distribution negative samples are drawn from: counts raised to ``power``, normalised.

    Raising the unigram distribution to the power 0.75 (Mikolov et al., 2013) flattens
    it: rare words are drawn more often than their frequency, frequent words less.

    Args:
        counts (torch.Tensor): how often each id occurs, shape ``(V,)``.
        power (float): the exponent. Default: ``0.75``.
        exclude (tuple of int): ids never drawn, by default the padding and
            unknown-word ids of :class:`~embedlab.text.Vocabulary`. Default: ``(0, 1)``.

    Returns:
        torch.Tensor: float64 probabilities of shape ``(V,)`` that sum to 1.

    Raises:
        ValueError: if ``counts`` is not 1-D, has a negative or non-finite (NaN)
            entry, or leaves no id to draw.

    Examples::

        >>> noise_distribution(torch.tensor([0, 0, 16, 1]))
        tensor([0.0000, 0.0000, 0.8889, 0.1111], dtype=torch.float64)
    """
    check_counts(counts)
    weights = counts.double().pow(power)
    weights[list(exclude)] = 0.0
    total = weights.sum()
    if total <= 0:
        raise ValueError("no id has a positive count outside exclude: nothing to draw negative samples from")
    return weights / total


def _check_sizes(num_embeddings: int, embedding_dim: int) -> None:
    # The initial vectors are drawn from [-r / D, r / D]: D = 0 divides by zero.
    sizes = (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim))
    for name, value in sizes:
        if isinstance(value, bool) or not isinstance(value, int):
            kind = type(value).__name__
            raise TypeError(f"{name} must be an int, got {value!r} ({kind})")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


def _check_init_range(init_range: float) -> None:
    """Raise :class:`ValueError` unless ``init_range`` is a positive finite number.

    Examples::

        >>> _check_init_range(0.5)
        >>> _check_init_range(0)
        Traceback (most recent call last):
            ...
        ValueError: init_range must be a positive finite number (0.5 in word2vec's C code, 1.0 in gensim 4), got 0
    """
    if isinstance(init_range, bool) or not isinstance(init_range, (int, float)) or not 0 < init_range < math.inf:
        raise ValueError(
            "init_range must be a positive finite number (0.5 in word2vec's C code, 1.0 in gensim 4), "
            f"got {init_range!r}"
        )


class Word2Vec(nn.Module):
    r"""The two tables of word2vec and its negative-sampling loss.

    Args:
        num_embeddings (int): the vocabulary size :math:`V`.
        embedding_dim (int): the vector size :math:`D`.
        mode (str): ``"skipgram"`` (predict each context word from the centre word) or
            ``"cbow"`` (predict the centre word from the mean of its context).
            Default: ``"skipgram"``.
        padding_idx (int, optional): the padding id; its rows stay zero. CBOW contexts
            are padded with it. Default: ``0``.
        sparse (bool): give both tables sparse gradients. Default: ``True``.
        device (torch.device, optional): where the tables live. Default:
            :func:`embedlab.default_device`.
        generator (torch.Generator, optional): the random source of the initial input
            vectors. Default: the global generator.
        init_range (float): the input vectors start uniform in
            :math:`[-r/D, r/D]` with :math:`r` = ``init_range``: ``0.5`` in word2vec's
            C code, ``1.0`` in gensim 4. Default: ``0.5``.

    Attributes:
        input (embedlab.Embedding): the input vectors, initialised uniformly in
            :math:`[-r/D, r/D]` with :math:`r` = ``init_range``.
        output (embedlab.Embedding): the output vectors, initialised to zero.

    Raises:
        TypeError: if a size is not an int.
        ValueError: on an unknown ``mode``, a size below 1, or an ``init_range`` that
            is not a positive finite number.

    Examples::

        >>> _ = torch.manual_seed(0)
        >>> model = Word2Vec(10, 4, device="cpu")
        >>> model
        Word2Vec(
          mode='skipgram'
          (input): Embedding(10, 4, padding_idx=0, sparse=True)
          (output): Embedding(10, 4, padding_idx=0, sparse=True)
        )
        >>> loss = model(torch.tensor([3, 4]), torch.tensor([5, 6]), torch.tensor([[7, 8], [9, 7]]))
        >>> round(loss.item(), 4) == round(3 * math.log(2), 4)   # output vectors start at zero
        True
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        mode: str = "skipgram",
        padding_idx: int | None = 0,
        sparse: bool = True,
        device: torch.device | str | None = None,
        generator: torch.Generator | None = None,
        init_range: float = 0.5,
    ) -> None:
        super().__init__()
        _check_sizes(num_embeddings, embedding_dim)
        _check_init_range(init_range)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        device = default_device() if device is None else torch.device(device)
        # Drawn on the CPU and then moved, so that a seed gives the same table on every device.
        bound = init_range / embedding_dim
        initial = torch.empty(num_embeddings, embedding_dim).uniform_(-bound, bound, generator=generator)
        if padding_idx is not None:
            initial[padding_idx] = 0.0
        self.input = Embedding(
            num_embeddings, embedding_dim, padding_idx=padding_idx, sparse=sparse,
            _weight=initial.to(device),
        )
        self.output = Embedding(
            num_embeddings, embedding_dim, padding_idx=padding_idx, sparse=sparse,
            _weight=torch.zeros(num_embeddings, embedding_dim, device=device),
        )

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"

    def input_vectors(self, inputs: Tensor) -> Tensor:
        """The vector :math:`v` each example predicts from: a row, or the mean of the context rows.

        Args:
            inputs (torch.Tensor): centre ids of shape ``(B,)`` (skip-gram) or context ids
                of shape ``(B, C)`` (CBOW), padded with ``padding_idx``.

        Returns:
            torch.Tensor: of shape ``(B, D)``.

        Examples::

            >>> model = Word2Vec(5, 2, mode="cbow", device="cpu")
            >>> with torch.no_grad():
            ...     _ = model.input.weight[1:].copy_(torch.arange(2.0, 10.0).reshape(4, 2))
            >>> model.input_vectors(torch.tensor([[1, 3], [2, 0]]))    # id 0 is padding
            tensor([[4., 5.],
                    [4., 5.]], grad_fn=<DivBackward0>)
        """
        rows = self.input(inputs)
        if self.mode == "skipgram":
            return rows
        # The padding row is zero, so the sum skips it; divide by the number of real ids.
        if self.input.padding_idx is None:
            return rows.mean(dim=1)
        real = (inputs != self.input.padding_idx).sum(dim=1, keepdim=True).clamp_min(1)
        return rows.sum(dim=1) / real.to(rows.dtype)

    def forward(self, inputs: Tensor, targets: Tensor, negatives: Tensor) -> Tensor:
        r"""The mean negative-sampling loss of a batch.

        Args:
            inputs (torch.Tensor): see :meth:`input_vectors`.
            targets (torch.Tensor): the id to predict for each example, shape ``(B,)``.
            negatives (torch.Tensor): noise ids, shape ``(B, K)``.

        Returns:
            torch.Tensor: a scalar.
        """
        v = self.input_vectors(inputs)
        # One lookup for the target and its noise words: column 0 is the true target.
        u = self.output(torch.cat([targets.unsqueeze(1), negatives], dim=1))
        scores = torch.bmm(u, v.unsqueeze(2)).squeeze(2)
        signs = torch.ones_like(scores)
        signs[:, 1:] = -1.0
        return -F.logsigmoid(scores * signs).sum(dim=1).mean()


@dataclass
class TrainingLog:
    r"""What :func:`train` measured.

    Attributes:
        losses (list): the loss of every step.
        epoch_losses (list): the mean loss of each epoch.
        words (int): the number of corpus words processed (``words_per_epoch * epochs``).
        seconds (float): wall-clock training time.
    """

    losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0

    @property
    def words_per_second(self) -> float:
        """The throughput, :attr:`words` divided by :attr:`seconds` (0 before any training).

        Examples::

            >>> TrainingLog(words=1000, seconds=0.5).words_per_second
            2000.0
        """
        return self.words / self.seconds if self.seconds > 0 else 0.0


def _make_optimizer(name: str, params: list[nn.Parameter], lr: float) -> torch.optim.Optimizer:
    if name == "sparse_adam":
        return torch.optim.SparseAdam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")


def train(
    model: Word2Vec,
    inputs: Tensor,
    targets: Tensor,
    noise: Tensor,
    *,
    epochs: int = 5,
    batch_size: int = 1024,
    negatives: int = 5,
    lr: float = 0.01,
    optimizer: str = "sparse_adam",
    generator: torch.Generator | None = None,
    words_per_epoch: int | None = None,
    progress: bool = False,
) -> TrainingLog:
    r"""Train ``model`` on (input, target) examples with negative sampling.

    Every epoch visits the examples in a fresh random order, in batches of
    ``batch_size``, each with ``negatives`` noise words per example drawn from
    ``noise``. All random draws are made on the CPU from ``generator`` and then moved
    to the model's device, so a seed gives the same draws on every device.

    Args:
        model (Word2Vec): the model to train, in place.
        inputs (torch.Tensor): input ids, shape ``(N,)`` (skip-gram) or ``(N, C)`` (CBOW).
        targets (torch.Tensor): target ids, shape ``(N,)``.
        noise (torch.Tensor): the noise distribution, shape ``(V,)``
            (see :func:`noise_distribution`).
        epochs (int): passes over the examples. Default: ``5``.
        batch_size (int): examples per step. Default: ``1024``.
        negatives (int): noise words per example, :math:`K`. Default: ``5``.
        lr (float): the learning rate. Default: ``0.01``.
        optimizer (str): ``"sparse_adam"`` (:class:`torch.optim.SparseAdam`) or ``"sgd"``
            (:class:`torch.optim.SGD`); both accept sparse gradients. Default: ``"sparse_adam"``.
        generator (torch.Generator, optional): the random source for the order and the
            noise words. Default: the global generator.
        words_per_epoch (int, optional): corpus words one epoch covers, for the
            words-per-second figure. Default: ``N``.
        progress (bool): show a `tqdm <https://tqdm.github.io>`_ progress bar on
            standard error, with the running loss and words/s. Default: ``False``.

    Returns:
        TrainingLog: the loss of each step and epoch, and the throughput.

    Raises:
        ValueError: on sizes that do not match, a non-positive ``epochs``,
            ``batch_size`` or ``negatives``, or an unknown ``optimizer``.

    Examples::

        >>> inputs, targets = torch.tensor([2, 3, 2, 3]), torch.tensor([3, 2, 3, 2])
        >>> model = Word2Vec(4, 8, device="cpu")
        >>> noise = noise_distribution(torch.tensor([0, 0, 5, 5]))
        >>> log = train(model, inputs, targets, noise, epochs=3, batch_size=2, negatives=1,
        ...             generator=torch.Generator().manual_seed(0))
        >>> len(log.losses), len(log.epoch_losses), log.words
        (6, 3, 12)
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("negatives", negatives)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int of at least 1, got {value!r}")
    if len(inputs) != len(targets):
        raise ValueError(f"inputs and targets must have the same length, got {len(inputs)} and {len(targets)}")
    vocab_size = model.input.num_embeddings
    if noise.shape != (vocab_size,):
        raise ValueError(f"noise must have shape ({vocab_size},) like the model's tables, got {tuple(noise.shape)}")
    expected_dim = 1 if model.mode == "skipgram" else 2
    if inputs.dim() != expected_dim:
        raise ValueError(
            f"{model.mode} expects inputs of {expected_dim} dimension(s), got shape {tuple(inputs.shape)}"
        )
    generator = torch.default_generator if generator is None else generator
    device = model.input.weight.device
    opt = _make_optimizer(optimizer, list(model.parameters()), lr)
    n = len(inputs)
    words_per_epoch = n if words_per_epoch is None else words_per_epoch
    steps_per_epoch = math.ceil(n / batch_size)
    inputs, targets = inputs.to(device), targets.to(device)
    log = TrainingLog()
    bar = None
    if progress:
        # The plain text bar, on stderr: tqdm.auto would need ipywidgets inside notebooks.
        from tqdm import tqdm  # imported only when asked for: chapters train without a bar

        bar = tqdm(total=epochs * steps_per_epoch, unit="step", file=sys.stderr, dynamic_ncols=True)
    start = time.perf_counter()
    try:
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator).to(device)
            noise_ids = torch.multinomial(noise, n * negatives, replacement=True, generator=generator)
            noise_ids = noise_ids.view(n, negatives).to(device)
            total = torch.zeros((), device=device)
            step_losses = []
            for step in range(steps_per_epoch):
                batch = order[step * batch_size : (step + 1) * batch_size]
                loss = model(inputs[batch], targets[batch], noise_ids[batch])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                detached = loss.detach()
                step_losses.append(detached)
                total += detached * len(batch)
                if bar is not None:
                    bar.update(1)
                    if step % 50 == 0 or step == steps_per_epoch - 1:
                        done = (len(log.epoch_losses) + (step + 1) / steps_per_epoch) * words_per_epoch
                        elapsed = time.perf_counter() - start
                        bar.set_postfix(loss=f"{detached.item():.3f}", words_per_s=f"{done / elapsed:,.0f}")
            # One synchronisation per epoch rather than one per step.
            log.losses.extend(torch.stack(step_losses).tolist())
            log.epoch_losses.append((total / n).item())
    finally:
        if bar is not None:
            bar.close()
    log.seconds = time.perf_counter() - start
    log.words = words_per_epoch * epochs
    return log


@dataclass
class Word2VecResult:
    r"""What :func:`train_word2vec` returns.

    Attributes:
        model (Word2Vec): the trained model.
        vocab (Vocabulary): the vocabulary its ids refer to.
        log (TrainingLog): the losses and the throughput.
    """

    model: Word2Vec
    vocab: Vocabulary
    log: TrainingLog

    def word_vectors(self) -> WordVectors:
        """The trained input vectors of the real words (:data:`~embedlab.text.PAD` and
        :data:`~embedlab.text.UNK` left out), on the CPU.

        Returns:
            WordVectors: ``len(vocab) - 2`` words and their vectors.
        """
        weight = self.model.input.weight.detach().cpu()
        return WordVectors(self.vocab.words[2:], weight[2:].clone())


def train_word2vec(
    sentences: Sequence[Sequence[str]],
    *,
    mode: str = "skipgram",
    embedding_dim: int = 32,
    window: int = 3,
    min_count: int = 1,
    subsample_threshold: float | None = None,
    negatives: int = 5,
    epochs: int = 3,
    batch_size: int = 1024,
    lr: float = 0.01,
    optimizer: str = "sparse_adam",
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = False,
) -> Word2VecResult:
    r"""From sentences of tokens to trained word vectors, in one call.

    Builds a :class:`~embedlab.text.Vocabulary`, encodes the sentences (dropping words
    rarer than ``min_count``), optionally subsamples frequent words, makes the
    skip-gram or CBOW examples, and trains a :class:`Word2Vec` with :func:`train`.
    Every random draw comes from one CPU generator seeded with ``seed``.

    This is word2vec as the paper describes it, trained the PyTorch way, and it differs
    from the original C code: the window is fixed (the C code draws one per centre word),
    subsampling is drawn once (the C code draws again every epoch; both keep a word with
    the C code's :math:`\sqrt{t/f} + t/f`), a noise word may equal the target (the C
    code skips it), and the rate is SparseAdam's constant one (the C code's plain SGD
    rate falls linearly). :func:`embedlab.sgns.train_sgns` trains as the C code does.

    Args:
        sentences (list): sentences, each a list of tokens (e.g. from
            :func:`embedlab.corpus.load_text`).
        mode (str): ``"skipgram"`` or ``"cbow"``. Default: ``"skipgram"``.
        embedding_dim (int): the vector size. Default: ``32``.
        window (int): the context window on each side. Default: ``3``.
        min_count (int): see :class:`~embedlab.text.Vocabulary`. Default: ``1``.
        subsample_threshold (float, optional): if given, subsample frequent words with
            this threshold (see :func:`embedlab.text.subsample`). Default: ``None``.
        negatives (int): noise words per example. Default: ``5``.
        epochs (int): passes over the corpus. Default: ``3``.
        batch_size (int): examples per step. Default: ``1024``.
        lr (float): the learning rate. Default: ``0.01``.
        optimizer (str): ``"sparse_adam"`` or ``"sgd"``. Default: ``"sparse_adam"``.
        seed (int): seeds the initial vectors, the subsampling, the order of examples
            and the noise words. Default: ``0``.
        device (torch.device, optional): where to train. Default: :func:`embedlab.default_device`.
        progress (bool): show a progress bar on standard error. Default: ``False``.

    Returns:
        Word2VecResult: the model, its vocabulary and the training log.

    Raises:
        TypeError: if ``embedding_dim`` is not an int.
        ValueError: if ``embedding_dim`` is below 1, or see :class:`Word2Vec`,
            :class:`~embedlab.text.Vocabulary` and :func:`train`.

    Examples::

        >>> from embedlab.corpus import generate_corpus
        >>> result = train_word2vec(generate_corpus(500).sentences, epochs=1, device="cpu")
        >>> result.model.input.weight.shape == (len(result.vocab), 32)
        True
        >>> len(result.log.epoch_losses)
        1
    """
    # Checked first: the vocabulary and the examples may take a while to build.
    _check_sizes(1, embedding_dim)
    vocab = Vocabulary(sentences, min_count=min_count)
    generator = torch.Generator().manual_seed(seed)
    encoded = vocab.encode_sentences(sentences)
    if subsample_threshold is not None:
        encoded = subsample(encoded, vocab.counts, subsample_threshold, generator=generator)
    if mode == "skipgram":
        inputs, targets = skipgram_pairs(encoded, window)
    elif mode == "cbow":
        inputs, targets = cbow_pairs(encoded, window, pad_id=vocab.pad_id)
    else:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if len(targets) == 0:
        raise ValueError("the sentences give no training examples: every sentence has fewer than two known words")
    model = Word2Vec(
        len(vocab), embedding_dim, mode=mode, padding_idx=vocab.pad_id, device=device, generator=generator
    )
    log = train(
        model,
        inputs,
        targets,
        noise_distribution(vocab.counts),
        epochs=epochs,
        batch_size=batch_size,
        negatives=negatives,
        lr=lr,
        optimizer=optimizer,
        generator=generator,
        words_per_epoch=sum(len(s) for s in encoded),
        progress=progress,
    )
    return Word2VecResult(model, vocab, log)
