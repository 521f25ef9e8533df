"""The layer-normalised LSTM cell: its equations and its checker (the contract every cell keeps is
in ``test_cells.py`` and ``test_sequence_models.py``)."""

import pytest
import torch
from torch.nn import functional as F

from lstmbook.cells import EPS, LayerNormLSTMCell, LSTMCell, run_cell
from lstmbook.exercises.cells import check_layer_norm
from lstmbook.models import cell_model, init_forget_bias


def by_hand_layer_norm(z):
    mean = z.mean(dim=-1, keepdim=True)
    var = ((z - mean) ** 2).mean(dim=-1, keepdim=True)
    return (z - mean) / torch.sqrt(var + EPS)


def seeded_cell(seed=0, input_size=3, hidden_size=5):
    torch.manual_seed(seed)
    return LayerNormLSTMCell(input_size, hidden_size).double()


def test_parameter_shapes_and_initialisation():
    cell = seeded_cell(hidden_size=6)
    shapes = {name: tuple(p.shape) for name, p in cell.named_parameters()}
    assert shapes == {
        "weight_ih": (24, 3),
        "weight_hh": (24, 6),
        "bias_ih": (24,),
        "bias_hh": (24,),
        "gain_ih": (24,),
        "gain_hh": (24,),
        "gain_c": (6,),
        "bias_c": (6,),
    }
    for gain in (cell.gain_ih, cell.gain_hh, cell.gain_c):
        assert torch.all(gain == 1)
    for bias in (cell.bias_ih, cell.bias_hh, cell.bias_c):
        assert torch.all(bias == 0)
    bound = 1 / 6**0.5
    assert cell.weight_hh.abs().max() <= bound and cell.weight_hh.std() > 0


def test_with_unit_gains_and_zero_biases_it_is_an_lstm_on_normalised_preactivations():
    """The LSTM equations, written out by hand, on layer-normalised pre-activations."""
    cell = seeded_cell()
    x = torch.randn(4, 3, dtype=torch.float64)
    h0, c0 = torch.randn(2, 4, 5, dtype=torch.float64)
    z = by_hand_layer_norm(x @ cell.weight_ih.T) + by_hand_layer_norm(h0 @ cell.weight_hh.T)
    z_i, z_f, z_g, z_o = z.chunk(4, dim=-1)
    c = torch.sigmoid(z_f) * c0 + torch.sigmoid(z_i) * torch.tanh(z_g)
    h = torch.sigmoid(z_o) * torch.tanh(by_hand_layer_norm(c))
    got_h, got_c = cell(x, (h0, c0))
    torch.testing.assert_close(got_c, c, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got_h, h, rtol=1e-10, atol=1e-12)


def test_it_equals_the_standard_cell_fed_with_the_normalised_preactivations():
    """Swap the cell's pre-activations into LSTMCell: the same c; h differs only by LN(c)."""
    cell = seeded_cell()
    standard = LSTMCell(3, 5).double()
    x = torch.randn(4, 3, dtype=torch.float64)
    h0, c0 = torch.randn(2, 4, 5, dtype=torch.float64)
    standard.preactivations = cell.preactivations  # the instance attribute shadows the method
    h_std, c_std = standard(x, (h0, c0))
    h, c = cell(x, (h0, c0))
    torch.testing.assert_close(c, c_std, rtol=1e-10, atol=1e-12)
    o = h_std / torch.tanh(c_std)
    torch.testing.assert_close(h, o * torch.tanh(by_hand_layer_norm(c)), rtol=1e-10, atol=1e-12)


