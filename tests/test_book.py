"""The book's pipeline: every chapter listed, executed, reproducible, and the build clean.

Some tests here feed deliberately broken notebooks to the same tools the test command
uses, to show that each kind of breakage makes the suite fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

import embedlab
from tools.bookcheck import (
    BOOK,
    MACHINE_SPECIFIC_TAG,
    ROOT,
    MAX_CODE_LINE,
    MAX_OUTPUT_LINE,
    book_notebooks,
    long_lines,
    notebook_problems,
    resolve_toc_entry,
    toc_files,
    toc_notebooks,
)
from tools.browser_check import book_pages
from tools.build import EXECUTION_LOG, ChapterFailed, build_book, fill_cache
from tools.chapter_runs import ChapterRun, ChapterRuns
from tools.execute import execute, merge_adjacent_streams
from tools.inventories import INVENTORY_DIR, entries, read_inventory
from tools.pytest_chapters import chapters_named
from tools.refresh import main as refresh_main
from tools.refresh import refresh
from tools.setup_cell import has_setup_cell, setup_source
from tools.translation import EDITION_PATH

SANITIZE = ROOT / "tests" / "sanitize.cfg"


def test_every_toc_entry_exists() -> None:
    missing = [entry for entry in toc_files() if resolve_toc_entry(entry) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc() -> None:
    listed = set(toc_notebooks())
    unlisted = [path.relative_to(ROOT) for path in book_notebooks() if path not in listed]
    assert not unlisted, f"notebooks missing from _toc.yml: {unlisted}"


@pytest.mark.parametrize("path", book_notebooks(), ids=lambda p: p.name)
def test_notebook_is_stored_executed_without_errors(path: Path) -> None:
    assert notebook_problems(path) == []


@pytest.mark.parametrize("path", toc_notebooks(), ids=lambda p: p.name)
def test_chapter_opens_with_the_setup_cell(path: Path) -> None:
    assert has_setup_cell(nbformat.read(path, as_version=4)), "run: python -m tools.setup_cell"


@pytest.mark.parametrize("path", toc_notebooks(), ids=lambda p: p.name)
def test_chapter_code_and_outputs_fit_the_column(path: Path) -> None:
    assert long_lines(path) == [], f"rewrap: code <= {MAX_CODE_LINE}, output <= {MAX_OUTPUT_LINE}"


def test_guard_reports_a_long_code_line_and_a_long_output_line(tmp_path: Path) -> None:
    fits = "x = 1  # " + "c" * (MAX_CODE_LINE - 9)
    too_long = fits + "c"
    path = small_notebook(tmp_path, f"{fits}\n{too_long}")
    notebook = nbformat.read(path, as_version=4)
    cell = notebook.cells[0]
    cell.execution_count = 1
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="o" * MAX_OUTPUT_LINE + "\n"),
        nbformat.v4.new_output("stream", name="stdout", text="ok\n" + "o" * (MAX_OUTPUT_LINE + 1)),
        nbformat.v4.new_output("execute_result", data={"text/plain": "r" * 150}, execution_count=1),
    ]
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell("m" * 200))
    nbformat.write(notebook, path)
    assert long_lines(path) == [
        f"chapter.ipynb: code cell 2, line 2: {MAX_CODE_LINE + 1} characters (limit {MAX_CODE_LINE})",
        f"chapter.ipynb: code cell 2, output line 2: {MAX_OUTPUT_LINE + 1} characters"
        f" (limit {MAX_OUTPUT_LINE})",
        f"chapter.ipynb: code cell 2, output line 1: 150 characters (limit {MAX_OUTPUT_LINE})",
    ]


def test_setup_cell_names_the_books_version() -> None:
    assert f"@v{embedlab.__version__}\"" in setup_source()


@pytest.mark.parametrize("source", sorted(INVENTORY_DIR.glob("*.txt")), ids=lambda p: p.stem)
def test_intersphinx_inventory_matches_its_list(source: Path) -> None:
    assert read_inventory(source.with_suffix(".inv")) == entries(source), "run: make inventories"


@pytest.mark.slow
def test_book_builds_without_warnings_from_the_sessions_executions(built_book) -> None:
    result = built_book.result
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert EXECUTION_LOG not in result.stdout, "the build executed a chapter a second time"
    for page in ("book/intro.html", "book/one_hot_problem.html", "book/api.html", "book/execution.html"):
        assert (built_book.html / page).is_file(), f"{page} was not built"
    assert "embedlab.onehot.one_hot" in (built_book.html / "book/api.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("page", book_pages())
def test_korean_edition_has_the_page_in_korean_with_the_same_code_and_outputs(
    built_book, page: str,
) -> None:
    english = (built_book.html / page).read_text(encoding="utf-8")
    korean = (built_book.html / EDITION_PATH / page).read_text(encoding="utf-8")
    assert '<html lang="ko"' in korean
    article = korean[korean.index("<article"):korean.index("</article>")]
    assert re.search("[\uac00-\ud7a3]", article), "the article is not in Korean"
    blocks = re.compile(r"<pre\b.*?</pre>|<img [^>]*>", re.DOTALL)
    assert blocks.findall(korean) == blocks.findall(english), "code, outputs or figures differ"


@pytest.mark.slow
@pytest.mark.parametrize("page", book_pages())
def test_korean_pages_launch_the_same_notebooks_and_download_their_own(built_book, page: str) -> None:
    links = re.compile(r'href="([^"]*(?:colab|mybinder|_sources)[^"]*)"')
    korean_page = built_book.html / EDITION_PATH / page
    english = sorted(set(links.findall((built_book.html / page).read_text(encoding="utf-8"))))
    korean = sorted(set(links.findall(korean_page.read_text(encoding="utf-8"))))
    assert korean == english and any("_sources" in link for link in korean)
    for link in korean:
        if "_sources" in link:
            download = (korean_page.parent / link).resolve()
            assert download.is_file(), f"{link} is not in the build"
            if download.suffix == ".ipynb":  # the chapter, with its markdown in Korean
                notebook = nbformat.read(download, as_version=4)
                markdown = "".join(c.source for c in notebook.cells if c.cell_type == "markdown")
                assert re.search("[\uac00-\ud7a3]", markdown), f"{link} is in English"


# Deliberately broken notebooks: each must make the suite fail.


def small_notebook(directory: Path, source: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "chapter.ipynb"
    nbformat.write(notebook, path)
    return path


@dataclass
class Verdict:
    """What the test command's notebook checks said about one notebook."""

    passed: int = 0
    failed: int = 0
    reports: str = ""


