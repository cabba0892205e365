"""The one style every figure of the book is drawn in, and how the notebooks show it.

The book's main column is :data:`COLUMN_WIDTH_PX` CSS pixels wide at its narrowest on
a desktop, so a figure :data:`FIGURE_WIDTH` inches wide is shown at its drawn size
and a font of ``s`` points is read at ``s`` points. Figures reach the page as SVG:
vector text and lines stay sharp on any screen and at any zoom, and the file's
``width`` attribute is the drawn width, so the browser needs no metadata to size it.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = [
    "BOOK_STYLE",
    "COLUMN_WIDTH_PX",
    "FIGURE_WIDTH",
    "MIN_FONT_PT",
    "SAVE_KWARGS",
    "display_scale",
    "render_svg",
    "smallest_font",
    "use_book_style",
]

#: Width of sphinx-book-theme's main column, in CSS pixels, in a 1200 px wide window:
#: the narrowest it gets while the sidebar shows (1280 px: 676, 1440 px and up: 790).
COLUMN_WIDTH_PX = 612

#: CSS pixels per inch; an SVG's ``width`` in points is shown at 96 / 72 px per point.
CSS_PX_PER_INCH = 96

#: Width of a full-column figure, in inches: 604.8 CSS px, inside the column.
FIGURE_WIDTH = 6.3

#: The smallest font any figure uses, in points, as displayed.
MIN_FONT_PT = 9.0

#: The rcParams of every figure of the book.
BOOK_STYLE: dict[str, object] = {
    "figure.figsize": (FIGURE_WIDTH, 3.6),
    # Laid out to the figure's own size, which is then saved as is (no tight bbox),
    # so the drawn width is the width the column is known to hold.
    "figure.constrained_layout.use": True,
    "font.size": 10.0,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10.0,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.titlesize": 11.0,
    # SVG ids are random unless salted; a salt makes two refreshes give equal bytes.
    "svg.hashsalt": "embedlab",
    # Glyphs as paths: the figure looks the same whatever fonts the reader has.
    "svg.fonttype": "path",
}

#: How a figure is saved for the book: SVG at its own size, without the date that
#: would make every refresh differ.
SAVE_KWARGS: dict[str, object] = {"bbox_inches": None, "metadata": {"Date": None}}


def display_scale(fig: Figure, column_px: float = COLUMN_WIDTH_PX) -> float:
    r"""How much the browser shrinks ``fig`` to fit a column ``column_px`` CSS px wide.

    Args:
        fig (matplotlib.figure.Figure): the figure, saved at its own size.
        column_px (float): the column's width in CSS pixels.
            Default: :data:`COLUMN_WIDTH_PX`.

    Returns:
        float: displayed width / drawn width, at most 1 (images are not enlarged).

    Examples::

        >>> fig = plt.figure(figsize=(12.75, 3))
        >>> display_scale(fig)
        0.5
        >>> display_scale(plt.figure(figsize=(FIGURE_WIDTH, 3)))
        1.0
        >>> plt.close("all")
    """
    drawn_px = float(fig.get_figwidth()) * CSS_PX_PER_INCH
    return min(1.0, column_px / drawn_px)


def smallest_font(fig: Figure) -> float:
    r"""The smallest font size, in points, of the visible, non-empty texts of ``fig``.

    Tick labels, titles, legends, annotations and bar labels are all
    :class:`matplotlib.text.Text` artists; the figure is drawn first so that the
    tick labels exist.

    Args:
        fig (matplotlib.figure.Figure): the figure.

    Returns:
        float: the size in points; ``inf`` if the figure has no text.

    Examples::

        >>> fig, ax = plt.subplots()
        >>> _ = ax.set_title("a title", fontsize=12)
        >>> _ = ax.text(0.5, 0.5, "small", fontsize=7)
        >>> smallest_font(fig)
        7.0
        >>> plt.close(fig)
    """
    fig.canvas.draw()
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return float(min(sizes, default=float("inf")))


def render_svg(fig: Figure) -> bytes:
    r"""The SVG the book stores for ``fig``: the bytes the notebook shows.

    Args:
        fig (matplotlib.figure.Figure): the figure.

    Returns:
        bytes: the SVG document, equal from one run to the next.

    Examples::

        >>> use_book_style()
        >>> fig, ax = plt.subplots()
        >>> _ = ax.plot([1, 2, 3])
        >>> render_svg(fig) == render_svg(fig)
        True
        >>> b'width="453.6pt"' in render_svg(fig)      # 6.3 in = 453.6 pt
        True
        >>> plt.close(fig)
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", **SAVE_KWARGS)
    return buffer.getvalue()


def use_book_style() -> None:
    r"""Draw every later figure in the book's style; in a notebook, show them as SVG.

    Sets the rcParams ``BOOK_STYLE`` of ``embedlab.plot.style`` and, under IPython,
    makes the inline backend show figures as SVG saved with ``SAVE_KWARGS``.
    :mod:`embedlab.plot` calls it when imported, so every chapter that draws a figure
    gets the style and the format without a cell of its own. Outside IPython only the
    rcParams change.

    Examples::

        >>> use_book_style()
        >>> mpl.rcParams["svg.hashsalt"], mpl.rcParams["font.size"]
        ('embedlab', 10.0)
    """
    mpl.rcParams.update(BOOK_STYLE)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.config import InlineBackend

    # The inline backend reads this configuration when pyplot first loads it, and
    # re-registers its formatters when it changes after that: either way the
    # notebook shows SVG saved with SAVE_KWARGS.
    backend = InlineBackend.instance()
    backend.print_figure_kwargs = dict(SAVE_KWARGS)
    backend.figure_formats = {"svg"}
