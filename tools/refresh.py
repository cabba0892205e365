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

import nbformat
from nbclient import NotebookClient

from tools.bookcheck import MACHINE_SPECIFIC_TAG, ROOT, toc_notebooks


def merge_adjacent_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name (stdout or stderr) into one.

    The kernel sends printed text in chunks whose boundaries depend on timing, so one
    ``print`` after slow work can arrive as two outputs on one run and one on the
    next. Joined, the stored notebook is the same every time.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.output_type == previous.output_type == "stream"
            and output.name == previous.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def refresh(path: Path, timeout: int = 600, cwd: Path | None = None) -> None:
    """Execute ``path`` top to bottom in a fresh kernel and write it back with outputs.

    The kernel runs in ``cwd`` (default: the notebook's folder), where a chapter finds
    the data files it reads by relative path.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(cwd or path.parent)}},
    )
    client.execute()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if MACHINE_SPECIFIC_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
        else:
            cell.outputs = merge_adjacent_streams(cell.outputs)
    nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to refresh (default: all in _toc.yml)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or toc_notebooks()
    for path in notebooks:
        if not path.is_file() or path.suffix != ".ipynb":
            parser.error(f"{path} is not a notebook file (expected an existing .ipynb)")
    for path in notebooks:
        print(f"refreshing {path.resolve().relative_to(ROOT)}", flush=True)
        refresh(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
