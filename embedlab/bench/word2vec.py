r"""embedlab's word2vec against gensim's, on the same tokens with the same settings.

:func:`run_word2vec_bench` trains gensim's ``Word2Vec`` (skip-gram, negative
sampling) and :func:`embedlab.sgns.train_sgns` on the Lee corpus, one seed after the
other and alternating which goes first, at each thread count; scores every run on
WordSim353, SimLex-999 and the analogy questions (:mod:`embedlab.evaluate`); and then
trains embedlab once more per seed with each of the C code's behaviours switched off
(``variants``), to measure what each is worth. Speed is corpus words (those kept by
``min_count``) times epochs, divided by the wall-clock time of the whole call:
vocabulary, subsampling, pairs and training, for both.

With ``compile=True`` one untimed epoch first compiles embedlab's step
(:func:`torch.compile`); its time is reported as ``compile_seconds``.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import torch

from embedlab.bench.report import summarise_over_seeds
from embedlab.corpus import gensim_test_file, load_lee
from embedlab.evaluate import analogy_score, load_analogies, load_word_pairs, word_similarity
from embedlab.vectors import WordVectors
from embedlab.word2vec import _check_init_range

__all__ = ["VARIANTS", "Word2VecBenchConfig", "run_word2vec_bench", "summarise"]

#: The C code's behaviours, each switched off in turn, as the option of
#: :func:`embedlab.sgns.train_sgns` and the value that switches it off.
VARIANTS = {
    "fixed window": {"dynamic_window": False},
    "subsample once": {"resample_every_epoch": False},
    "paper's keep formula": {"keep_formula": "paper"},
    "noise may equal target": {"skip_target_noise": False},
    "constant lr": {"lr_decay": False},
    # The bench starts embedlab from gensim 4's range, so that both trainers get the
    # same settings; this is the C code's.
    "C code's init range": {"init_range": 0.5},
    # Not a behaviour of word2vec: the speed of the same step without torch.compile.
    "not compiled": {"compile": False},
}

METRICS = ("wordsim353", "simlex999", "analogy", "seconds", "words_per_second")


@dataclass(frozen=True)
class Word2VecBenchConfig:
    r"""The settings of one benchmark run; both trainers get the same ones.

    Attributes:
        dim, window, negatives, min_count, epochs: as in word2vec.
        sample (float): the subsampling threshold.
        seeds (int): runs per trainer and thread count (seeds ``0 .. seeds - 1``).
        threads (tuple of int): thread counts: gensim's ``workers``, and
            :func:`torch.set_num_threads` for embedlab.
        init_range (float): embedlab's initial input rows are uniform in
            :math:`[-r/D, r/D]` with :math:`r` = ``init_range``; ``1.0`` is gensim 4's
            (the C code's is ``0.5``), so that both trainers start alike.
        batch_size (int): embedlab's pairs per step.
        compile (bool): embedlab compiles its step.
        variants (tuple of str): names of :data:`VARIANTS` to measure (one thread).

    Raises:
        ValueError: on a size below 1, a non-positive ``sample`` or ``init_range``, or
            an unknown variant.

    Examples::

        >>> Word2VecBenchConfig(seeds=2).threads
        (1, 2)
        >>> Word2VecBenchConfig(variants=("bigger",))
        Traceback (most recent call last):
            ...
        ValueError: unknown variant 'bigger'; choose from: fixed window, subsample once, paper's keep formula, noise may equal target, constant lr, C code's init range, not compiled
    """

    dim: int = 64
    window: int = 5
    negatives: int = 5
    min_count: int = 2
    epochs: int = 10
    sample: float = 1e-3
    seeds: int = 10
    threads: tuple[int, ...] = (1, 2)
    init_range: float = 1.0
    batch_size: int = 1024
    compile: bool = True
    variants: tuple[str, ...] = tuple(VARIANTS)

    def __post_init__(self) -> None:
        for name in ("dim", "window", "negatives", "min_count", "epochs", "seeds", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int of at least 1, got {value!r}")
        if not self.threads or any(t < 1 for t in self.threads):
            raise ValueError(f"threads must be one or more ints of at least 1, got {self.threads!r}")
        if not self.sample > 0:
            raise ValueError(f"sample must be positive, got {self.sample!r}")
        _check_init_range(self.init_range)
        for name in self.variants:
            if name not in VARIANTS:
                raise ValueError(f"unknown variant {name!r}; choose from: {', '.join(VARIANTS)}")


@dataclass
class _Benchmarks:
    wordsim: list[tuple[str, str, float]] = field(
        default_factory=lambda: load_word_pairs(gensim_test_file("wordsim353.tsv")))
    simlex: list[tuple[str, str, float]] = field(
        default_factory=lambda: load_word_pairs(gensim_test_file("simlex999.txt")))
    analogies: list[tuple[str, str, str, str]] = field(default_factory=lambda: [
        q for section in load_analogies(gensim_test_file("questions-words.txt")).values() for q in section])

    def score(self, wv: WordVectors) -> dict[str, float]:
        wordsim, simlex = word_similarity(wv, self.wordsim), word_similarity(wv, self.simlex)
        analogy = analogy_score(wv, self.analogies)
        return {
            "wordsim353": wordsim.spearman, "wordsim353_oov": round(wordsim.oov_rate, 4),
            "simlex999": simlex.spearman, "simlex999_oov": round(simlex.oov_rate, 4),
            "analogy": round(analogy.accuracy, 4), "analogy_coverage": round(analogy.coverage, 4),
        }


def _gensim(sentences: list[list[str]], config: Word2VecBenchConfig, seed: int, threads: int) -> tuple[WordVectors, float]:
    from gensim.models import Word2Vec

    start = time.perf_counter()
    model = Word2Vec(
        sentences, vector_size=config.dim, window=config.window, negative=config.negatives, hs=0,
        min_count=config.min_count, epochs=config.epochs, sample=config.sample, sg=1,
        workers=threads, seed=seed,
    )
    seconds = time.perf_counter() - start
    return WordVectors(list(model.wv.index_to_key), torch.from_numpy(model.wv.vectors.copy())), seconds


def _embedlab(
    sentences: list[list[str]], config: Word2VecBenchConfig, seed: int, **options: Any
) -> tuple[WordVectors, float]:
    from embedlab.sgns import train_sgns

    settings = dict(
        embedding_dim=config.dim, window=config.window, negatives=config.negatives,
        min_count=config.min_count, epochs=config.epochs, sample=config.sample,
        batch_size=config.batch_size, init_range=config.init_range, compile=config.compile,
        seed=seed, device="cpu",
    )
    result = train_sgns(sentences, **{**settings, **options})
    return result.word_vectors(), result.log.seconds


def summarise(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    r"""The mean and the standard deviation over seeds of each metric, per trainer, variant and threads.

    Args:
        runs (list of dict): the ``runs`` of a benchmark result.

    Returns:
        list: one dict per group, with ``<metric>_mean`` and ``<metric>_std`` (0 for one seed).

    Examples::

        >>> runs = [{"trainer": "gensim", "variant": "", "threads": 1, "seed": s,
        ...          "wordsim353": w, "simlex999": 0.0, "analogy": 0.0, "seconds": 1.0,
        ...          "words_per_second": 10.0} for s, w in enumerate([0.1, 0.3])]
        >>> summary, = summarise(runs)
        >>> summary["wordsim353_mean"], round(summary["wordsim353_std"], 4), summary["seeds"]
        (0.2, 0.1414, 2)
    """
    return summarise_over_seeds(runs, ("trainer", "variant", "threads"), METRICS)


def run_word2vec_bench(
    config: Word2VecBenchConfig,
    command: str = "",
    on_run: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    r"""Train and score both trainers with ``config``; return the result as a JSON-ready dict.

    Args:
        config (Word2VecBenchConfig): the settings.
        command (str): the command line, stored in the result.
        on_run (collections.abc.Callable, optional): called with the partial result after each run
            (to save it as it grows).

    Returns:
        dict: ``settings``, ``corpus``, ``environment``, ``compile_seconds``, ``runs``
        (one per trainer, variant, thread count and seed) and their ``summary``.
    """
    import gensim

    sentences = load_lee()
    benchmarks = _Benchmarks()
    threads_before = torch.get_num_threads()
    result: dict[str, Any] = {
        "command": command,
        "settings": asdict(config),
        "environment": {
            "torch": torch.__version__, "gensim": gensim.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(),
            # How idle OpenMP threads wait: spinning ("ACTIVE", the default) costs dearly
            # on a machine whose cores other processes share.
            "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        },
        "compile_seconds": None,
        "runs": [],
    }
    try:
        torch.set_num_threads(config.threads[0])
        if config.compile:
            start = time.perf_counter()
            _embedlab(sentences, replace(config, epochs=1), seed=0)
            result["compile_seconds"] = round(time.perf_counter() - start, 2)
        words = None

        def record(trainer: str, variant: str, threads: int, seed: int, wv: WordVectors, seconds: float) -> None:
            row = {"trainer": trainer, "variant": variant, "threads": threads, "seed": seed,
                   "seconds": round(seconds, 4), "words_per_second": round(words * config.epochs / seconds),
                   "vocabulary": len(wv), **benchmarks.score(wv)}
            result["runs"].append(row)
            result["summary"] = summarise(result["runs"])
            print(f"{trainer:8} {variant or 'default':22} threads {threads} seed {seed}: "
                  f"{row['words_per_second']:>9,} words/s, WordSim353 {row['wordsim353']:+.3f}, "
                  f"SimLex-999 {row['simlex999']:+.3f}", file=sys.stderr, flush=True)
            if on_run is not None:
                on_run(result)

        from embedlab.text import Vocabulary

        vocab = Vocabulary(sentences, min_count=config.min_count)
        words = int(vocab.counts[2:].sum())
        result["corpus"] = {"name": "lee_background.cor", "sentences": len(sentences),
                            "tokens": sum(map(len, sentences)), "words_kept": words,
                            "vocabulary": len(vocab) - 2}
        for threads in config.threads:
            torch.set_num_threads(threads)
            for seed in range(config.seeds):
                # Alternating which runs first spreads any drift of the machine's load evenly.
                order = ("gensim", "embedlab") if seed % 2 == 0 else ("embedlab", "gensim")
                for trainer in order:
                    if trainer == "gensim":
                        wv, seconds = _gensim(sentences, config, seed, threads)
                    else:
                        wv, seconds = _embedlab(sentences, config, seed)
                    record(trainer, "", threads, seed, wv, seconds)
        torch.set_num_threads(config.threads[0])
        for variant in config.variants:
            for seed in range(config.seeds):
                wv, seconds = _embedlab(sentences, config, seed, **VARIANTS[variant])
                record("embedlab", variant, config.threads[0], seed, wv, seconds)
    finally:
        torch.set_num_threads(threads_before)
    return result
