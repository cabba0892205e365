"""A pytest plugin that executes each chapter once and derives every verdict from that run.

With ``--chapters`` every collected notebook is executed in a fresh kernel, several side
by side, while the rest of the suite runs (:mod:`tools.chapter_runs`). From that one
execution come:

- **nbval's verdict**, one test per code cell: nbval's own item classes compare the
  executed outputs with the stored ones, so its options (``--nbval-sanitize-with``,
  the ``nbval-ignore-output``, ``nbval-skip`` and ``raises-exception`` tags) and its
  messages ("Cell outputs differ", "Cell execution caused an exception") are kept; only
  the kernel is replaced by the stored execution;
- **the refresh verdict**, one test per notebook (``::refresh``): the execution, stored
  the way ``make refresh`` stores it, equals the file byte for byte;
- **the build verdict**: the ``built_book`` fixture is the book built from the same
  executions, in the background as soon as they are done, and then opened in a
  browser (``seen_in_browser`` in ``tests/test_browser.py``) while other tests run.

The tests run in four groups, so that both cores stay busy and each process has one
(the chapters' timing cells need a core):

1. the unit tests, while chapters execute one at a time beside them (they start
   before collection when the command line names them);
2. the notebook items, which wait for the executions: every job executes chapters;
3. the tests marked ``slow``, mostly other processes, beside the book's build and the
   browser, which start as soon as the chapters are executed;
4. the tests that use ``chapter_runs``: the build's and the browser's verdicts.
"""

from __future__ import annotations

import copy
import difflib
import subprocess
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell, IPyNbFile, NbCellError, coalesce_streams

from tools.bookcheck import shown, toc_notebooks
from tools.chapter_runs import DEFAULT_JOBS, ChapterRun, ChapterRuns
from tools.execute import stored_form

RUNS = pytest.StashKey[ChapterRuns]()
BOOK = pytest.StashKey["BookPipeline"]()
#: The fixture through which a test receives the session's chapter executions.
RUNS_FIXTURE = "chapter_runs"
#: The fixtures of the built book, and of what a browser saw in it.
BOOK_FIXTURE, BROWSER_FIXTURE = "built_book", "seen_in_browser"


@dataclass(frozen=True)
class BuiltBook:
    """The book built from the session's executions, and what a browser saw in it.

    ``seen`` is ``None`` when no test asked for the browser or Chromium is missing.
    """

    result: subprocess.CompletedProcess[str]
    html: Path
    seen: dict | None


class BookPipeline:
    """Build the book, then open it in a browser, in the background, once per session.

    It starts when the tests that need it are collected and waits for the chapters'
    executions; the build and the browser then use the core the chapters leave, while
    the unit tests still run on the other.
    """

    def __init__(self, runs: ChapterRuns) -> None:
        self._runs = runs
        self._folder = tempfile.TemporaryDirectory(prefix="book-")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="book")
        self._future: Future[BuiltBook] | None = None

    def start(self, browser: bool) -> None:
        if self._future is None:
            self._future = self._pool.submit(self._build, browser)

    def result(self, browser: bool) -> BuiltBook:
        self.start(browser)
        return self._future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._folder.cleanup()

    def _build(self, browser: bool) -> BuiltBook:
        # Imported here: a GPU machine runs the cuda tests without Jupyter Book or Chromium.
        from tools.browser_check import CHROMIUM, look_at_book
        from tools.build import build_book

        output = Path(self._folder.name)
        result = build_book(path_output=output, runs=self._runs.results(toc_notebooks()))
        html = output / "_build" / "html"
        wanted = browser and result.returncode == 0 and CHROMIUM.is_file()
        return BuiltBook(result, html, look_at_book(html) if wanted else None)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chapters", "notebooks checked from one execution each")
    group.addoption("--chapters", action="store_true",
                    help="check every collected notebook: nbval's comparison and the refresh")
    group.addoption("--chapter-jobs", type=int, default=DEFAULT_JOBS,
                    help=f"notebooks executed at the same time (default {DEFAULT_JOBS})")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RUNS] = ChapterRuns(jobs=config.option.chapter_jobs)
    config.stash[BOOK] = BookPipeline(config.stash[RUNS])


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start executing the chapters the command line names before collecting the tests.

    Collecting the suite takes several seconds of one core; the chapters use the other.
    Only a command that selects every test starts early: one that deselects some
    (``-k``, ``-m``, ``--deselect``) queues its chapters once the tests are known.
    """
    config = session.config
    option = config.option
    if not option.chapters or option.collectonly or option.keyword or option.markexpr or option.deselect:
        return
    runs = config.stash[RUNS]
    runs.limit(runs.jobs - 1)
    # The later chapters train and benchmark, and run longest: started first, the last
    # to finish are short ones, and the book's build waits less for the slowest.
    runs.start(chapters_named(config.args, config.invocation_params.dir, toc_notebooks())[::-1])


def chapters_named(args: list[str], folder: Path, chapters: list[Path]) -> list[Path]:
    """The ``chapters`` that command-line ``args`` (paths from ``folder``, or node ids) collect."""
    roots = [(folder / arg.split("::")[0]).resolve() for arg in args]
    return [path for path in chapters if any(path == root or root in path.parents for root in roots)]


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash[BOOK].close()
    config.stash[RUNS].close()


def pytest_collect_file(file_path, parent: pytest.Collector) -> pytest.Collector | None:
    if parent.config.option.chapters and file_path.suffix == ".ipynb":
        return ChapterFile.from_parent(parent, path=file_path)
    return None


#: The groups of tests, in the order they run (see the module's docstring).
UNIT, NOTEBOOK, SLOW, VERDICT = range(4)
#: The groups during which a test runs beside the chapters, which leave it a core.
BESIDE_CHAPTERS = {UNIT, SLOW}


def _phase(item: pytest.Item) -> int:
    if isinstance(item.parent, ChapterFile):
        return NOTEBOOK
    if RUNS_FIXTURE in getattr(item, "fixturenames", ()):
        return VERDICT
    return SLOW if item.get_closest_marker("slow") else UNIT


def _share_the_cores(runs: ChapterRuns, phase: int) -> None:
    runs.limit(runs.jobs - 1 if phase in BESIDE_CHAPTERS else runs.jobs)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_phase)
    if config.option.collectonly:
        return
    runs = config.stash[RUNS]
    if items:
        _share_the_cores(runs, _phase(items[0]))
    needed = [item.parent.path for item in items if _phase(item) == NOTEBOOK]
    if any(_phase(item) == VERDICT for item in items):
        needed += toc_notebooks()
    runs.start(needed)
    runs.cancel_all_but(needed)
    fixtures = {name for item in items for name in getattr(item, "fixturenames", ())}
    if BOOK_FIXTURE in fixtures:
        config.stash[BOOK].start(browser=BROWSER_FIXTURE in fixtures)


def pytest_runtest_setup(item: pytest.Item) -> None:
    _share_the_cores(item.config.stash[RUNS], _phase(item))


@pytest.fixture(scope="session")
def chapter_runs(pytestconfig: pytest.Config) -> list[ChapterRun]:
    """The session's executions of every chapter in ``_toc.yml``, in book order."""
    return pytestconfig.stash[RUNS].results(toc_notebooks())


