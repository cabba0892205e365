"""The ``bench`` subcommand of ``embedlab``: options, checks, and what it writes."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.atomic import atomic_write
from embedlab.bench.methods import DTYPES, METHODS

if TYPE_CHECKING:
    from embedlab.bench.fasttext import FastTextBenchConfig
    from embedlab.bench.runner import BenchConfig
    from embedlab.bench.word2vec import Word2VecBenchConfig

__all__ = [
    "QUICK",
    "add_bench_parser",
    "add_fasttext_bench_parser",
    "add_word2vec_bench_parser",
    "bench_config",
    "fasttext_bench_config",
    "parse_bytes",
    "positive_int",
    "run_bench_command",
    "run_fasttext_bench_command",
    "run_word2vec_bench_command",
    "word2vec_bench_config",
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


def _add_run_options(
    parser: argparse.ArgumentParser, json_name: str, handler: Callable[..., int], quick: str
) -> argparse.ArgumentParser:
    # What the two gensim comparisons share: where the JSON goes, a smoke run, the handler.
    parser.add_argument("--json", type=Path, default=Path(json_name), metavar="PATH",
                        help="where to write the result (also after each run)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run: {quick}; any of these given as an option is kept")
    parser.set_defaults(handler=handler, command_parser=parser, explicit=frozenset())
    return parser


#: What ``bench-word2vec --quick`` sets, unless the option is given too.
WORD2VEC_QUICK = {"seeds": 1, "epochs": 1, "threads": [1], "variants": [], "compile": False}


def add_word2vec_bench_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``bench-word2vec`` subcommand to ``subparsers``; return its parser."""
    from embedlab.bench.word2vec import VARIANTS

    parser = subparsers.add_parser(
        "bench-word2vec",
        help="embedlab's word2vec against gensim's: quality over seeds and words/s",
        description=(
            "Train gensim's Word2Vec and embedlab.sgns.train_sgns (skip-gram, negative "
            "sampling) on the Lee corpus with the same settings, at each thread count and "
            "seed; score both on WordSim353, SimLex-999 and the analogy questions; train "
            "embedlab with each of word2vec's behaviours switched off; write JSON."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--dim", type=positive_int, default=64, help="vector size")
    parser.add_argument("--window", type=positive_int, default=5, help="largest window on each side")
    parser.add_argument("--negatives", type=positive_int, default=5, help="noise words per pair")
    parser.add_argument("--min-count", type=positive_int, default=2, help="rarer words are dropped")
    parser.add_argument("--epochs", type=positive_int, default=10, action=_Explicit,
                        help="passes over the corpus")
    parser.add_argument("--sample", type=positive_float, default=1e-3, help="subsampling threshold")
    parser.add_argument("--seeds", type=positive_int, default=10, action=_Explicit,
                        help="runs per trainer and thread count")
    parser.add_argument("--threads", type=positive_int, nargs="+", default=[1, 2], action=_Explicit,
                        help="thread counts, each at most the machine's CPUs")
    parser.add_argument("--batch-size", type=positive_int, default=1024, help="embedlab's pairs per step")
    parser.add_argument("--init-range", type=positive_float, default=1.0, metavar="R",
                        help="embedlab's input rows start uniform in [-R/dim, R/dim]: "
                        "1.0 is gensim 4's (the default, so both start alike), 0.5 the C code's")
    parser.add_argument("--no-compile", dest="compile", action="store_false",
                        help="run embedlab's step eagerly instead of with torch.compile")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), action=_Explicit, metavar="NAME",
                        help=f"behaviours to switch off, comma-separated; from: {', '.join(VARIANTS)}")
    return _add_run_options(parser, "embedlab-word2vec.json", run_word2vec_bench_command,
                            "1 seed, 1 epoch, 1 thread, no variants, no compile")


def word2vec_bench_config(args: argparse.Namespace) -> Word2VecBenchConfig:
    """The :class:`~embedlab.bench.word2vec.Word2VecBenchConfig` that parsed ``args`` ask for.

    Raises:
        ValueError: on a thread count above the machine's CPUs, an unknown variant, or
            an output path that cannot be written.

    Examples::

        >>> from embedlab.__main__ import build_parser
        >>> args = build_parser().parse_args(["bench-word2vec", "--quick", "--seeds", "2"])
        >>> config = word2vec_bench_config(args)
        >>> config.seeds, config.epochs, config.threads, config.variants, config.compile
        (2, 1, (1,), (), False)
    """
    from embedlab.bench.word2vec import Word2VecBenchConfig

    chosen = {"seeds": args.seeds, "epochs": args.epochs, "threads": args.threads,
              "variants": [n for value in args.variants for n in value.split(",") if n],
              "compile": args.compile}
    if args.quick:
        kept = args.explicit | ({"compile"} if not args.compile else set())
        chosen.update({name: value for name, value in WORD2VEC_QUICK.items() if name not in kept})
    cpus = os.cpu_count() or 1
    if max(chosen["threads"]) > cpus:
        raise ValueError(f"argument --threads: {max(chosen['threads'])} is more than this machine's {cpus} CPUs")
    _check_output(args.json, "--json")
    try:
        return Word2VecBenchConfig(
            dim=args.dim, window=args.window, negatives=args.negatives, min_count=args.min_count,
            epochs=chosen["epochs"], sample=args.sample, seeds=chosen["seeds"],
            threads=tuple(chosen["threads"]), init_range=args.init_range,
            batch_size=args.batch_size, compile=chosen["compile"],
            variants=tuple(chosen["variants"]),
        )
    except ValueError as err:
        raise ValueError(f"argument --variants: {err}") from None


