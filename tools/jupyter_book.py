"""Jupyter Book's command line, started without jsonschema's IRI parsers.

Usage: ``python -m tools.jupyter_book ARGS`` runs ``jupyter-book ARGS``, about 2 s of
CPU sooner (see :mod:`tools.skip_iri_parsers`). Every build of the project goes
through it (:func:`tools.bookcheck.run_jupyter_book`).
"""

import tools.skip_iri_parsers  # noqa: F401  (before Jupyter Book imports nbformat)

from jupyter_book.cli.main import main

if __name__ == "__main__":
    main()
