"""The readable step agrees with torch.nn.LSTM, forward and backward, in float64."""

import numpy as np
import pytest
import torch

from lstmbook.readable_lstm import step_backward, step_forward


def test_one_step_forward_and_backward_equal_nn_lstm():
    rng = np.random.default_rng(0)
    D, H, B = 3, 4, 5
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    p = {k: getattr(lstm, f"{k}_l0").detach().numpy() for k in ("weight_ih", "weight_hh")}
    p = {"W_ih": p["weight_ih"], "W_hh": p["weight_hh"]}
    p["b_ih"], p["b_hh"] = lstm.bias_ih_l0.detach().numpy(), lstm.bias_hh_l0.detach().numpy()
    x, h0, c0 = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))

    h, c, cache = step_forward(x, h0, c0, p)
    dx, dh0, dc0, grads = step_backward(dh, dc, cache, p)

    tx = torch.tensor(x[:, None], requires_grad=True)
    th0 = torch.tensor(h0[None], requires_grad=True)
    tc0 = torch.tensor(c0[None], requires_grad=True)
    _, (th, tc) = lstm(tx, (th0, tc0))
    ((th[0] * torch.tensor(dh)).sum() + (tc[0] * torch.tensor(dc)).sum()).backward()

    assert np.abs(h - th[0].detach().numpy()).max() < 1e-12
    assert np.abs(c - tc[0].detach().numpy()).max() < 1e-12
    assert np.abs(dx - tx.grad[:, 0].numpy()).max() < 1e-12
    assert np.abs(dh0 - th0.grad[0].numpy()).max() < 1e-12
    assert np.abs(dc0 - tc0.grad[0].numpy()).max() < 1e-12
    assert np.abs(grads["W_ih"] - lstm.weight_ih_l0.grad.numpy()).max() < 1e-12
    assert np.abs(grads["W_hh"] - lstm.weight_hh_l0.grad.numpy()).max() < 1e-12
    assert np.abs(grads["b"] - lstm.bias_ih_l0.grad.numpy()).max() < 1e-12


def test_a_bad_parameter_dict_is_named():
    with pytest.raises(TypeError, match="p must be a dict"):
        step_forward(np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((1, 2)), {"W_ih": 1})
