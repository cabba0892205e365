"""Build the book the one way the project builds it: every chapter executed, warnings fatal.

Usage: ``python -m tools.build [--path-output DIR]``. Used by ``make book`` and by the
test that builds the book, so that both run exactly the same build.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from tools.bookcheck import ROOT

#: Re-run every page (``--all``), treat warnings as errors (``-W``), check every cross
#: reference (``-n``), and report all warnings before failing (``--keep-going``).
BUILD_FLAGS = ("--all", "--warningiserror", "--nitpick", "--keep-going")


def build_book(source: Path = ROOT, path_output: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``jupyter-book build`` on ``source`` and return the finished process (output captured)."""
    command = ["jupyter-book", "build", str(source), *BUILD_FLAGS]
    if path_output is not None:
        command += ["--path-output", str(path_output)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path-output", type=Path, default=None, help="where _build goes (default: the book root)")
    args = parser.parse_args(argv)
    result = build_book(path_output=args.path_output)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
