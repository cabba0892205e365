"""Re-execute chapter notebooks in place, storing their outputs reproducibly.

Usage: ``python -m tools.refresh [NOTEBOOK ...]`` (default: every notebook listed in
``_toc.yml``). Running it twice gives byte-identical files: no timing metadata is
recorded, every chapter seeds its random sources, and the outputs of cells tagged
``nbval-ignore-output`` (timings, the device name: whatever depends on the machine)
are not stored. Those cells are still executed, and their outputs appear in the
built book and whenever a reader runs the notebook.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from embedlab.atomic import atomic_write
from tools.bookcheck import shown, toc_notebooks
from tools.chapter_runs import ChapterRuns
from tools.execute import CELL_TIMEOUT, execute, stored_form


def refresh(path: Path, timeout: int = CELL_TIMEOUT, cwd: Path | None = None) -> None:
    """Execute ``path`` top to bottom in a fresh kernel and write it back with outputs.

    The kernel runs in ``cwd`` (default: the notebook's folder). A cell that raises
    stops the refresh and leaves the file as it was; so does a failed write.
    """
    write(path, stored_form(execute(path, cwd, timeout=timeout)))


def write(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` all at once (:func:`embedlab.atomic.atomic_write`)."""
    with atomic_write(path, encoding="utf-8") as file:
        file.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to refresh (default: all in _toc.yml)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or toc_notebooks()
    for path in notebooks:
        if not path.is_file() or path.suffix != ".ipynb":
            parser.error(f"{path} is not a notebook file (expected an existing .ipynb)")
    # Chapters execute side by side; each is written back only if it ran cleanly.
    runs = ChapterRuns()
    runs.start(notebooks)
    failed = 0
    for run in runs.results(notebooks):
        name = shown(run.path)
        problems = run.problems()
        if problems:
            failed += 1
            print(f"not refreshed {name}:", *problems, sep="\n  ", file=sys.stderr)
            continue
        write(run.path, stored_form(run.executed))
        print(f"refreshed {name} ({run.seconds:.1f} s)", flush=True)
    runs.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
