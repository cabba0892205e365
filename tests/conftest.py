"""Shared fixtures: devices to run on, the skip rule for CUDA-only tests, the built book."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

CUDA = torch.cuda.is_available()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="needs a CUDA device; none is present")
    for item in items:
        if "cuda" in item.keywords and not CUDA:
            item.add_marker(skip)


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.cuda)]


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> torch.device:
    """Each test that takes ``device`` runs on the CPU and, where present, on CUDA."""
    return torch.device(request.param)


@dataclass(frozen=True)
class BuiltBook:
    """The book built once per session from the session's chapter executions."""

    result: subprocess.CompletedProcess[str]
    html: Path


@pytest.fixture(scope="session")
def built_book(chapter_runs: list, tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """The whole book, built with warnings as errors; the build test and the browser test share it."""
    # Imported here: the GPU check runs the cuda tests where Jupyter Book is absent.
    from tools.build import build_book

    output = tmp_path_factory.mktemp("book")
    result = build_book(path_output=output, runs=chapter_runs)
    return BuiltBook(result, output / "_build" / "html")
