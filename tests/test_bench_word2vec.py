"""embedlab bench-word2vec: a quick run writes the JSON the chapter reads; bad options are refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from embedlab.__main__ import main
from embedlab.bench.word2vec import Word2VecBenchConfig, summarise

pytest.importorskip("gensim")


def test_quick_run_writes_both_trainers_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "out" / "w2v.json"
    assert main(["bench-word2vec", "--quick", "--dim", "16", "--variants", "constant lr",
                 "--json", str(path)]) == 0
    result = json.loads(path.read_text())
    assert result["command"].startswith("embedlab bench-word2vec --quick")
    assert result["settings"]["epochs"] == 1 and result["settings"]["dim"] == 16
    assert result["corpus"]["sentences"] == 300 and result["corpus"]["tokens"] == 59576
    runs = result["runs"]
    assert [(r["trainer"], r["variant"]) for r in runs] == [
        ("gensim", ""), ("embedlab", ""), ("embedlab", "constant lr")]
    # Same tokens and min_count: both keep the same vocabulary, so the same coverage.
    assert runs[0]["vocabulary"] == runs[1]["vocabulary"] == result["corpus"]["vocabulary"]
    assert runs[0]["wordsim353_oov"] == runs[1]["wordsim353_oov"] and 0 < runs[0]["wordsim353_oov"] < 1
    for run in runs:
        assert run["words_per_second"] == pytest.approx(result["corpus"]["words_kept"] / run["seconds"], rel=1e-3)
        assert -1 <= run["wordsim353"] <= 1 and 0 <= run["analogy"] <= 1
    assert {row["trainer"] for row in result["summary"]} == {"gensim", "embedlab"}
    assert f"wrote {path}" in capsys.readouterr().out


def test_summary_is_mean_and_spread_over_seeds() -> None:
    base = {"trainer": "embedlab", "variant": "", "threads": 1, "simlex999": 0.0, "analogy": 0.0}
    runs = [{**base, "seed": s, "wordsim353": w, "seconds": t, "words_per_second": 100 / t}
            for s, (w, t) in enumerate([(0.1, 1.0), (0.2, 2.0), (0.6, 4.0)])]
    runs.append({**base, "threads": 2, "seed": 0, "wordsim353": 0.5, "seconds": 1.0, "words_per_second": 100.0})
    one, two = summarise(runs)
    assert one["seeds"] == 3 and one["wordsim353_mean"] == pytest.approx(0.3)
    assert one["wordsim353_std"] == pytest.approx(0.264575, abs=1e-6)   # sqrt(0.07)
    assert one["words_per_second_mean"] == pytest.approx(175 / 3, abs=1e-5)
    assert two["threads"] == 2 and two["wordsim353_std"] == 0.0


@pytest.mark.parametrize(
    "options, message",
    [
        (["--threads", str((os.cpu_count() or 1) + 1)], "is more than this machine's"),
        (["--variants", "bigger"], "argument --variants: unknown variant 'bigger'"),
        (["--seeds", "0"], "argument --seeds: '0' is not a positive integer"),
        (["--sample", "-1"], "argument --sample: '-1' is not a positive number"),
        (["--init-range", "0"], "argument --init-range: '0' is not a positive number"),
    ],
)
def test_bad_options_exit_2_before_any_run(options: list[str], message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench-word2vec", "--quick", "--json", str(tmp_path / "w.json"), *options])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "w.json").exists()


def test_json_path_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["bench-word2vec", "--quick", "--json", str(tmp_path)])
    assert "is a folder; expected the path of a file" in capsys.readouterr().err


def test_config_errors() -> None:
    with pytest.raises(ValueError, match="seeds must be an int of at least 1, got 0"):
        Word2VecBenchConfig(seeds=0)
    with pytest.raises(ValueError, match="threads must be one or more ints of at least 1"):
        Word2VecBenchConfig(threads=())
    with pytest.raises(ValueError, match="init_range must be a positive finite number"):
        Word2VecBenchConfig(init_range=-1.0)
