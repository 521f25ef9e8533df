"""The LSTM cells of chapter 4: one contract every cell keeps, and the equalities the issue names.

- With zero peepholes, the peephole cell is ``nn.LSTMCell`` with the same weights.
- :func:`run_cell` with the standard cell is ``nn.LSTM`` over a whole sequence.
- CIFG is the LSTM with ``i = 1 - f``; NFG is the LSTM with ``f = 1``.

Comparisons run in float64 with both ``rtol`` and ``atol`` given: ``rtol`` for large values,
``atol`` for values near 0, where a relative tolerance alone would demand exact equality.
"""

import pytest
import torch
from torch import nn

from lstmbook.cells import (
    CELLS,
    CellLayer,
    CIFGCell,
    LSTMCell,
    NoForgetGateCell,
    PeepholeLSTMCell,
    run_cell,
)
from lstmbook.exercises.cells import check_cifg_step, check_gru_step, check_peephole_parameter_count

TOL = {"rtol": 1e-12, "atol": 1e-14}
ALL_CELLS = list(CELLS.values())  # every cell, the layer-normalised one included
I, H, B, T = 3, 5, 4, 7  # noqa: E741 - input size, hidden size, batch, time, as in the math


def make(cls, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    return cls(I, H).to(dtype)


def randn(*shape, seed=1):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# The contract every cell keeps ------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_CELLS, ids=lambda c: c.__name__)
class TestCellContract:
    def test_step_returns_a_state_pair_of_batch_by_hidden(self, cls):
        state = make(cls)(randn(B, I))
        assert isinstance(state, tuple) and len(state) == 2
        assert all(s.shape == (B, H) and s.dtype == torch.float64 for s in state)

    def test_a_missing_state_means_zeros(self, cls):
        cell, x = make(cls), randn(B, I)
        zeros = (torch.zeros(B, H, dtype=torch.float64),) * 2
        for a, b in zip(cell(x), cell(x, zeros), strict=True):
            torch.testing.assert_close(a, b, **TOL)

    def test_parameter_layout_is_pytorchs_with_one_block_per_gate(self, cls):
        cell = make(cls)
        G = len(cell.GATES)
        assert cell.GATES in ("ifgo", "fgo", "igo")
        assert cell.weight_ih.shape == (G * H, I) and cell.weight_hh.shape == (G * H, H)
        assert cell.bias_ih.shape == cell.bias_hh.shape == (G * H,)
        assert cell.gate_slice(cell.GATES[-1]) == slice((G - 1) * H, G * H)

    def test_same_seed_same_weights_and_outputs(self, cls):
        a, b, c = make(cls, seed=3), make(cls, seed=3), make(cls, seed=4)
        x = randn(B, T, I)
        assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
        assert torch.equal(run_cell(a, x)[0], run_cell(b, x)[0])
        assert not torch.equal(run_cell(a, x)[0], run_cell(c, x)[0])

    def test_sequence_output_shapes_and_final_state(self, cls):
        output, (h, c) = run_cell(make(cls), randn(B, T, I))
        assert output.shape == (B, T, H) and h.shape == c.shape == (B, H)
        assert torch.equal(output[:, -1], h)

    def test_running_in_two_pieces_equals_running_at_once(self, cls):
        cell, x = make(cls), randn(B, T, I)
        whole, state = run_cell(cell, x)
        first, middle = run_cell(cell, x[:, :3])
        second, end = run_cell(cell, x[:, 3:], middle)
        torch.testing.assert_close(torch.cat([first, second], dim=1), whole, **TOL)
        for a, b in zip(end, state, strict=True):
            torch.testing.assert_close(a, b, **TOL)

    def test_every_parameter_gets_a_gradient(self, cls):
        cell = make(cls)
        output, _ = run_cell(cell, randn(B, T, I))
        output.sum().backward()
        for name, parameter in cell.named_parameters():
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name

    def test_float32_in_float32_out(self, cls):
        output, _ = run_cell(make(cls, dtype=torch.float32), torch.randn(B, T, I))
        assert output.dtype == torch.float32 and torch.isfinite(output).all()

    def test_bad_input_names_expected_and_received(self, cls):
        cell = make(cls)
        with pytest.raises(ValueError, match=r"\(batch, 3\).*\(4, 2\)"):
            cell(randn(B, 2))
        with pytest.raises(ValueError, match=r"\(4, 5\).*\(4, 6\)"):
            cell(randn(B, I), (randn(B, 6), randn(B, 6)))
        with pytest.raises(TypeError, match="Tensor"):
            cell([[0.0] * I])
        with pytest.raises(ValueError, match=r"\(batch, time >= 1, features\)"):
            run_cell(cell, randn(B, I))
        with pytest.raises(ValueError, match="hidden_size must be an int >= 1, got 0"):
            cls(I, 0)
        with pytest.raises(TypeError, match="input_size must be an int >= 1, got 2.0"):
            cls(2.0, H)

    def test_gate_slice_rejects_a_gate_the_cell_lacks(self, cls):
        with pytest.raises(ValueError, match="gate must be one of"):
            make(cls).gate_slice("x")


# The equalities the issue names ----------------------------------------------------------------


def test_lstm_cell_has_the_weights_of_nn_lstmcell_for_the_same_seed():
    torch.manual_seed(0)
    ours = LSTMCell(I, H)
    torch.manual_seed(0)
    theirs = nn.LSTMCell(I, H)
    for (name, p), (their_name, q) in zip(
        ours.named_parameters(), theirs.named_parameters(), strict=True
    ):
        assert name == their_name and torch.equal(p, q)


def test_peephole_cell_with_zero_peepholes_equals_nn_lstmcell():
    peephole = make(PeepholeLSTMCell)
    torch_cell = nn.LSTMCell(I, H).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(torch_cell, name).copy_(getattr(peephole, name))
        for w in (peephole.w_ci, peephole.w_cf, peephole.w_co):
            w.zero_()
    x, h, c = randn(B, I, seed=1), randn(B, H, seed=2), randn(B, H, seed=3)
    for ours, theirs in zip(peephole(x, (h, c)), torch_cell(x, (h, c)), strict=True):
        torch.testing.assert_close(ours, theirs, **TOL)


def test_peepholes_change_the_output_when_nonzero():
    peephole = make(PeepholeLSTMCell)
    x, state = randn(B, I), (randn(B, H, seed=2), randn(B, H, seed=3))
    before = peephole(x, state)[0]
    with torch.no_grad():
        peephole.w_co.zero_()
    assert not torch.allclose(before, peephole(x, state)[0])


def test_run_cell_with_the_standard_cell_equals_nn_lstm():
    cell = make(LSTMCell)
    lstm = nn.LSTM(I, H, batch_first=True).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lstm, f"{name}_l0").copy_(getattr(cell, name))
    x, h0, c0 = randn(B, 50, I), randn(B, H, seed=2), randn(B, H, seed=3)
    output, (h, c) = run_cell(cell, x, (h0, c0))
    expected, (h_n, c_n) = lstm(x, (h0[None], c0[None]))
    torch.testing.assert_close(output, expected, **TOL)
    torch.testing.assert_close(h, h_n[0], **TOL)
    torch.testing.assert_close(c, c_n[0], **TOL)


