"""Figures the book draws from code, so that every picture matches what the code does.

One module per chapter; the functions are re-exported here. Importing the package
applies :func:`use_book_style`, so every figure a chapter draws is
in the book's style and shown as SVG.
"""

from embedlab.plot.api import plot_table_memory
from embedlab.plot.bench import plot_bench, plot_ratios, plot_roofline
from embedlab.plot.autograd import plot_row_drift, row_drift
from embedlab.plot.fasttext import plot_fasttext_comparison
from embedlab.plot.onehot import plot_cost_model, plot_onehot_product
from embedlab.plot.parameters import (
    plot_gradient_memory,
    plot_norm_balls,
    plot_renorm_histogram,
    plot_row_norms,
    plot_update_by_frequency,
)
from embedlab.plot.scratch import plot_scatter_add, plot_trajectories
from embedlab.plot.style import use_book_style

use_book_style()

__all__ = [
    "plot_bench",
    "plot_cost_model",
    "plot_fasttext_comparison",
    "plot_gradient_memory",
    "plot_norm_balls",
    "plot_onehot_product",
    "plot_ratios",
    "plot_renorm_histogram",
    "plot_row_drift",
    "plot_roofline",
    "plot_row_norms",
    "plot_scatter_add",
    "plot_table_memory",
    "plot_trajectories",
    "plot_update_by_frequency",
    "row_drift",
    "use_book_style",
]
