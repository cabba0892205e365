"""The ``embedlab bench`` command line: exit codes, clear errors, what it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from embedlab.__main__ import main
from embedlab.bench import load_result
from embedlab.bench.cli import parse_bytes, positive_int

TINY = ["--vocab", "30", "300", "--batch", "16", "--dim", "4", "--repeats", "1", "--block-time", "0.0005",
        "--methods", "onehot,F.embedding", "embedlab", "--no-memory", "--bandwidth-size", "1MiB",
        "--memory-budget", "10kB", "--no-progress"]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def test_bench_writes_json_and_png_and_prints_the_table(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    json_path, png_path = tmp_path / "r.json", tmp_path / "figs" / "r.png"
    status, out, err = run_main(["bench", *TINY, "--json", str(json_path), "--plot", str(png_path)], capsys)
    assert status == 0, err
    result = load_result(json_path)
    assert result["command"].startswith("embedlab bench --vocab 30 300")
    assert {r["method"] for r in result["results"]} == {"onehot", "F.embedding", "embedlab"}
    # the 10 kB budget fits the one-hot matrix at V = 30 (16 * 30 * 4 bytes) but not at V = 300
    assert [r["status"] for r in result["results"] if r["method"] == "onehot"] == ["ok", "skipped"]
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "time per call" in out and "onehot at V=300: needs" in out and f"wrote {json_path}" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--vocab", "1000", "-5"], "argument --vocab: '-5' is not a positive integer"),
        (["--batch", "0"], "argument --batch: '0' is not a positive integer"),
        (["--methods", "onehot,fastest"], "argument --methods: unknown method 'fastest'; choose from: onehot, numpy,"),
        (["--dtype", "int8"], "argument --dtype: invalid choice: 'int8' (choose from"),
        (["--memory-budget", "lots"], "argument --memory-budget: 'lots' is not a size"),
        (["--device", "tpu"], "unknown device 'tpu'; choose from: cpu, cuda"),
        (["--block-time", "-1"], "argument --block-time: '-1' is not a positive number"),
    ],
)
def test_bad_options_exit_2_naming_the_value_and_the_choices(argv: list[str], expected: str, capsys) -> None:  # noqa: ANN001
    status, out, err = run_main(["bench", *argv, "--no-progress"], capsys)
    assert status == 2
    assert "usage: embedlab bench" in err
    assert expected in err
    assert out == ""


def test_a_subcommand_is_required(capsys) -> None:  # noqa: ANN001
    status, _, err = run_main([], capsys)
    assert status == 2 and "required: COMMAND" in err


def test_size_parsers() -> None:
    assert [positive_int(t) for t in ("7", "1e6", "10_000")] == [7, 10**6, 10_000]
    assert parse_bytes("512MiB") == 512 * 2**20 and parse_bytes("2 GB") == 2 * 10**9


def test_python_dash_m_embedlab_runs_as_a_program(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "embedlab", "bench", "--methods", "nope"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "unknown method 'nope'; choose from:" in done.stderr
    assert json.dumps("nope") not in done.stdout
