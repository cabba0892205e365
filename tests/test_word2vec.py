"""embedlab.word2vec: the loss, the sparse gradients, seeded training, and what training learns."""

from __future__ import annotations

import math
import re

import matplotlib.pyplot as plt

import pytest
import torch
import torch.nn.functional as F

from embedlab import Embedding
from embedlab.corpus import generate_corpus
from embedlab.plot.word2vec import plot_loss_curve
from embedlab.text import Vocabulary, skipgram_pairs
from embedlab.vectors import analogy_accuracy, category_agreement
from embedlab.word2vec import (
    TrainingLog,
    Word2Vec,
    Word2VecResult,
    noise_distribution,
    train,
    train_word2vec,
)

# On one thread, as the chapter trains: word2vec's small steps gain little from a second.
pytestmark = pytest.mark.usefixtures("one_thread")


# The chapter's settings: the quality test below checks them over several seeds.
CHAPTER = {"embedding_dim": 32, "window": 3, "epochs": 3, "batch_size": 1024, "lr": 0.01}


# The noise distribution


def test_noise_is_unigram_to_the_three_quarters_without_specials() -> None:
    counts = torch.tensor([5, 7, 1, 16, 81])
    noise = noise_distribution(counts)
    expected = torch.tensor([0.0, 0.0, 1.0, 8.0, 27.0], dtype=torch.float64) / 36
    torch.testing.assert_close(noise, expected)
    torch.testing.assert_close(noise_distribution(counts, power=1.0, exclude=()), counts.double() / 110)


