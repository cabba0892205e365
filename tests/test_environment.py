"""The environments readers get outside this checkout: Binder's, and the pinned one."""

from __future__ import annotations

import re
import tomllib

from tools.bookcheck import ROOT

BINDER = ROOT / "binder"


def pinned() -> dict[str, str]:
    """Every package in constraints.txt, by normalised name, with its version."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_binder_installs_the_pinned_cpu_stack_that_the_chapters_need() -> None:
    lines = [line for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    assert "-c ../constraints.txt" in lines
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    wanted = {line for line in lines if not line.startswith("-")}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needed = project["dependencies"] + project["optional-dependencies"]["chapters"]
    needed += project["optional-dependencies"]["lab"]
    names = {re.split(r"[<>=!~ \[]", requirement)[0].lower() for requirement in needed}
    assert wanted == names, "binder/requirements.txt must list what embedlab and the chapters import"
    assert all(name in pinned() for name in wanted), "every package Binder installs is pinned"
    assert "--no-deps --editable ." in (BINDER / "postBuild").read_text(encoding="utf-8")


def test_jupyterlab_is_pinned_for_make_lab() -> None:
    assert "jupyterlab" in pinned()
    assert "'.[book,dev,lab]'" in (ROOT / "Makefile").read_text(encoding="utf-8")
