"""embedlab.sgns: the batched step equals autograd's SGD step, and the C code's options act."""

from __future__ import annotations

import pytest
import torch

import embedlab.sgns as sgns
from embedlab.corpus import generate_corpus
from embedlab.sgns import sgns_step, train_sgns
from embedlab.vectors import WordVectors, category_agreement
from embedlab.word2vec import Word2Vec


pytestmark = pytest.mark.usefixtures("one_thread")


def _tables(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(12, 6, generator=generator), torch.randn(12, 6, generator=generator)


def test_step_is_sgd_on_the_summed_loss_with_repeated_rows() -> None:
    W_in, W_out = _tables()
    # Row 3 is an input twice and a noise word of another example; row 5 is both.
    inputs, targets = torch.tensor([3, 3, 5, 7]), torch.tensor([5, 4, 3, 5])
    noise = torch.tensor([[6, 8], [5, 3], [9, 5], [3, 3]])
    model = Word2Vec(12, 6, padding_idx=None, sparse=False, device="cpu")
    with torch.no_grad():
        model.input.weight.copy_(W_in)
        model.output.weight.copy_(W_out)
    summed = model(inputs, targets, noise) * len(inputs)  # forward() gives the mean
    summed.backward()
    lr = 0.1
    loss = sgns_step(W_in, W_out, inputs, targets, noise, lr, skip_target_noise=False)
    torch.testing.assert_close(loss, summed.detach())
    torch.testing.assert_close(W_in, (model.input.weight - lr * model.input.weight.grad).detach())
    torch.testing.assert_close(W_out, (model.output.weight - lr * model.output.weight.grad).detach())


def test_noise_equal_to_the_target_is_skipped() -> None:
    W_in, W_out = _tables(1)
    inputs, targets = torch.tensor([2, 4]), torch.tensor([7, 8])
    clash = torch.tensor([[7, 9], [1, 8]])  # column 0 of example 0, column 1 of example 1
    sgns_step(W_in, W_out, inputs, targets, clash, 0.5)
    # The same as a step whose clashing noise words are not there at all: one example each.
    W_in2, W_out2 = _tables(1)
    sgns_step(W_in2[:, :], W_out2, inputs[:1], targets[:1], torch.tensor([[9]]), 0.5)
    sgns_step(W_in2, W_out2, inputs[1:], targets[1:], torch.tensor([[1]]), 0.5)
    torch.testing.assert_close(W_in, W_in2)
    torch.testing.assert_close(W_out, W_out2)
    # Without the skip the clashing words do change the target rows.
    W_in3, W_out3 = _tables(1)
    sgns_step(W_in3, W_out3, inputs, targets, clash, 0.5, skip_target_noise=False)
    assert not torch.allclose(W_out3[7], W_out[7])


def test_compiled_step_equals_the_eager_step() -> None:
    W_in, W_out = _tables(2)
    inputs, targets = torch.randint(12, (64,)), torch.randint(12, (64,))
    noise = torch.randint(12, (64, 5))
    compiled = torch.compile(sgns_step, dynamic=False)
    W_in2, W_out2 = W_in.clone(), W_out.clone()
    lr = torch.tensor(0.05)
    loss = sgns_step(W_in, W_out, inputs, targets, noise, lr)
    loss2 = compiled(W_in2, W_out2, inputs, targets, noise, lr)
    torch.testing.assert_close(loss2, loss)
    torch.testing.assert_close(W_in2, W_in)
    torch.testing.assert_close(W_out2, W_out)


SMALL = dict(embedding_dim=16, window=3, min_count=1, epochs=3, batch_size=512, device="cpu")


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(2000, seed=0)


def _record_steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float, torch.Tensor]]:
    calls = []
    step = sgns.sgns_step

    def recording(W_in, W_out, inputs, targets, noise, lr, skip=True):
        calls.append((len(inputs), float(lr), noise.clone(), targets.clone()))
        return step(W_in, W_out, inputs, targets, noise, lr, skip)

    monkeypatch.setattr(sgns, "sgns_step", recording)
    return calls