@pytest.mark.parametrize(
    "counts, message",
    [
        (torch.ones(2, 2), "counts must be 1-D"),
        (torch.tensor([0, 0, -1, 3]), "counts must be non-negative, got a minimum of -1"),
        (torch.tensor([4, 4, 0]), "no id has a positive count outside exclude"),
    ],
)
def test_noise_errors(counts: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        noise_distribution(counts)


# The model


def test_tables_start_as_word2vec_starts_them() -> None:
    model = Word2Vec(50, 8, device="cpu", generator=torch.Generator().manual_seed(0))
    assert isinstance(model.input, Embedding) and isinstance(model.output, Embedding)
    weight = model.input.weight.detach()
    assert weight[1:].abs().max() <= 0.5 / 8 and weight[1:].abs().max() > 0.4 / 8
    assert not weight[0].any() and not model.output.weight.detach().any()
    assert model.input.sparse and model.output.sparse and model.input.padding_idx == 0
    same = Word2Vec(50, 8, device="cpu", generator=torch.Generator().manual_seed(0))
    assert torch.equal(weight, same.input.weight.detach())


def test_init_range_scales_the_first_vectors_as_gensim_does() -> None:
    generator = torch.Generator().manual_seed(0)
    c_code = Word2Vec(50, 8, device="cpu", generator=generator).input.weight.detach()
    generator = torch.Generator().manual_seed(0)
    gensim = Word2Vec(50, 8, device="cpu", generator=generator, init_range=1.0)
    weight = gensim.input.weight.detach()
    # The same draws, twice as wide: gensim 4's [-1/D, 1/D] against the C code's half.
    torch.testing.assert_close(weight, 2 * c_code)
    assert weight[1:].abs().max() <= 1 / 8 and weight[1:].abs().max() > 0.8 / 8


@pytest.mark.parametrize("init_range", [0, -0.5, float("nan"), float("inf"), True, "1"])
def test_init_range_must_be_positive_and_finite(init_range: object) -> None:
    message = f"init_range must be a positive finite number .*, got {re.escape(repr(init_range))}"
    with pytest.raises(ValueError, match=message):
        Word2Vec(5, 2, device="cpu", init_range=init_range)


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode must be one of \\('skipgram', 'cbow'\\), got 'glove'"):
        Word2Vec(5, 2, mode="glove", device="cpu")


def test_loss_matches_the_formula() -> None:
    g = torch.Generator().manual_seed(0)
    model = Word2Vec(20, 6, device="cpu", generator=g)
    with torch.no_grad():
        model.output.weight[1:] = torch.randn(19, 6, generator=g)
    centres, targets = torch.tensor([3, 4, 5]), torch.tensor([6, 7, 8])
    negatives = torch.randint(2, 20, (3, 4), generator=g)
    v = model.input.weight[centres]
    expected = torch.stack([
        -F.logsigmoid(model.output.weight[t] @ v[i]) - F.logsigmoid(-(model.output.weight[negatives[i]] @ v[i])).sum()
        for i, t in enumerate(targets)
    ]).mean()
    torch.testing.assert_close(model(centres, targets, negatives), expected)


def test_cbow_averages_the_real_context_words() -> None:
    model = Word2Vec(6, 3, mode="cbow", device="cpu")
    contexts = torch.tensor([[2, 3, 0, 0], [4, 0, 0, 0], [0, 0, 0, 0]])
    v = model.input_vectors(contexts)
    w = model.input.weight
    torch.testing.assert_close(v[0], (w[2] + w[3]) / 2)
    torch.testing.assert_close(v[1], w[4])
    assert not v[2].any()  # all padding: zero, not NaN
    no_padding = Word2Vec(6, 3, mode="cbow", padding_idx=None, device="cpu")
    torch.testing.assert_close(no_padding.input_vectors(contexts[:1]), no_padding.input.weight[[2, 3, 0, 0]].mean(0, keepdim=True))


def test_gradients_are_sparse_and_touch_only_the_rows_used() -> None:
    model = Word2Vec(1000, 4, device="cpu", generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.output.weight[1:].fill_(0.1)  # so that the input table gets a gradient too
    centres, targets, negatives = torch.tensor([5, 9, 5]), torch.tensor([10, 11, 12]), torch.tensor([[13, 0], [14, 10], [15, 16]])
    model(centres, targets, negatives).backward()
    grad_in, grad_out = model.input.weight.grad, model.output.weight.grad
    assert grad_in.is_sparse and grad_out.is_sparse
    assert grad_in.coalesce().indices().flatten().tolist() == [5, 9]
    # The padding id 0 among the negatives gets no gradient entry at all.
    assert grad_out.coalesce().indices().flatten().tolist() == [10, 11, 12, 13, 14, 15, 16]


# Training


def tiny_data(mode: str = "skipgram") -> tuple[Vocabulary, torch.Tensor, torch.Tensor]:
    corpus = generate_corpus(300, seed=0)
    vocab = Vocabulary(corpus.sentences)
    inputs, targets = skipgram_pairs(vocab.encode_sentences(corpus.sentences), 2)
    return vocab, inputs, targets


@pytest.mark.parametrize("optimizer", ["sparse_adam", "sgd"])
def test_training_is_seeded_and_lowers_the_loss(optimizer: str) -> None:
    vocab, inputs, targets = tiny_data()
    noise = noise_distribution(vocab.counts)
    weights = []
    for _ in range(2):
        model = Word2Vec(len(vocab), 8, device="cpu", generator=torch.Generator().manual_seed(1))
        log = train(model, inputs, targets, noise, epochs=4, batch_size=256, optimizer=optimizer,
                    lr=0.02 if optimizer == "sparse_adam" else 1.0, generator=torch.Generator().manual_seed(2))
        weights.append(model.input.weight.detach().clone())
    assert torch.equal(weights[0], weights[1])
    assert log.epoch_losses[-1] < log.epoch_losses[0] < 6 * math.log(2) + 1e-6
    assert len(log.losses) == 4 * math.ceil(len(targets) / 256)
    assert log.words == 4 * len(targets) and log.words_per_second > 0
    assert not weights[0][0].any(), "the padding row must stay zero"


def test_training_moves_only_rows_that_occur() -> None:
    vocab, inputs, targets = tiny_data()
    model = Word2Vec(len(vocab) + 3, 8, device="cpu")  # three ids that never occur
    before = model.input.weight.detach().clone()
    noise = torch.cat([noise_distribution(vocab.counts), torch.zeros(3, dtype=torch.float64)])
    train(model, inputs, targets, noise, epochs=1, generator=torch.Generator().manual_seed(0))
    after = model.input.weight.detach()
    assert torch.equal(after[-3:], before[-3:])
    assert not torch.equal(after[2:-3], before[2:-3])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be an int of at least 1, got 0"),
        ({"batch_size": True}, "batch_size must be an int of at least 1, got True"),
        ({"negatives": 2.5}, "negatives must be an int of at least 1, got 2.5"),
        ({"optimizer": "adam"}, "optimizer must be one of \\('sparse_adam', 'sgd'\\), got 'adam'"),
    ],
)
def test_bad_training_settings(kwargs: dict, message: str) -> None:
    vocab, inputs, targets = tiny_data()
    model = Word2Vec(len(vocab), 4, device="cpu")
    with pytest.raises(ValueError, match=message):
        train(model, inputs, targets, noise_distribution(vocab.counts), **kwargs)


