"""Time ways of adding rows into a gradient, summing repeated ids, against ``np.add.at``.

Every candidate computes ``np.add.at(dW, ids, dout)`` for ``B`` ids drawn
uniformly from ``[0, V)`` and rows of width ``D``; each is checked against it
before it is timed. The table holds the median over repeats, in milliseconds.

Run from the repository root (``-m`` puts it on the path, so embedlab need not be installed)::

    python -m benchmarks.scatter_add           # about two minutes
    python -m benchmarks.scatter_add --quick   # a few seconds
"""

from __future__ import annotations

import argparse
import statistics
import timeit
from collections.abc import Callable

import numpy as np

from embedlab.scratch import scatter_add_rows

Scatter = Callable[[np.ndarray, np.ndarray, np.ndarray], object]


def flat_offsets(ids: np.ndarray, d: int) -> np.ndarray:
    """The positions of the elements of rows ``ids`` in ``dW.reshape(-1)``."""
    return (ids.astype(np.intp)[:, None] * d + np.arange(d)).reshape(-1)


def add_at_2d(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> None:
    np.add.at(dW, ids, dout)


def add_at_flat(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> None:
    np.add.at(dW.reshape(-1), flat_offsets(ids, dW.shape[1]), dout.reshape(-1))


def bincount_flat(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> None:
    # Builds a float64 array as large as dW: 1 GB at V = 1e6, D = 128.
    dW += np.bincount(flat_offsets(ids, dW.shape[1]), dout.reshape(-1), minlength=dW.size).reshape(dW.shape)


def unique_bincount(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> None:
    rows, inverse = np.unique(ids, return_inverse=True)
    sums = np.bincount(flat_offsets(inverse, dW.shape[1]), dout.reshape(-1), minlength=rows.size * dW.shape[1])
    dW[rows] += sums.reshape(rows.size, -1)


def sort_reduceat(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> None:
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    dW[sorted_ids[starts]] += np.add.reduceat(dout[order], starts, axis=0)


def unique_one_hot_matmul(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> None:
    rows, inverse = np.unique(ids, return_inverse=True)
    one_hot = (np.arange(rows.size)[:, None] == inverse).astype(dout.dtype)  # (U, B)
    dW[rows] += one_hot @ dout


def unique_add_at(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> None:
    rows, inverse = np.unique(ids, return_inverse=True)
    sums = np.zeros((rows.size, dW.shape[1]), dW.dtype)
    np.add.at(sums, inverse, dout)
    dW[rows] += sums


CANDIDATES: dict[str, Scatter] = {
    "np.add.at 2-D": add_at_2d,
    "np.add.at flat": add_at_flat,
    "np.bincount flat": bincount_flat,
    "np.unique + bincount": unique_bincount,
    "argsort + add.reduceat": sort_reduceat,
    "np.unique + one-hot @": unique_one_hot_matmul,
    "np.unique + add.at": unique_add_at,
    "scatter_add_rows": scatter_add_rows,
}
BINCOUNT_MAX_SIZE = 2**24  # above this, bincount_flat's V * D float64 buffer dominates (and costs GBs)


def time_all(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray, number: int, repeat: int) -> dict[str, float]:
    """Median ms per call of each candidate that fits, timed in interleaved rounds.

    Interleaving (round 1 of each, then round 2 of each, ...) spreads any load
    from other processes over all candidates instead of landing on one.
    """
    fits = {name: fn for name, fn in CANDIDATES.items() if fn is not bincount_flat or dW.size <= BINCOUNT_MAX_SIZE}
    times: dict[str, list[float]] = {name: [] for name in fits}
    for _ in range(repeat):
        for name, fn in fits.items():
            times[name].append(timeit.timeit(lambda: fn(dW, ids, dout), number=number) / number)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke test")
    parser.add_argument("--batch", type=int, default=4096, help="number of ids B (default 4096)")
    parser.add_argument("--dim", type=int, default=128, help="row width D (default 128)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    number, repeat = (1, 3) if args.quick else (5, 15)
    exponents = range(2, 7)
    rng = np.random.default_rng(args.seed)

    table: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    for k in exponents:
        V = 10**k
        ids = rng.integers(0, V, size=args.batch)
        dout = rng.standard_normal((args.batch, args.dim), dtype=np.float32)
        expected = np.zeros((V, args.dim), np.float32)
        np.add.at(expected, ids, dout)
        dW = np.empty_like(expected)
        for name, fn in CANDIDATES.items():
            if fn is bincount_flat and dW.size > BINCOUNT_MAX_SIZE:
                continue
            dW[...] = 0
            fn(dW, ids, dout)
            np.testing.assert_allclose(dW, expected, atol=1e-4, err_msg=name)
        medians = time_all(dW, ids, dout, number, repeat)
        for name in CANDIDATES:
            table[name].append(medians.get(name, float("nan")))

    print(f"median ms over {repeat} rounds of {number} calls; B = {args.batch} ids, D = {args.dim}, float32, "
          f"NumPy {np.__version__}")
    ratio_label = "np.add.at 2-D / scatter_add_rows"
    width = len(ratio_label) + 2
    print("V".ljust(width) + "".join(f"{'1e' + str(k):>9}" for k in exponents))
    for name, times in table.items():
        print(name.ljust(width) + "".join("        -" if np.isnan(t) else f"{t:9.2f}" for t in times))
    ratios = np.array(table["np.add.at 2-D"]) / np.array(table["scatter_add_rows"])
    print(ratio_label.ljust(width) + "".join(f"{r:8.1f}x" for r in ratios))


if __name__ == "__main__":
    main()
