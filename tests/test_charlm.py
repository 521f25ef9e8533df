"""The character language model of chapter 7, on small texts made here."""

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from lstmbook import charlm
from lstmbook.char_model import load_char_lm
from lstmbook.char_net import CharNet, chunk_loss, matched_hidden_size
from lstmbook.charlm import fit_char_lm
from lstmbook.models import count_parameters
from lstmbook.ngram import KneserNey, Unigram, encode
from lstmbook.units import text_features, unit_correlations

TEXT = (
    "**ROMEO**  \nBut soft, what light through yonder window breaks?\n\n"
    "**JULIET**  \nO Romeo, Romeo, wherefore art thou Romeo?\n\n_Exit_\n\n"
) * 12
SMALL = {"hidden_size": 12, "seq_len": 16, "batch_size": 4, "lr": 0.05, "eval_every": 10}


@pytest.fixture(scope="module")
def lm():
    return fit_char_lm(TEXT, steps=40, seed=0, val_text=TEXT[:300], **SMALL)


def test_training_learns_and_records_a_curve(lm):
    assert lm.bits_per_char(TEXT) < math.log2(len(lm.vocab)) - 1
    assert lm.history.step == [10, 20, 30, 40]
    assert len(lm.history.train_bits) == len(lm.history.val_bits) == 4
    assert lm.history.val_bits[-1] < lm.history.val_bits[0]


def test_save_and_load_give_the_same_scores_and_samples(lm, tmp_path):
    lm.save(tmp_path / "m.pt")
    again = load_char_lm(tmp_path / "m.pt")
    assert again.vocab == lm.vocab and again.config == lm.config
    assert again.bits_per_char(TEXT[:500]) == lm.bits_per_char(TEXT[:500])
    assert again.sample(80, prompt="**", seed=3) == lm.sample(80, prompt="**", seed=3)
    np.testing.assert_array_equal(again.states("O Romeo"), lm.states("O Romeo"))
    assert again.history == lm.history


def test_the_same_seed_gives_the_same_model_and_samples(lm):
    twin = fit_char_lm(TEXT, steps=40, seed=0, val_text=TEXT[:300], **SMALL)
    for a, b in zip(lm.net.state_dict().values(), twin.net.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    other = fit_char_lm(TEXT, steps=40, seed=1, **SMALL)
    assert not torch.equal(other.net.out.weight, lm.net.out.weight)
    assert lm.sample(60, seed=5) == lm.sample(60, seed=5)
    assert lm.sample(60, seed=5) != lm.sample(60, seed=6)
    assert len(lm.sample(0)) == 0 and len(lm.sample(33, prompt="O")) == 33


def test_low_temperature_samples_the_likeliest_characters(lm):
    greedy = lm.sample(40, prompt="**ROMEO**", temperature=1e-4, seed=0)
    assert greedy == lm.sample(40, prompt="**ROMEO**", temperature=1e-4, seed=9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda lm: fit_char_lm("", steps=1), "text must have at least 1"),
        (lambda lm: fit_char_lm(TEXT[:67], steps=1, **SMALL), r"at least one training chunk"),
        (lambda lm: fit_char_lm(TEXT, steps=1, val_text="xyz#", **SMALL), r"val_text .*'#'"),
        (lambda lm: lm.sample(5, temperature=0.0), "temperature must be"),
        (lambda lm: lm.sample(5, temperature=-1.0), "temperature must be"),
        (lambda lm: lm.sample(-1), "n_chars must be an int >= 0"),
        (lambda lm: lm.sample(5, prompt="Zounds!"), r"prompt has 2 .*'!', 'Z'"),
        (lambda lm: lm.bits_per_char("Q"), "text must have at least 2"),
        (lambda lm: lm.bits_per_char("Quoth"), r"text has 1 .*'Q'"),
        (lambda lm: lm.states(""), "text must have at least 1"),
    ],
)
def test_bad_inputs_are_named(lm, call, message):
    with pytest.raises(ValueError, match=message):
        call(lm)


def test_unknown_settings_are_refused():
    with pytest.raises(TypeError, match="hidden_sise"):
        fit_char_lm(TEXT, steps=1, hidden_sise=8)
    with pytest.raises(ValueError, match="cell must be one of"):
        fit_char_lm(TEXT, steps=1, cell="transformer")


