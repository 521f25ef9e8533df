"""Tests of chapter 6's helpers: tasks, taggers, learned initial state, truncated BPTT, checkers."""

import numpy as np
import pytest
import torch
from torch import nn

from lstmbook.data import IGNORE, window_sign_task
from lstmbook.exercises.tbptt import check_batchify
from lstmbook.exercises.train import check_clip_grad_norm
from lstmbook.models import LearnedInitialState, SequenceModel, Tagger, with_learned_initial_state
from lstmbook.plots import plot_grad_norm_runs, plot_seed_bands
from lstmbook.probes import (
    first_step_gradient,
    hidden_gradient_norms,
    initial_state_influence,
    online_outputs,
    outputs_differ_between_calls,
    random_recurrent_cell,
    step_lengths,
)
from lstmbook.seeds import first_epoch_below, fit_seeds, fit_seeds_test, spread
from lstmbook.tbptt import batchify, detach_state, evaluate_chunks, fit_tbptt, tbptt_epoch
from lstmbook.text import review_tensors
from lstmbook.train import per_step_accuracy, per_step_cross_entropy

# Seeds ------------------------------------------------------------------------------------------


def test_fit_seeds_is_reproducible_and_differs_between_seeds():
    X = torch.randn(64, 3, 1)
    y = X.sum(dim=(1, 2))

    def build():
        return nn.Sequential(nn.Flatten(), nn.Linear(3, 1), nn.Flatten(0))

    args = ((X, y), (X, y), nn.MSELoss())
    _, first = fit_seeds(build, [0, 1], *args, epochs=2)
    _, again = fit_seeds(build, [0, 1], *args, epochs=2)
    assert [h.val_loss for h in first] == [h.val_loss for h in again]
    assert first[0].val_loss != first[1].val_loss


def test_fit_seeds_test_scores_every_epoch_on_the_test_split_only():
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(96, 3, 1, generator=generator)
    y = X.sum(dim=(1, 2))
    train, val, test = (X[:64], y[:64]), (X[64:80], y[64:80]), (X[80:], y[80:])

    def build():
        return nn.Sequential(nn.Flatten(), nn.Linear(3, 1), nn.Flatten(0))

    runs = fit_seeds_test(build, [0, 1], train, val, test, nn.MSELoss(), epochs=4, lr=0.05)
    _, plain = fit_seeds(build, [0, 1], train, val, nn.MSELoss(), epochs=4, lr=0.05)
    for run, history in zip(runs, plain, strict=True):
        # scoring on the test split changes nothing in training or in the choice of epoch
        assert run.history.val_loss == history.val_loss
        assert run.history.best_epoch == history.best_epoch
        assert len(run.test_loss) == len(run.test_metric) == 4
        assert run.selected_test_loss == run.test_loss[history.best_epoch]
        assert run.final_test_loss == run.test_loss[-1]
    # the last epoch's test loss is the trained model's loss on the test split
    (model,), _ = fit_seeds(
        build, [0], train, val, nn.MSELoss(), epochs=4, lr=0.05, restore_best=False
    )
    with torch.no_grad():
        expected = nn.MSELoss()(model(test[0]), test[1]).item()
    assert runs[0].final_test_loss == pytest.approx(expected, rel=1e-6)


def test_spread():
    assert spread([1, 2, 3], fmt=".1f") == "2.0 (1.0 to 3.0)"
    with pytest.raises(ValueError):
        spread([])


def test_first_epoch_below():
    assert first_epoch_below([0.5, 0.2, 0.05, 0.2], 0.1) == 3
    assert first_epoch_below([0.5, float("nan")], 0.1) is None
    assert first_epoch_below([], 0.1) is None


def test_plot_seed_bands_draws_a_median_and_a_band():
    import matplotlib.pyplot as plt

    curves = {"a": [[1, 2, 3], [3, 4, 5], [10, 10, 10]], "b": [[1, 1, 1]]}
    fig = plot_seed_bands(curves, "loss", logy=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["a (median of 3 seeds)", "b"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [3, 4, 5], rtol=1e-6, atol=1e-6)
    assert len(ax.collections) == 2 and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="2-D"):
        plot_seed_bands({"a": [1, 2]}, "loss")
    plt.close("all")


