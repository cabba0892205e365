"""Figures the book draws from code, so that every picture matches what the code does.

One module per chapter; the functions are re-exported here.
"""

from embedlab.plot.onehot import plot_cost_model, plot_onehot_product

__all__ = ["plot_cost_model", "plot_onehot_product"]