def test_training_carries_the_state_across_chunks_detached(monkeypatch):
    seen = []

    def recording(net, ids, state=None):
        seen.append(None if state is None else (state[0].requires_grad, tuple(state[0].shape)))
        return chunk_loss(net, ids, state)

    monkeypatch.setattr(charlm, "chunk_loss", recording)
    rows = len(TEXT) // SMALL["batch_size"]
    chunks = (rows - 1) // SMALL["seq_len"]
    fit_char_lm(TEXT, steps=chunks + 2, **SMALL)
    assert seen[0] is None and seen[chunks] is None  # the front of the rows: a zero state
    carried = [s for s in seen[1:chunks]]
    assert carried == [(False, (1, 4, 12))] * (chunks - 1)  # carried over, no graph behind it


def plain_lstm_loss(weights, ids, h, c, vocab_size):
    """The loss of :func:`chunk_loss`, written out step by step from the gate equations."""
    w_ih, w_hh, b_ih, b_hh, w_out, b_out = weights
    total = 0.0
    for t in range(ids.shape[1] - 1):
        x = F.one_hot(ids[:, t], vocab_size).double()
        z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = z.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        logits = h @ w_out.T + b_out
        log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        total = total - log_p.gather(1, ids[:, t + 1, None]).sum()
    return total / (ids.shape[0] * (ids.shape[1] - 1))


def test_one_training_step_has_the_gradients_of_plain_autograd_in_float64():
    torch.manual_seed(0)
    net = CharNet(7, 5, "lstm").double()
    ids = torch.randint(0, 7, (3, 9))
    state = (torch.randn(1, 3, 5, dtype=torch.float64), torch.randn(1, 3, 5, dtype=torch.float64))
    loss, _ = chunk_loss(net, ids, state)
    loss.backward()
    rnn = net.rnn
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    weights = [getattr(rnn, n).detach().clone().requires_grad_() for n in names]
    weights += [p.detach().clone().requires_grad_() for p in (net.out.weight, net.out.bias)]
    plain = plain_lstm_loss(weights, ids, state[0][0], state[1][0], 7)
    plain.backward()
    torch.testing.assert_close(loss, plain, rtol=0, atol=1e-13)
    ours = [getattr(rnn, n).grad for n in names] + [net.out.weight.grad, net.out.bias.grad]
    for a, b in zip(ours, [w.grad for w in weights], strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


def test_states_are_the_cell_state_of_nn_lstm(lm):
    text = "But soft, what light"
    cells = lm.states(text)
    assert cells.shape == (len(text), 12)
    ids = torch.as_tensor(encode(text, lm.vocab))
    with torch.no_grad():
        for t in (1, 7, len(text)):
            _, (_, c) = lm.net.rnn(F.one_hot(ids[None, :t], len(lm.vocab)).float())
            np.testing.assert_allclose(cells[t - 1], c[0, 0].numpy(), rtol=0, atol=1e-5)


def test_scoring_in_rows_equals_one_pass_when_the_warmup_covers_it(lm):
    text = TEXT[:400]
    one = lm.log_probs(text, rows=1)
    many = lm.log_probs(text, rows=7, warmup=400)
    assert one.shape == (399,)
    np.testing.assert_allclose(many, one, rtol=0, atol=1e-5)


def test_gru_and_rnn_have_matched_sizes_and_states():
    n = count_parameters(CharNet(30, 40, "lstm"))
    for cell in ("gru", "rnn"):
        size = matched_hidden_size(cell, n, 30)
        assert abs(count_parameters(CharNet(30, size, cell)) - n) / n < 0.02
    gru = fit_char_lm(TEXT, steps=2, cell="gru", **SMALL)
    assert gru.states("O Romeo").shape == (7, 12)


def test_baselines_are_normalised_and_ordered():
    unigram, ngram = Unigram(TEXT), KneserNey(TEXT, order=4)
    assert unigram.entropy() == pytest.approx(unigram.bits_per_char(TEXT), abs=0.05)
    context = "O Rom"
    total = sum(2 ** ngram.log_probs(context + c)[-1] for c in ngram.vocab)
    assert total == pytest.approx(1.0, abs=1e-12)
    assert ngram.bits_per_char(TEXT) < unigram.bits_per_char(TEXT) - 2
    with pytest.raises(ValueError, match=r"'Q'"):
        ngram.bits_per_char("Quoth")


def test_features_and_correlations():
    text = "**A**  \nHi, _Exit_\nNo."
    features = text_features(text)
    assert features["in speaker name"][:5].tolist() == [1.0] * 5
    assert features["after line break"][8] == 1.0 and features["after line break"][7] == 0.0
    assert features["in stage direction"].sum() == 0  # "_Exit_" does not open a line here
    states = np.stack([features["position in line"], np.ones(len(text))], axis=1)
    r = unit_correlations(states, features)
    assert r["position in line"][0] == pytest.approx(1.0) and r["position in line"][1] == 0.0
