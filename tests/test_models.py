"""The sequence model reads the right final state; the initialisations and checkers."""

import pytest
import torch
from torch import nn

from lstmbook.exercises.models import check_final_state, check_lstm_parameter_count
from lstmbook.models import (
    SequenceModel,
    chrono_init,
    count_parameters,
    final_state,
    init_forget_bias,
)


def test_bidirectional_last_output_has_seen_one_step_backwards():
    torch.manual_seed(0)
    H = 4
    lstm = nn.LSTM(3, H, num_layers=1, batch_first=True, bidirectional=True)
    x = torch.randn(5, 9, 3)
    output, (h_n, _) = lstm(x)
    last = final_state(h_n, bidirectional=True)
    torch.testing.assert_close(last[:, :H], output[:, -1, :H], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(last[:, H:], output[:, 0, H:], rtol=1e-6, atol=1e-6)
    # output[:, -1, H:] is what the backward direction computes from the last step alone.
    only_last, _ = lstm(x[:, -1:])
    torch.testing.assert_close(output[:, -1, H:], only_last[:, 0, H:], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_sequence_model_shapes_and_readouts(cell, bidirectional, num_layers):
    torch.manual_seed(0)
    model = SequenceModel(2, 6, 3, cell=cell, num_layers=num_layers, bidirectional=bidirectional)
    x = torch.randn(4, 7, 2)
    assert model(x).shape == (4, 3)
    assert model.features(x).shape == (4, 12 if bidirectional else 6)
    model.readout = "last_output"
    last_output = model.features(x)
    model.readout = "final_state"
    same = torch.allclose(last_output, model.features(x))
    assert same == (not bidirectional)


def test_regressor_output_is_squeezed():
    assert SequenceModel(2, 5, 1)(torch.randn(3, 4, 2)).shape == (3,)


def test_forget_bias_and_chrono_initialisation():
    torch.manual_seed(0)
    model = SequenceModel(1, 5, 2, num_layers=2, bidirectional=True, forget_bias=3.0)
    for name, p in model.rnn.named_parameters():
        if name.startswith("bias_ih"):
            assert torch.all(p[5:10] == 3.0)
        if name.startswith("bias_hh"):
            assert torch.all(p[5:10] == 0.0)
    lstm = chrono_init(nn.LSTM(1, 200), T_max=50)
    b_i, b_f = lstm.bias_ih_l0[:200], lstm.bias_ih_l0[200:400]
    assert torch.equal(b_i, -b_f) and torch.all(lstm.bias_hh_l0[:400] == 0)
    # forget gate sigmoid(log u) = u / (1 + u): time scales u from 1 to T_max - 1
    u = torch.exp(b_f)
    assert u.min() >= 1 and u.max() <= 49 and u.max() > 40


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"cell": "transformer"}, ValueError),
        ({"cell": "gru", "forget_bias": 1.0}, ValueError),
        ({"forget_bias": 1.0, "chrono": 10}, ValueError),
        ({"readout": "mean"}, ValueError),
        ({"hidden_size": 0}, ValueError),
    ],
)
def test_sequence_model_bad_arguments(kwargs, error):
    arguments = {"input_size": 1, "hidden_size": 4, "output_size": 1} | kwargs
    with pytest.raises(error):
        SequenceModel(**arguments)


def test_bad_inputs():
    with pytest.raises(ValueError, match="batch, time, features"):
        SequenceModel(1, 4, 1)(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="layers"):
        final_state(torch.zeros(3, 5), bidirectional=False)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        init_forget_bias("an LSTM", 1.0)
    with pytest.raises(ValueError, match="value must be a finite number"):
        init_forget_bias(nn.LSTM(1, 2), float("nan"))
    with pytest.raises(TypeError, match="nn.LSTM"):
        chrono_init(nn.RNN(1, 2), 10)
    with pytest.raises(ValueError, match="T_max"):
        chrono_init(nn.LSTM(1, 2), 2)


def test_count_parameters_lstm_is_four_rnns():
    n_in, H = 3, 7
    assert count_parameters(nn.LSTM(n_in, H)) == 4 * (H * n_in + H * H + 2 * H)
    assert count_parameters(nn.LSTM(n_in, H)) == 4 * count_parameters(nn.RNN(n_in, H))


def test_check_final_state(capsys):
    assert check_final_state(final_state)
    assert "Correct" in capsys.readouterr().out
    assert not check_final_state(lambda h_n, bidirectional: h_n[-1])
    assert "shape" in capsys.readouterr().out
    assert not check_final_state(
        lambda h_n, bidirectional: torch.cat([h_n[0], h_n[1]], -1) if bidirectional else h_n[-1]
    )
    assert "values differ" in capsys.readouterr().out
    assert not check_final_state(lambda h_n, bidirectional: 1 / 0)
    with pytest.raises(TypeError):
        check_final_state("h_n[-1]")


def test_check_lstm_parameter_count(capsys):
    assert check_lstm_parameter_count(lambda i, h: 4 * (h * i + h * h + 2 * h))
    assert "Correct" in capsys.readouterr().out
    assert not check_lstm_parameter_count(lambda i, h: 4 * (h * i + h * h + h))
    assert "nn.LSTM has" in capsys.readouterr().out
    with pytest.raises(TypeError):
        check_lstm_parameter_count(None)
