r"""Skip-gram with negative sampling trained the way word2vec's C code trains it, in batches.

:func:`embedlab.word2vec.train_word2vec` trains with autograd and
:class:`torch.optim.SparseAdam`: clear, but far from the original. :func:`train_sgns`
follows the C code (and gensim, which reimplements it) in what it computes, and
replaces its word-by-word loop with large batches of tensor operations:

- the learning rate falls linearly from ``lr`` to ``min_lr`` over the run;
- each centre word gets a window drawn from ``1 .. window``
  (:func:`embedlab.text.skipgram_pairs` with ``dynamic_window=True``);
- frequent words are subsampled again every epoch, keeping an occurrence with
  probability :math:`\sqrt{t/f} + t/f` (:func:`embedlab.text.keep_probability`);
- a noise word equal to the word being predicted is skipped, as the C code skips it;
- the input vector is the *context* word's row and the predicted word the *centre*
  word, the C code's order; the input rows start uniform in :math:`[-0.5/D, 0.5/D]`
  (``init_range=0.5``; gensim 4 draws from :math:`[-1/D, 1/D]`, ``init_range=1.0``),
  the output rows at zero.

Each of the first four can be switched off, to measure what it is worth.

What differs, by design:

- **batches**: the C code updates the 1 + K output rows, then the input row, after
  every (context, centre) pair, in the order of the text. Here ``batch_size`` pairs, in a random order, are scored
  with the same tables and their updates summed (:meth:`torch.Tensor.index_add_`).
  A word that occurs many times in one batch gets the sum of its updates at once.
- **the sigmoid** is computed exactly, where the C code reads a table of 1,000 values
  on :math:`[-6, 6]` and clips beyond it.
- **the learning rate** decays with the fraction of pairs trained, where the C code
  counts words.
- **noise words** are drawn from the exact unigram\ :sup:`0.75` distribution (with
  :class:`embedlab.alias.AliasTable`), where the C code samples a table of
  :math:`10^8` entries that approximates it.
- **sentences** are not cut at 1,000 words (the C code) or 10,000 (gensim).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from embedlab.alias import AliasTable
from embedlab.text import KEEP_FORMULAS, Vocabulary, skipgram_pairs, subsample
from embedlab.word2vec import TrainingLog, Word2Vec, Word2VecResult, _check_init_range, noise_distribution

__all__ = ["sgns_step", "train_sgns"]


def sgns_step(
    input_table: Tensor,
    output_table: Tensor,
    inputs: Tensor,
    targets: Tensor,
    noise: Tensor,
    lr: float | Tensor,
    skip_target_noise: bool = True,
) -> Tensor:
    r"""One batched step of skip-gram with negative sampling, in place, without autograd.

    For each example, with input row :math:`v`, target row :math:`u_0` and noise rows
    :math:`u_1 \dots u_K`, the gradient step on
    :math:`-\log\sigma(u_0^\top v) - \sum_k \log\sigma(-u_k^\top v)` is

    .. math::

        g_k = \text{lr}\,(y_k - \sigma(u_k^\top v)), \qquad
        v \mathrel{+}= \sum_k g_k u_k, \qquad u_k \mathrel{+}= g_k v,

    with :math:`y_0 = 1` and :math:`y_k = 0` for the noise words, all computed from
    the tables as they were before the step; the updates of a row that occurs several
    times in the batch are summed.

    Args:
        input_table (torch.Tensor): the input vectors, ``(V, D)``, updated in place.
        output_table (torch.Tensor): the output vectors, ``(V, D)``, updated in place.
        inputs (torch.Tensor): input ids, ``(B,)``.
        targets (torch.Tensor): the id each input predicts, ``(B,)``.
        noise (torch.Tensor): noise ids, ``(B, K)``.
        lr (float or torch.Tensor): the step size (a 0-d tensor lets a compiled
            step change it without compiling again).
        skip_target_noise (bool): give no update to a noise word equal to its
            example's target, as the C code skips it. Default: ``True``.

    Returns:
        torch.Tensor: the summed loss of the batch before the step (a 0-d tensor).

    Shape:
        - input_table, output_table: :math:`(V, D)`
        - inputs, targets: :math:`(B,)`; noise: :math:`(B, K)`

    Examples::

        >>> W_in, W_out = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.zeros(2, 2)
        >>> loss = sgns_step(W_in, W_out, torch.tensor([0]), torch.tensor([1]),
        ...                  torch.tensor([[0]]), lr=1.0)
        >>> round(loss.item(), 4) == round(2 * math.log(2), 4)   # both scores start at 0
        True
        >>> W_out     # target row 1 moves towards v = [1, 0], noise row 0 away from it
        tensor([[-0.5000,  0.0000],
                [ 0.5000,  0.0000]])
    """
    batch, dim = inputs.shape[0], input_table.shape[1]
    ids = torch.cat([targets.unsqueeze(1), noise], dim=1).reshape(-1)
    # index_select and one (B, 1 + K, D) block: faster on the CPU than advanced indexing.
    v = input_table.index_select(0, inputs)
    u = output_table.index_select(0, ids).view(batch, -1, dim)
    scores = torch.bmm(u, v.unsqueeze(2)).squeeze(2)
    # y - sigmoid(s): 1 - sigmoid(s) for the target, -sigmoid(s) for each noise word.
    g = torch.sigmoid(scores).neg()
    g[:, 0] += 1.0
    signs = torch.ones_like(scores)
    signs[:, 1:] = -1.0
    loss = F.logsigmoid(scores * signs)
    if skip_target_noise:
        clash = noise == targets.unsqueeze(1)
        g[:, 1:] = g[:, 1:].masked_fill(clash, 0.0)
        loss[:, 1:] = loss[:, 1:].masked_fill(clash, 0.0)
    g = g * lr
    grad_v = (g.unsqueeze(2) * u).sum(dim=1)
    grad_u = g.unsqueeze(2) * v.unsqueeze(1)
    output_table.index_add_(0, ids, grad_u.view(-1, dim))
    input_table.index_add_(0, inputs, grad_v)
    return -loss.sum()


def _check_options(**options: object) -> None:
    for name in ("embedding_dim", "window", "negatives", "min_count", "epochs", "batch_size"):
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int of at least 1, got {value!r}")
    for name in ("lr", "min_lr"):
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
            raise ValueError(f"{name} must be a finite number of at least 0, got {value!r}")
    if options["min_lr"] > options["lr"]:
        raise ValueError(f"min_lr must not exceed lr, got min_lr={options['min_lr']} > lr={options['lr']}")
    sample = options["sample"]
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, (int, float)) or not sample > 0):
        raise ValueError(f"sample must be a positive number or None, got {sample!r}")
    _check_init_range(options["init_range"])
    if options["keep_formula"] not in KEEP_FORMULAS:
        raise ValueError(f"keep_formula must be one of {KEEP_FORMULAS}, got {options['keep_formula']!r}")


def train_sgns(
    sentences: Sequence[Sequence[str]],
    *,
    embedding_dim: int = 100,
    window: int = 5,
    negatives: int = 5,
    min_count: int = 5,
    sample: float | None = 1e-3,
    epochs: int = 5,
    lr: float = 0.025,
    min_lr: float = 1e-4,
    batch_size: int = 1024,
    dynamic_window: bool = True,
    resample_every_epoch: bool = True,
    keep_formula: str = "word2vec",
    skip_target_noise: bool = True,
    lr_decay: bool = True,
    init_range: float = 0.5,
    compile: bool = False,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> Word2VecResult:
    r"""Train skip-gram word vectors as word2vec's C code does, in batches (see the module).

    The defaults are the C code's, and gensim's (``Word2Vec(sg=1)``) but for
    ``init_range``, where gensim 4 starts from twice the C code's range. Every random
    draw (initial vectors, subsampling, windows, order, noise words) comes from one
    CPU generator seeded with ``seed``, so a seed gives the same draws on every device;
    the floating-point results can still differ between devices, whose kernels
    add in different orders.

    Args:
        sentences (list): sentences, each a list of tokens.
        embedding_dim (int): the vector size. Default: ``100``.
        window (int): the largest window on each side. Default: ``5``.
        negatives (int): noise words per pair, :math:`K`. Default: ``5``.
        min_count (int): words rarer than this are dropped. Default: ``5``.
        sample (float, optional): the subsampling threshold :math:`t`; ``None`` keeps
            every word. Default: ``1e-3``.
        epochs (int): passes over the corpus. Default: ``5``.
        lr (float): the first learning rate. Default: ``0.025``.
        min_lr (float): the last learning rate, reached linearly. Default: ``1e-4``.
        batch_size (int): pairs per step. Default: ``1024``: larger batches train faster but, summing more
            updates computed from the same tables, learn less per epoch.
        dynamic_window (bool): draw each centre's window from ``1 .. window``;
            ``False`` uses ``window`` for all. Default: ``True``.
        resample_every_epoch (bool): subsample again every epoch; ``False`` draws once.
            Default: ``True``.
        keep_formula (str): ``"word2vec"`` or ``"paper"``; see
            :func:`embedlab.text.keep_probability`. Default: ``"word2vec"``.
        skip_target_noise (bool): skip noise words equal to the target. Default: ``True``.
        lr_decay (bool): decay the learning rate; ``False`` keeps ``lr``. Default: ``True``.
        init_range (float): the input rows start uniform in :math:`[-r/D, r/D]` with
            :math:`r` = ``init_range``: ``0.5`` in the C code, ``1.0`` in gensim 4.
            Default: ``0.5``.
        compile (bool): run the full batches through :func:`torch.compile` of
            :func:`sgns_step`, which fuses its operations into one loop; the first call
            in a process compiles (tens of seconds), later ones reuse it. Default: ``False``.
        seed (int): seeds every random draw. Default: ``0``.
        device (torch.device, optional): where to train. Default:
            :func:`embedlab.default_device`.

    Returns:
        Word2VecResult: the model (its ``input`` table holds the word vectors), the
        vocabulary and the log; ``log.losses`` holds each step's mean loss per pair.

    Raises:
        ValueError: on a size below 1, a negative or non-finite learning rate, a
            ``min_lr`` above ``lr``, a non-positive ``sample``, an unknown
            ``keep_formula``, a non-positive ``init_range``, or sentences that give no
            pair.

    Examples::

        >>> from embedlab.corpus import generate_corpus
        >>> result = train_sgns(generate_corpus(2000).sentences, embedding_dim=16,
        ...                     epochs=2, device="cpu")
        >>> result.model.input.weight.shape == (len(result.vocab), 16)
        True
        >>> first, last = result.log.epoch_losses
        >>> first > last
        True
    """
    _check_options(
        embedding_dim=embedding_dim, window=window, negatives=negatives, min_count=min_count,
        epochs=epochs, batch_size=batch_size, lr=lr, min_lr=min_lr, sample=sample,
        keep_formula=keep_formula, init_range=init_range,
    )
    start = time.perf_counter()
    vocab = Vocabulary(sentences, min_count=min_count)
    encoded = vocab.encode_sentences(sentences)
    generator = torch.Generator().manual_seed(seed)
    # The noise words, most of the draws, come from NumPy's faster generator.
    fast_generator = np.random.default_rng(seed)
    model = Word2Vec(
        len(vocab), embedding_dim, padding_idx=vocab.pad_id, device=device, generator=generator,
        init_range=init_range,
    )
    device = model.input.weight.device
    noise_table = AliasTable(noise_distribution(vocab.counts))
    # Frequencies are taken among the words kept, as in the C code: UNK's count (the
    # dropped words) would otherwise make every word look rarer.
    counts = vocab.counts.clone()
    counts[vocab.unk_id] = 0
    full_step = torch.compile(sgns_step, dynamic=False) if compile else sgns_step
    input_table, output_table = model.input.weight.data, model.output.weight.data

    def epoch_sentences() -> list[Tensor]:
        if sample is None:
            return encoded
        return subsample(encoded, counts, sample, generator=generator, formula=keep_formula)

    kept = epoch_sentences()
    log = TrainingLog(words=sum(len(s) for s in encoded) * epochs)
    # The rate falls with the pairs trained; their total is known only at the end, so
    # it is estimated from the first epoch (epochs differ by the random draws alone).
    total_pairs = None
    done = 0
    for epoch in range(epochs):
        if epoch > 0 and resample_every_epoch:
            kept = epoch_sentences()
        # The window is drawn per centre; the context's row predicts the centre, as in C.
        centres, contexts = skipgram_pairs(kept, window, dynamic_window=dynamic_window, generator=generator)
        n = len(centres)
        if n == 0:
            raise ValueError("the sentences give no training pairs: every sentence has fewer than two known words")
        total_pairs = n * epochs if total_pairs is None else total_pairs
        order = torch.randperm(n, generator=generator)
        noise = noise_table.sample(n * negatives, generator=fast_generator)
        contexts, centres = contexts[order].to(device), centres[order].to(device)
        noise = noise.view(n, negatives).to(device)
        step_losses = []
        for first in range(0, n, batch_size):
            rate = lr - (lr - min_lr) * min(done / total_pairs, 1.0) if lr_decay else lr
            batch = slice(first, first + batch_size)
            # The last, shorter batch runs eagerly: a new shape would compile again.
            step = full_step if n - first >= batch_size else sgns_step
            step_losses.append(step(
                input_table, output_table, contexts[batch], centres[batch], noise[batch],
                torch.tensor(rate, device=device), skip_target_noise,
            ))
            done += min(batch_size, n - first)
        losses = torch.stack(step_losses).cpu()
        sizes = torch.full((len(step_losses),), float(batch_size))
        sizes[-1] = n - batch_size * (len(step_losses) - 1)
        log.losses.extend((losses / sizes).tolist())
        log.epoch_losses.append(float(losses.sum() / n))
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    log.seconds = time.perf_counter() - start
    return Word2VecResult(model, vocab, log)
