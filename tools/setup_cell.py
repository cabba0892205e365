"""The setup cell that opens every chapter, kept here in one place.

On Colab or Binder a chapter starts where ``embedlab`` is not installed. The first code
cell of every chapter installs it there, at the book's own version, from the project's
repository; where ``embedlab`` can be imported already (a local checkout, CI) it does
nothing and prints nothing. It installs only what is missing: PyTorch and NumPy already
satisfy embedlab's ranges on Colab, so pip leaves them alone.

Usage: ``python -m tools.setup_cell`` writes the cell into every chapter that lacks it
or holds an old one (then run ``make refresh``). The guard test checks that every
chapter starts with exactly :func:`setup_source`.
"""

from __future__ import annotations

import sys

import nbformat

import embedlab
from tools.bookcheck import toc_notebooks

#: Where the package comes from; a test points ``EMBEDLAB_SOURCE`` at a local checkout.
REPOSITORY = "git+https://github.com/embedlab/embedlab"
#: Cell tags: collapsed behind a toggle in the HTML.
TAGS = ["hide-cell"]

TEMPLATE = '''\
# On Colab or Binder: install embedlab at this book's version (with gensim, which
# one chapter uses). Where embedlab is already installed, this does nothing.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("embedlab") is None:
    default = "{repository}@v{version}"
    source = os.environ.get("EMBEDLAB_SOURCE", default)
    requirement = f"embedlab[chapters] @ {{source}}"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", requirement]
    subprocess.run(pip, check=True)'''


def setup_source(version: str = embedlab.__version__) -> str:
    """The source of the setup cell for the book at ``version``."""
    return TEMPLATE.format(repository=REPOSITORY, version=version)


def has_setup_cell(notebook: nbformat.NotebookNode) -> bool:
    """Whether the first code cell of ``notebook`` is the current setup cell, tagged."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    return bool(code) and code[0].source == setup_source() and code[0].metadata.get("tags") == TAGS


def main() -> int:
    for path in toc_notebooks():
        notebook = nbformat.read(path, as_version=4)
        if has_setup_cell(notebook):
            continue
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        cell = nbformat.v4.new_code_cell(setup_source(), metadata={"tags": list(TAGS)})
        if code and code[0].source.startswith(TEMPLATE.splitlines()[0]):
            notebook.cells[notebook.cells.index(code[0])] = cell
        else:
            first_code = notebook.cells.index(code[0]) if code else len(notebook.cells)
            notebook.cells.insert(first_code, cell)
        nbformat.write(notebook, path)
        print(f"wrote the setup cell into {path.name}; run make refresh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
