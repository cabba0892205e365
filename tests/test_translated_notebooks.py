"""The Korean edition's notebooks: the chapters' markdown in Korean, their code untouched."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools.bookcheck import toc_notebooks
from tools.translated_notebooks import translate_markdown, translate_notebook
from tools.translation import CATALOGS

CHAPTERS = toc_notebooks()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_every_paragraph_of_a_chapter_is_translated_and_no_code_changes(path: Path) -> None:
    korean, missing = translate_notebook(path, CATALOGS / "book" / f"{path.stem}.po")
    english = nbformat.read(path, as_version=4)
    assert missing == []
    assert [cell.cell_type for cell in korean.cells] == [cell.cell_type for cell in english.cells]
    assert korean.cells[0].source != english.cells[0].source, "the title is in English"
    for theirs, ours in zip(english.cells, korean.cells):
        if theirs.cell_type == "code":
            assert ours == theirs


def test_blocks_keep_their_prefix_and_fences_stay() -> None:
    source = (
        "(a-label)=\n## Two words\n\nA paragraph\nover two lines.\n\n"
        "1. an item\n   continued\n2. left alone\n\n$$\nx^2\n$$\n\n```{solution-start} ex\n```"
    )
    translations = {"Two words": "두 낱말", "A paragraph over two lines.": "두 줄에 걸친 문단.",
                    "an item continued": "이어지는 항목"}
    translated, missing = translate_markdown(source, translations)
    assert translated == (
        "(a-label)=\n## 두 낱말\n\n두 줄에 걸친 문단.\n\n"
        "1. 이어지는 항목\n2. left alone\n\n$$\nx^2\n$$\n\n```{solution-start} ex\n```"
    )
    assert missing == ["left alone"]
