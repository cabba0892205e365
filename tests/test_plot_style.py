"""embedlab.plot.style: every book figure fits the column, reads at 9 pt, and renders
to the same SVG bytes every time."""

from __future__ import annotations

import functools
import importlib
import json
import math
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

import embedlab.plot  # noqa: F401  (importing it applies the book style)
from embedlab.memory import REAL_TABLES
from embedlab.memory_optim import OPTIMIZERS
from embedlab.plot import (
    plot_cost_model,
    plot_gradient_memory,
    plot_norm_balls,
    plot_onehot_product,
    plot_ratios,
    plot_renorm_histogram,
    plot_row_drift,
    plot_scatter_add,
    plot_table_memory,
)
from embedlab.plot.bench import plot_bench
from embedlab.distributed import zipf_ids
from embedlab.plot import (
    plot_roofline,
    plot_row_norms,
    plot_trajectories,
    plot_update_by_frequency,
)
from embedlab.plot.fasttext import plot_fasttext_comparison
from embedlab.plot.bigger import (
    plot_busiest_share,
    plot_sharded_lookup,
    plot_training_memory,
)
from embedlab.plot.lifecycle import plot_lifecycle
from embedlab.plot.real_text import (
    plot_collisions,
    plot_gensim_comparison,
    plot_variant_costs,
)
from embedlab.plot.style import (
    COLUMN_WIDTH_PX,
    CSS_PX_PER_INCH,
    MIN_FONT_PT,
    display_scale,
    render_svg,
    smallest_font,
    use_book_style,
)
from embedlab.plot.word2vec import plot_embedding_map, plot_loss_curve

DATA = Path(__file__).parent.parent / "book" / "data"
BENCH = json.loads((DATA / "bench_full.json").read_text())
WORD2VEC = json.loads((DATA / "word2vec_vs_gensim.json").read_text())
FASTTEXT = json.loads((DATA / "fasttext_vs_gensim.json").read_text())
RATIO_PAIRS = [
    ("onehot", "F.embedding"),
    ("F.embedding-bwd", "F.embedding-sparse"),
    ("F.embedding-max_norm", "embedlab-max_norm"),
    ("embedlab", "F.embedding"),
]
CATEGORY_SIZES = {
    "animal": 12,
    "capital": 8,
    "colour": 8,
    "country": 8,
    "food": 7,
    "language": 8,
    "object": 6,
    "person": 10,
}


def clustered_words() -> tuple[list[str], torch.Tensor, dict[str, str]]:
    """Tight clusters, one per category, like the chapter's trained vectors."""
    rng = np.random.default_rng(0)
    words, rows, categories = [], [], {}
    for group, size in CATEGORY_SIZES.items():
        centre = rng.normal(size=8) * 3
        for k in range(size):
            word = f"{group[:4]}{'ab' * (k % 4)}{k}"
            words.append(word)
            categories[word] = group
            rows.append(centre + rng.normal(size=8) * 0.08)
    return words, torch.tensor(np.array(rows)), categories


def capitals_map() -> Figure:
    words, vectors, categories = clustered_words()
    countries = [w for w in words if categories[w] == "country"]
    capitals = [w for w in words if categories[w] == "capital"]
    pairs = list(zip(countries, capitals))
    shown = [word for pair in pairs for word in pair]
    rows = torch.stack([vectors[words.index(w)] for w in shown])
    return plot_embedding_map(shown, rows, categories, pairs=pairs, title="capitals")


def row_drift_figure() -> Figure:
    rng = np.random.default_rng(0)
    runs = {name: rng.normal(size=(13, 4, 8)) for name in ("SGD", "Adam", "SparseAdam")}
    return plot_row_drift(runs, [[k % 4] for k in range(12)])


def row_norms_figure() -> Figure:
    rng = np.random.default_rng(0)
    norms = np.abs(rng.normal(1.0, 0.6, size=(41, 6)))
    return plot_row_norms(norms, [[k % 4, 4] for k in range(40)], max_norm=1.0)


def update_by_frequency_figure() -> Figure:
    counts = torch.bincount(zipf_ids(1000, 1000, torch.Generator().manual_seed(0)))
    per_row = torch.where(counts > 0, 0.01, 0.0)
    return plot_update_by_frequency(
        counts, {"the sum": counts * per_row, "the mean": per_row}
    )


def trajectories_figure() -> Figure:
    rng = np.random.default_rng(0)
    path = np.cumsum(rng.normal(scale=0.1, size=(30, 8, 2)), axis=0)
    words = [f"word{k}" for k in range(8)]
    return plot_trajectories(path, words, groups=[k % 2 for k in range(8)])


