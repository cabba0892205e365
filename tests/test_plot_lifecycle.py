"""embedlab.plot.lifecycle: the figure places every option where PyTorch applies it."""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.colors import same_color

from embedlab.plot.lifecycle import STAGES, Stage, option_colours, plot_lifecycle


def stages_of(option: str) -> list[str]:
    return [stage.name for stage in STAGES for name, _ in stage.options if name == option]


def test_every_public_argument_of_nn_embedding_is_placed() -> None:
    arguments = {
        name
        for name in inspect.signature(torch.nn.Embedding).parameters
        if not name.startswith("_") and name not in ("device", "dtype")
    }
    placed = {part for option in option_colours() for part in option.split(", ")}
    assert placed == arguments


def test_the_figure_draws_each_stage_in_order_with_its_options_in_their_colours() -> None:
    fig = plot_lifecycle()
    texts = fig.axes[0].texts
    titles = [text.get_text() for text in texts if text.get_text()[:2] in ("1.", "2.", "3.", "4.")]
    assert titles == [f"{n}. {stage.name}" for n, stage in enumerate(STAGES, start=1)]
    colours = option_colours()
    for stage in STAGES:
        for option, effect in stage.options:
            (drawn,) = [
                text for text in texts
                if " ".join(text.get_text().split()) == f"{option}: {effect}"
            ]
            assert same_color(drawn.get_color(), colours[option])
    # one arrow between each pair of stages, one back for the next batch
    arrows = [text for text in texts if getattr(text, "arrow_patch", None) is not None]
    assert len(arrows) == len(STAGES)
    plt.close(fig)


def test_an_option_of_several_stages_keeps_one_colour() -> None:
    assert stages_of("padding_idx") == ["construct", "backward", "optimizer step"]
    colours = option_colours()
    assert len(set(colours.values())) == len(colours)


def test_plot_lifecycle_rejects_no_stages() -> None:
    with pytest.raises(ValueError, match="stages is empty"):
        plot_lifecycle(())


def test_more_options_than_colours_is_an_error() -> None:
    crowded = (Stage("all", ("x",), tuple((f"option {k}", "y") for k in range(7))),)
    with pytest.raises(ValueError, match="7 options, but only 6 colours"):
        option_colours(crowded)


# The figure's claims, checked against PyTorch: each option acts where it is placed.


def test_max_norm_acts_in_the_forward_not_at_construction() -> None:
    assert stages_of("max_norm") == ["forward"]
    table = torch.nn.Embedding(4, 3, max_norm=1.0, _weight=torch.full((4, 3), 2.0))
    version = table.weight._version
    assert (table.weight == 2).all()
    table(torch.tensor([1]))
    assert table.weight._version == version + 1
    assert torch.linalg.vector_norm(table.weight[1]) <= 1 and (table.weight[0] == 2).all()


def test_padding_idx_acts_at_construction_and_in_the_backward() -> None:
    torch.manual_seed(0)
    table = torch.nn.Embedding(4, 3, padding_idx=2)
    assert (table.weight[2] == 0).all()
    with torch.no_grad():
        table.weight[2] = 1.0
    out = table(torch.tensor([2, 2]))
    assert (out == 1).all()  # the forward returns the row as it is
    out.sum().backward()
    assert (table.weight.grad[2] == 0).all()


def test_gradient_options_change_the_backward_only() -> None:
    assert stages_of("scale_grad_by_freq") == ["backward"]
    assert stages_of("sparse")[0] == "backward"
    ids = torch.tensor([1, 1, 3])
    grads, outputs = {}, {}
    for options in ({}, {"scale_grad_by_freq": True}, {"sparse": True}):
        torch.manual_seed(0)
        table = torch.nn.Embedding(5, 2, **options)
        out = table(ids)
        out.sum().backward()
        key = next(iter(options), "default")
        outputs[key], grads[key] = out.detach(), table.weight.grad
    assert torch.equal(outputs["default"], outputs["scale_grad_by_freq"])
    assert torch.equal(outputs["default"], outputs["sparse"])
    assert torch.equal(grads["scale_grad_by_freq"][1], grads["default"][1] / 2)
    assert grads["sparse"].layout == torch.sparse_coo and not grads["sparse"].is_coalesced()
