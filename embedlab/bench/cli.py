"""The ``bench`` subcommand of ``embedlab``: options, checks, and what it writes."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.atomic import atomic_write
from embedlab.bench.methods import DTYPES, METHODS

if TYPE_CHECKING:
    from embedlab.bench.runner import BenchConfig

__all__ = [
    "QUICK",
    "add_bench_parser",
    "bench_config",
    "parse_bytes",
    "positive_int",
    "run_bench_command",
]

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def positive_int(text: str) -> int:
    """An integer of at least 1, written plainly (``10000``, ``10_000``) or as ``1e4``.

    Examples::

        >>> positive_int("1e4"), positive_int("10_000")
        (10000, 10000)
        >>> positive_int("-5")
        Traceback (most recent call last):
            ...
        argparse.ArgumentTypeError: '-5' is not a positive integer
    """
    try:
        value = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        value = int(number) if number.is_integer() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


def positive_float(text: str) -> float:
    """A finite number greater than 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def parse_bytes(text: str) -> int:
    """A size in bytes, with an optional unit: ``2GiB``, ``512MiB``, ``1.5GB``, ``4096``.

    Examples::

        >>> parse_bytes("2GiB"), parse_bytes("1.5 GB"), parse_bytes("4096")
        (2147483648, 1500000000, 4096)
        >>> parse_bytes("lots")
        Traceback (most recent call last):
            ...
        argparse.ArgumentTypeError: 'lots' is not a size; write e.g. 2GiB, 512MiB, 1.5GB or 4096
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else None
    if not match or unit not in _UNITS or float(match.group(1)) * _UNITS[unit] < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write e.g. 2GiB, 512MiB, 1.5GB or 4096")
    return int(float(match.group(1)) * _UNITS[unit])


def _method_names(values: Sequence[str]) -> list[str]:
    names = [name for value in values for name in value.split(",") if name]
    for name in names:
        if name not in METHODS:
            raise argparse.ArgumentTypeError(f"unknown method {name!r}; choose from: {', '.join(METHODS)}")
    return names


class _Explicit(argparse.Action):
    """Store the value and remember that it was given, so that ``--quick`` keeps it."""

    def __call__(  # type: ignore[override]
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        namespace.explicit = {*namespace.explicit, self.dest}


#: What ``--quick`` sets, unless the option is given too.
QUICK = {
    "vocab": [10**3, 10**4],
    "batch": 1024,
    "dim": 64,
    "repeats": 3,
    "block_time": 0.005,
    "bandwidth_size": 64 * 2**20,
}


def _check_output(
    path: Path, option: str, suffixes: Sequence[str] | None = None
) -> None:
    # Checked before the run, which may take minutes: a path that cannot be written
    # would otherwise be found out only at the end, with every measurement lost.
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a folder; expected the path of a file")
    if suffixes is not None and path.suffix.lower().lstrip(".") not in suffixes:
        raise ValueError(
            f"{option} {path}: unknown figure format {path.suffix!r}; "
            f"end it in one of: {', '.join('.' + s for s in suffixes)}"
        )
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"{option} {path}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: cannot write in {ancestor}")


def _figure_formats() -> list[str]:
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def add_bench_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``bench`` subcommand to ``subparsers``; return its parser."""
    parser = subparsers.add_parser(
        "bench",
        help="time and measure every way of looking rows up, side by side",
        description=(
            "Time the one-hot product, NumPy indexing, index_select, F.embedding and "
            "embedlab.functional.embedding (forward, forward+backward dense and sparse, "
            "max_norm) and NumPy's backward passes, side by side, at several vocabulary sizes; "
            "measure peak memory per call and the memory bandwidth; print a table and write "
            "JSON and a PNG plot."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--vocab", type=positive_int, nargs="+", action=_Explicit,
                        default=[10**3, 10**4, 10**5, 10**6], metavar="V",
                        help="vocabulary sizes (1e5 notation accepted)")
    parser.add_argument("--batch", type=positive_int, default=4096, metavar="B",
                        action=_Explicit, help="ids per call")
    parser.add_argument("--dim", type=positive_int, default=128, metavar="D",
                        action=_Explicit, help="embedding_dim")
    parser.add_argument("--dtype", choices=list(DTYPES), default="float32", help="dtype of the table")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:<index>")
    parser.add_argument("--threads", type=positive_int, default=1,
                        help="intra-op threads for PyTorch, at most the machine's CPUs")
    parser.add_argument("--repeats", type=positive_int, default=7, action=_Explicit,
                        help="timed blocks per method and size")
    parser.add_argument("--block-time", type=positive_float, default=0.02, metavar="SECONDS",
                        action=_Explicit, help="seconds per timed block")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), metavar="NAME",
                        help=f"methods to run, space- or comma-separated; choose from: {', '.join(METHODS)}")
    parser.add_argument("--memory-budget", type=parse_bytes, default="2GiB", metavar="SIZE",
                        help="skip the methods and sizes that would need more memory "
                        "than this")
    parser.add_argument("--bandwidth-size", type=parse_bytes, default="512MiB", metavar="SIZE",
                        action=_Explicit,
                        help="size of each array of the bandwidth measurement")
    parser.add_argument("--no-memory", action="store_true", help="do not measure peak memory")
    parser.add_argument("--no-bandwidth", action="store_true", help="do not measure the memory bandwidth")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random table and ids")
    parser.add_argument("--json", type=Path, default=Path("embedlab-bench.json"), metavar="PATH",
                        help="where to write the result (also after each size)")
    parser.add_argument("--plot", type=Path, default=Path("embedlab-bench.png"), metavar="PATH",
                        help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run in seconds: V = 1e3 1e4, B = 1024, D = 64, "
                        "3 blocks of 5 ms, 64 MiB arrays; any of these sizes given as "
                        "an option is kept")
    parser.set_defaults(
        handler=run_bench_command, command_parser=parser, explicit=frozenset()
    )
    return parser