def read_verdicts(junit: Path) -> dict[str, Verdict]:
    """Each notebook's verdict, by the name of its folder, from pytest's JUnit XML report."""
    verdicts: dict[str, Verdict] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        verdict = verdicts.setdefault(case.get("classname").removesuffix(".chapter.ipynb"), Verdict())
        failures = case.findall("failure") + case.findall("error")
        if failures:
            verdict.failed += 1
            verdict.reports += "\n".join(failure.text or "" for failure in failures) + "\n"
        elif case.find("skipped") is None:
            verdict.passed += 1
    return verdicts


def break_notebook(path: Path, change: Callable[[nbformat.NotebookNode], None]) -> None:
    """Apply ``change`` to the first code cell of the stored notebook at ``path``."""
    notebook = nbformat.read(path, as_version=4)
    change(notebook.cells[0])
    nbformat.write(notebook, path)


def edit_output(cell: nbformat.NotebookNode) -> None:
    assert cell.outputs[0].text == "3\n"
    cell.outputs[0].text = "4\n"


def make_raise(cell: nbformat.NotebookNode) -> None:
    cell.source = "raise RuntimeError('a chapter broke')"


#: The notebooks the checks run over: one honest, and one broken in each way.
FOLDERS = ("honest", "edited_output", "raising", "unstable")


@dataclass(frozen=True)
class ChapterChecks:
    """One run of the test command's notebook checks over several notebooks."""

    result: subprocess.CompletedProcess[str]
    verdicts: dict[str, Verdict]


