"""embedlab's runtime basics: the version, the default device, and seeding."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import embedlab
from embedlab.device import DEVICE_ENV_VAR


def test_version_matches_installed_metadata() -> None:
    from importlib.metadata import version

    assert embedlab.__version__ == version("embedlab")


def test_default_device_without_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert embedlab.default_device().type == expected


def test_environment_variable_overrides_default_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    assert embedlab.default_device() == torch.device("cpu")


def test_unknown_device_name_is_named_in_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEVICE_ENV_VAR, "gpu-please")
    with pytest.raises(ValueError, match="'gpu-please' is not a device name"):
        embedlab.default_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="only meaningful without CUDA")
def test_cuda_requested_without_cuda_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda")
    with pytest.raises(ValueError, match="torch.cuda.is_available\\(\\) is False"):
        embedlab.default_device()


@pytest.mark.cuda
def test_cuda_override_on_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda:0")
    assert embedlab.default_device() == torch.device("cuda:0")


def draws() -> tuple[float, float, torch.Tensor]:
    return random.random(), float(np.random.rand()), torch.randn(3)


def test_seed_everything_reproduces_every_source() -> None:
    embedlab.seed_everything(123)
    first = draws()
    embedlab.seed_everything(123)
    second = draws()
    assert first[:2] == second[:2] and torch.equal(first[2], second[2])
    embedlab.seed_everything(124)
    assert draws()[0] != first[0]


@pytest.mark.cuda
def test_seed_everything_seeds_cuda() -> None:
    embedlab.seed_everything(5)
    a = torch.randn(4, device="cuda")
    embedlab.seed_everything(5)
    assert torch.equal(a, torch.randn(4, device="cuda"))


@pytest.mark.parametrize("seed, error, message", [
    (-1, ValueError, "0 <= seed < 2\\*\\*32, got -1"),
    (2**32, ValueError, f"got {2**32}"),
    (1.5, TypeError, "seed must be an int, got 1.5 of type float"),
    (True, TypeError, "got True of type bool"),
])
def test_bad_seed_is_rejected(seed: object, error: type[Exception], message: str) -> None:
    state = random.getstate()
    with pytest.raises(error, match=message):
        embedlab.seed_everything(seed)  # type: ignore[arg-type]
    assert random.getstate() == state  # nothing was seeded
