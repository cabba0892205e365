"""embedlab bench-fasttext: a quick run writes both trainers' scores of unseen words side by
side; the held-out words and unseen forms are chosen as documented; bad options are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.__main__ import main
from embedlab.bench.fasttext import FastTextBenchConfig, held_out_words, summarise, unseen_plurals

pytest.importorskip("gensim")


@pytest.mark.usefixtures("one_thread")
def test_quick_run_writes_both_trainers_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "out" / "ft.json"
    assert main(["bench-fasttext", "--quick", "--dim", "16", "--buckets", "4096", "--json", str(path)]) == 0
    result = json.loads(path.read_text())
    assert result["command"].startswith("embedlab bench-fasttext --quick")
    assert result["settings"]["epochs"] == 1 and result["settings"]["dim"] == 16
    corpus = result["corpus"]
    assert corpus["documents"] == 100 and len(corpus["held_out"]) == 20
    runs = result["runs"]
    assert [(r["trainer"], r["variant"]) for r in runs] == [("gensim", ""), ("embedlab", ""), ("gensim", "lr 0.025")]
    # Same tokens and min_count: both hold the same vocabulary, none of the held-out words.
    assert {r["vocabulary"] for r in runs} == {corpus["vocabulary"]}
    assert runs[0]["wordsim353_oov"] == runs[1]["wordsim353_oov"] and 0.5 < runs[0]["wordsim353_oov"] < 1
    for run in runs:
        assert run["words_per_second"] == pytest.approx(corpus["training_words_kept"] / run["seconds"], rel=1e-3)
        assert 0 <= run["context"] <= 1 and 0 <= run["stem_top10"] <= 1 and -1 <= run["wordsim353"] <= 1
    # Only embedlab's initial rows are known, so only it has untrained scores.
    assert runs[0]["context_untrained"] is None and 0 <= runs[1]["context_untrained"] <= 1
    assert "context_untrained_mean" in result["summary"][1] and "context_untrained_mean" not in result["summary"][0]
    assert f"wrote {path}" in capsys.readouterr().out


def test_held_out_words_are_the_mid_frequency_long_words() -> None:
    sentences = [["lanterns"] * 2 + ["lantern"] * 3 + ["candles"] * 30 + ["torches"] * 31
                 + ["wax"] * 5 + ["cand1es"] * 4 + ["gaslight"] * 4]
    # "lanterns" is too rare, "torches" too frequent, "wax" too short, "cand1es" not
    # alphabetic: three candidates remain.
    drawn = held_out_words(sentences, 10)
    assert sorted(drawn) == ["candles", "gaslight", "lantern"]
    assert held_out_words(sentences, 2, seed=1) == held_out_words(sentences, 3, seed=1)[:2]


def test_unseen_plurals_by_hand() -> None:
    sentences = [["united"] * 5 + ["nation"] * 5 + ["nations", "forest"] + ["status"] * 6 + ["people"] * 9,
                 ["unit"] * 7 + ["people's"]]
    # "nation" has its plural; "forest" is too rare; "status" ends in s; "unit" is short.
    assert unseen_plurals(sentences) == [("people", "peoples"), ("united", "uniteds")]


def test_summary_is_mean_and_spread_over_seeds_without_missing_metrics() -> None:
    base = {"trainer": "embedlab", "variant": "", "context_untrained": 0.5}
    runs = [{**base, "seed": s, "context": c, "words_per_second": w}
            for s, (c, w) in enumerate([(0.6, 100.0), (0.7, 200.0), (0.8, 600.0)])]
    runs.append({"trainer": "gensim", "variant": "", "seed": 0, "context": 0.9, "context_untrained": None,
                 "words_per_second": 50.0})
    ours, theirs = summarise(runs)
    assert ours["seeds"] == 3 and ours["context_mean"] == pytest.approx(0.7)
    assert ours["context_std"] == pytest.approx(0.1) and ours["context_untrained_std"] == 0.0
    assert ours["words_per_second_std"] == pytest.approx(264.575131, abs=1e-5)  # sqrt(70000)
    assert theirs["context_std"] == 0.0 and "context_untrained_mean" not in theirs


@pytest.mark.parametrize(
    "options, message",
    [
        (["--documents", "301"], "argument --documents: documents must be at most the Lee corpus's 300, got 301"),
        (["--seeds", "0"], "argument --seeds: '0' is not a positive integer"),
        (["--lr", "-1"], "argument --lr: '-1' is not a positive number"),
    ],
)
def test_bad_options_exit_2_before_any_run(options: list[str], message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench-fasttext", "--quick", "--json", str(tmp_path / "f.json"), *options])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "f.json").exists()


def test_json_path_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["bench-fasttext", "--quick", "--json", str(tmp_path)])
    assert "is a folder; expected the path of a file" in capsys.readouterr().err


def test_config_errors() -> None:
    with pytest.raises(ValueError, match="held_out must be an int of at least 1, got 0"):
        FastTextBenchConfig(held_out=0)
    with pytest.raises(ValueError, match="lr must be positive, got 0"):
        FastTextBenchConfig(lr=0)


def test_the_figure_draws_the_committed_summary() -> None:
    import matplotlib.pyplot as plt

    from embedlab.plot.fasttext import plot_fasttext_comparison

    result = json.loads((Path(__file__).parent.parent / "book" / "data" / "fasttext_vs_gensim.json").read_text())
    rows = {r["trainer"]: r for r in result["summary"] if not r["variant"]}
    fig = plot_fasttext_comparison(result)
    quality, speed = fig.axes
    heights = [round(bar.get_height(), 6) for bar in quality.patches]
    metrics = ("context", "stem_top10", "wordsim353", "simlex999")
    assert heights == [rows["gensim"][f"{m}_mean"] for m in metrics] + [
        rows["embedlab"][f"{m}_mean"] for m in metrics] + [
        rows["embedlab"]["context_untrained_mean"], rows["embedlab"]["stem_top10_untrained_mean"]]
    assert [bar.get_height() for bar in speed.patches] == [
        rows[t]["words_per_second_mean"] / 1e3 for t in ("gensim", "embedlab")]
    # A dot per seed for each of the ten bars.
    dots = sum(len(line.get_xdata()) for line in quality.get_lines() if line.get_marker() == "o")
    assert dots == 10 * result["settings"]["seeds"]
    plt.close(fig)
    with pytest.raises(ValueError, match="no row for embedlab with the shared settings"):
        plot_fasttext_comparison({"summary": [r for r in result["summary"] if r["trainer"] == "gensim"],
                                  "runs": []})