def test_trained_gains_and_biases_enter_as_the_paper_says():
    cell = seeded_cell(seed=1)
    with torch.no_grad():
        for p in (cell.gain_ih, cell.gain_hh, cell.gain_c, cell.bias_ih, cell.bias_hh, cell.bias_c):
            p.copy_(torch.randn_like(p))
    x = torch.randn(4, 3, dtype=torch.float64)
    h0, c0 = torch.randn(2, 4, 5, dtype=torch.float64)
    z = (
        cell.gain_ih * by_hand_layer_norm(x @ cell.weight_ih.T)
        + cell.gain_hh * by_hand_layer_norm(h0 @ cell.weight_hh.T)
        + cell.bias_ih
        + cell.bias_hh
    )
    z_i, z_f, z_g, z_o = z.chunk(4, dim=-1)
    c = torch.sigmoid(z_f) * c0 + torch.sigmoid(z_i) * torch.tanh(z_g)
    h = torch.sigmoid(z_o) * torch.tanh(cell.gain_c * by_hand_layer_norm(c) + cell.bias_c)
    got_h, got_c = cell(x, (h0, c0))
    torch.testing.assert_close(got_c, c, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got_h, h, rtol=1e-10, atol=1e-12)


def test_outputs_are_bounded_even_for_huge_inputs():
    cell = seeded_cell()
    output, (_, c) = run_cell(cell, 1e4 * torch.randn(8, 30, 3, dtype=torch.float64))
    assert torch.all(output.abs() < 1)
    # The gates stay in (0, 1) whatever the input scale, so |c_t| grows at most 1 per step.
    assert torch.all(c.abs() <= 30)


def test_rescaling_the_weights_changes_nothing():
    """Layer norm removes the scale of W x and W h: the cell is invariant to it."""
    cell = seeded_cell()
    with torch.no_grad():  # large enough that the epsilon under the square root is negligible
        cell.weight_ih.mul_(100.0)
        cell.weight_hh.mul_(100.0)
    x = torch.randn(6, 9, 3, dtype=torch.float64)
    before, _ = run_cell(cell, x)
    with torch.no_grad():
        cell.weight_ih.mul_(7.0)
        cell.weight_hh.mul_(3.0)
    after, _ = run_cell(cell, x)
    # not exact: the epsilon 1e-5 under the square root still sees the scale (measured 4e-8)
    torch.testing.assert_close(after, before, rtol=1e-6, atol=1e-7)


def test_gradients_match_finite_differences():
    cell = seeded_cell(hidden_size=3)
    x = torch.randn(2, 4, 3, dtype=torch.float64)

    def loss(weight_hh, gain_c):
        params = {"weight_hh": weight_hh, "gain_c": gain_c}
        out, _ = run_cell(lambda x_t, s: torch.func.functional_call(cell, params, (x_t, s)), x)
        return out.sum()

    assert torch.autograd.gradcheck(
        loss,
        (
            cell.weight_hh.detach().clone().requires_grad_(),
            cell.gain_c.detach().clone().requires_grad_(),
        ),
    )


def test_init_forget_bias_reaches_the_cell():
    model = cell_model("ln-lstm", 2, 4, 1)
    assert init_forget_bias(model, 1.0) is model
    cell = model.rnn.cell
    assert torch.all(cell.bias_ih[4:8] == 1) and torch.all(cell.bias_hh[4:8] == 0)


def test_check_layer_norm(capsys):
    def right(z, gain, bias):
        mean = z.mean(-1, keepdim=True)
        var = z.var(-1, unbiased=False, keepdim=True)
        return gain * (z - mean) / torch.sqrt(var + 1e-5) + bias

    def unbiased(z, gain, bias):
        mean = z.mean(-1, keepdim=True)
        return gain * (z - mean) / torch.sqrt(z.var(-1, keepdim=True) + 1e-5) + bias

    def over_batch(z, gain, bias):
        return gain * (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + 1e-5) + bias

    def raises(z, gain, bias):
        raise RuntimeError("oops")

    assert check_layer_norm(right) is True
    assert "Correct" in capsys.readouterr().out
    assert check_layer_norm(lambda z, g, b: F.layer_norm(z, z.shape[-1:], g, b)) is True
    assert check_layer_norm(unbiased) is False
    assert "biased variance" in capsys.readouterr().out
    assert check_layer_norm(over_batch) is False
    assert "over its features" in capsys.readouterr().out
    assert check_layer_norm(raises) is False
    assert "RuntimeError" in capsys.readouterr().out
    assert check_layer_norm(lambda z, g, b: z) is False
    assert check_layer_norm(lambda z, g, b: None) is False
    with pytest.raises(TypeError):
        check_layer_norm("not a function")
