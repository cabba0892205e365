"""Time embedlab.functional.embedding against torch.nn.functional.embedding, side by side.

Prints one table of medians (microseconds) and the ratio embedlab / torch for
the forward pass, forward + backward with dense and with sparse gradients, and
the forward pass with ``max_norm``. This is a report, not a test: nothing fails.

Usage::

    python -m benchmarks.embedding_parity               # from the repository root; V = 1e3 .. 1e6, 1 and 2 threads
    python -m benchmarks.embedding_parity --quick       # a few seconds, for a smoke run
    python -m benchmarks.embedding_parity --threads 1 --vocab 1000 100000
"""

from __future__ import annotations

import argparse
import math
import platform

import torch
import torch.nn.functional as F
from torch.utils.benchmark import Timer

import embedlab.functional as F_el

IMPLEMENTATIONS = {"torch": F.embedding, "embedlab": F_el.embedding}

# Each case is one statement, run with ``emb`` bound to one implementation.
# ``.sum().backward()`` is deliberate: it hands the backward an expanded (stride-0)
# gradient, the common case in tutorials and the one a naive scatter-add is slow on.
# ``w.grad = None`` keeps gradient accumulation out of the measurement for both.
CASES = {
    "forward": "emb(ids, w)",
    "fwd+bwd dense": "w.grad = None; emb(ids, w).sum().backward()",
    "fwd+bwd sparse": "w.grad = None; emb(ids, w, sparse=True).sum().backward()",
    # With max_norm the first call scales the looked-up rows down to max_norm and
    # later calls would find nothing to scale, timing only the norm computation.
    # To time the real work every call, both implementations first put back the
    # original (over-norm) rows, a 4096-row index_copy_ they pay equally. Cloning
    # the whole weight instead would swamp the figure at V = 1e6 (512 MB per call).
    # The shared restore makes the ratio conservative, i.e. unfavourable to embedlab.
    "forward max_norm": "w.data.index_copy_(0, rows, saved); emb(ids, w, max_norm=max_norm)",
}


def measure(stmt: str, env: dict, threads: int, min_run_time: float) -> float:
    """Median seconds per run of ``stmt``."""
    timer = Timer(stmt=stmt, globals=env, num_threads=threads)
    return timer.blocked_autorange(min_run_time=min_run_time).median


def run(
    vocab_sizes: list[int], threads_list: list[int], batch: int, dim: int, min_run_time: float, rounds: int
) -> None:
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"B={batch}, D={dim}, float32; best of {rounds} alternating rounds of "
          f"torch.utils.benchmark blocked_autorange medians")
    header = f"{'V':>9} {'thr':>3}  {'case':<17} {'torch us':>11} {'embedlab us':>12} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for vocab in vocab_sizes:
        generator = torch.Generator().manual_seed(0)
        w = torch.randn(vocab, dim, generator=generator).requires_grad_()
        ids = torch.randint(0, vocab, (batch,), generator=generator)
        rows = ids.unique()
        saved = w.detach()[rows].clone()
        # A third of the typical row norm (about sqrt(dim)), so most looked-up rows get scaled.
        max_norm = dim**0.5 / 3
        for threads in threads_list:
            for case, stmt in CASES.items():
                # The two implementations take turns for several rounds and each keeps its
                # best median: on a shared machine a round that another process disturbed
                # is then dropped for both alike instead of skewing the ratio.
                medians = {name: math.inf for name in IMPLEMENTATIONS}
                for _ in range(rounds):
                    for name, fn in IMPLEMENTATIONS.items():
                        env = {"emb": fn, "w": w, "ids": ids, "rows": rows, "saved": saved, "max_norm": max_norm}
                        medians[name] = min(medians[name], measure(stmt, env, threads, min_run_time))
                        w.grad = None
                with torch.no_grad():
                    w.index_copy_(0, rows, saved)
                ratio = medians["embedlab"] / medians["torch"]
                print(f"{vocab:>9} {threads:>3}  {case:<17} {medians['torch'] * 1e6:>11.1f} "
                      f"{medians['embedlab'] * 1e6:>12.1f} {ratio:>6.2f}", flush=True)
        del w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, nargs="+", default=[10**3, 10**4, 10**5, 10**6],
                        help="numbers of embeddings V to time (default: 1e3 1e4 1e5 1e6)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="intra-op thread counts to time (default: 1 2)")
    parser.add_argument("--batch", type=int, default=4096, help="ids per lookup B (default: 4096)")
    parser.add_argument("--dim", type=int, default=128, help="embedding_dim D (default: 128)")
    parser.add_argument("--min-run-time", type=float, default=0.5,
                        help="seconds blocked_autorange spends per measurement (default: 0.5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds per measurement; the best median is kept (default: 3)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny smoke run: V = 1e3 and 1e4, 1 thread, short measurements")
    args = parser.parse_args()
    if args.quick:
        args.vocab, args.threads, args.min_run_time, args.rounds = [10**3, 10**4], [1], 0.05, 1
    run(args.vocab, args.threads, args.batch, args.dim, args.min_run_time, args.rounds)


if __name__ == "__main__":
    main()
