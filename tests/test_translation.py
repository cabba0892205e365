"""The Korean edition's catalogs: complete, current, and with the English markup kept.

The slow test extracts the English book's messages afresh, so an English edit whose
Korean was not updated in the same change fails here. The others show, on small
catalogs, that the check sees each kind of problem.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from tools.translation import CATALOGS, check, check_catalog, complete_header, extract, markup


def write_catalog(path: Path, entries: list[polib.POEntry]) -> Path:
    catalog = polib.POFile()
    catalog.extend(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.save(str(path))
    return path


@pytest.mark.slow
def test_every_catalog_translates_the_current_english_in_full(tmp_path: Path) -> None:
    templates = extract(tmp_path / "gettext")
    assert len(templates) == len(list(CATALOGS.rglob("*.po"))) > 10
    problems = [problem for report in check(tmp_path / "gettext") for problem in report.problems()]
    assert problems == [], "\n".join(problems[:20])


ENGLISH = ["A {term}`vocabulary` of $V$ tokens.", "Call `emb(ids)`.", "Gone"]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    entries = [polib.POEntry(msgid=msgid) for msgid in ENGLISH[:2]]
    return write_catalog(tmp_path / "gettext" / "book" / "page.pot", entries)


def test_a_complete_catalog_has_no_problems(tmp_path: Path, template: Path) -> None:
    catalog = write_catalog(tmp_path / "po" / "page.po", [
        polib.POEntry(msgid=ENGLISH[0], msgstr="$V$개 토큰의 {term}`어휘집 <vocabulary>`."),
        polib.POEntry(msgid=ENGLISH[1], msgstr="`emb(ids)`를 호출합니다."),
    ])
    assert check_catalog(template, catalog).problems() == []


def test_the_check_sees_each_kind_of_problem(tmp_path: Path, template: Path) -> None:
    catalog = write_catalog(tmp_path / "po" / "page.po", [
        polib.POEntry(msgid=ENGLISH[0], msgstr="{term}`어휘집 <vocab>`의 토큰.", flags=[]),
        polib.POEntry(msgid=ENGLISH[1], msgstr="호출합니다.", flags=["fuzzy"]),
        polib.POEntry(msgid=ENGLISH[2], msgstr="사라짐"),
        polib.POEntry(msgid="Older", msgstr="예전", obsolete=True),
    ])
    report = check_catalog(template, catalog)
    assert report.fuzzy == [ENGLISH[1]]
    assert report.obsolete == ["Older", ENGLISH[2]]
    assert len(report.markup) == 1 and "lost" in report.markup[0]
    assert report.missing == [] and report.untranslated == []


def test_a_new_catalogs_fuzzy_header_is_reported_until_it_is_completed(
    tmp_path: Path, template: Path,
) -> None:
    catalog = polib.POFile()
    catalog.metadata_is_fuzzy = ["fuzzy"]
    catalog.metadata = {"Project-Id-Version": "Project name not set", "Language": "ko"}
    catalog.extend(polib.POEntry(msgid=msgid, msgstr=msgid) for msgid in ENGLISH[:2])
    path = tmp_path / "page.po"
    catalog.save(str(path))
    assert check_catalog(template, path).fuzzy == ["(the catalog's header)"]
    complete_header(path)
    assert check_catalog(template, path).problems() == []
    assert polib.pofile(str(path)).metadata["Project-Id-Version"] == "embedlab"


def test_the_check_sees_missing_and_untranslated_messages(tmp_path: Path, template: Path) -> None:
    catalog = write_catalog(tmp_path / "po" / "page.po", [polib.POEntry(msgid=ENGLISH[0])])
    report = check_catalog(template, catalog)
    assert report.untranslated == [ENGLISH[0]] and report.missing == [ENGLISH[1]]
    assert check_catalog(template, tmp_path / "none.po").missing == ENGLISH[:2]


def test_a_catalog_without_a_page_is_obsolete(tmp_path: Path, template: Path) -> None:
    write_catalog(tmp_path / "po" / "book" / "page.po", [
        polib.POEntry(msgid=msgid, msgstr=msgid) for msgid in ENGLISH[:2]
    ])
    write_catalog(tmp_path / "po" / "book" / "removed.po", [])
    reports = check(tmp_path / "gettext", tmp_path / "po")
    assert [report.catalog for report in reports if report.problems()] == ["book/removed"]


@pytest.mark.parametrize(("english", "korean"), [
    ("`x`", "x"),
    ("$V$", "V"),
    ("{py:func}`torch.cat`", "{py:func}`cat`"),
    ("[docs](https://pytorch.org)", "[문서](https://pytorch.kr)"),
    ("{doc}`Lookup <why_lookup_wins>`", "{doc}`조회 <parameters>`"),
])
def test_markup_that_a_translation_must_keep(english: str, korean: str) -> None:
    assert markup(english) != markup(korean)


def test_link_texts_may_be_translated() -> None:
    assert markup("{ref}`the training above <label>`") == markup("{ref}`위의 학습 <label>`")
    assert markup("[the docs](https://pytorch.org)") == markup("[문서](https://pytorch.org)")