# Per-step tasks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("offsets", [(-2, 0), (0, 2), (-1, 1), (-4, -4), (3, 3)])
def test_window_sign_task_labels(offsets):
    a, b = offsets
    X, y = window_sign_task(50, T=12, offsets=offsets, seed=3)
    assert X.shape == (50, 12, 1) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() >= -1 and X.max() <= 1
    for t in range(12):
        if t + a < 0 or t + b > 11:
            assert np.all(y[:, t] == IGNORE)
        else:
            expected = X[:, t + a : t + b + 1, 0].sum(axis=1) > 0
            np.testing.assert_array_equal(y[:, t], expected.astype(np.int64))


def test_window_sign_task_is_seeded_and_balanced():
    X1, y1 = window_sign_task(200, 20, seed=0)
    X2, y2 = window_sign_task(200, 20, seed=0)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, window_sign_task(200, 20, seed=1)[0])
    assert 0.45 < y1[y1 != IGNORE].mean() < 0.55


def test_window_sign_task_rejects_bad_arguments():
    with pytest.raises(ValueError, match="a <= b"):
        window_sign_task(5, 10, offsets=(1, 0))
    with pytest.raises(ValueError, match="T must be an int >= 4"):
        window_sign_task(5, 3, offsets=(-3, 0))
    with pytest.raises(ValueError, match="n must"):
        window_sign_task(0, 10)


def test_per_step_loss_and_accuracy_skip_ignored_steps():
    logits = torch.tensor([[[3.0, 0.0], [0.0, 3.0], [0.0, 3.0]]])
    y = torch.tensor([[0, 0, IGNORE]])
    assert per_step_accuracy(logits, y) == 0.5
    expected = nn.functional.cross_entropy(logits[0, :2], y[0, :2])
    torch.testing.assert_close(per_step_cross_entropy(logits, y), expected, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="batch, time"):
        per_step_cross_entropy(logits[0], y[0])


# Taggers and online prediction ------------------------------------------------------------------


def test_tagger_shapes_and_state():
    torch.manual_seed(0)
    x = torch.randn(3, 8, 2)
    causal, bi = Tagger(2, 5, 4), Tagger(2, 5, 4, bidirectional=True)
    assert causal(x).shape == bi(x).shape == (3, 8, 4)
    logits, (h, c) = causal.forward_state(x)
    assert h.shape == c.shape == (1, 3, 5)
    with pytest.raises(ValueError, match="bidirectional"):
        bi.forward_state(x, (torch.zeros(2, 3, 5), torch.zeros(2, 3, 5)))
    with pytest.raises(ValueError, match="batch, time, features"):
        causal(torch.zeros(3, 2))


def test_carrying_the_state_equals_reading_the_whole_sequence():
    torch.manual_seed(0)
    model, x = Tagger(1, 6), torch.randn(2, 12, 1)
    first, state = model.forward_state(x[:, :5])
    second, _ = model.forward_state(x[:, 5:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), model(x), rtol=1e-6, atol=1e-6)


def test_online_outputs_of_a_causal_model_do_not_need_the_future():
    torch.manual_seed(0)
    x = torch.randn(4, 7, 1)
    causal, bi = Tagger(1, 6).eval(), Tagger(1, 6, bidirectional=True).eval()
    torch.testing.assert_close(online_outputs(causal, x), causal(x), rtol=1e-6, atol=1e-6)
    online, full = online_outputs(bi, x), bi(x)
    torch.testing.assert_close(
        online[:, -1], full[:, -1], rtol=1e-6, atol=1e-6
    )  # at the last step it has read it all
    assert not torch.allclose(online[:, 0], full[:, 0])
    # The bidirectional model's answer at step t changes when a later input changes.
    x2 = x.clone()
    x2[:, 5] += 1.0
    assert not torch.allclose(bi(x2)[:, 2], bi(x)[:, 2])
    torch.testing.assert_close(causal(x2)[:, :5], causal(x)[:, :5], rtol=1e-6, atol=1e-6)


def test_online_outputs_restores_training_mode():
    model = Tagger(1, 3).train()
    online_outputs(model, torch.zeros(1, 3, 1))
    assert model.training


# Learned initial state --------------------------------------------------------------------------


