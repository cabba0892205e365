r"""embedlab's subword model against gensim's ``FastText``, on the same tokens with the same settings.

:func:`run_fasttext_bench` holds some words out of the Lee corpus, trains gensim's
``FastText`` (skip-gram, negative sampling) and :func:`embedlab.subword.train_subword`
on the rest, one seed after the other and alternating which goes first, on one
thread, and scores what each model does for words it never saw:

- ``context``: :func:`embedlab.evaluate.context_score` of the held-out words, where
  they occur in the whole corpus (0.5 is chance);
- ``stem_top10``: the share of unseen ``+s`` forms of corpus words (``unions``,
  never in the corpus, for ``union``) whose stem is among their 10 nearest known
  words (:func:`unseen_plurals`);
- ``wordsim353`` and ``simlex999``: Spearman correlations over *every* pair, since
  words out of the vocabulary get their n-gram vectors (fastText's point);

plus, for embedlab, the same scores of its initial bag rows with the trained output
rows (``*_untrained``): what shared n-grams give without training. Speed is the
training text's words (those kept by ``min_count``) times epochs, divided by the
wall-clock time of the whole training call, vocabulary and n-gram tables included.

Both use the same learning rate, 0.05 by default: fastText's own default for
skip-gram, and :func:`~embedlab.subword.train_subword`'s. gensim's default is
word2vec's 0.025; one more gensim run per seed at that rate (variant
``"lr 0.025"``) shows what the choice is worth to it.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor

from embedlab.bench.report import summarise_over_seeds
from embedlab.corpus import gensim_test_file, load_lee
from embedlab.evaluate import context_score, load_word_pairs, word_similarity
from embedlab.text import Vocabulary
from embedlab.vectors import WordVectors

__all__ = [
    "FastTextBenchConfig",
    "held_out_words",
    "run_fasttext_bench",
    "summarise",
    "unseen_plurals",
]

#: What each run reports; the ``*_untrained`` ones only for embedlab.
METRICS = (
    "context", "context_untrained", "stem_top10", "stem_top10_untrained",
    "wordsim353", "simlex999", "seconds", "words_per_second",
)

#: gensim's own default learning rate, run beside the shared one.
GENSIM_DEFAULT_LR = 0.025


@dataclass(frozen=True)
class FastTextBenchConfig:
    r"""The settings of one benchmark run; both trainers get the same ones.

    Attributes:
        dim, window, negatives, min_count, epochs: as in word2vec.
        buckets (int): hashed n-gram rows.
        min_n, max_n (int): n-gram lengths.
        sample (float): the subsampling threshold.
        lr (float): the starting learning rate of both, falling linearly to 0.
        seeds (int): runs per trainer (seeds ``0 .. seeds - 1``).
        held_out (int): words removed from the training text (:func:`held_out_words`).
        documents (int, optional): train and score on the first ``documents`` of the
            Lee corpus's 300 (all by default; fewer for a quick run).
        batch_size (int): embedlab's pairs per step.

    Raises:
        ValueError: on a size below 1, ``max_n < min_n``, a non-positive ``sample``
            or ``lr``, or more documents than the corpus has.

    Examples::

        >>> FastTextBenchConfig().lr, FastTextBenchConfig().buckets == 2**18
        (0.05, True)
        >>> FastTextBenchConfig(min_n=4, max_n=3)
        Traceback (most recent call last):
            ...
        ValueError: need 1 <= min_n <= max_n, got min_n=4, max_n=3
    """

    dim: int = 64
    buckets: int = 2**18
    min_n: int = 3
    max_n: int = 6
    window: int = 5
    negatives: int = 5
    min_count: int = 2
    sample: float = 1e-3
    epochs: int = 5
    lr: float = 0.05
    seeds: int = 5
    held_out: int = 100
    documents: int | None = None
    batch_size: int = 1024

    def __post_init__(self) -> None:
        names = ("dim", "buckets", "min_n", "max_n", "window", "negatives", "min_count", "epochs",
                 "seeds", "held_out", "batch_size")
        for name in (*names, *(("documents",) if self.documents is not None else ())):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int of at least 1, got {value!r}")
        if self.max_n < self.min_n:
            raise ValueError(f"need 1 <= min_n <= max_n, got min_n={self.min_n}, max_n={self.max_n}")
        if self.documents is not None and self.documents > 300:
            raise ValueError(f"documents must be at most the Lee corpus's 300, got {self.documents}")
        for name in ("sample", "lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")


def held_out_words(sentences: Sequence[Sequence[str]], count: int, min_count: int = 2, seed: int = 0) -> list[str]:
    r"""``count`` words to hold out of training, drawn at random among mid-frequency words.

    The candidates are the alphabetic words of at least 7 letters that occur 3 to 30
    times: long enough to have many n-grams, rare enough that removing them leaves
    the corpus nearly whole, frequent enough to be scored in several contexts.

    Args:
        sentences (list): the corpus.
        count (int): how many words; fewer if there are fewer candidates.
        min_count (int): the vocabulary's threshold. Default: ``2``.
        seed (int): the draw's seed. Default: ``0``.

    Returns:
        list: the words, in the order drawn.

    Examples::

        >>> held_out_words([["lantern"] * 3 + ["bulb"] * 5 + ["lanterns"] * 40], 5)
        ['lantern']
    """
    vocab = Vocabulary(sentences, min_count=min_count)
    candidates = [w for w, c in zip(vocab.words[2:], vocab.counts[2:].tolist())
                  if len(w) >= 7 and w.isalpha() and 3 <= c <= 30]
    order = torch.randperm(len(candidates), generator=torch.Generator().manual_seed(seed))
    return [candidates[i] for i in order[:count].tolist()]


def unseen_plurals(sentences: Sequence[Sequence[str]], min_count: int = 2) -> list[tuple[str, str]]:
    r"""``(stem, stem + "s")`` for the corpus's frequent words whose ``+s`` form never occurs.

    The stems are the alphabetic words of at least six letters, not ending in ``s``,
    seen at least 5 times (and at least ``min_count``): ``union`` gives ``unions``
    if ``unions`` is nowhere in ``sentences``. Many forms are not English
    (``againsts``); all share most of their n-grams with the stem.

    Examples::

        >>> unseen_plurals([["united"] * 5 + ["nation"] * 5 + ["nations"]])
        [('united', 'uniteds')]
    """
    vocab, seen = Vocabulary(sentences, min_count=min_count), Vocabulary(sentences)
    frequent = [w for w, c in zip(vocab.words[2:], vocab.counts[2:].tolist())
                if c >= 5 and len(w) >= 6 and w.isalpha() and not w.endswith("s")]
    return [(w, w + "s") for w in frequent if w + "s" not in seen]


@dataclass
class _Task:
    """What both trainers are scored on: the texts, the held-out words, the benchmarks."""

    config: FastTextBenchConfig
    sentences: list[list[str]]
    held: list[str] = field(init=False)
    train: list[list[str]] = field(init=False)
    plurals: list[tuple[str, str]] = field(init=False)
    pairs: dict[str, list[tuple[str, str, float]]] = field(init=False)

    def __post_init__(self) -> None:
        config = self.config
        self.held = held_out_words(self.sentences, config.held_out, config.min_count)
        removed = set(self.held)
        self.train = [[w for w in s if w not in removed] for s in self.sentences]
        # Stems held out of training are not known words: they cannot be a neighbour.
        self.plurals = [(s, v) for s, v in unseen_plurals(self.sentences, config.min_count) if s not in removed]
        self.pairs = {name: load_word_pairs(gensim_test_file(file))
                      for name, file in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt"))}

    def score(self, vectors_of: Callable[[list[str]], Tensor], known: WordVectors, output: Tensor,
              rows: dict[str, int], generator: torch.Generator) -> dict[str, float]:
        """The scores of a model given as: vectors of any words, its known words' vectors,
        and its output rows."""
        held = dict(zip(self.held, vectors_of(self.held)))
        scores = {"context": round(context_score(self.sentences, held, output, rows, self.config.window,
                                                 generator), 4)}
        variants = vectors_of([v for _, v in self.plurals])
        hits = [stem in [w for w, _ in known.nearest(vector, k=10)]
                for (stem, _), vector in zip(self.plurals, variants)]
        scores["stem_top10"] = round(sum(hits) / len(hits), 4)
        for name, pairs in self.pairs.items():
            words = sorted({w for a, b, _ in pairs for w in (a, b)})
            # Every word has a vector, so every pair is covered.
            scores[name] = word_similarity(WordVectors(words, vectors_of(words)), pairs).spearman
            scores[f"{name}_oov"] = round(sum(a not in rows or b not in rows for a, b, _ in pairs) / len(pairs), 4)
        return scores


def _gensim(task: _Task, seed: int, lr: float) -> tuple[dict[str, Any], float]:
    import numpy as np
    from gensim.models import FastText

    config = task.config
    start = time.perf_counter()
    model = FastText(
        task.train, sg=1, hs=0, vector_size=config.dim, window=config.window, negative=config.negatives,
        min_count=config.min_count, sample=config.sample, epochs=config.epochs, alpha=lr, min_alpha=0.0,
        bucket=config.buckets, min_n=config.min_n, max_n=config.max_n, workers=1, seed=seed,
    )
    seconds = time.perf_counter() - start
    wv = model.wv

    def vectors_of(words: list[str]) -> Tensor:
        return torch.from_numpy(np.stack([wv[w] for w in words]))

    known = WordVectors(list(wv.index_to_key), torch.from_numpy(wv.vectors.copy()))
    scores = task.score(vectors_of, known, torch.from_numpy(model.syn1neg.copy()), dict(wv.key_to_index),
                        torch.Generator().manual_seed(seed))
    return {**scores, "vocabulary": len(wv)}, seconds


def _embedlab(task: _Task, seed: int) -> tuple[dict[str, Any], float]:
    from embedlab.subword import SubwordModel, train_subword

    config = task.config
    start = time.perf_counter()
    model, _ = train_subword(
        task.train, embedding_dim=config.dim, buckets=config.buckets, min_n=config.min_n, max_n=config.max_n,
        window=config.window, negatives=config.negatives, min_count=config.min_count, sample=config.sample,
        epochs=config.epochs, lr=config.lr, batch_size=config.batch_size, seed=seed,
    )
    seconds = time.perf_counter() - start
    # train_subword draws its initial rows first from a generator seeded with seed.
    untrained = SubwordModel(model.vocab, config.dim, config.buckets, config.min_n, config.max_n,
                             generator=torch.Generator().manual_seed(seed))
    output = model.output.weight.detach()
    rows = {w: model.vocab.id(w) for w in model.vocab.words[2:]}
    scores = task.score(model.word_vectors, model.known_vectors(), output, rows, torch.Generator().manual_seed(seed))
    before = task.score(untrained.word_vectors, untrained.known_vectors(), output, rows,
                        torch.Generator().manual_seed(seed))
    return {**scores, "context_untrained": before["context"], "stem_top10_untrained": before["stem_top10"],
            "vocabulary": len(model.vocab) - 2}, seconds


def summarise(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    r"""The mean and the standard deviation over seeds of each metric, per trainer and variant.

    Metrics a run does not report (``None``, gensim's ``*_untrained``) are left out.

    Args:
        runs (list of dict): the ``runs`` of a benchmark result.

    Returns:
        list: one dict per group, with ``<metric>_mean`` and ``<metric>_std`` (0 for one seed).

    Examples::

        >>> runs = [{"trainer": "gensim", "variant": "", "seed": s, "context": c,
        ...          "context_untrained": None} for s, c in enumerate([0.6, 0.8])]
        >>> summary, = summarise(runs)
        >>> summary["context_mean"], round(summary["context_std"], 4), "context_untrained_mean" in summary
        (0.7, 0.1414, False)
    """
    return summarise_over_seeds(runs, ("trainer", "variant"), METRICS)


def run_fasttext_bench(
    config: FastTextBenchConfig,
    command: str = "",
    on_run: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    r"""Train and score both trainers with ``config``; return the result as a JSON-ready dict.

    Args:
        config (FastTextBenchConfig): the settings.
        command (str): the command line, stored in the result.
        on_run (collections.abc.Callable, optional): called with the partial result after
            each run (to save it as it grows).

    Returns:
        dict: ``command``, ``settings``, ``corpus``, ``environment``, ``runs`` (one per
        trainer, variant and seed) and their ``summary``.
    """
    import gensim

    sentences = load_lee()[: config.documents]
    task = _Task(config, sentences)
    vocab = Vocabulary(task.train, min_count=config.min_count)
    words = int(vocab.counts[2:].sum())
    result: dict[str, Any] = {
        "command": command,
        "settings": asdict(config),
        "corpus": {"name": "lee_background.cor", "documents": len(sentences), "tokens": sum(map(len, sentences)),
                   "held_out": task.held, "training_words_kept": words, "vocabulary": len(vocab) - 2,
                   "unseen_plurals": len(task.plurals)},
        "environment": {"torch": torch.__version__, "gensim": gensim.__version__,
                        "python": platform.python_version(), "machine": platform.machine(),
                        "cpus": os.cpu_count(), "threads": 1},
        "runs": [],
    }

    def record(trainer: str, variant: str, seed: int, scores: dict[str, Any], seconds: float) -> None:
        row = {"trainer": trainer, "variant": variant, "seed": seed, "seconds": round(seconds, 4),
               "words_per_second": round(words * config.epochs / seconds),
               "context_untrained": None, "stem_top10_untrained": None, **scores}
        result["runs"].append(row)
        result["summary"] = summarise(result["runs"])
        print(f"{trainer:8} {variant or 'default':9} seed {seed}: {row['words_per_second']:>8,} words/s, "
              f"context {row['context']:.3f}, stem in top 10 {row['stem_top10']:.0%}", file=sys.stderr, flush=True)
        if on_run is not None:
            on_run(result)

    threads_before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        for seed in range(config.seeds):
            # Alternating which runs first spreads any drift of the machine's load evenly.
            for trainer in ("gensim", "embedlab") if seed % 2 == 0 else ("embedlab", "gensim"):
                if trainer == "gensim":
                    record("gensim", "", seed, *_gensim(task, seed, config.lr))
                else:
                    record("embedlab", "", seed, *_embedlab(task, seed))
            if config.lr != GENSIM_DEFAULT_LR:
                record("gensim", f"lr {GENSIM_DEFAULT_LR}", seed, *_gensim(task, seed, GENSIM_DEFAULT_LR))
    finally:
        torch.set_num_threads(threads_before)
    return result
