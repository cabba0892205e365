"""Build the book the one way the project builds it: every chapter executed, warnings fatal.

Usage: ``python -m tools.build [--path-output DIR]``. Used by ``make book`` and by the
test that builds the book, so that both run exactly the same build.

Every chapter is executed afresh, several side by side (:mod:`tools.chapter_runs`), and
the executed notebooks are put in a new Jupyter Cache that the build reads
(``execute_notebooks: cache`` in ``_config.yml``). The cache is emptied first, so a
stale entry can never hide a broken chapter, and the build itself executes nothing.
The Korean edition (:mod:`tools.translation`) is built beside it, from the same cache,
into ``_build/html/ko``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from tools.bookcheck import ROOT, run_jupyter_book, toc_notebooks
from tools.chapter_runs import ChapterRun, ChapterRuns
from tools.translated_notebooks import write_translated_notebooks
from tools.translation import CATALOGS, LANGUAGE, edition_config, edition_path, write_config

#: Re-run every page (``--all``), treat warnings as errors (``-W``), check every cross
#: reference (``-n``), and report all warnings before failing (``--keep-going``).
BUILD_FLAGS = ("--all", "--warningiserror", "--nitpick", "--keep-going")
#: What MyST-NB logs when it executes a notebook itself, which the build must never do.
EXECUTION_LOG = "Executing notebook using"


class ChapterFailed(RuntimeError):
    """A chapter could not be executed cleanly, so the book cannot be built from it."""


def fill_cache(cache_path: Path, runs: Iterable[ChapterRun]) -> None:
    """Replace the Jupyter Cache at ``cache_path`` by one holding exactly ``runs``.

    Raises:
        ChapterFailed: if a run failed or stored an error; its problems are listed.
    """
    runs = list(runs)
    problems = [
        f"{run.path.name}: {problem}"
        for run in runs
        for problem in run.problems()
    ]
    if problems:
        raise ChapterFailed("chapters that did not run cleanly:\n" + "\n".join(problems))
    shutil.rmtree(cache_path, ignore_errors=True)
    cache = get_cache(str(cache_path))
    for run in runs:
        bundle = CacheBundleIn(run.executed, str(run.path), data={"execution_seconds": run.seconds})
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)


def build_book(
    source: Path = ROOT,
    path_output: Path | None = None,
    runs: Iterable[ChapterRun] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Build both editions of the book at ``source`` from executed chapters.

    ``runs`` are executions of every chapter in ``source``'s table of contents; by
    default they are made here. Their notebooks go into the build's cache,
    ``<path_output>/_build/.jupyter_cache``, which MyST-NB reads instead of executing.
    The English edition goes to ``<path_output>/_build/html``; the Korean one, built
    from the same cache, to its ``ko/`` folder, where its chapters' notebooks are
    offered with their markdown in Korean. The result joins both builds' output
    and fails if either failed.

    Raises:
        ChapterFailed: if a chapter did not run cleanly (nothing is built then).
    """
    if runs is None:
        chapter_runs = ChapterRuns()
        runs = chapter_runs.results(toc_notebooks(source / "_toc.yml"))
        chapter_runs.close()
    build = (path_output or source) / "_build"
    fill_cache(build / ".jupyter_cache", runs)
    korean_config = edition_config(LANGUAGE, build / ".jupyter_cache", source)
    config = write_config(korean_config, LANGUAGE, source)
    # The editions read the same cache and write to different folders, so they are
    # built side by side: the Korean build costs no wall time where a core is free.
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            english_build = pool.submit(run_build, source, build.parent)
            korean_build = pool.submit(run_build, source, build / LANGUAGE, "--config", config)
            english, korean = english_build.result(), korean_build.result()
    finally:
        config.unlink()
    if english.returncode == 0 and korean.returncode == 0:
        edition = build / "html" / edition_path(korean_config)
        shutil.rmtree(edition, ignore_errors=True)
        shutil.move(build / LANGUAGE / "_build" / "html", edition)
        write_translated_notebooks(
            toc_notebooks(source / "_toc.yml"), source,
            source / CATALOGS.relative_to(ROOT), edition / "_sources",
        )
    return subprocess.CompletedProcess(
        english.args + korean.args,
        english.returncode or korean.returncode,
        english.stdout + korean.stdout,
        english.stderr + korean.stderr,
    )


def run_build(source: Path, path_output: Path, *options: str | Path) -> subprocess.CompletedProcess[str]:
    """Run one Jupyter Book build of ``source`` into ``<path_output>/_build``."""
    return run_jupyter_book("build", source, *BUILD_FLAGS, "--path-output", path_output, *options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path-output", type=Path, default=None, help="where _build goes (default: the book root)")
    args = parser.parse_args(argv)
    try:
        result = build_book(path_output=args.path_output)
    except ChapterFailed as error:
        print(error, file=sys.stderr)
        return 1
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if EXECUTION_LOG in result.stdout:
        print("the build executed a notebook itself: its cache entry did not match", file=sys.stderr)
        return 1
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
