"""Behaviour that only a notebook, a doctest or nothing at all used to check, now checked here."""

from __future__ import annotations

import inspect

import torch

from embedlab import Embedding
from embedlab.functional import embedding
from embedlab.text import Vocabulary


def test_a_row_whose_norm_equals_max_norm_is_left_as_it_is() -> None:
    # Rows of norm exactly 5 (3-4-5) and exactly 1 in the 1-norm: "exceeds" is strict.
    weight = torch.tensor([[3.0, 4.0], [0.25, 0.75], [6.0, 8.0]])
    ours, theirs = weight.clone(), weight.clone()
    embedding(torch.tensor([0, 2]), ours, max_norm=5.0)
    torch.nn.functional.embedding(torch.tensor([0, 2]), theirs, max_norm=5.0)
    assert torch.equal(ours[0], weight[0]) and torch.equal(ours, theirs)
    assert not torch.equal(ours[2], weight[2])  # a larger norm is scaled
    one_norm = weight.clone()
    embedding(torch.tensor([1]), one_norm, max_norm=1.0, norm_type=1.0)
    assert torch.equal(one_norm, weight)


def test_vocabulary_ties_keep_the_order_of_first_appearance() -> None:
    vocab = Vocabulary([["zeta", "alpha", "mid"], ["alpha", "zeta", "beta"], ["omega"]])
    # zeta and alpha occur twice each, zeta first; then the words seen once, in order.
    assert vocab.words[2:] == ["zeta", "alpha", "mid", "beta", "omega"]
    assert vocab.counts.tolist() == [0, 0, 2, 2, 1, 1, 1]


def test_from_pretrained_freezes_by_default_as_pytorch_does() -> None:
    vectors = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    assert inspect.signature(Embedding.from_pretrained).parameters["freeze"].default is True
    ours, theirs = Embedding.from_pretrained(vectors), torch.nn.Embedding.from_pretrained(vectors)
    assert ours.weight.requires_grad is False and theirs.weight.requires_grad is False
    assert Embedding.from_pretrained(vectors, freeze=False).weight.requires_grad is True
