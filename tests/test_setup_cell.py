"""The chapters' setup cell: it installs embedlab where it is missing, and is silent elsewhere.

The test cannot reach the project's repository, so it points the cell at a copy of this
checkout (``EMBEDLAB_SOURCE``). The environment it installs into sees every package of
the test environment except embedlab, so nothing is downloaded: as on Colab, PyTorch
and NumPy are there already and pip must leave them alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tools.bookcheck import ROOT
from tools.setup_cell import setup_source


def environment_without_embedlab(directory: Path) -> Path:
    """A virtual environment that sees this one's packages, embedlab excluded."""
    view = directory / "packages"
    view.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "embedlab" not in entry.name.lower():
            (view / entry.name).symlink_to(entry)
    venv.create(directory / "env", with_pip=False)
    python = directory / "env" / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "view.pth").write_text(f"{view}\n", encoding="utf-8")
    return python


def checkout_copy(directory: Path) -> Path:
    """The files pip needs to build embedlab, copied so the build leaves the checkout clean."""
    copy = directory / "checkout"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy)
    shutil.copy(ROOT / "README.md", copy)
    shutil.copytree(ROOT / "embedlab", copy / "embedlab", ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.slow
def test_setup_cell_installs_embedlab_where_it_is_missing_and_is_silent_after(tmp_path: Path) -> None:
    python = environment_without_embedlab(tmp_path)
    probe = [python, "-c", "import embedlab, torch; print(embedlab.__file__, torch.__file__)"]
    # Run outside the checkout, whose embedlab/ would be importable from the current folder.
    run = {"capture_output": True, "text": True, "cwd": tmp_path}
    assert subprocess.run(probe, **run, check=False).returncode != 0
    env = {**os.environ, "EMBEDLAB_SOURCE": f"file://{checkout_copy(tmp_path)}",
           "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    first = subprocess.run([python, "-c", setup_source()], **run, env=env, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    located = subprocess.run(probe, **run, check=True).stdout.split()
    assert Path(located[0]).is_relative_to(tmp_path / "env"), "embedlab went into the new environment"
    assert Path(located[1]).resolve().is_relative_to(Path(sys.prefix).resolve()), "torch was not replaced"
    again = subprocess.run([python, "-c", setup_source()], **run, env=env, check=False)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
