"""Shared fixtures: devices to run on, one intra-op thread, and the skip rule for CUDA-only
tests."""

from __future__ import annotations

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



@pytest.fixture
def one_thread():
    """Run the test on one intra-op thread, and restore the count afterwards.

    Training runs then add their gradients in one order (two runs agree bit for bit),
    and on a busy machine they do not wait on a second thread at every step. Restoring
    matters: some PyTorch checks run only on its multi-threaded paths.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
