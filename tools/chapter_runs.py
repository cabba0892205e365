"""Execute chapters once each, several at a time, and keep the results for every verdict.

The test command and ``make book`` both need every chapter executed. Each chapter runs
in its own process and its own fresh kernel (``python -m tools.execute``), so chapters
running side by side cannot see each other; only their wall time depends on the
neighbours. Results are read back as notebooks, with every output kept.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools.bookcheck import ROOT
from tools.execute import error_outputs

#: Chapters executed at once by default: one per core, at most two.
DEFAULT_JOBS = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class ChapterRun:
    """One execution of one notebook.

    ``executed`` is the notebook with every output, or ``None`` when the execution
    itself failed (the kernel died, a cell timed out); ``failure`` then says why.
    """

    path: Path
    executed: nbformat.NotebookNode | None
    seconds: float
    failure: str = ""

    def problems(self) -> list[str]:
        """Why this run cannot be stored or built from: its failure, or its stored errors."""
        return [self.failure] if self.executed is None else error_outputs(self.executed)


class ChapterRuns:
    """Executions of notebooks, started on request and each done at most once.

    Args:
        jobs (int, optional): how many notebooks execute at the same time.
        workdir (Path, optional): where executed notebooks are written; a temporary
            folder, removed by :meth:`close`, by default.
        env (dict, optional): environment variables set for every kernel, on top of
            this process's (for example ``{"EMBEDLAB_DEVICE": "cuda"}``).
    """

    def __init__(
        self, jobs: int = DEFAULT_JOBS, workdir: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        self._env = {**os.environ, **(env or {})}
        self._own_workdir = tempfile.TemporaryDirectory(prefix="chapter-runs-") if workdir is None else None
        self.workdir = Path(self._own_workdir.name) if self._own_workdir else workdir
        self.jobs = jobs
        self._pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="chapter")
        self._futures: dict[Path, Future[ChapterRun]] = {}
        self._numbers = itertools.count()
        self._number_of: dict[Path, int] = {}
        self._dropped: set[int] = set()
        self._waiting: set[int] = set()
        self._lock = threading.Lock()
        self._turn = threading.Condition()
        self._allowed = jobs
        self._running = 0

    def limit(self, jobs: int) -> None:
        """Let at most ``jobs`` (at least 1, at most the constructor's) execute at once.

        The test command lowers it while its own tests run beside the chapters, so that
        no chapter's timing cells share a core with more than one other process.
        """
        with self._turn:
            self._allowed = max(1, min(jobs, self.jobs))
            self._turn.notify_all()

    def start(self, paths: list[Path]) -> None:
        """Queue every notebook in ``paths`` that has not been queued yet, in that order."""
        with self._lock:
            for path in paths:
                path = path.resolve()
                if path not in self._futures:
                    self._number_of[path] = number = next(self._numbers)
                    self._futures[path] = self._pool.submit(self._execute, path, number)

    def cancel_all_but(self, paths: list[Path]) -> None:
        """Drop the queued runs of notebooks not in ``paths``; those executing go on.

        A dropped notebook is executed afresh if it is asked for later.
        """
        keep = {path.resolve() for path in paths}
        with self._lock:
            for path in [path for path in self._futures if path not in keep]:
                self._dropped.add(self._number_of.pop(path))
                self._futures.pop(path).cancel()

    def result(self, path: Path) -> ChapterRun:
        """The run of ``path``, executing it first if nobody asked for it yet."""
        self.start([path])
        return self._futures[path.resolve()].result()

    def results(self, paths: list[Path]) -> list[ChapterRun]:
        """The runs of ``paths``, in that order."""
        self.start(paths)
        return [self.result(path) for path in paths]

    def close(self) -> None:
        """Wait for queued runs, then remove the temporary folder."""
        self._pool.shutdown(wait=True)
        if self._own_workdir is not None:
            self._own_workdir.cleanup()

    def _execute(self, path: Path, number: int) -> ChapterRun:
        with self._turn:
            # Every pool thread holds a run while it waits: the oldest goes first.
            self._waiting.add(number)
            self._turn.wait_for(lambda: self._running < self._allowed and number == min(self._waiting))
            self._waiting.remove(number)
            self._turn.notify_all()
            if number in self._dropped:
                return ChapterRun(path, None, 0.0, f"{path.name} was dropped before it ran")
            self._running += 1
        try:
            return self._execute_now(path, number)
        finally:
            with self._turn:
                self._running -= 1
                self._turn.notify_all()

    def _execute_now(self, path: Path, number: int) -> ChapterRun:
        output = self.workdir / f"{number:03d}-{path.name}"
        command = [sys.executable, "-m", "tools.execute", str(path), str(output)]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=self._env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            return ChapterRun(path, None, seconds, f"executing {path.name} failed:\n{done.stderr[-5000:]}")
        return ChapterRun(path, nbformat.read(output, as_version=4), seconds)
