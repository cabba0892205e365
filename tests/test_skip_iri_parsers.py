"""tools.skip_iri_parsers: nbformat imported without jsonschema's IRI parsers, validating as before."""

import sys

import nbformat
import pytest


def test_the_test_command_skips_the_parsers_before_nbformat_is_imported():
    # Loaded after nbval's plugin, it would find the real module already imported.
    assert "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None


def test_nbformat_still_rejects_an_invalid_notebook():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    notebook.cells[0].outputs = [{"output_type": "no such type"}]
    with pytest.raises(nbformat.ValidationError):
        nbformat.validate(notebook)