def test_learning_rate_falls_linearly_to_min_lr(corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_steps(monkeypatch)
    train_sgns(corpus.sentences, lr=0.04, min_lr=0.001, **SMALL)
    rates = torch.tensor([lr for _, lr, *_ in calls], dtype=torch.float64)
    sizes = torch.tensor([n for n, *_ in calls], dtype=torch.float64)
    done = sizes.cumsum(0) - sizes
    # The total is estimated as three times the first epoch's pairs.
    total = 3 * _pairs_per_epoch(calls, 512)[0]
    expected = 0.04 - 0.039 * (done / total).clamp(max=1)
    torch.testing.assert_close(rates, expected, rtol=0, atol=1e-6)
    assert rates[0] == pytest.approx(0.04) and rates[-1] < 0.003
    calls.clear()
    train_sgns(corpus.sentences, lr=0.04, lr_decay=False, **SMALL)
    assert all(lr == pytest.approx(0.04) for _, lr, *_ in calls)


def _pairs_per_epoch(calls: list, batch_size: int) -> list[int]:
    epochs, current = [], 0
    for size, *_ in calls:
        current += size
        if size < batch_size:
            epochs.append(current)
            current = 0
    return epochs


def test_subsampling_is_drawn_again_every_epoch(corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_steps(monkeypatch)
    fixed = dict(SMALL, dynamic_window=False, sample=1e-2)
    train_sgns(corpus.sentences, resample_every_epoch=False, **fixed)
    once = _pairs_per_epoch(calls, 512)
    calls.clear()
    train_sgns(corpus.sentences, **fixed)
    every = _pairs_per_epoch(calls, 512)
    assert len(once) == len(every) == 3
    assert len(set(once)) == 1 and len(set(every)) == 3
    calls.clear()
    train_sgns(corpus.sentences, keep_formula="paper", **fixed)
    assert max(_pairs_per_epoch(calls, 512)) < min(every)  # the paper's formula keeps fewer


def test_dynamic_window_makes_fewer_pairs(corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_steps(monkeypatch)
    train_sgns(corpus.sentences, sample=None, dynamic_window=False, **SMALL)
    fixed = _pairs_per_epoch(calls, 512)
    calls.clear()
    train_sgns(corpus.sentences, sample=None, **SMALL)
    dynamic = _pairs_per_epoch(calls, 512)
    # (w + 1) / (2w) = 2/3 of the pairs for w = 3, away from the sentence ends.
    assert 0.6 < sum(dynamic) / sum(fixed) < 0.8


def test_noise_words_follow_the_noise_distribution(corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_steps(monkeypatch)
    result = train_sgns(corpus.sentences, **SMALL)
    noise = torch.cat([n.reshape(-1) for *_, n, _ in calls])
    frequency = torch.bincount(noise, minlength=len(result.vocab)).double() / len(noise)
    expected = result.vocab.counts.double() ** 0.75
    expected[:2] = 0
    torch.testing.assert_close(frequency, expected / expected.sum(), rtol=0, atol=0.003)


def test_training_is_seeded_and_learns_the_categories(corpus) -> None:
    # Without subsampling: at t = 1e-3 it drops most of this 123-word corpus.
    first = train_sgns(corpus.sentences, seed=0, sample=None, **SMALL)
    again = train_sgns(corpus.sentences, seed=0, sample=None, **SMALL)
    other = train_sgns(corpus.sentences, seed=1, sample=None, **SMALL)
    assert torch.equal(first.model.input.weight, again.model.input.weight)
    assert not torch.equal(first.model.input.weight, other.model.input.weight)
    assert first.log.epoch_losses[0] > first.log.epoch_losses[-1]
    assert first.log.words == corpus.num_tokens * 3 and first.log.words_per_second > 0
    wv = first.word_vectors()
    random = WordVectors(wv.words, torch.randn(wv.vectors.shape, generator=torch.Generator().manual_seed(0)))
    trained, baseline = category_agreement(wv, corpus.categories), category_agreement(random, corpus.categories)
    assert trained > 0.8 and baseline < 0.3, (trained, baseline)


def test_training_on_a_device_draws_as_the_cpu(corpus, device: torch.device) -> None:
    cpu = train_sgns(corpus.sentences, **SMALL)
    here = train_sgns(corpus.sentences, **{**SMALL, "device": device})
    torch.testing.assert_close(here.model.input.weight.cpu(), cpu.model.input.weight, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"embedding_dim": 0}, "embedding_dim must be an int of at least 1, got 0"),
        ({"window": 2.5}, "window must be an int of at least 1, got 2.5"),
        ({"negatives": True}, "negatives must be an int of at least 1, got True"),
        ({"batch_size": -1}, "batch_size must be an int of at least 1, got -1"),
        ({"lr": float("nan")}, "lr must be a finite number of at least 0, got nan"),
        ({"min_lr": 0.5}, "min_lr must not exceed lr, got min_lr=0.5 > lr=0.025"),
        ({"sample": 0.0}, "sample must be a positive number or None, got 0.0"),
        ({"keep_formula": "C"}, "keep_formula must be one of \\('word2vec', 'paper'\\), got 'C'"),
        ({"init_range": 0.0}, "init_range must be a positive finite number .*, got 0.0"),
    ],
)
def test_bad_options(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_sgns([["a", "b"]], min_count=1, **options)


def test_no_pairs() -> None:
    with pytest.raises(ValueError, match="the sentences give no training pairs"):
        train_sgns([["lonely"], ["words"]], min_count=1, sample=None, device="cpu")
