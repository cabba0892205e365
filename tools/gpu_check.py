"""The GPU check: run what only a CUDA machine can show, and report how it differs.

Usage: ``python -m tools.gpu_check [--device cuda] [--report gpu-report.md]``, or
``make gpu-check``, which first makes sure the tools it needs are importable. It:

1. runs the tests marked ``cuda`` (among them a one-process NCCL lookup through the
   sharded table);
2. executes every chapter twice on this machine, with ``EMBEDLAB_DEVICE=cpu`` and with
   ``EMBEDLAB_DEVICE=<device>``, and compares each cell's outputs between the two
   runs. Both runs use this machine's PyTorch, so what differs comes from the device,
   not from another PyTorch release;
3. runs ``embedlab bench --quick --device <device>``;
4. writes a short Markdown report: the test counts, per chapter the cells that differ
   and how, and the benchmark's outcome.

It exits 0 when every step ran, even if cells differ (the report is the result), and
1 when a step could not run or a cuda test failed. ``--device cpu`` stands in for a GPU,
so the script itself is tested on machines without one.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbval.plugin import get_sanitize_patterns

from tools.bookcheck import MACHINE_SPECIFIC_TAG, ROOT, toc_notebooks
from tools.chapter_runs import ChapterRun, ChapterRuns

SANITIZE = ROOT / "tests" / "sanitize.cfg"
#: Characters of a differing output shown in the report, per side.
SHOWN = 300


def sanitize_patterns(path: Path = SANITIZE) -> list[tuple[str, str]]:
    """The regex/replacement pairs of an nbval sanitize file, in order, as nbval reads them."""
    return get_sanitize_patterns(path.read_text(encoding="utf-8"))


def output_texts(cell: nbformat.NotebookNode, patterns: list[tuple[str, str]]) -> list[str]:
    """What a reader sees of a code cell's outputs, one string per output.

    Streams and plain text are sanitised with ``patterns``; an image is shown by its
    type and a hash of its bytes, so that a plot drawn from other numbers differs.
    """
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            text = f"{output.name}: {output.text}"
        elif output.output_type == "error":
            text = f"error: {output.ename}: {output.evalue}"
        else:
            data = output.get("data", {})
            images = sorted(key for key in data if key.startswith("image/"))
            if images:
                digest = hashlib.sha256(data[images[0]].encode()).hexdigest()[:12]
                text = f"{images[0]} sha256:{digest}"
            else:
                text = str(data.get("text/plain", sorted(data)))
        for regex, replacement in patterns:
            text = re.sub(regex, replacement, text)
        texts.append(text)
    return texts


@dataclass
class CellDifference:
    """One code cell whose outputs differ between the reference and the device run."""

    cell: int
    reference: str
    device: str

    def kind(self) -> str:
        """A one-word classification: an error on one side, a figure, or text."""
        if "error:" in self.device or "error:" in self.reference:
            return "error"
        if "image/" in self.reference and "image/" in self.device:
            return "figure"
        return "text"


@dataclass
class ChapterComparison:
    """How one chapter's device run compares with its CPU run."""

    name: str
    compared: int = 0
    skipped: int = 0
    differences: list[CellDifference] = field(default_factory=list)
    failure: str = ""


def compare_runs(reference: ChapterRun, device: ChapterRun, patterns: list[tuple[str, str]]) -> ChapterComparison:
    """Compare two executions of one chapter cell by cell.

    Cells tagged ``nbval-ignore-output`` (timings, the device name) are counted as
    skipped: they are expected to differ. Code cells are numbered from 1.
    """
    comparison = ChapterComparison(reference.path.name)
    if reference.executed is None or device.executed is None:
        comparison.failure = reference.failure or device.failure
        return comparison
    cells = zip(
        (c for c in reference.executed.cells if c.cell_type == "code"),
        (c for c in device.executed.cells if c.cell_type == "code"),
    )
    for number, (first, second) in enumerate(cells, start=1):
        if MACHINE_SPECIFIC_TAG in first.metadata.get("tags", []):
            comparison.skipped += 1
            continue
        comparison.compared += 1
        first_texts, second_texts = output_texts(first, patterns), output_texts(second, patterns)
        if first_texts != second_texts:
            comparison.differences.append(
                CellDifference(number, "\n".join(first_texts), "\n".join(second_texts))
            )
    return comparison


@dataclass
class TestCounts:
    """The outcome of a pytest run, read from its JUnit XML report."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)


def read_junit(path: Path) -> TestCounts:
    """Count passed, failed (errors included) and skipped test cases in a JUnit XML file."""
    counts = TestCounts()
    for case in ElementTree.parse(path).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            counts.failed += 1
            counts.failures.append(name)
        elif case.find("skipped") is not None:
            counts.skipped += 1
        else:
            counts.passed += 1
    return counts


#: Where the tests marked ``cuda`` are looked for: every test and the package.
TEST_PATHS = ("tests", "embedlab")


def run_cuda_tests(workdir: Path, paths: Sequence[str] = TEST_PATHS) -> tuple[TestCounts, str]:
    """Run the tests marked ``cuda`` under ``paths``; return their counts and pytest's last lines."""
    junit = workdir / "cuda-tests.xml"
    # The book's own tests need the book toolchain (Jupyter Book), which a GPU machine
    # does not carry, and hold no cuda test.
    command = [sys.executable, "-m", "pytest", "-m", "cuda", "-q", "-p", "no:cacheprovider",
               f"--junitxml={junit}", "--ignore=tests/test_book.py", *paths]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
    if not junit.is_file():
        return TestCounts(failed=1, failures=["pytest did not run: its output follows"]), tail
    return read_junit(junit), tail


