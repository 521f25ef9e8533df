import pytest
import torch
from torch import nn

from lstmbook.probes import input_sensitivity, per_step_retention


def test_sensitivity_matches_the_jacobian():
    torch.manual_seed(0)
    rnn = nn.GRU(2, 3, batch_first=True).double()
    X = torch.randn(2, 4, 2, dtype=torch.float64)
    s = input_sensitivity(rnn, X)
    squares = torch.zeros(4, dtype=torch.float64)
    for b in range(2):
        J = torch.autograd.functional.jacobian(lambda x: rnn(x[None])[0][0, -1], X[b])
        squares += (J**2).sum(dim=(0, 2))  # J: (hidden, time, features)
    assert torch.allclose(s, (squares / 2).sqrt())


def test_an_lstm_with_open_forget_gates_keeps_more():
    torch.manual_seed(0)
    X = torch.randn(16, 12, 2)
    closed, opened = nn.LSTM(2, 8, batch_first=True), nn.LSTM(2, 8, batch_first=True)
    opened.load_state_dict(closed.state_dict())
    with torch.no_grad():
        opened.bias_ih_l0[8:16] = 4.0
    low = per_step_retention(input_sensitivity(closed, X))
    high = per_step_retention(input_sensitivity(opened, X))
    assert low < high < 1.0


def test_errors():
    with pytest.raises(ValueError, match="batch-first"):
        input_sensitivity(nn.GRU(2, 3), torch.randn(4, 5, 2))
    with pytest.raises(ValueError, match="X must have shape"):
        input_sensitivity(nn.GRU(2, 3, batch_first=True), torch.randn(4, 5, 3))
    with pytest.raises(ValueError, match="two positive"):
        per_step_retention(torch.tensor([1.0]))