@pytest.fixture(scope="module")
def chapter_checks(tmp_path_factory: pytest.TempPathFactory) -> ChapterChecks:
    """The test command's notebook checks (nbval's and the refresh's), run once over
    notebooks that are each honest or broken in one way, each in its own folder.

    One pytest process serves every failure-mode test below: each reads its own
    notebook's verdict. A notebook's failed check fails the run, as any failed test does.
    """
    base = tmp_path_factory.mktemp("chapter-checks")
    honest = small_notebook(base / "honest", "print(1 + 2)")
    refresh(honest)
    for name, change in (("edited_output", edit_output), ("raising", make_raise)):
        (base / name).mkdir()
        break_notebook(Path(shutil.copy(honest, base / name)), change)
    # nbval sanitises the memory address away, so only the byte-for-byte check can fail.
    refresh(small_notebook(base / "unstable", "print(object())"))
    junit = base / "junit.xml"
    command = [sys.executable, "-m", "pytest", "-p", "tools.pytest_chapters", "--chapters",
               "--chapter-jobs=1", f"--nbval-sanitize-with={SANITIZE}", "-p", "no:cacheprovider",
               "-q", f"--junitxml={junit}", *(f"{name}/chapter.ipynb" for name in FOLDERS)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, capture_output=True, text=True, cwd=base, env=environment, check=False)
    assert junit.is_file(), result.stdout + result.stderr
    return ChapterChecks(result, read_verdicts(junit))


@pytest.mark.slow
def test_nbval_passes_an_honest_notebook(chapter_checks: ChapterChecks) -> None:
    verdicts = chapter_checks.verdicts
    assert sorted(verdicts) == sorted(FOLDERS), chapter_checks.result.stdout
    assert (verdicts["honest"].passed, verdicts["honest"].failed) == (2, 0), verdicts["honest"].reports
    failed = sum(verdict.failed for verdict in verdicts.values())
    passed = sum(verdict.passed for verdict in verdicts.values())
    assert f"{failed} failed, {passed} passed" in chapter_checks.result.stdout, "nothing else ran"


def assert_fails_the_run(checks: ChapterChecks, folder: str) -> Verdict:
    verdict = checks.verdicts[folder]
    assert verdict.failed > 0 and checks.result.returncode == pytest.ExitCode.TESTS_FAILED, checks.result.stdout
    return verdict


@pytest.mark.slow
def test_nbval_fails_when_a_stored_output_is_edited(chapter_checks: ChapterChecks) -> None:
    verdict = assert_fails_the_run(chapter_checks, "edited_output")
    assert "Cell outputs differ" in verdict.reports
    assert (verdict.passed, verdict.failed) == (0, 2), "both the cell and the refresh must fail"


@pytest.mark.slow
def test_nbval_fails_when_a_cell_raises(chapter_checks: ChapterChecks) -> None:
    verdict = assert_fails_the_run(chapter_checks, "raising")
    assert "Cell execution caused an exception" in verdict.reports
    assert "a chapter broke" in verdict.reports


@pytest.mark.slow
def test_refresh_check_fails_where_nbval_cannot_see_the_change(chapter_checks: ChapterChecks) -> None:
    verdict = assert_fails_the_run(chapter_checks, "unstable")
    assert (verdict.passed, verdict.failed) == (1, 1), verdict.reports
    assert "chapter.ipynb is stale or not reproducible: run make refresh" in verdict.reports


@pytest.mark.slow
def test_chapter_runs_go_in_queue_order_and_a_dropped_one_only_when_asked_again(tmp_path: Path) -> None:
    a, b, c, d = (small_notebook(tmp_path / name, "print(1)") for name in "abcd")
    (tmp_path / "runs").mkdir()
    runs = ChapterRuns(jobs=2, workdir=tmp_path / "runs")
    runs.limit(1)
    runs.start([a, b, c, d])
    runs.cancel_all_but([a, b, c])
    assert all(run.executed is not None for run in runs.results([a, b, c, d]))
    runs.close()
    # Runs are numbered as they are queued; d's first run (003) never happened.
    written = sorted((tmp_path / "runs").iterdir(), key=lambda path: path.stat().st_mtime_ns)
    assert [path.name[:3] for path in written] == ["000", "001", "002", "004"]


def test_the_chapters_a_command_line_collects() -> None:
    chapters = toc_notebooks()
    assert chapters_named(["tests", "embedlab", "book"], ROOT, chapters) == chapters
    assert chapters_named(["."], ROOT, chapters) == chapters
    first = chapters[0].relative_to(ROOT)
    assert chapters_named([f"{first}::Cell 0", "tests/test_book.py"], ROOT, chapters) == chapters[:1]
    assert chapters_named(["one_hot_problem.ipynb"], BOOK, chapters) == [BOOK / "one_hot_problem.ipynb"]
    assert chapters_named(["tests", "embedlab"], ROOT, chapters) == []


