import pytest
import torch
from torch import nn

from lstmbook.rnn import INITS, init_recurrent, rnn_model, spectral_radius


def test_orthogonal_recurrent_matrix_has_unit_singular_values():
    torch.manual_seed(0)
    rnn = init_recurrent(nn.RNN(3, 6), "orthogonal")
    singular = torch.linalg.svdvals(rnn.weight_hh_l0.detach())
    assert torch.allclose(singular, torch.ones(6), atol=1e-5)
    assert rnn.nonlinearity == "tanh"


def test_identity_is_the_irnn():
    torch.manual_seed(0)
    model = rnn_model(2, 5, 1, init="identity")
    rnn = model.rnn
    assert rnn.nonlinearity == "relu" and rnn.batch_first
    assert torch.equal(rnn.weight_hh_l0, torch.eye(5))
    assert not rnn.bias_ih_l0.any() and not rnn.bias_hh_l0.any()
    assert rnn.weight_ih_l0.std() < 0.01
    assert spectral_radius(rnn) == pytest.approx(1.0)


def test_identity_copies_the_state_without_input():
    torch.manual_seed(0)
    rnn = init_recurrent(nn.RNN(2, 4, nonlinearity="relu", batch_first=True), "identity")
    h0 = torch.rand(1, 3, 4)
    _, h_n = rnn(torch.zeros(3, 7, 2), h0)
    assert torch.allclose(h_n, h0)


def test_default_keeps_pytorch_weights():
    torch.manual_seed(1)
    model = rnn_model(2, 8, 1, init="default")
    torch.manual_seed(1)
    reference = rnn_model(2, 8, 1)
    assert torch.equal(model.rnn.weight_hh_l0, reference.rnn.weight_hh_l0)
    assert set(INITS) == {"default", "orthogonal", "identity"}


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="init"):
        rnn_model(2, 4, 1, init="xavier")
    with pytest.raises(ValueError, match="relu"):
        init_recurrent(nn.RNN(2, 4), "identity")
    with pytest.raises(TypeError, match="rnn"):
        init_recurrent(nn.LSTM(2, 4), "orthogonal")
    with pytest.raises(ValueError, match="hidden_size"):
        rnn_model(2, 0, 1)