def test_cifg_is_the_lstm_with_input_gate_one_minus_forget():
    cifg = make(CIFGCell)
    lstm = LSTMCell(I, H).double()
    f, g, o = (cifg.gate_slice(k) for k in "fgo")
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            ours, theirs = getattr(cifg, name), getattr(lstm, name)
            for k, rows in zip("fgo", (f, g, o), strict=True):
                theirs[lstm.gate_slice(k)] = ours[rows]
            # sigmoid(-z) = 1 - sigmoid(z): input-gate rows that negate the forget rows.
            theirs[lstm.gate_slice("i")] = -ours[f]
    x, state = randn(B, T, I), (randn(B, H, seed=2), randn(B, H, seed=3))
    torch.testing.assert_close(run_cell(cifg, x, state)[0], run_cell(lstm, x, state)[0], **TOL)


def test_nfg_is_the_lstm_with_forget_gate_one():
    nfg = make(NoForgetGateCell)
    x, (h, c) = randn(B, I), (randn(B, H, seed=2), randn(B, H, seed=3))
    z_i, z_g, z_o = nfg.preactivations(x, h)
    c_next = c + torch.sigmoid(z_i) * torch.tanh(z_g)
    h_next, c_got = nfg(x, (h, c))
    torch.testing.assert_close(c_got, c_next, **TOL)
    torch.testing.assert_close(h_next, torch.sigmoid(z_o) * torch.tanh(c_next), **TOL)


