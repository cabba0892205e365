"""Execute a notebook once, in a fresh kernel, and derive the form the repository stores.

Usage: ``python -m tools.execute NOTEBOOK OUTPUT [--cwd DIR]`` writes the executed
notebook, every output kept, to ``OUTPUT``. The test command runs this once per
chapter (see :mod:`tools.chapter_runs`) and derives all of its verdicts from that one
result; ``make refresh`` writes :func:`stored_form` of the same execution back.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
from pathlib import Path

import tools.skip_iri_parsers  # noqa: F401  (before nbformat)

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

from tools.bookcheck import MACHINE_SPECIFIC_TAG

#: Seconds one cell may run before the execution is abandoned.
CELL_TIMEOUT = 600


def execute(
    path: Path, cwd: Path | None = None, *, allow_errors: bool = False, timeout: int = CELL_TIMEOUT
) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` top to bottom in a fresh kernel and return it executed.

    The kernel runs in ``cwd`` (default: the notebook's folder), where a chapter finds
    the data files it reads by relative path. No timing metadata is recorded, so two
    executions of a seeded notebook are identical. With ``allow_errors`` every cell runs
    and a raising cell stores its error, as nbval would report it; without it the first
    error raises :class:`nbclient.exceptions.CellExecutionError`.

    The kernel talks to this process over Unix sockets in a private folder rather than
    over TCP, which is both safer and free of ipykernel's unencrypted-TCP warning.
    """
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "k")}})
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            record_timing=False,
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(cwd or path.parent)}},
            config=config,
        )
        client.execute()
    return notebook


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


def stored_form(executed: nbformat.NotebookNode) -> str:
    """The exact text the repository stores for an executed notebook.

    Outputs of cells tagged ``nbval-ignore-output`` (timings, the device name) are not
    stored, and split stream chunks are joined; ``executed`` itself is left unchanged.
    """
    notebook = copy.deepcopy(executed)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if MACHINE_SPECIFIC_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
        else:
            cell.outputs = merge_adjacent_streams(cell.outputs)
    text = nbformat.writes(notebook)
    # nbformat.write ends the file with a newline; the stored form must match it.
    return text if text.endswith("\n") else text + "\n"


#: The cell tag (shared by nbclient and nbval) of a cell that is expected to raise.
RAISES_TAG = "raises-exception"


def error_outputs(executed: nbformat.NotebookNode) -> list[str]:
    """One line per unexpected error stored in ``executed``: the code cell and the error.

    Code cells are numbered from 1; cells tagged ``raises-exception`` are expected to
    raise and are not reported.
    """
    code_cells = (cell for cell in executed.cells if cell.cell_type == "code")
    return [
        f"code cell {number}: {output.ename}: {output.evalue}"
        for number, cell in enumerate(code_cells, start=1)
        if RAISES_TAG not in cell.metadata.get("tags", [])
        for output in cell.outputs
        if output.output_type == "error"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path, help="the notebook to execute")
    parser.add_argument("output", type=Path, help="where the executed notebook is written")
    parser.add_argument("--cwd", type=Path, default=None, help="the kernel's folder")
    args = parser.parse_args(argv)
    executed = execute(args.notebook, args.cwd, allow_errors=True)
    nbformat.write(executed, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