@pytest.fixture(scope="session")
def built_book(pytestconfig: pytest.Config, chapter_runs: list[ChapterRun]) -> BuiltBook:
    """The whole book, built with warnings as errors from the session's executions."""
    return pytestconfig.stash[BOOK].result(browser=False)


class ChapterFile(IPyNbFile):
    """nbval's notebook collector, fed by the session's execution instead of a kernel."""

    run: ChapterRun

    def setup(self) -> None:
        self.setup_sanitize_files()
        self.run = self.config.stash[RUNS].result(self.path)
        if self.run.executed is None:
            raise NbCellError(0, self.run.failure, "")
        self.executed_cells = [cell for cell in self.run.executed.cells if cell.cell_type == "code"]

    def teardown(self) -> None:
        """There is no kernel to stop: the execution finished before the first cell's test."""

    def collect(self):
        for item in super().collect():
            yield ChapterCell.from_parent(
                self, name=item.name, cell_num=item.cell_num, cell=item.cell, options=item.options
            )
        yield RefreshCheck.from_parent(self, name="refresh")


class ChapterCell(IPyNbCell):
    """One code cell: nbval's checks, on the outputs the session's execution produced."""

    def runtest(self) -> None:
        if self.options["skip"]:
            pytest.skip()
        outs = copy.deepcopy(self.parent.executed_cells[self.cell_num].outputs)
        self.test_outputs = outs
        for out in outs:
            if out.output_type == "error" and not self.options["check_exception"]:
                self.raise_cell_error("Cell execution caused an exception", "\n" + "\n".join(out.traceback))
        outs[:] = coalesce_streams(outs)
        unrun = self.cell.execution_count is None
        if unrun and self.cell.outputs:
            self.raise_cell_error("Unrun reference cell has outputs")
        if self.options["check"] and not unrun:
            if not self.compare_outputs(outs, coalesce_streams(self.cell.outputs)):
                self.raise_cell_error("Cell outputs differ", "\n".join(self.comparison_traceback))


class RefreshDiffers(AssertionError):
    """The refreshed notebook is not the stored one."""


class RefreshCheck(pytest.Item):
    """The session's execution, stored as ``make refresh`` stores it, equals the file."""

    def runtest(self) -> None:
        stored = self.path.read_text(encoding="utf-8")
        refreshed = stored_form(self.parent.run.executed)
        if refreshed != stored:
            diff = difflib.unified_diff(
                stored.splitlines(), refreshed.splitlines(), "stored", "refreshed", n=1, lineterm=""
            )
            shown = [line[:160] for line in list(diff)[:40]]
            raise RefreshDiffers(
                f"{self.path.name} is stale or not reproducible: run make refresh\n" + "\n".join(shown)
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, RefreshDiffers):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"{shown(self.path)}::refresh"