def test_learned_initial_state_starts_at_zero_and_equals_the_plain_lstm():
    torch.manual_seed(0)
    lstm = nn.LSTM(2, 3, num_layers=2, batch_first=True, bidirectional=True)
    wrapped = LearnedInitialState(lstm)
    x = torch.randn(4, 5, 2)
    assert wrapped.h_0.shape == wrapped.c_0.shape == (4, 1, 3)
    out, (h, c) = wrapped(x)
    ref, (h_ref, c_ref) = lstm(x)
    torch.testing.assert_close(out, ref, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(h, h_ref, rtol=1e-6, atol=1e-6)


def test_learned_initial_state_is_used_and_trained():
    torch.manual_seed(0)
    wrapped = LearnedInitialState(nn.LSTM(2, 3, batch_first=True))
    x = torch.randn(4, 5, 2)
    with torch.no_grad():
        wrapped.h_0.fill_(0.5)
        wrapped.c_0.fill_(-0.5)
    out, _ = wrapped(x)
    h0 = torch.full((1, 4, 3), 0.5)
    ref, _ = wrapped.lstm(x, (h0, -h0))
    torch.testing.assert_close(out, ref, rtol=1e-6, atol=1e-6)
    out.sum().backward()
    assert wrapped.h_0.grad is not None and wrapped.h_0.grad.abs().sum() > 0
    assert wrapped.c_0.grad.abs().sum() > 0


def test_learned_initial_state_with_a_given_state_or_a_packed_sequence():
    torch.manual_seed(0)
    wrapped = LearnedInitialState(nn.LSTM(2, 3, batch_first=True))
    x = torch.randn(4, 5, 2)
    state = (torch.randn(1, 4, 3), torch.randn(1, 4, 3))
    torch.testing.assert_close(
        wrapped(x, state)[0], wrapped.lstm(x, state)[0], rtol=1e-6, atol=1e-6
    )
    packed = nn.utils.rnn.pack_padded_sequence(
        x, torch.tensor([5, 3, 2, 1]), batch_first=True, enforce_sorted=False
    )
    _, (h, _) = wrapped(packed)
    assert h.shape == (1, 4, 3)


def test_with_learned_initial_state_wraps_a_sequence_model():
    torch.manual_seed(0)
    model = SequenceModel(2, 4, 1, forget_bias=1.0)
    x = torch.randn(3, 6, 2)
    before = model(x)
    model = with_learned_initial_state(model)
    torch.testing.assert_close(model(x), before, rtol=1e-6, atol=1e-6)  # h_0 = c_0 = 0 at first
    names = {name for name, _ in model.named_parameters()}
    assert {"rnn.h_0", "rnn.c_0"} <= names
    with pytest.raises(TypeError, match="nn.LSTM"):
        with_learned_initial_state(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="nn.LSTM"):
        LearnedInitialState(nn.GRU(2, 3))


# Truncated BPTT ---------------------------------------------------------------------------------


def test_batchify_makes_contiguous_rows():
    stream = torch.arange(23 * 2).reshape(23, 2)
    rows = batchify(stream, 5)
    assert rows.shape == (5, 4, 2)
    assert torch.equal(rows[1, 0], stream[4]) and torch.equal(rows[4, 3], stream[19])
    assert torch.equal(batchify(np.arange(6), 2), torch.tensor([[0, 1, 2], [3, 4, 5]]))
    with pytest.raises(ValueError, match="n_streams"):
        batchify(stream, 0)
    with pytest.raises(ValueError, match="at least 30"):
        batchify(stream, 30)


def test_detach_state_keeps_values_and_cuts_the_graph():
    h = torch.ones(2, requires_grad=True) * 2
    c = torch.ones(2, requires_grad=True) * 3
    h2, c2 = detach_state((h, c))
    assert torch.equal(h2, h) and torch.equal(c2, c)
    assert not h2.requires_grad and not c2.requires_grad


def test_evaluate_chunks_stateful_equals_one_pass_and_stateless_resets():
    torch.manual_seed(0)
    model = Tagger(1, 4)
    X, y = window_sign_task(3, T=24, offsets=(-2, -2), seed=0)
    X, y = torch.tensor(X), torch.tensor(y)
    accuracy, by_position = evaluate_chunks(model, X, y, chunk=6, stateful=True)
    assert accuracy == pytest.approx(per_step_accuracy(model(X), y))
    assert len(by_position) == 6
    stateless, _ = evaluate_chunks(model, X, y, chunk=6, stateful=False)
    chunks = [model(X[:, k : k + 6]) for k in range(0, 24, 6)]
    assert stateless == pytest.approx(per_step_accuracy(torch.cat(chunks, dim=1), y))


def test_fit_tbptt_stateful_beats_stateless_at_chunk_starts():
    """A 3-step recall with chunks of 6: without the carried state, 3 of 6 steps are guesses."""
    X, y = window_sign_task(1, T=8 * 600, offsets=(-3, -3), seed=0)
    X, y = batchify(torch.tensor(X[0]), 8), batchify(torch.tensor(y[0]), 8)
    val = window_sign_task(4, T=120, offsets=(-3, -3), seed=1)
    results = {}
    for stateful in (True, False):
        torch.manual_seed(0)
        history = fit_tbptt(
            Tagger(1, 8), (X, y), val, chunk=6, epochs=3, lr=0.02, stateful=stateful
        )
        results[stateful] = history
    assert results[True].val_metric[-1] > 0.9
    assert min(results[True].val_by_position[:3]) > 0.8
    assert max(results[False].val_by_position[:3]) < 0.7


def test_fit_tbptt_rejects_bad_arguments():
    X, y = window_sign_task(2, T=10, offsets=(-1, -1))
    with pytest.raises(ValueError, match="chunk"):
        fit_tbptt(Tagger(1, 2), (X, y), (X, y), chunk=0)
    with pytest.raises(ValueError, match=r"\(B, N\)"):
        fit_tbptt(Tagger(1, 2), (X, y[:, :5]), (X, y), chunk=3)
    with pytest.raises(ValueError, match="epochs must be an int >= 1, got 0"):
        fit_tbptt(Tagger(1, 2), (X, y), (X, y), chunk=3, epochs=0)


# Exercise checkers ------------------------------------------------------------------------------


def test_check_clip_grad_norm(capsys):
    def right(parameters, max_norm):
        grads = [p.grad for p in parameters if p.grad is not None]
        norm = torch.sqrt(sum((g**2).sum() for g in grads))
        if norm > max_norm:
            for g in grads:
                g.mul_(max_norm / norm)
        return norm

    def per_tensor(parameters, max_norm):
        norms = []
        for p in parameters:
            if p.grad is not None:
                norms.append(p.grad.norm())
                p.grad.mul_(min(1.0, max_norm / p.grad.norm()))
        return max(norms)

    def no_scaling(parameters, max_norm):
        grads = [p.grad for p in parameters if p.grad is not None]
        return torch.sqrt(sum((g**2).sum() for g in grads))

    def always_scales(parameters, max_norm):
        grads = [p.grad for p in parameters if p.grad is not None]
        norm = torch.sqrt(sum((g**2).sum() for g in grads))
        for g in grads:
            g.mul_(max_norm / norm)
        return norm

    assert check_clip_grad_norm(right) is True
    assert "Correct" in capsys.readouterr().out
    assert check_clip_grad_norm(lambda ps, m: nn.utils.clip_grad_norm_(ps, m)) is True
    assert check_clip_grad_norm(per_tensor) is False
    assert "all gradients together" in capsys.readouterr().out
    assert check_clip_grad_norm(no_scaling) is False
    assert "scaled" in capsys.readouterr().out
    assert check_clip_grad_norm(always_scales) is False
    assert "unchanged" in capsys.readouterr().out
    assert check_clip_grad_norm(lambda ps, m: None) is False
    assert check_clip_grad_norm(lambda ps, m: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(TypeError):
        check_clip_grad_norm(3)


def test_check_batchify(capsys):
    def interleaved(stream, n_streams):
        length = len(stream) // n_streams
        return stream[: n_streams * length].reshape(length, n_streams, -1).transpose(0, 1)

    assert check_batchify(batchify) is True
    assert "Correct" in capsys.readouterr().out
    assert check_batchify(interleaved) is False
    assert "interleave" in capsys.readouterr().out
    assert check_batchify(lambda s, n: s.reshape(n, -1)) is False  # fails on N % n != 0
    assert check_batchify(lambda s, n: s[None]) is False
    assert check_batchify(lambda s, n: None) is False
    with pytest.raises(TypeError):
        check_batchify("batchify")


# Helpers for the other ablations ----------------------------------------------------------------


def test_plot_grad_norm_runs_marks_an_overflow():
    import matplotlib.pyplot as plt

    from lstmbook.config import History

    runs = {"ok": History(step_grad_norm=[1.0, 2.0]), "bad": History(step_grad_norm=[1, 9, np.nan])}
    fig = plot_grad_norm_runs(runs, clip=1.0)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels[:2] == ["ok", "bad (overflowed at step 3)"] and "clip at 1" in labels
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)


def test_first_step_gradient_shrinks_with_length_and_grows_with_the_forget_bias():
    torch.manual_seed(0)
    model = SequenceModel(2, 8, 1, forget_bias=0.0)
    short = first_step_gradient(model, torch.randn(16, 5, 2))
    long = first_step_gradient(model, torch.randn(16, 40, 2))
    assert short > 100 * long
    torch.manual_seed(0)
    remembering = SequenceModel(2, 8, 1, forget_bias=3.0)
    assert first_step_gradient(remembering, torch.randn(16, 40, 2)) > 100 * long


def test_initial_state_influence_is_zero_at_zero_and_fades():
    torch.manual_seed(0)
    rnn = LearnedInitialState(nn.LSTM(1, 4, batch_first=True))
    x = torch.randn(8, 30, 1)
    assert torch.all(initial_state_influence(rnn, x) == 0)
    with torch.no_grad():
        rnn.h_0.fill_(1.0)
        rnn.c_0.fill_(1.0)
    influence = initial_state_influence(rnn, x)
    assert influence.shape == (30,) and influence[0] > 10 * influence[-1] > 0
    with pytest.raises(TypeError):
        initial_state_influence(nn.LSTM(1, 4), x)


def test_outputs_differ_between_calls_sees_dropout_between_layers_only():
    torch.manual_seed(0)
    x = torch.randn(3, 5, 4)
    two = nn.LSTM(4, 6, num_layers=2, dropout=0.5, batch_first=True)
    one = nn.LSTM(4, 6, num_layers=1, batch_first=True)
    assert outputs_differ_between_calls(two, x) is True
    assert outputs_differ_between_calls(one, x) is False
    two.eval()
    outputs_differ_between_calls(two, x)
    assert not two.training  # the mode is restored


def test_review_tensors():
    train, val, test, vocab = review_tensors(n_train=300, max_len=12)
    (tokens, labels), (val_tokens, val_labels), (test_tokens, test_labels) = train, val, test
    assert tokens.shape[0] == labels.shape[0] == 300 and tokens.shape[1] <= 12
    assert val_tokens.shape[0] == val_labels.shape[0] > 500
    assert test_tokens.shape[0] == test_labels.shape[0] > 500 and test_tokens.shape[1] <= 12
    assert set(labels.tolist()) == {0, 1} and tokens.max() < len(vocab)


def test_one_chunk_as_long_as_the_stream_is_full_backpropagation():
    """With chunk >= N, truncated BPTT takes the very step that full BPTT takes."""
    X, y = window_sign_task(3, T=12, offsets=(-2, -2), seed=0)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    models = []
    for _ in range(2):
        torch.manual_seed(0)
        models.append(Tagger(1, 5))
    truncated, full = models
    loss = tbptt_epoch(truncated, torch.optim.SGD(truncated.parameters(), lr=0.1), X, y, chunk=12)
    optimizer = torch.optim.SGD(full.parameters(), lr=0.1)
    expected = per_step_cross_entropy(full(X), y)
    expected.backward()
    nn.utils.clip_grad_norm_(full.parameters(), 1.0)
    optimizer.step()
    assert loss == pytest.approx(expected.item())
    for p, q in zip(truncated.parameters(), full.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-6)


def test_tbptt_epoch_cuts_the_gradient_at_chunk_boundaries():
    """The first chunk's loss gets no gradient from the second chunk's inputs, and vice versa."""
    torch.manual_seed(0)
    model = Tagger(1, 4)
    X = torch.randn(2, 8, 1, requires_grad=True)
    _, y = window_sign_task(2, T=8, offsets=(0, 0), seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    tbptt_epoch(model, optimizer, X, torch.as_tensor(y), chunk=4)
    # X.grad adds up both chunks' backward passes. The state carried into the second chunk was
    # detached, so the first four inputs got their gradient from the first chunk's loss alone.
    torch.manual_seed(0)
    reference = Tagger(1, 4)
    X2 = X.detach().clone().requires_grad_(True)
    logits, _ = reference.forward_state(X2[:, :4])
    per_step_cross_entropy(logits, torch.as_tensor(y)[:, :4]).backward()
    torch.testing.assert_close(X.grad[:, :4], X2.grad[:, :4], rtol=1e-6, atol=1e-6)
    assert X.grad[:, 4:].abs().sum() > 0


# Step lengths and the gradient across time ------------------------------------------------------


def _regression():
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(64, 3, 1, generator=generator)
    return X, 100 * X.sum(dim=(1, 2))  # large targets: every gradient is clipped


def _linear():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3, 1), nn.Flatten(0))


