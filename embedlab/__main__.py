"""The ``embedlab`` command: ``embedlab bench``, ``embedlab bench-word2vec`` and
``embedlab bench-fasttext`` (or
``python -m embedlab ...``).

Each subcommand adds its own parser, so later commands slot in beside ``bench``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``embedlab`` command, with one subparser per subcommand."""
    from embedlab import __version__
    from embedlab.bench.cli import add_bench_parser, add_fasttext_bench_parser, add_word2vec_bench_parser

    parser = argparse.ArgumentParser(prog="embedlab", description="Tools that come with the embedlab book.")
    parser.add_argument("--version", action="version", version=f"embedlab {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    add_bench_parser(subparsers)
    add_word2vec_bench_parser(subparsers)
    add_fasttext_bench_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``embedlab`` command with ``argv`` (default: the process's arguments).

    Returns:
        int: the exit status: 0 on success. Bad options exit with status 2 (argparse's
        :class:`SystemExit`), with a message naming the option, the value and what is allowed.
    """
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    # Each subcommand's parser stores itself, so that its errors show its own usage line.
    return args.handler(args, args.command_parser, argv)


if __name__ == "__main__":
    raise SystemExit(main())
