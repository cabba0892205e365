"""What makes the book's notebooks trustworthy, as checks that tests and tools share.

nbval only compares the outputs a notebook has stored, so a notebook stored without
outputs would pass it trivially. These checks close that gap: every chapter is in the
table of contents, every code cell was executed, and no stored output is an error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
#: Cells whose output depends on the machine (timings, the device name). nbval skips
#: comparing their outputs, and the refresh command does not store them.
MACHINE_SPECIFIC_TAG = "nbval-ignore-output"


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every ``root`` and ``file`` entry of a Jupyter Book table of contents, in order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({key: value for key, value in toc.items() if key != "root"})
    return found


def resolve_toc_entry(entry: str, root: Path = ROOT) -> Path | None:
    """The source file a toc entry names (it may omit the suffix), or ``None`` if none exists."""
    for suffix in ("", ".ipynb", ".md"):
        candidate = root / f"{entry}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def toc_notebooks(toc_path: Path = ROOT / "_toc.yml") -> list[Path]:
    """The notebooks the table of contents lists, in reading order."""
    paths = [resolve_toc_entry(entry, toc_path.parent) for entry in toc_files(toc_path)]
    return [path for path in paths if path is not None and path.suffix == ".ipynb"]


def book_notebooks(book: Path = BOOK) -> list[Path]:
    """Every notebook under ``book/``, checkpoints and build output excluded."""
    return sorted(
        path
        for path in book.rglob("*.ipynb")
        if not {".ipynb_checkpoints", "_build"} & set(path.parts)
    )


def notebook_problems(path: Path) -> list[str]:
    """Why a stored notebook cannot be trusted: unexecuted code cells, stored errors, bad JSON."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as exc:  # any parse failure is the problem to report
        return [f"{path.name}: cannot be read as a notebook ({exc})"]
    problems = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if cell.execution_count is None:
            problems.append(f"{path.name}: code cell {number} was never executed")
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"{path.name}: code cell {number} stores an error ({output.ename})")
    return problems


def shown(path: Path) -> str:
    """``path`` as messages show it: relative to the repository when it lies inside."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if ROOT in path.parents else str(path)


#: The widest code line a chapter may hold: what fits the book's column.
MAX_CODE_LINE = 88
#: The widest line a stored output (a text stream or ``text/plain``) may hold.
MAX_OUTPUT_LINE = 100


def _output_texts(output: nbformat.NotebookNode) -> list[str]:
    """The text a stored output shows: a stream's text, or a result's ``text/plain``."""
    if output.output_type == "stream":
        text = output.get("text", "")
    else:
        text = output.get("data", {}).get("text/plain", "")
    return [text] if isinstance(text, str) else ["".join(text)]


def long_lines(
    path: Path, code_limit: int = MAX_CODE_LINE, output_limit: int = MAX_OUTPUT_LINE
) -> list[str]:
    """Code lines longer than ``code_limit`` and stored output lines longer than ``output_limit``.

    Each problem names the chapter, the cell (counted from 1 over all cells, as
    :func:`notebook_problems` counts them), the line within the cell and its length.
    """
    notebook = nbformat.read(path, as_version=4)
    problems = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        for line_number, line in enumerate(cell.source.splitlines(), start=1):
            if len(line) > code_limit:
                problems.append(
                    f"{path.name}: code cell {number}, line {line_number}: "
                    f"{len(line)} characters (limit {code_limit})"
                )
        for output in cell.get("outputs", []):
            for text in _output_texts(output):
                for line_number, line in enumerate(text.splitlines(), start=1):
                    if len(line) > output_limit:
                        problems.append(
                            f"{path.name}: code cell {number}, output line {line_number}: "
                            f"{len(line)} characters (limit {output_limit})"
                        )
    return problems


def run_jupyter_book(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run Jupyter Book's command line with ``args``; its output is captured, not raised on.

    It runs under this environment's Python, so the tools work without the
    environment's ``bin`` on ``PATH``, through :mod:`tools.jupyter_book`, which must be
    importable: so it runs in ``ROOT``, and every :class:`~pathlib.Path` in ``args`` is
    made absolute first.
    """
    command = [sys.executable, "-m", "tools.jupyter_book"]
    command += [str(arg.resolve()) if isinstance(arg, Path) else arg for arg in args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