def run_bench(device: str) -> tuple[int, str]:
    """Run ``embedlab bench --quick`` on ``device``; return its exit status and last lines."""
    command = [sys.executable, "-m", "embedlab", "bench", "--quick", "--device", device,
               "--no-plot", "--no-progress", "--json", str(Path(tempfile.gettempdir()) / "gpu-bench.json")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return done.returncode, "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])


def clip(text: str) -> str:
    """``text`` cut to :data:`SHOWN` characters, for the report."""
    return text if len(text) <= SHOWN else text[:SHOWN] + " …"


def render_report(
    device: str,
    tests: tuple[TestCounts, str] | None,
    chapters: list[ChapterComparison],
    bench: tuple[int, str] | None,
    seconds: float,
) -> str:
    """The Markdown report of one GPU check."""
    import torch

    name = torch.cuda.get_device_name() if device.startswith("cuda") and torch.cuda.is_available() else device
    lines = [f"# GPU check on {name}", "",
             f"torch {torch.__version__}, Python {sys.version.split()[0]}, {seconds:.0f} s in all.", ""]
    if tests is not None:
        counts, tail = tests
        lines += ["## Tests marked cuda", "",
                  f"{counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped", ""]
        lines += [f"- failed: `{failure}`" for failure in counts.failures]
        lines += ["", "```", tail, "```", ""]
    compared = sum(c.compared for c in chapters)
    differing = sum(len(c.differences) for c in chapters)
    lines += ["## Chapters: EMBEDLAB_DEVICE=cpu against EMBEDLAB_DEVICE=" + device, "",
              f"{len(chapters)} chapters, {compared} cells compared, {differing} differ.", "",
              "| chapter | cells compared | skipped (machine-specific) | differ |",
              "| --- | --- | --- | --- |"]
    lines += [f"| {c.name} | {c.compared} | {c.skipped} | "
              f"{'run failed' if c.failure else len(c.differences)} |" for c in chapters]
    for chapter in chapters:
        if chapter.failure:
            lines += ["", f"### {chapter.name}: a run failed", "", "```", clip(chapter.failure), "```"]
        for difference in chapter.differences:
            lines += ["", f"### {chapter.name}, code cell {difference.cell} ({difference.kind()})", "",
                      "cpu:", "```", clip(difference.reference), "```",
                      f"{device}:", "```", clip(difference.device), "```"]
    if bench is not None:
        status, tail = bench
        lines += ["", f"## embedlab bench --quick --device {device}: exit status {status}", "",
                  "```", tail, "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="the device under test (cpu stands in for tests)")
    parser.add_argument("--report", type=Path, default=ROOT / "gpu-report.md", help="where the report goes")
    parser.add_argument("--jobs", type=int, default=4, help="chapters executed at the same time")
    parser.add_argument("--chapters", nargs="*", type=Path, default=None,
                        help="notebooks to compare (default: every chapter in _toc.yml)")
    parser.add_argument("--skip", nargs="*", choices=("tests", "bench"), default=[],
                        help="steps to leave out")
    parser.add_argument("--tests", nargs="+", default=list(TEST_PATHS),
                        help="where to look for the tests marked cuda (default: tests embedlab)")
    args = parser.parse_args(argv)
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"--device {args.device}: this machine's torch {torch.__version__} sees no CUDA device; "
              "use --device cpu to test the script itself", file=sys.stderr)
        return 2
    start = time.perf_counter()
    notebooks = args.chapters or toc_notebooks()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as workdir:
        reference_runs = ChapterRuns(args.jobs, Path(workdir) / "cpu", {"EMBEDLAB_DEVICE": "cpu"})
        device_runs = ChapterRuns(args.jobs, Path(workdir) / "device", {"EMBEDLAB_DEVICE": args.device})
        for runs in (reference_runs, device_runs):
            runs.workdir.mkdir()
            runs.start(notebooks)
        tests = None if "tests" in args.skip else run_cuda_tests(Path(workdir), args.tests)
        bench = None if "bench" in args.skip else run_bench(args.device)
        patterns = sanitize_patterns()
        chapters = [compare_runs(reference_runs.result(path), device_runs.result(path), patterns)
                    for path in notebooks]
        reference_runs.close()
        device_runs.close()
    report = render_report(args.device, tests, chapters, bench, time.perf_counter() - start)
    args.report.write_text(report, encoding="utf-8")
    print(report)
    broken = (tests is not None and tests[0].failed) or (bench is not None and bench[0] != 0)
    return 1 if broken or any(c.failure for c in chapters) else 0


if __name__ == "__main__":
    sys.exit(main())
