r"""The roofline model: what limits a call, arithmetic or memory.

A call that performs ``F`` floating-point operations and must move ``Q`` bytes between
the processor and main memory has an *arithmetic intensity* ``I = F / Q`` FLOPs per
byte. On a machine that computes at most ``P`` FLOP/s (the compute roof) and moves at
most ``beta`` bytes per second (the memory bandwidth), the call cannot attain more than

.. math::

    \min(P, \; \beta I) \quad \text{FLOP/s},

the *roofline* (Williams, Waterman and Patterson, 2009). Left of the ridge point
``I = P / beta`` the slope ``beta I`` is lower: memory limits the call. Right of it the
flat roof is lower: arithmetic does.

Both figures must describe the same hardware: this module measures the compute roof
as the best speed of square float32 matrix products on a given number of threads, and
:func:`embedlab.bench.bandwidth.measure_bandwidth` measures the bandwidth on a given
number of threads; a roofline uses the two from the same thread count.

``Q`` counts only the bytes that must move: each input read once and each output
written once, as with a perfect cache. Temporaries that a better implementation could
keep in cache (the one-hot matrix) are not counted, so the roofline is a true upper
bound on what the call could attain.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.utils.benchmark import Timer

from embedlab.onehot import onehot_cost

__all__ = [
    "attainable",
    "measure_gemm_peak",
    "onehot_must_move",
    "onehot_points",
    "ridge_point",
]


def measure_gemm_peak(
    sizes: Sequence[int] = (256, 512, 1024),
    threads: int = 1,
    device: torch.device | str = "cpu",
    min_run_time: float = 0.2,
) -> float:
    """The compute roof: the best FLOP/s of square float32 matrix products.

    A large square product is the most arithmetic-dense call PyTorch makes, so its
    speed is the practical peak of the machine on ``threads`` threads. A peak is a
    best case: each size is timed in blocks
    (``blocked_autorange`` of :class:`torch.utils.benchmark.Timer`), and the fastest block of
    the fastest size counts, so that load from other processes lowers it as little
    as it can.

    Args:
        sizes (list of int): the sizes ``n`` of the ``n`` x ``n`` products to try.
            Default: 256, 512 and 1024.
        threads (int): intra-op threads PyTorch may use. Default: 1.
        device: where the matrices live. Default: the CPU.
        min_run_time (float): seconds to time each size for, at least. Default: 0.2.

    Returns:
        float: the largest ``2 * n**3`` FLOPs over the time of one product.

    Examples::

        >>> measure_gemm_peak(sizes=(64,), min_run_time=0.01) > 0
        True
    """
    generator = torch.Generator().manual_seed(0)
    best = 0.0
    for n in sizes:
        a = torch.randn(n, n, generator=generator).to(device)
        b = torch.randn(n, n, generator=generator).to(device)
        out = torch.empty(n, n, device=device)
        timer = Timer(
            stmt="torch.mm(a, b, out=out)",
            globals={"torch": torch, "a": a, "b": b, "out": out},
            num_threads=threads,
        )
        measurement = timer.blocked_autorange(min_run_time=min_run_time)
        best = max(best, 2 * n**3 / min(measurement.times))
    return best


def onehot_must_move(
    batch: int, vocab: int, dim: int, itemsize: int = 4, index_itemsize: int = 8
) -> int:
    """Bytes the one-hot product must move: read the ids and the table, write the output.

    The one-hot matrix is not counted: it is built from the ids and could stay in cache.

    Examples::

        >>> onehot_must_move(batch=2, vocab=10, dim=3)
        160
    """
    return batch * index_itemsize + vocab * dim * itemsize + batch * dim * itemsize


def ridge_point(peak_flops: float, bandwidth: float) -> float:
    """The arithmetic intensity, in FLOPs per byte, where the roof meets the slope.

    Examples::

        >>> ridge_point(100e9, 25e9)
        4.0
    """
    return peak_flops / bandwidth


def attainable(intensity: float, peak_flops: float, bandwidth: float) -> float:
    """The roofline: the most FLOP/s a call of this ``intensity`` can attain.

    Examples::

        >>> attainable(1.0, 100e9, 25e9), attainable(10.0, 100e9, 25e9)
        (25000000000.0, 100000000000.0)
    """
    return min(peak_flops, bandwidth * intensity)


def onehot_points(result: dict, method: str = "onehot") -> dict[int, tuple[float, float]]:
    """The one-hot product of a benchmark result as roofline points, by ``V``.

    Args:
        result (dict): a benchmark result (:func:`embedlab.bench.runner.run_bench`).
        method (str): the one-hot method's name. Default: ``"onehot"``.

    Returns:
        dict: ``{V: (intensity, attained)}``, the arithmetic intensity in FLOPs per
        must-move byte and the attained FLOP/s (the product's :math:`2BVD` FLOPs over
        its median time), for each size the method ran at.

    Examples::

        >>> result = {"config": {"batch": 4, "dim": 2, "dtype": "float32"},
        ...           "results": [{"method": "onehot", "vocab": 10, "status": "ok",
        ...                        "median_s": 1e-6}]}
        >>> onehot_points(result)
        {10: (1.1111111111111112, 160000000.0)}
    """
    batch, dim = result["config"]["batch"], result["config"]["dim"]
    itemsize = torch.empty((), dtype=getattr(torch, result["config"]["dtype"])).element_size()
    points = {}
    for record in result["results"]:
        if record["method"] == method and record["status"] == "ok":
            vocab = record["vocab"]
            flops = onehot_cost(batch, vocab, dim, itemsize).flops
            moved = onehot_must_move(batch, vocab, dim, itemsize)
            points[vocab] = (flops / moved, flops / record["median_s"])
    return points