def test_clipped_sgd_steps_at_most_eta_c_but_momentum_goes_further():
    lr, c = 0.01, 1.0
    model = _linear()
    plain, norms = step_lengths(
        model, _regression(), nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=lr), 30, c
    )
    assert norms.min() > c and plain.max() == pytest.approx(lr * c, rel=1e-5)
    model = _linear()
    momentum = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    heavy, _ = step_lengths(model, _regression(), nn.MSELoss(), momentum, 30, c)
    assert heavy.max() > 2 * lr * c  # beyond eta c ...
    assert heavy.max() <= lr * c / (1 - 0.9) + 1e-6  # ... within eta c / (1 - beta)


def test_clipping_does_not_bound_adams_step():
    lengths = {}
    for c in [1e-3, None]:
        model = _linear()
        adam = torch.optim.Adam(model.parameters(), lr=0.1)
        lengths[c], _ = step_lengths(model, _regression(), nn.MSELoss(), adam, 5, c)
    n_weights = 4
    # the first step moves every weight by lr, whatever the clip value
    assert lengths[1e-3][0] == pytest.approx(0.1 * n_weights**0.5, rel=1e-3)
    np.testing.assert_allclose(lengths[1e-3][0], lengths[None][0], rtol=1e-3, atol=1e-15)
    assert lengths[1e-3].max() > 1000 * 0.1 * 1e-3


