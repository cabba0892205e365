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


def parse(argv: list[str]):  # noqa: ANN201
    from embedlab.__main__ import build_parser

    return build_parser().parse_args(["bench", *argv])


def test_quick_sets_its_sizes() -> None:
    from embedlab.bench.cli import bench_config

    config = bench_config(parse(["--quick"]))
    assert (config.vocab, config.batch, config.dim, config.repeats) == ((1000, 10000), 1024, 64, 3)
    assert config.block_time == 0.005 and config.bandwidth_bytes == 64 * 2**20
    normal = bench_config(parse([]))
    assert (normal.vocab, normal.batch, normal.dim, normal.repeats) == ((10**3, 10**4, 10**5, 10**6), 4096, 128, 7)


def test_quick_keeps_the_sizes_given_explicitly() -> None:
    from embedlab.bench.cli import bench_config

    config = bench_config(parse(["--quick", "--vocab", "50", "--batch", "7", "--dim", "3"]))
    assert (config.vocab, config.batch, config.dim, config.repeats) == ((50,), 7, 3, 3)
    config = bench_config(parse(["--repeats", "2", "--block-time", "0.1", "--bandwidth-size", "1MiB", "--quick"]))
    assert (config.repeats, config.block_time, config.bandwidth_bytes, config.dim) == (2, 0.1, 2**20, 64)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: ["--json", str(tmp / "file.txt" / "r.json")], "file.txt is a file, not a folder"),
        (lambda tmp: ["--json", str(tmp)], "is a folder; expected the path of a file"),
        (lambda tmp: ["--plot", str(tmp)], "is a folder; expected the path of a file"),
        (lambda tmp: ["--plot", str(tmp / "r.figure")], "unknown figure format '.figure'; end it in one of: "),
        (lambda tmp: ["--plot", str(tmp / "file.txt" / "deep" / "r.png")], "file.txt is a file, not a folder"),
        (lambda tmp: ["--json", str(tmp / "r.json"), "--plot", str(tmp / "r.json")], "give them different paths"),
        (lambda tmp: ["--threads", "100000"], "threads must be at most"),
    ],
    ids=["json-under-a-file", "json-folder", "plot-folder", "plot-format", "plot-under-a-file", "same-path",
         "threads"],
)
def test_bad_outputs_and_threads_are_refused_before_measuring(tmp_path: Path, make, expected: str, capsys) -> None:  # noqa: ANN001
    (tmp_path / "file.txt").write_text("not a folder")
    argv = ["--json", str(tmp_path / "ok.json"), "--plot", str(tmp_path / "ok.png"), *make(tmp_path)]
    status, out, err = run_main(["bench", *TINY, *argv], capsys)
    assert status == 2 and expected in err and "Traceback" not in err
    assert out == "" and not (tmp_path / "ok.json").exists()  # nothing was measured


def test_a_failure_at_a_later_size_keeps_the_earlier_results(tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    import embedlab.bench.runner

    real = embedlab.bench.runner.make_workload

    def failing(batch, vocab, *args, **kwargs):  # noqa: ANN001, ANN202
        if vocab == 300:
            raise MemoryError("cannot allocate\nthe table")
        return real(batch, vocab, *args, **kwargs)

    monkeypatch.setattr(embedlab.bench.runner, "make_workload", failing)
    json_path = tmp_path / "r.json"
    status, _, err = run_main(["bench", *TINY, "--json", str(json_path), "--plot", str(tmp_path / "r.png")], capsys)
    assert status == 2
    assert err == f"embedlab bench: error: MemoryError: cannot allocate the table; the sizes measured before are in {json_path}\n"
    kept = load_result(json_path)
    assert kept["complete"] is False and {r["vocab"] for r in kept["results"]} == {30}
    assert not (tmp_path / "r.png").exists()


def test_a_failed_plot_leaves_the_old_figure(tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    import embedlab.plot.bench

    class Broken:
        def savefig(self, file, **kwargs) -> None:  # noqa: ANN001, ANN003
            file.write(b"\x89PNG half")
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(embedlab.plot.bench, "plot_bench", lambda result: Broken())
    png = tmp_path / "r.png"
    png.write_bytes(b"the old figure")
    status, _, err = run_main(["bench", *TINY, "--json", str(tmp_path / "r.json"), "--plot", str(png)], capsys)
    assert status == 2 and "OSError: [Errno 28] No space left on device" in err
    assert png.read_bytes() == b"the old figure" and sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.png"]
    assert load_result(tmp_path / "r.json")["complete"] is True
