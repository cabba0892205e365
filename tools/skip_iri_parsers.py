"""Keep jsonschema from building its IRI parsers in the processes that import nbformat.

When ``rfc3987_syntax`` is installed, importing jsonschema (which nbformat does) builds
some 35 Earley parsers for the ``iri`` formats: about 2 s of CPU in every process that
imports nbformat (python-jsonschema/jsonschema#1428). No notebook schema, and no schema
Jupyter Book checks its configuration with, uses those formats, so their checkers go
unregistered and validation is otherwise unchanged.

Import this module before nbformat. The test command loads it first (``-p`` in
``pyproject.toml``), a chapter's execution imports it (:mod:`tools.execute`), and the
book's builds start Jupyter Book through it (:mod:`tools.jupyter_book`).
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)