def run_word2vec_bench_command(
    args: argparse.Namespace, parser: argparse.ArgumentParser, argv: Sequence[str]
) -> int:
    """Run ``embedlab bench-word2vec`` with parsed ``args``; return the exit status.

    Options and the output path are checked before the first run (status 2 with
    argparse's message). The JSON is saved after every run, so a run that fails
    part-way keeps what it measured; it then prints one line on standard error and
    returns 2.
    """
    from embedlab.bench.word2vec import run_word2vec_bench

    def line(row: dict) -> str:
        return (f"{row['trainer']:8} {row['variant'] or 'default':22} threads {row['threads']}: "
                f"{row['words_per_second_mean']:>9,.0f} words/s, "
                f"WordSim353 {row['wordsim353_mean']:+.3f} ± {row['wordsim353_std']:.3f} "
                f"({row['seeds']} seeds)")

    return _run_and_save("bench-word2vec", args, parser, argv, word2vec_bench_config, run_word2vec_bench, line)


def _run_and_save(
    name: str,
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    argv: Sequence[str],
    config_of: Callable[[argparse.Namespace], object],
    run: Callable[..., dict],
    line: Callable[[dict], str],
) -> int:
    # The two gensim comparisons: check the options, run, save the JSON after every
    # run, print one line per summary row; a failure is one line on stderr, status 2.
    from embedlab.bench.report import save_result

    try:
        config = config_of(args)
    except ValueError as err:
        parser.error(str(err))
    command = "embedlab " + shlex.join(argv)
    try:
        result = run(config, command=command, on_run=lambda partial: save_result(partial, args.json))
        for row in result["summary"]:
            print(line(row))
        print(f"wrote {save_result(result, args.json)}")
    except (Exception, MemoryError) as err:  # noqa: BLE001
        sys.stdout.flush()
        kept = f"; the runs measured before are in {args.json}" if args.json.exists() else ""
        message = " ".join(str(err).split()) or "no message"
        print(f"embedlab {name}: error: {type(err).__name__}: {message}{kept}", file=sys.stderr)
        return 2
    return 0


#: What ``bench-fasttext --quick`` sets, unless the option is given too.
FASTTEXT_QUICK = {"seeds": 1, "epochs": 1, "documents": 100, "held_out": 20}


def add_fasttext_bench_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``bench-fasttext`` subcommand to ``subparsers``; return its parser."""
    parser = subparsers.add_parser(
        "bench-fasttext",
        help="embedlab's subword model against gensim's FastText: unseen words, over seeds, and words/s",
        description=(
            "Hold words out of the Lee corpus; train gensim's FastText and "
            "embedlab.subword.train_subword (skip-gram, negative sampling, hashed character "
            "n-grams) on the rest with the same settings, one thread, several seeds; score "
            "how the held-out words' vectors predict their contexts, how often unseen +s forms "
            "keep their stem among the 10 nearest words, and WordSim353 and SimLex-999 with "
            "n-gram vectors for words out of the vocabulary; write JSON."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--dim", type=positive_int, default=64, help="vector size")
    parser.add_argument("--buckets", type=positive_int, default=2**18, help="hashed n-gram rows")
    parser.add_argument("--epochs", type=positive_int, default=5, action=_Explicit, help="passes over the corpus")
    parser.add_argument("--lr", type=positive_float, default=0.05, help="starting learning rate of both")
    parser.add_argument("--seeds", type=positive_int, default=5, action=_Explicit, help="runs per trainer")
    parser.add_argument("--held-out", type=positive_int, default=100, action=_Explicit,
                        help="words removed from the training text")
    parser.add_argument("--documents", type=positive_int, default=None, action=_Explicit,
                        help="use the first N of the corpus's 300 documents (default: all)")
    return _add_run_options(parser, "embedlab-fasttext.json", run_fasttext_bench_command,
                            "1 seed, 1 epoch, 100 documents, 20 words held out")


def fasttext_bench_config(args: argparse.Namespace) -> FastTextBenchConfig:
    """The :class:`~embedlab.bench.fasttext.FastTextBenchConfig` that parsed ``args`` ask for.

    Raises:
        ValueError: on a value :class:`~embedlab.bench.fasttext.FastTextBenchConfig`
            refuses, or an output path that cannot be written.

    Examples::

        >>> from embedlab.__main__ import build_parser
        >>> args = build_parser().parse_args(["bench-fasttext", "--quick", "--seeds", "2"])
        >>> config = fasttext_bench_config(args)
        >>> config.seeds, config.epochs, config.documents, config.dim
        (2, 1, 100, 64)
    """
    from embedlab.bench.fasttext import FastTextBenchConfig

    chosen = {name: getattr(args, name) for name in FASTTEXT_QUICK}
    if args.quick:
        chosen.update({name: value for name, value in FASTTEXT_QUICK.items() if name not in args.explicit})
    _check_output(args.json, "--json")
    try:
        return FastTextBenchConfig(dim=args.dim, buckets=args.buckets, lr=args.lr, **chosen)
    except ValueError as err:
        raise ValueError(f"argument --{str(err).split()[0].replace('_', '-')}: {err}") from None


def run_fasttext_bench_command(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: Sequence[str]) -> int:
    """Run ``embedlab bench-fasttext`` with parsed ``args``; return the exit status (see
    :func:`run_word2vec_bench_command`)."""
    from embedlab.bench.fasttext import run_fasttext_bench

    def line(row: dict) -> str:
        return (f"{row['trainer']:8} {row['variant'] or 'default':9}: "
                f"{row['words_per_second_mean']:>8,.0f} words/s, "
                f"context {row['context_mean']:.3f} ± {row['context_std']:.3f}, "
                f"stem in top 10 {row['stem_top10_mean']:.1%} ({row['seeds']} seeds)")

    return _run_and_save("bench-fasttext", args, parser, argv, fasttext_bench_config, run_fasttext_bench, line)


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
