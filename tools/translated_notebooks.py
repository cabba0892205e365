"""The Korean edition's notebooks: each chapter with its markdown cells in Korean.

A reader of a Korean page who downloads its notebook gets the page's own prose. The
notebook is made at build time from the English one and the page's catalog: each
paragraph, heading and list item of a markdown cell is replaced by its translation,
found by the same message text that Sphinx extracts. Code cells, their outputs and the
notebook's metadata stay as they are, so the Korean notebook runs exactly as the
English one does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import nbformat
import polib
from myst_parser.config.main import MdParserConfig
from myst_parser.mdit_to_docutils.base import DocutilsRenderer
from myst_parser.parsers.mdit import create_md_parser

from tools.bookcheck import ROOT
from tools.translation import book_config

#: The blocks that hold one message each; a list item's text is a paragraph in it.
MESSAGE_BLOCKS = ("paragraph_open", "heading_open")


def markdown_parser(root: Path = ROOT):
    """A MyST markdown parser with the extensions that the book's configuration enables."""
    extensions = book_config(root)["parse"]["myst_enable_extensions"]
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), DocutilsRenderer)


def translate_markdown(source: str, translations: Mapping[str, str], parser=None) -> tuple[str, list[str]]:
    """``source`` with each paragraph and heading replaced by its translation.

    A block's message is its text on one line, as Sphinx's gettext builder writes it.
    Its translation keeps the block's first-line prefix (``## ``, ``- ``, an indent)
    and takes one line. Fences, formulas and targets are left as they are.

    Returns the translated markdown and the messages that had no translation, which
    stay in English.

    Examples::

        >>> text = "## Summary\\n\\n- one\\n  line\\n\\n```{exercise-end}\\n```"
        >>> translated, missing = translate_markdown(text, {"Summary": "요약", "one line": "한 줄"})
        >>> print(translated)
        ## 요약
        <BLANKLINE>
        - 한 줄
        <BLANKLINE>
        ```{exercise-end}
        ```
        >>> translate_markdown("Untranslated.", {})
        ('Untranslated.', ['Untranslated.'])
    """
    parser = parser or markdown_parser()
    lines = source.split("\n")
    tokens = parser.parse(source)
    blocks = [
        (token.map, tokens[index + 1].content)
        for index, token in enumerate(tokens)
        if token.type in MESSAGE_BLOCKS and token.map
    ]
    missing = []
    for (start, end), content in reversed(blocks):
        message = content.replace("\n", " ").strip()
        translation = translations.get(message)
        if not translation:
            missing.append(message)
            continue
        first = content.split("\n")[0]
        prefix = lines[start][: lines[start].index(first)]
        lines[start:end] = [prefix + translation]
    return "\n".join(lines), missing[::-1]


def catalog_translations(catalog: Path) -> dict[str, str]:
    """The finished translations of a catalog: neither empty, fuzzy nor obsolete."""
    return {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(str(catalog))
        if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
    }


def translate_notebook(path: Path, catalog: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook at ``path`` with its markdown translated from ``catalog``.

    Returns the notebook and the messages that stayed in English.
    """
    translations = catalog_translations(catalog)
    notebook = nbformat.read(path, as_version=4)
    parser = markdown_parser()
    missing = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source, untranslated = translate_markdown(cell.source, translations, parser)
            missing += untranslated
    return notebook, missing


def write_translated_notebooks(
    notebooks: Iterable[Path], source: Path, catalogs: Path, sources_dir: Path,
) -> dict[Path, list[str]]:
    """Replace the notebooks an edition offers for download by translated ones.

    ``notebooks`` lie under the book ``source``; Sphinx copied each to ``sources_dir``
    (an edition's ``_sources``) at the same relative path, and its catalog is at that
    path under ``catalogs``, suffix ``.po``. A notebook without a catalog is left as it
    is. Returns, for each notebook translated, the messages that stayed in English.
    """
    left = {}
    for path in notebooks:
        relative = path.relative_to(source)
        catalog = (catalogs / relative).with_suffix(".po")
        if catalog.is_file():
            notebook, left[path] = translate_notebook(path, catalog)
            nbformat.write(notebook, sources_dir / relative)
    return left