def busiest_share_figure() -> Figure:
    vocab = 100_000
    ids = zipf_ids(vocab, 8 * 4096, torch.Generator().manual_seed(0))
    sample = zipf_ids(vocab, 8 * 4096, torch.Generator().manual_seed(1))
    counts = torch.bincount(sample, minlength=vocab) + 1
    return plot_busiest_share(ids, vocab, counts=counts)


def renorm_figure() -> Figure:
    rng = np.random.default_rng(0)
    before = rng.gamma(16, 0.25, size=1000)
    seen = rng.random(1000) < 0.25
    return plot_renorm_histogram(
        before, np.where(seen, np.minimum(before, 4.0), before), 4.0, seen
    )


#: Every figure function, called as the chapters call it (the bench with all of the
#: 14 methods it measures).
FIGURES: dict[str, Callable[[], Figure]] = {
    "onehot_product": lambda: plot_onehot_product(
        np.round(np.random.default_rng(0).normal(size=(7, 3)), 1), index=2
    ),
    "cost_model": lambda: plot_cost_model(
        [10**k for k in range(2, 7)], batch=32, dim=64
    ),
    "scatter_add": lambda: plot_scatter_add(
        np.array([2, 0, 2, 3, 2]), np.arange(10.0).reshape(5, 2), 5
    ),
    "table_memory": lambda: plot_table_memory(
        REAL_TABLES, limit=(80e9, "80 GB: one GPU")
    ),
    "renorm_histogram": renorm_figure,
    "norm_balls": lambda: plot_norm_balls(
        [[0.3, 0.3], [0.6, 0.6], [0.9, 0.2], [-0.2, -0.95], [0.5, -0.5], [1.2, 0.1]]
    ),
    "gradient_memory": lambda: plot_gradient_memory(
        [10**k for k in range(3, 8)], 64, 4096
    ),
    "row_drift": row_drift_figure,
    "bench": lambda: plot_bench(BENCH),
    "bench_every_method": lambda: plot_bench(
        BENCH, methods=sorted({r["method"] for r in BENCH["results"]})
    ),
    "ratios": lambda: plot_ratios(BENCH, RATIO_PAIRS),
    "loss_curve": lambda: plot_loss_curve(
        list(np.linspace(4, 1, 300)), steps_per_epoch=100
    ),
    "word_map": lambda: plot_embedding_map(*clustered_words()),
    "capitals_map": capitals_map,
    "training_memory": lambda: plot_training_memory(REAL_TABLES, list(OPTIMIZERS)),
    "sharded_lookup": lambda: plot_sharded_lookup([[3, 17, 9, 17], [12, 0, 19]], 20),
    "busiest_share": busiest_share_figure,
    "roofline": lambda: plot_roofline(
        {"one-hot @ W": {10**k: (25.0 * 10**k / 100, 4e10) for k in range(2, 5)}},
        8e10,
        2.5e10,
        threads=1,
    ),
    "lifecycle": lambda: plot_lifecycle(),
    "row_norms": row_norms_figure,
    "update_by_frequency": update_by_frequency_figure,
    "trajectories": trajectories_figure,
    "gensim_comparison": lambda: plot_gensim_comparison(WORD2VEC),
    "variant_costs": lambda: plot_variant_costs(WORD2VEC),
    "fasttext_comparison": lambda: plot_fasttext_comparison(FASTTEXT),
    "collisions": lambda: plot_collisions(
        [2**k for k in range(12, 23, 2)],
        [0.9, 0.45, 0.14, 0.04, 0.01, 0.002],
        [0.9, 0.44, 0.14, 0.035, 0.009, 0.002],
    ),
}


def test_every_figure_function_of_the_book_is_checked_here() -> None:
    # A new plot function is held to this module's rules once it is in FIGURES.
    source = Path(__file__).read_text()
    for module in pkgutil.iter_modules(embedlab.plot.__path__):
        functions = vars(importlib.import_module(f"embedlab.plot.{module.name}"))
        for name in functions:
            if name.startswith("plot_"):
                assert f"{name}(" in source, f"{name} is not among FIGURES"


@functools.cache
def drawn(name: str) -> Figure:
    """The figure ``name``, made and drawn once for every test of this module.

    Drawing and measuring do not change a figure, and making and drawing them all
    once is most of this module's time.
    """
    fig = FIGURES[name]()
    fig.canvas.draw()
    return fig


@pytest.fixture(scope="module", autouse=True)
def close_figures() -> None:
    # drawn() keeps every figure open until the module is done with them.
    with mpl.rc_context({"figure.max_open_warning": 0}):
        yield
    drawn.cache_clear()
    plt.close("all")


@pytest.fixture(params=sorted(FIGURES))
def figure(request: pytest.FixtureRequest) -> Figure:
    return drawn(request.param)