def bench_config(args: argparse.Namespace) -> BenchConfig:
    """The :class:`~embedlab.bench.runner.BenchConfig` that parsed ``args`` ask for.

    ``--quick`` sets :data:`QUICK`'s sizes, except those given on the command line.

    Raises:
        ValueError: if an option is not allowed (``--methods``, or a value
            :class:`~embedlab.bench.runner.BenchConfig` refuses) or an output path
            cannot be written.

    Examples::

        >>> from embedlab.__main__ import build_parser
        >>> args = build_parser().parse_args(["bench", "--quick", "--dim", "8"])
        >>> config = bench_config(args)
        >>> config.vocab, config.batch, config.dim, config.repeats
        ((1000, 10000), 1024, 8, 3)
    """
    from embedlab.bench.runner import BenchConfig

    try:
        methods = _method_names(args.methods)
    except argparse.ArgumentTypeError as err:
        raise ValueError(f"argument --methods: {err}") from None
    sizes = {name: getattr(args, name) for name in QUICK}
    if args.quick:
        kept = args.explicit
        sizes.update({name: value for name, value in QUICK.items() if name not in kept})
    _check_output(args.json, "--json")
    if not args.no_plot:
        if args.plot.absolute() == args.json.absolute():
            raise ValueError(
                f"--plot and --json are both {args.json}: give them different paths"
            )
        _check_output(args.plot, "--plot", _figure_formats())
    return BenchConfig(
        vocab=tuple(sizes["vocab"]),
        batch=sizes["batch"],
        dim=sizes["dim"],
        dtype=args.dtype,
        device=args.device,
        threads=args.threads,
        repeats=sizes["repeats"],
        block_time=sizes["block_time"],
        methods=tuple(methods),
        memory_budget=args.memory_budget,
        memory=not args.no_memory,
        bandwidth=not args.no_bandwidth,
        bandwidth_bytes=sizes["bandwidth_size"],
        seed=args.seed,
    )


def run_bench_command(
    args: argparse.Namespace, parser: argparse.ArgumentParser, argv: Sequence[str]
) -> int:
    """Run ``embedlab bench`` with parsed ``args``; return the exit status.

    Every option and output path is checked before the first measurement; a bad one
    exits with status 2 and argparse's usage and message. The result is saved after
    each vocabulary size, so a run that fails part-way keeps what it measured; it
    then prints one line on standard error and returns 2.
    """
    from embedlab.bench.report import format_report, save_result
    from embedlab.bench.runner import run_bench

    try:
        config = bench_config(args)
    except ValueError as err:
        parser.error(str(err))
    command = "embedlab " + shlex.join(argv)
    try:
        result = run_bench(config, progress=not args.no_progress, command=command,
                           on_size=lambda partial: save_result(partial, args.json))
        print(format_report(result))
        path = save_result(result, args.json)
        print(f"wrote {path}")
        if not args.no_plot:
            import matplotlib

            matplotlib.use("Agg")
            from embedlab.plot.bench import plot_bench

            figure = plot_bench(result)
            if args.plot.parent != Path():
                args.plot.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(args.plot, "wb") as file:
                figure_format = args.plot.suffix.lstrip(".").lower()
                figure.savefig(file, format=figure_format, dpi=120)
            print(f"wrote {args.plot}")
    # Whatever fails (the allocator, a device, the disk) is reported in one line, not
    # a traceback; MemoryError is listed because it is what a run most often meets.
    except (Exception, MemoryError) as err:  # noqa: BLE001
        sys.stdout.flush()
        kept = ""
        if args.json.exists():
            kept = f"; the sizes measured before are in {args.json}"
        message = " ".join(str(err).split()) or "no message"
        name = type(err).__name__
        print(f"embedlab bench: error: {name}: {message}{kept}", file=sys.stderr)
        return 2
    sys.stdout.flush()
    return 0
