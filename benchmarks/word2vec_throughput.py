"""Measure word2vec training throughput (corpus words per second) at several thread counts.

Trains skip-gram (or CBOW) on the generated corpus with the chapter's settings, for each
thread count given, several times, and prints the median and the range of the
words-per-second figures of :class:`embedlab.word2vec.TrainingLog`. Corpus preparation
(vocabulary, pairs) is not timed.

Run from the repository root::

    python -m benchmarks.word2vec_throughput                      # 1 and 2 threads, about a minute
    python -m benchmarks.word2vec_throughput --threads 1 2 4 --repeats 5
    python -m benchmarks.word2vec_throughput --device cuda --batch-size 4096
"""

from __future__ import annotations

import argparse
import platform
import statistics

import torch

from embedlab.corpus import generate_corpus
from embedlab.word2vec import train_word2vec


def measure(sentences: list[list[str]], threads: int, repeats: int, **settings: object) -> list[float]:
    """Words per second of ``repeats`` training runs with ``threads`` intra-op threads."""
    torch.set_num_threads(threads)
    return [train_word2vec(sentences, seed=repeat, **settings).log.words_per_second for repeat in range(repeats)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--mode", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--optimizer", choices=["sparse_adam", "sgd"], default="sparse_adam")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    corpus = generate_corpus(args.sentences, seed=0)
    settings = {
        "mode": args.mode,
        "embedding_dim": 32,
        "window": 3,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "device": args.device,
    }
    print(
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, device {args.device}; "
        f"{corpus.num_tokens:,} words x {args.epochs} epochs, {args.mode}, {args.optimizer}, "
        f"batch {args.batch_size}, {args.repeats} runs each"
    )
    train_word2vec(corpus.sentences[:500], **{**settings, "epochs": 1})  # warm-up
    print(f"{'threads':>7} {'median words/s':>15} {'min':>10} {'max':>10}")
    for threads in args.threads:
        rates = measure(corpus.sentences, threads, args.repeats, **settings)
        print(f"{threads:>7} {statistics.median(rates):>15,.0f} {min(rates):>10,.0f} {max(rates):>10,.0f}")


if __name__ == "__main__":
    main()
