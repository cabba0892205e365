"""The GPU check's logic, tested on the CPU: ``cpu`` stands in for ``cuda``.

The check executes each chapter under two values of ``EMBEDLAB_DEVICE`` and reports the
cells whose outputs differ; here a notebook that prints the variable makes a difference
to find, without a GPU.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import torch

from tools.bookcheck import MACHINE_SPECIFIC_TAG
from tools.chapter_runs import ChapterRuns
from tools.gpu_check import (
    CellDifference,
    compare_runs,
    main,
    read_junit,
    render_report,
    sanitize_patterns,
)

CELLS = [
    ("import os\nprint(os.environ['EMBEDLAB_DEVICE'])", []),         # differs
    ("print(object())", []),                                          # address sanitised
    ("print(os.environ['EMBEDLAB_DEVICE'])", [MACHINE_SPECIFIC_TAG]),  # skipped
    ("2 + 2", []),                                                    # equal
]


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for source, tags in CELLS:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        notebook.cells.append(cell)
    path = tmp_path_factory.mktemp("gpu") / "chapter.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_compare_runs_reports_the_cell_that_differs_between_devices(notebook: Path) -> None:
    runs = {}
    for value in ("cpu", "stand-in"):
        chapter_runs = ChapterRuns(jobs=1, env={"EMBEDLAB_DEVICE": value})
        runs[value] = chapter_runs.result(notebook)
        chapter_runs.close()
    comparison = compare_runs(runs["cpu"], runs["stand-in"], sanitize_patterns())
    assert (comparison.compared, comparison.skipped) == (3, 1)
    assert comparison.differences == [CellDifference(1, "stdout: cpu\n", "stdout: stand-in\n")]
    report = render_report("stand-in", None, [comparison], None, 1.0)
    assert "| chapter.ipynb | 3 | 1 | 1 |" in report
    assert "### chapter.ipynb, code cell 1 (text)" in report


def test_difference_kinds() -> None:
    assert CellDifference(1, "image/png sha256:aa", "image/png sha256:bb").kind() == "figure"
    assert CellDifference(1, "stdout: 1", "error: RuntimeError: x").kind() == "error"
    assert CellDifference(1, "stdout: 1", "stdout: 2").kind() == "text"


def test_read_junit_counts_each_outcome(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.a" name="ok"/>'
        '<testcase classname="tests.a" name="bad"><failure message="x"/></testcase>'
        '<testcase classname="tests.a" name="broken"><error message="y"/></testcase>'
        '<testcase classname="tests.a" name="later"><skipped message="z"/></testcase>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    counts = read_junit(path)
    assert (counts.passed, counts.failed, counts.skipped) == (1, 2, 1)
    assert counts.failures == ["tests.a::bad", "tests.a::broken"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="only meaningful without CUDA")
def test_cuda_requested_without_cuda_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--device", "cuda", "--skip", "tests", "bench"]) == 2
    assert "sees no CUDA device; use --device cpu" in capsys.readouterr().err


@pytest.mark.slow
def test_the_whole_check_runs_with_cpu_standing_in(notebook: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    # On a CUDA machine the suite runs the cuda tests itself; here they are all skipped.
    # One test file stands in for the suite: pytest -m cuda spends 15 s collecting all of it.
    skip = ["bench", "tests"] if torch.cuda.is_available() else ["bench"]
    status = main(["--device", "cpu", "--jobs", "1", "--skip", *skip, "--chapters", str(notebook),
                   "--tests", "tests/test_onehot.py", "--report", str(report)])
    text = report.read_text(encoding="utf-8")
    assert status == 0, text
    found = re.search(r"## Tests marked cuda\n\n0 passed, 0 failed, ([0-9]+) skipped", text)
    assert (found is not None and int(found[1]) > 0) == ("tests" not in skip), text
    assert "| chapter.ipynb | 3 | 1 | 0 |" in text