def small_book(directory: Path, page: str) -> Path:
    """A one-page book with the project's configuration."""
    directory.mkdir()
    shutil.copy(ROOT / "_config.yml", directory / "_config.yml")
    (directory / "_toc.yml").write_text("format: jb-book\nroot: index\n", encoding="utf-8")
    (directory / "index.md").write_text(page, encoding="utf-8")
    book = directory / "book"
    book.mkdir()
    shutil.copytree(BOOK / "_ext", book / "_ext")
    shutil.copytree(BOOK / "_templates", book / "_templates")
    shutil.copytree(BOOK / "_intersphinx", book / "_intersphinx")
    shutil.copy(BOOK / "references.bib", book / "references.bib")
    return directory


@pytest.mark.slow
def test_build_fails_on_a_warning(tmp_path: Path) -> None:
    source = small_book(tmp_path / "src", "# A page\n\nSee {ref}`a-label-that-does-not-exist`.\n")
    result = build_book(source, path_output=tmp_path / "out", runs=[])
    assert result.returncode != 0
    assert "undefined label: 'a-label-that-does-not-exist'" in result.stdout + result.stderr


def test_build_refuses_a_chapter_that_raised(tmp_path: Path) -> None:
    path = small_notebook(tmp_path, "1 / 0")
    executed = execute(path, allow_errors=True)
    with pytest.raises(ChapterFailed, match="chapter.ipynb: code cell 1: ZeroDivisionError"):
        fill_cache(tmp_path / "cache", [ChapterRun(path, executed, 1.0)])
    assert not (tmp_path / "cache").exists()


def test_guard_reports_a_notebook_stored_unexecuted(tmp_path: Path) -> None:
    path = small_notebook(tmp_path, "x = 1")
    assert notebook_problems(path) == ["chapter.ipynb: code cell 1 was never executed"]


def test_guard_reports_a_stored_error(tmp_path: Path) -> None:
    path = small_notebook(tmp_path, "1 / 0")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].execution_count = 1
    notebook.cells[0].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="", traceback=[])]
    nbformat.write(notebook, path)
    assert notebook_problems(path) == ["chapter.ipynb: code cell 1 stores an error (ZeroDivisionError)"]


def test_guard_reports_unreadable_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    assert notebook_problems(path)[0].startswith("broken.ipynb: cannot be read as a notebook")


@pytest.mark.slow
def test_refresh_is_deterministic_and_drops_machine_specific_outputs(tmp_path: Path) -> None:
    path = small_notebook(tmp_path, "import time\nprint(time.perf_counter())")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import embedlab\nembedlab.seed_everything(0)\nimport torch\ntorch.randn(2)"))
    notebook.cells[0].metadata["tags"] = [MACHINE_SPECIFIC_TAG]
    nbformat.write(notebook, path)
    refresh(path)
    first = path.read_bytes()
    refresh(path)
    assert path.read_bytes() == first
    stored = nbformat.read(path, as_version=4)
    assert stored.cells[0].outputs == [] and stored.cells[0].execution_count == 1
    assert "tensor([" in stored.cells[1].outputs[0].data["text/plain"]


def test_book_sources_live_under_book() -> None:
    assert all(BOOK in path.parents for path in toc_notebooks())


def test_refresh_joins_stream_chunks_that_timing_split() -> None:
    chunks = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="c\n"),
    ]
    merged = merge_adjacent_streams(chunks)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "a\nb\n"),
        ("stream", "stderr", "warning\n"),
        ("display_data", None, None),
        ("stream", "stdout", "c\n"),
    ]


@pytest.mark.slow
def test_refresh_leaves_the_file_as_it_was_when_a_cell_raises(tmp_path: Path) -> None:
    path = small_notebook(tmp_path, "raise RuntimeError('broken')")
    before = path.read_bytes()
    with pytest.raises(CellExecutionError, match="broken"):
        refresh(path)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


def test_refresh_command_writes_nothing_for_a_chapter_that_raised(tmp_path: Path) -> None:
    path = small_notebook(tmp_path, "1 / 0")
    before = path.read_bytes()
    assert refresh_main([str(path)]) == 1
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]
