"""The plain RNN and the gradient measurement of chapter 1."""

import numpy as np
import pytest
import torch

from lstmbook import rnn


def test_first_sign_label_is_the_sign_of_the_first_step():
    x, y = rnn.first_sign_task(50, T=6, seed=3)
    assert torch.equal((x[:, 0, 0] > 0).long(), y)
    assert float(x[:, 1:].abs().max()) <= 1.0


def test_gradient_vanishes_below_scale_one_and_explodes_above():
    x, _ = rnn.first_sign_task(16, T=60, seed=1)
    small = rnn.gradient_by_distance(rnn.untrained("rnn", scale=0.5), x)
    large = rnn.gradient_by_distance(rnn.untrained("rnn", scale=3.0), x)
    assert small[0] == 1.0 and small[59] < 1e-10
    assert large[59] > 1e3


def test_a_large_forget_bias_keeps_the_lstm_gradient():
    x, _ = rnn.first_sign_task(16, T=60, seed=1)
    closed = rnn.gradient_by_distance(rnn.untrained("lstm", forget_bias=-2.0), x)
    opened = rnn.gradient_by_distance(rnn.untrained("lstm", forget_bias=5.0), x)
    assert opened[59] > 1e6 * closed[59]


def test_stacked_training_runs_the_same_network_as_nn():
    models = [rnn.untrained("lstm", forget_bias=1.0, seed=s) for s in range(2)]
    x, _ = rnn.first_sign_task(5, T=7)
    with torch.no_grad():
        stacked = rnn._run_stacked("lstm", rnn._stacked(models), x)
        assert torch.allclose(stacked[1], models[1](x), atol=1e-6)


def test_train_first_sign_returns_one_result_per_seed():
    runs = rnn.train_first_sign("rnn", T=5, seeds=2, steps=3)
    assert len(runs) == 2 and all(0.0 <= r.accuracy <= 1.0 for r in runs)
    assert isinstance(runs[0].model, rnn.Classifier)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"kind": "gru"}, ValueError), ({"kind": "lstm", "scale": 1.0}, ValueError)],
)
def test_bad_settings_are_named(kwargs, error):
    with pytest.raises(error):
        rnn.untrained(**kwargs)


def test_gradient_by_distance_needs_a_classifier():
    with pytest.raises(TypeError, match="Classifier"):
        rnn.gradient_by_distance(torch.nn.RNN(1, 2), np.zeros((1, 3, 1)))
