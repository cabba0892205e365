"""The life of an embedding table over one training step, and where each option acts.

The figure opens the chapter on the lookup options and is referred to from the one on
the gradient options. What it shows is data (:data:`STAGES`), so that the tests can
check that every option of :class:`torch.nn.Embedding` is placed, and placed once per
stage it acts in.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from embedlab.plot.style import FIGURE_WIDTH


@dataclass(frozen=True)
class Stage:
    """One stage of a table's life: what happens in it, and the options that act there.

    Args:
        name (str): the stage, as the figure labels it.
        events (tuple of str): what happens to the table, in order.
        options (tuple of (str, str)): each option that acts in this stage, with what
            it does there.
    """

    name: str
    events: tuple[str, ...]
    options: tuple[tuple[str, str], ...]


#: The four stages, in order; the last one leads back to the second at the next batch.
STAGES: tuple[Stage, ...] = (
    Stage(
        "construct",
        ("weight W of shape (V, D), drawn from N(0, 1) or given",),
        (
            ("num_embeddings, embedding_dim", "the shape (V, D)"),
            ("padding_idx", "zeroes its row (not in a given W)"),
        ),
    ),
    Stage(
        "forward",
        ("rescale the looked-up rows in place (W._version + 1)", "gather the rows W[ids]"),
        (
            ("max_norm", "rows over it are rescaled to it"),
            ("norm_type", "the p of the norm compared"),
        ),
    ),
    Stage(
        "backward",
        ("scatter-add the upstream gradients into W.grad",),
        (
            ("scale_grad_by_freq", "each row's sum ÷ its id's count"),
            ("padding_idx", "its row's gradient is zero"),
            ("sparse", "W.grad is an uncoalesced COO tensor"),
        ),
    ),
    Stage(
        "optimizer step",
        ("weight decay, moments or momentum, then W changes",),
        (
            ("sparse", "only some optimizers accept it"),
            ("padding_idx", "does not stop weight decay"),
        ),
    ),
)

# One colour per option, the same in every stage.
_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def option_colours(stages: tuple[Stage, ...] = STAGES) -> dict[str, str]:
    """The colour of each option, in the order the options first appear.

    Args:
        stages (tuple of Stage): the stages drawn. Default: :data:`STAGES`.

    Returns:
        dict: maps each option's name to a Matplotlib colour.

    Examples::

        >>> list(option_colours())[:3]
        ['num_embeddings, embedding_dim', 'padding_idx', 'max_norm']
    """
    names = dict.fromkeys(option for stage in stages for option, _ in stage.options)
    if len(names) > len(_COLOURS):
        raise ValueError(f"{len(names)} options, but only {len(_COLOURS)} colours")
    return dict(zip(names, _COLOURS))


# Axes units are lines of text: the gap between two blocks of a column and the space
# between two stages, in lines; the figure's height per line, in inches.
_GAP, _SPACE, _LINE_IN = 0.5, 1.2, 0.2


def _wrapped(texts: list[str]) -> list[str]:
    """Each text wrapped to fit one column, as one string of lines."""
    return ["\n".join(textwrap.wrap(text, 27)) for text in texts]


def _lines(blocks: list[str]) -> float:
    """The height of ``blocks`` stacked with gaps, in lines."""
    return sum(block.count("\n") + 1 for block in blocks) + _GAP * (len(blocks) - 1)


def _column(
    ax: plt.Axes, x: float, top: float, height: float, blocks: list[str], colours: list[str]
) -> None:
    """Stack ``blocks`` at ``x``, centred as a group in ``height`` lines below ``top``."""
    y = top + (height - _lines(blocks)) / 2
    for block, colour in zip(blocks, colours):
        ax.text(x, y, block, va="top", color=colour)
        y += block.count("\n") + 1 + _GAP


def plot_lifecycle(stages: tuple[Stage, ...] = STAGES) -> Figure:
    r"""Draw a table's training step as stages from top to bottom, options beside them.

    Each stage is a box on the left, with what happens in it in the middle and, on the
    right, each option that acts there, in its colour and with what it does. Arrows
    lead from each stage to the next, and one from the last stage back to the second:
    the next batch.

    Args:
        stages (tuple of Stage): the stages to draw. Default: :data:`STAGES`.

    Returns:
        matplotlib.figure.Figure: the figure, with one axes (its frame hidden).

    Raises:
        ValueError: if ``stages`` is empty.

    Examples::

        >>> fig = plot_lifecycle()
        >>> [text.get_text() for text in fig.axes[0].texts][:2]
        ['1. construct', 'weight W of shape (V, D),\ndrawn from N(0, 1) or given']
        >>> plt.close(fig)
    """
    if not stages:
        raise ValueError("stages is empty: give at least one stage to draw")
    colours = option_colours(stages)
    columns = [
        (_wrapped(list(stage.events)),
         _wrapped([f"{option}: {effect}" for option, effect in stage.options]))
        for stage in stages
    ]
    heights = [max(_lines(events), _lines(options)) for events, options in columns]
    total = sum(heights) + _SPACE * (len(stages) - 1)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.2 + _LINE_IN * total))
    ax.set(xlim=(0, 1), ylim=(total, 0))
    ax.axis("off")
    top, centres = 0.0, []
    for number, (stage, (events, options), height) in enumerate(
        zip(stages, columns, heights), start=1
    ):
        centres.append(top + height / 2)
        ax.text(
            0.17,
            centres[-1],
            f"{number}. {stage.name}",
            ha="center",
            va="center",
            fontweight="bold",
            bbox={"boxstyle": "round", "facecolor": "0.93", "edgecolor": "0.4"},
        )
        _column(ax, 0.31, top, height, events, ["k"] * len(events))
        _column(ax, 0.66, top, height, options, [colours[o] for o, _ in stage.options])
        top += height + _SPACE
    arrow = {"arrowstyle": "->", "color": "0.3", "shrinkA": 9, "shrinkB": 9}
    for upper, lower in zip(centres, centres[1:]):
        ax.annotate("", xy=(0.17, lower), xytext=(0.17, upper), arrowprops=arrow)
    if len(stages) > 2:
        # Back from the last stage to the second, round the left of the boxes.
        ax.plot([0.06, 0.04, 0.04], [centres[-1], centres[-1], centres[1]], color="0.3",
                linewidth=1)
        ax.annotate("", xy=(0.1, centres[1]), xytext=(0.04, centres[1]),
                    arrowprops={**arrow, "shrinkA": 0, "shrinkB": 2})
        ax.text(0.0, (centres[1] + centres[-1]) / 2, "next batch", rotation=90,
                va="center", ha="left", color="0.3")
    return fig
