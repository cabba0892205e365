"""embedlab.bench: the harness (sizes, skip logic, JSON schema, bytes model), not the timings."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from embedlab.bench import BenchConfig, fit_slope, format_report, load_result, run_bench, save_result, series
from embedlab.bench.memory import cpu_peak_supported, peak_rss_rise
from embedlab.bench.methods import METHODS, make_workload, skip_reason
from embedlab.bench.report import ratio
from embedlab.bench.timing import time_side_by_side
from embedlab.onehot import lookup_cost, onehot_cost

TINY = {"batch": 32, "dim": 8, "repeats": 2, "block_time": 0.0005, "bandwidth_bytes": 2**20}


@pytest.fixture(scope="module")
def tiny_result() -> dict:
    """One tiny run of every method, with memory and bandwidth; the budget skips one-hot at V = 2000.

    At V = 2000 the table takes 64 kB, with its dense gradient 128 kB: within the 200 kB
    budget; the one-hot matrix alone takes 256 kB.
    """
    config = BenchConfig(vocab=(50, 2000), memory_budget=200_000, **TINY)
    return run_bench(config, command=["bench", "--quick"])


def test_every_method_computes_what_its_name_says() -> None:
    workload = make_workload(batch=64, vocab=20, dim=4, dtype=torch.float32, device="cpu")
    expected = workload.weight.detach()[workload.ids]
    for name in ("onehot", "index_select", "F.embedding", "embedlab"):
        torch.testing.assert_close(METHODS[name].make(workload)().detach(), expected, msg=name)
    np.testing.assert_array_equal(METHODS["numpy"].make(workload)(), expected.numpy())
    for name in ("onehot-bwd", "F.embedding-bwd", "embedlab-bwd", "F.embedding-sparse", "embedlab-sparse"):
        METHODS[name].make(workload)()
        counts = torch.bincount(workload.ids, minlength=20).float()
        torch.testing.assert_close(workload.weight.grad.to_dense(), counts[:, None].expand(20, 4), msg=name)
    for name in ("np.add.at", "scatter_add_rows"):
        workload.grad_np[...] = 0
        METHODS[name].make(workload)()
        reference = np.zeros_like(workload.grad_np)
        np.add.at(reference, workload.ids_np, workload.dout_np)
        np.testing.assert_allclose(workload.grad_np, reference, rtol=1e-5, err_msg=name)


def test_max_norm_calls_renorm_every_time_and_agree() -> None:
    workload = make_workload(batch=64, vocab=20, dim=4, dtype=torch.float32, device="cpu")
    outputs = []
    for name in ("F.embedding-max_norm", "embedlab-max_norm"):
        call = METHODS[name].make(workload)
        call()
        out = call().detach()  # the second call has over-norm rows to scale again
        assert torch.linalg.vector_norm(out, dim=1).max() <= workload.max_norm * (1 + 1e-5)
        outputs.append(out)
        workload.reset()
    torch.testing.assert_close(*outputs)
    assert torch.equal(workload.weight.detach()[workload.rows], workload.saved)


def test_bytes_model_uses_the_cost_model_of_chapter_one() -> None:
    b, u, v, d, s = 4096, 4000, 10**5, 128, 4
    assert METHODS["F.embedding"].bytes_moved(b, u, v, d, s) == lookup_cost(b, v, d, s).bytes_moved
    assert METHODS["onehot"].bytes_moved(b, u, v, d, s) == onehot_cost(b, v, d, s).bytes_moved
    dense = METHODS["F.embedding-bwd"].bytes_moved(b, u, v, d, s)
    sparse = METHODS["F.embedding-sparse"].bytes_moved(b, u, v, d, s)
    assert dense - sparse > v * d * s - 2 * b * d * s  # the dense gradient's V x D zero fill


def test_onehot_over_budget_is_skipped_with_the_reason() -> None:
    reason = skip_reason(METHODS["onehot"], 4096, 10**6, 128, torch.float32, torch.device("cpu"), 2 * 2**30)
    assert reason == "needs 16.4 GB (one-hot matrix and output), over the memory budget of 2.15 GB"
    assert skip_reason(METHODS["F.embedding"], 4096, 10**3, 128, torch.float32, torch.device("cpu"), 2**30) is None
    assert "NumPy has no bfloat16" in skip_reason(
        METHODS["numpy"], 8, 8, 8, torch.bfloat16, torch.device("cpu"), 2**30
    )


def test_result_records_every_method_and_size_with_status(tiny_result: dict) -> None:
    records = {(r["method"], r["vocab"]): r for r in tiny_result["results"]}
    assert set(records) == {(name, v) for name in METHODS for v in (50, 2000)}
    skipped = sorted(key for key, r in records.items() if r["status"] == "skipped")
    assert skipped == [("onehot", 2000), ("onehot-bwd", 2000)]
    assert "over the memory budget" in records["onehot", 2000]["note"]
    ok = records["F.embedding", 2000]
    assert ok["status"] == "ok" and ok["blocks"] == 2 and len(ok["times_s"]) == 2
    assert ok["q1_s"] <= ok["median_s"] <= ok["q3_s"] and ok["iqr_s"] == pytest.approx(ok["q3_s"] - ok["q1_s"])
    assert ok["fraction_of_bound"] == pytest.approx(ok["bound_s"] / ok["median_s"])
    assert ok["bound_s"] == pytest.approx(ok["bytes_moved"] / tiny_result["bandwidth"]["bandwidth_Bps"])


def test_result_json_schema(tiny_result: dict, tmp_path) -> None:  # noqa: ANN001
    path = save_result(tiny_result, tmp_path / "out" / "result.json")
    loaded = load_result(path)
    assert loaded == json.loads(json.dumps(tiny_result))
    assert loaded["schema"] == "embedlab-bench/1"
    assert loaded["command"] == "bench --quick"
    assert {"torch", "numpy", "device", "threads", "cpu", "python", "platform"} <= set(loaded["machine"])
    assert {"read_Bps", "copy_Bps", "triad_Bps", "bandwidth_Bps", "first_touch_Bps", "refill_Bps"} <= set(loaded["bandwidth"])
    assert loaded["config"]["vocab"] == [50, 2000] and loaded["config"]["methods"] == list(METHODS)


def test_load_refuses_other_json(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "other.json"
    path.write_text('{"schema": "something-else"}')
    with pytest.raises(ValueError, match="not an embedlab benchmark result of schema 'embedlab-bench/1'"):
        load_result(path)


def test_report_names_every_method_and_the_skips(tiny_result: dict) -> None:
    text = format_report(tiny_result)
    for name in METHODS:
        assert name in text
    assert "onehot at V=2,000: needs" in text
    assert "onehot / F.embedding" in text and "memory bandwidth" in text


@pytest.mark.skipif(not cpu_peak_supported(), reason="needs Linux's /proc/self/clear_refs")
def test_peak_memory_counts_a_temporary_buffer(tiny_result: dict) -> None:
    # 64 MiB: above glibc's largest mmap threshold, so always fresh pages, whatever ran before
    assert peak_rss_rise(lambda: torch.ones(2**24)) >= 60 * 2**20
    peaks = {r["method"]: r["peak_bytes"] for r in tiny_result["results"] if r["vocab"] == 50}
    assert all(isinstance(p, int) and p >= 0 for p in peaks.values())


def test_series_ratio_and_slope(tiny_result: dict) -> None:
    vocab, seconds = series(tiny_result, "F.embedding")
    assert vocab == [50, 2000] and all(s > 0 for s in seconds)
    assert list(ratio(tiny_result, "onehot", "F.embedding")) == [50]  # skipped at 2000
    assert fit_slope([1, 10, 100], [3, 30, 300]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive"):
        fit_slope([1, 10], [0, 1])


def test_slow_calls_get_fewer_blocks_but_at_least_three() -> None:
    steps = []
    timings = time_side_by_side(
        {"slow": lambda: sum(range(20_000)), "fast": lambda: None},
        repeats=6, block_time=0.0001, max_time=1e-6, on_step=lambda: steps.append(1),
    )
    assert len(timings["slow"].times) == 3 and len(timings["fast"].times) == 3
    assert len(steps) == 2 * (6 + 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vocab", (100, -5), "vocab must be a positive integer, got -5"),
        ("batch", 0, "batch must be a positive integer, got 0"),
        ("methods", ("onehot", "fastest"), "unknown method 'fastest'; choose from: onehot, numpy"),
        ("dtype", "int8", "unknown dtype 'int8'; choose from: float32, float64, float16, bfloat16"),
        ("device", "tpu", "unknown device 'tpu'; choose from: cpu, cuda"),
        ("block_time", -1.0, "block_time must be a positive number of seconds, got -1.0"),
    ],
)
def test_config_rejects_bad_values_naming_them(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BenchConfig(**{field: value})


@pytest.mark.parametrize(
    ("name", "budget", "expected"),
    [
        # 1e9 x 128 float32: the table alone is 512 GB.
        ("F.embedding", 2**30, "needs 512 GB (the table and its copies and gradients), over the memory budget"),
        ("np.add.at", 2**30, "needs 512 GB"),
        ("embedlab-max_norm", 2**30, "needs 512 GB"),
        # A dense backward adds the table's gradient.
        ("F.embedding-bwd", 2**30, "needs 1.02 TB"),
        ("F.embedding", 6 * 10**11, None),
        ("F.embedding-sparse", 6 * 10**11, None),
        ("F.embedding-bwd", 6 * 10**11, "needs 1.02 TB"),
    ],
)
def test_the_budget_applies_to_every_method(name: str, budget: int, expected: str | None) -> None:
    reason = skip_reason(METHODS[name], 4096, 10**9, 128, torch.float32, torch.device("cpu"), budget)
    assert reason == expected if expected is None else reason.startswith(expected)


def test_a_size_over_the_budget_is_skipped_without_building_its_table() -> None:
    # 1e10 x 8 float32 rows would be 320 GB: built, it would end the run in the allocator.
    config = BenchConfig(vocab=(30, 10**10), memory_budget=2**20, methods=("F.embedding", "numpy"), memory=False,
                         bandwidth=False, **TINY)
    partial: list[list[int]] = []
    result = run_bench(config, on_size=lambda r: partial.append([rec["vocab"] for rec in r["results"]]))
    records = {(r["vocab"], r["method"]): r for r in result["results"]}
    assert records[30, "F.embedding"]["status"] == "ok"
    assert records[10**10, "F.embedding"]["status"] == "skipped"
    assert "over the memory budget" in records[10**10, "numpy"]["note"]
    assert records[10**10, "numpy"]["distinct_ids"] is None
    # The result so far is handed over after each size, and the last one is complete.
    assert partial == [[30, 30], [30, 30, 10**10, 10**10]] and result["complete"] is True


def test_threads_are_bounded_by_the_machine() -> None:
    import os

    with pytest.raises(ValueError, match=f"threads must be at most {os.cpu_count()}, the CPUs this machine has "
                                         "\\(os.cpu_count\\(\\)\\), got 100000"):
        BenchConfig(threads=100000)
    assert BenchConfig(threads=os.cpu_count()).threads == os.cpu_count()  # all of them is fine


def test_save_result_leaves_the_old_file_when_the_disk_fills_up(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import contextlib

    import embedlab.bench.report

    real = embedlab.bench.report.atomic_write

    class Full:
        def __init__(self, file) -> None:  # noqa: ANN001
            self.file = file

        def write(self, text: str) -> int:
            self.file.write(text[:10])
            raise OSError(28, "No space left on device")

    @contextlib.contextmanager
    def filling_up(path, mode="w", *, encoding=None):  # noqa: ANN001, ANN202
        with real(path, mode, encoding=encoding) as file:
            yield Full(file)

    monkeypatch.setattr(embedlab.bench.report, "atomic_write", filling_up)
    path = tmp_path / "r.json"
    path.write_text("the old result")
    with pytest.raises(OSError, match="No space left"):
        save_result({"schema": "embedlab-bench/1", "results": []}, path)
    assert path.read_text() == "the old result" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_table_drawn_in_float32_and_cast_counts_both() -> None:
    from embedlab.bench.methods import table_memory

    cpu, meta = torch.device("cpu"), torch.device("meta")
    assert table_memory(10, 3, torch.float32, cpu) == 120  # drawn in float32, used as it is
    assert table_memory(10, 3, torch.float16, cpu) == 120 + 60
    assert table_memory(10, 3, torch.float32, meta) == 120 + 120  # drawn on the CPU, then moved


def test_report_leaves_out_the_cost_model_bound(tiny_result: dict) -> None:
    # the cost model's bytes count the one-hot matrix twice and the output buffer,
    # which stay in cache: no lower bound, so the printed table does not show it
    report = format_report(tiny_result)
    assert "time per call" in report and "bandwidth bound" not in report