def test_step_lengths_counts_steps_across_epochs():
    model = _linear()
    sgd = torch.optim.SGD(model.parameters(), lr=1e-4)
    lengths, norms = step_lengths(model, _regression(), nn.MSELoss(), sgd, 7, batch_size=32)
    assert lengths.shape == norms.shape == (7,)  # 2 batches per epoch: 4 epochs, cut at 7


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_random_recurrent_cell(kind):
    cell = random_recurrent_cell(kind, 64, gain=2.0, seed=0)
    assert float(cell.weight_hh.detach().std()) == pytest.approx(2.0 / 64**0.5, rel=0.1)
    again = random_recurrent_cell(kind, 64, gain=2.0, seed=0)
    assert torch.equal(cell.weight_hh, again.weight_hh)
    if kind == "lstm":
        assert torch.equal(cell.bias_ih[64:128], torch.ones(64))
        assert (
            float(cell.bias_ih[:64].detach().abs().sum() + cell.bias_hh.detach().abs().sum()) == 0.0
        )
    with pytest.raises(ValueError, match="kind"):
        random_recurrent_cell("gru", 4, 1.0)


def test_hidden_gradient_norms_match_autograd_and_vanish_or_explode_with_the_gain():
    x = torch.randn(8, 40, 1, generator=torch.Generator().manual_seed(0))
    small = hidden_gradient_norms(random_recurrent_cell("rnn", 32, 0.5), x)
    large = hidden_gradient_norms(random_recurrent_cell("rnn", 32, 3.0), x)
    assert small[0] < 1e-6 * small[-1] and large[0] > 1e3 * large[-1]
    # the last entry is dL/dh_T for L = sum(h_T): a vector of ones
    assert small[-1] == pytest.approx(32**0.5)
    # a linear cell with W_hh = 2 I: the gradient doubles with every step back
    cell = nn.RNNCell(1, 3, nonlinearity="relu", bias=False)
    with torch.no_grad():
        cell.weight_ih.fill_(1.0)
        cell.weight_hh.copy_(2.0 * torch.eye(3))
    ones = torch.ones(1, 5, 1)  # positive inputs: relu is the identity here
    norms = hidden_gradient_norms(cell, ones)
    np.testing.assert_allclose(
        norms, [3**0.5 * 2.0**k for k in range(4, -1, -1)], rtol=1e-6, atol=1e-15
    )