def test_mismatched_training_data() -> None:
    vocab, inputs, targets = tiny_data()
    noise = noise_distribution(vocab.counts)
    model = Word2Vec(len(vocab), 4, device="cpu")
    with pytest.raises(ValueError, match="inputs and targets must have the same length"):
        train(model, inputs, targets[:-1], noise)
    with pytest.raises(ValueError, match=f"noise must have shape \\({len(vocab)},\\)"):
        train(model, inputs, targets, noise[:-1])
    with pytest.raises(ValueError, match="skipgram expects inputs of 1 dimension"):
        train(model, inputs.unsqueeze(1), targets, noise)
    with pytest.raises(ValueError, match="cbow expects inputs of 2 dimension"):
        train(Word2Vec(len(vocab), 4, mode="cbow", device="cpu"), inputs, targets, noise)


def test_progress_bar_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    corpus = generate_corpus(100, seed=0)
    train_word2vec(corpus.sentences, epochs=1, embedding_dim=4, device="cpu", progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "words_per_s=" in captured.err and "loss=" in captured.err


def test_train_word2vec_end_to_end_and_its_errors() -> None:
    corpus = generate_corpus(400, seed=0)
    result = train_word2vec(corpus.sentences, epochs=1, embedding_dim=8, device="cpu")
    again = train_word2vec(corpus.sentences, epochs=1, embedding_dim=8, device="cpu")
    assert isinstance(result, Word2VecResult) and isinstance(result.log, TrainingLog)
    assert torch.equal(result.model.input.weight, again.model.input.weight)
    wv = result.word_vectors()
    assert wv.words == result.vocab.words[2:] and wv.vectors.device.type == "cpu"
    cbow = train_word2vec(corpus.sentences, mode="cbow", subsample_threshold=1e-2, epochs=1, embedding_dim=8, device="cpu")
    assert cbow.model.mode == "cbow" and cbow.log.words < result.log.words
    with pytest.raises(ValueError, match="mode must be one of"):
        train_word2vec(corpus.sentences, mode="glove", device="cpu")
    with pytest.raises(ValueError, match="the sentences give no training examples"):
        train_word2vec([["lonely"], ["words"]], device="cpu")


def test_training_on_a_device_matches_the_cpu(device: torch.device) -> None:
    corpus = generate_corpus(300, seed=0)
    cpu = train_word2vec(corpus.sentences, epochs=2, embedding_dim=8, device="cpu")
    here = train_word2vec(corpus.sentences, epochs=2, embedding_dim=8, device=device)
    assert here.model.input.weight.device.type == device.type
    # The same draws on every device; only the order of floating-point sums may differ.
    torch.testing.assert_close(here.model.input.weight.cpu(), cpu.model.input.weight, rtol=1e-3, atol=1e-4)


def test_loss_curve_figure() -> None:
    losses = [3.0 - 0.01 * i for i in range(100)]
    fig = plot_loss_curve(losses, steps_per_epoch=25, smooth=10)
    ax = fig.axes[0]
    raw, average, *boundaries = ax.get_lines()
    assert list(raw.get_ydata()) == losses
    assert len(average.get_ydata()) == 91 and average.get_ydata()[0] == pytest.approx(sum(losses[:10]) / 10)
    assert [line.get_xdata()[0] for line in boundaries] == [25.5, 50.5, 75.5]
    plt.close(fig)
    with pytest.raises(ValueError, match="losses is empty"):
        plot_loss_curve([])
    with pytest.raises(ValueError, match="smooth must be at least 1, got 0"):
        plot_loss_curve([1.0], smooth=0)


# What training learns


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_trained_vectors_recover_the_corpus_structure(seed: int) -> None:
    corpus = generate_corpus(10_000, seed=seed)
    result = train_word2vec(corpus.sentences, seed=seed, device="cpu", **CHAPTER)
    wv = result.word_vectors()
    agreement = category_agreement(wv, corpus.categories, k=5)
    accuracy = analogy_accuracy(wv, corpus.analogies)
    print(f"seed {seed}: category agreement {agreement:.3f}, analogy accuracy {accuracy:.3f}")
    assert agreement >= 0.8
    assert accuracy >= 0.7
