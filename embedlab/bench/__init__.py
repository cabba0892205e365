"""Measured, not claimed: the benchmark behind the chapter *Why a lookup wins*.

``embedlab bench`` (or ``python -m embedlab bench``) times every way of looking rows
up, side by side in one run, at several vocabulary sizes: the one-hot matrix product,
NumPy indexing, :func:`torch.index_select`, :func:`torch.nn.functional.embedding` and
:func:`embedlab.functional.embedding`, forward and forward + backward with dense and
sparse gradients, NumPy's two backward passes and the cost of ``max_norm``. It measures
each call's peak memory and the machine's memory bandwidth, and records, for every
call, the time its modelled bytes take at that bandwidth as a fraction of its time:
an estimate, not a lower bound, since the model counts temporaries that can stay in
cache (:mod:`embedlab.bench.roofline` counts only the bytes that must move).

The modules, one idea each:

- :mod:`embedlab.bench.methods`: what is timed, and the bytes each call must move;
- :mod:`embedlab.bench.timing`: interleaved blocks timed with :class:`torch.utils.benchmark.Timer`;
- :mod:`embedlab.bench.memory`: peak memory per call;
- :mod:`embedlab.bench.bandwidth`: copy and triad bandwidth, and the cost of a first touch;
- :mod:`embedlab.bench.runner`: :func:`~embedlab.bench.runner.run_bench` and its
  :class:`~embedlab.bench.runner.BenchConfig`;
- :mod:`embedlab.bench.report`: the printed table, ratios, slopes and the JSON file;
- :mod:`embedlab.bench.roofline`: the compute roof, must-move bytes and roofline points;
- :mod:`embedlab.bench.steps`: whole training steps, dense Adam against SparseAdam;
- :mod:`embedlab.bench.cli`: the command line.

The result is a dictionary (written as JSON) with the keys ``schema``, ``command``,
``config``, ``machine`` (platform, CPU, torch and NumPy versions, device, threads),
``bandwidth``, ``memory_note``, ``wall_s``, ``complete`` (``False`` in the copy
``embedlab bench`` saves after each vocabulary size, ``True`` once the run has ended)
and ``results``: one record per method and
vocabulary size, with ``status`` ``"ok"`` (and ``median_s``, ``q1_s``, ``q3_s``,
``iqr_s``, ``times_s``, ``bytes_moved``, ``peak_bytes``, ``bound_s``,
``fraction_of_bound``) or ``"skipped"`` (and a ``note`` saying why).
"""

from embedlab.bench.bandwidth import measure_bandwidth
from embedlab.bench.methods import DTYPES, METHODS
from embedlab.bench.report import COMPARISONS, fit_slope, format_report, load_result, ratio, save_result, series
from embedlab.bench.runner import SCHEMA, BenchConfig, run_bench

__all__ = [
    "COMPARISONS",
    "DTYPES",
    "METHODS",
    "SCHEMA",
    "BenchConfig",
    "fit_slope",
    "format_report",
    "load_result",
    "measure_bandwidth",
    "ratio",
    "run_bench",
    "save_result",
    "series",
]