def test_every_figure_is_shown_at_its_drawn_size_with_fonts_of_9_pt(
    figure: Figure,
) -> None:
    assert figure.get_figwidth() * CSS_PX_PER_INCH <= COLUMN_WIDTH_PX
    assert display_scale(figure) == 1.0
    assert smallest_font(figure) * display_scale(figure) >= MIN_FONT_PT


def test_nothing_is_drawn_outside_the_figure(figure: Figure) -> None:
    # The figure is saved at its own size: whatever lies outside it would be cut off.
    box = figure.get_tightbbox(figure.canvas.get_renderer())
    width, height = figure.get_size_inches()
    slack = 1 / 72
    assert box.x0 >= -slack and box.y0 >= -slack
    assert box.x1 <= width + slack and box.y1 <= height + slack


def test_the_svg_is_the_figure_at_its_own_size(figure: Figure) -> None:
    svg = render_svg(figure)
    # Saving draws the figure again at the SVG's 72 dpi; the other tests measure
    # extents on the screen canvas, so it is drawn there once more.
    figure.canvas.draw()
    assert f'width="{figure.get_figwidth() * 72:g}pt"'.encode() in svg
    assert b"<dc:date>" not in svg


def test_titles_of_the_scatter_add_figure_do_not_overlap() -> None:
    left, right = (ax.title.get_window_extent() for ax in drawn("scatter_add").axes)
    assert left.x1 < right.x0


@pytest.mark.parametrize(
    "name",
    [
        "bench",
        "bench_every_method",
        "ratios",
        "row_drift",
        "norm_balls",
        "word_map",
        "gensim_comparison",
        "fasttext_comparison",
    ],
)
def test_legends_of_many_series_sit_outside_every_axes(name: str) -> None:
    fig = drawn(name)
    legends = fig.findobj(Legend)
    assert legends
    for legend in legends:
        box = legend.get_window_extent()
        assert not any(box.overlaps(ax.get_window_extent()) for ax in fig.axes)


@pytest.mark.parametrize(
    "name", ["word_map", "capitals_map", "trajectories", "roofline"]
)
def test_word_labels_do_not_overlap_and_stay_inside_the_axes(name: str) -> None:
    ax = drawn(name).axes[0]
    # Text's own extent: an annotation's would include its leader line.
    words = {
        text.get_text(): Text.get_window_extent(text)
        for text in ax.texts
        if text.get_text()
    }
    expected = {
        "word_map": sum(CATEGORY_SIZES.values()),
        "capitals_map": 16,
        "trajectories": 8,
        "roofline": 3,
    }[name]
    assert len(words) == expected  # every word found a place
    boxes = list(words.values())
    inside = ax.get_window_extent()
    for i, box in enumerate(boxes):
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1
        assert inside.y0 <= box.y0 and box.y1 <= inside.y1
        assert not any(box.overlaps(other) for other in boxes[i + 1 :])


def test_a_category_has_one_colour_in_every_map() -> None:
    colours = [
        {
            label: handle.get_facecolor()[0].tolist()
            for handle, label in zip(
                f.legends[0].legend_handles,
                [t.get_text() for t in f.legends[0].get_texts()],
            )
        }
        for f in (drawn("word_map"), drawn("capitals_map"))
    ]
    assert colours[1]["capital"] == colours[0]["capital"]
    assert colours[1]["country"] == colours[0]["country"]


RENDER = """
import matplotlib
matplotlib.use("agg")
import sys
import embedlab.plot
from embedlab.plot.style import render_svg
from embedlab.plot.bigger import plot_sharded_lookup
sys.stdout.buffer.write(render_svg(plot_sharded_lookup([[3, 17], [12, 0]], 20)))
"""


def test_two_processes_render_the_same_bytes() -> None:
    # Unsalted SVG ids are random per process: only two processes can show it. This
    # one is the first; its rcParams are set back to what a fresh import gives.
    there = subprocess.run(
        [sys.executable, "-c", RENDER], capture_output=True, check=True
    ).stdout
    with mpl.rc_context():
        mpl.rc_file_defaults()
        use_book_style()
        here = render_svg(plot_sharded_lookup([[3, 17], [12, 0]], 20))
    assert here == there and here.startswith(b"<?xml")


def test_in_a_notebook_figures_are_shown_as_undated_svg_at_their_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import IPython
    from matplotlib_inline.config import InlineBackend

    backend = InlineBackend.instance()
    saved = backend.figure_formats, backend.print_figure_kwargs
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    try:
        use_book_style()
        assert backend.figure_formats == {"svg"}
        assert backend.print_figure_kwargs == {
            "bbox_inches": None,
            "metadata": {"Date": None},
        }
    finally:
        backend.figure_formats, backend.print_figure_kwargs = saved
    assert mpl.rcParams["svg.hashsalt"] == "embedlab"
    assert math.isclose(mpl.rcParams["font.size"], 10.0)