def test_nfg_cell_state_never_shrinks_when_every_candidate_is_positive():
    nfg = make(NoForgetGateCell)
    with torch.no_grad():
        nfg.bias_ih[nfg.gate_slice("g")] = 50.0  # g = tanh(large) = 1
    _, (_, c) = run_cell(nfg, randn(B, T, I))
    assert (c > 0).all() and (c <= T).all()


# The cell from PyTorch's weights ---------------------------------------------------------------


@pytest.mark.parametrize("source", [nn.LSTM(I, H).double(), nn.LSTMCell(I, H).double()])
def test_from_torch_copies_the_weights_and_computes_the_same_steps(source):
    cell, x = LSTMCell.from_torch(source), randn(B, T, I)
    assert cell.weight_ih.dtype == torch.float64
    expected = source(x.transpose(0, 1))[0].transpose(0, 1) if isinstance(source, nn.LSTM) else None
    if expected is None:
        h = c = torch.zeros(B, H, dtype=torch.float64)
        steps = []
        for t in range(T):
            h, c = source(x[:, t], (h, c))
            steps.append(h)
        expected = torch.stack(steps, dim=1)
    torch.testing.assert_close(run_cell(cell, x)[0], expected, **TOL)


def test_cell_layer_is_run_cell():
    layer = CellLayer(make(LSTMCell))
    x = randn(B, T, I)
    torch.testing.assert_close(layer(x)[0], run_cell(layer.cell, x)[0], **TOL)


# The exercise checkers ----------------------------------------------------------------------------


def cifg_step(z_f, z_g, z_o, c_prev):
    f = torch.sigmoid(z_f)
    c = f * c_prev + (1 - f) * torch.tanh(z_g)
    return torch.sigmoid(z_o) * torch.tanh(c), c


def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=-1)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


@pytest.mark.parametrize(
    "checker, right, wrong",
    [
        (check_cifg_step, cifg_step, lambda z_f, z_g, z_o, c: cifg_step(z_f, z_g, z_o, 0 * c)),
        (check_peephole_parameter_count, lambda i, h: 4 * h * (i + h) + 11 * h, lambda i, h: 0),
        (check_gru_step, gru_step, lambda x, h, *weights: h),
    ],
    ids=["cifg_step", "peephole_count", "gru_step"],
)
def test_checkers_accept_a_right_answer_and_report_a_wrong_one(checker, right, wrong, capsys):
    assert checker(right) is True
    assert capsys.readouterr().out.startswith("Correct: ")
    assert checker(wrong) is False
    assert capsys.readouterr().out.startswith("Not yet: ")


@pytest.mark.parametrize(
    "checker", [check_cifg_step, check_peephole_parameter_count, check_gru_step]
)
def test_checkers_report_a_crash_and_reject_a_non_function(checker, capsys):
    def crash(*args):
        raise RuntimeError("boom")

    assert checker(crash) is False
    assert "RuntimeError: boom" in capsys.readouterr().out
    with pytest.raises(TypeError, match="expected a function"):
        checker(42)


def test_checkers_say_what_differs(capsys):
    check_cifg_step(lambda z_f, z_g, z_o, c: (torch.zeros(3, 5), torch.zeros(3, 5)))
    assert "c differs" in capsys.readouterr().out
    check_cifg_step(lambda *z: (cifg_step(*z)[1], cifg_step(*z)[1]))
    assert "h differs" in capsys.readouterr().out
    check_cifg_step(lambda *z: None)
    assert "expected a pair (h, c)" in capsys.readouterr().out
