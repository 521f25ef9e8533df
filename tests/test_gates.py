import math

import numpy as np
import pytest
import torch

from lstmbook.exercises.gates import check_cell_step, check_forget_half_life, check_memory_design
from lstmbook.gates import OneUnitCell, cell_step, gate, half_life, memory_trace, sigmoid


def test_sigmoid_matches_torch_and_does_not_overflow():
    z = np.linspace(-800, 800, 1601)
    expected = torch.sigmoid(torch.from_numpy(z)).numpy()
    with np.errstate(all="raise"):  # no overflow warning at +-800
        values = sigmoid(z)
    # tanh's form rounds values below ~1e-17 to 0: an absolute error, harmless for a gate
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-16)


def test_gate_is_sigmoid_of_affine_input():
    x = np.array([-1.0, 0.0, 3.0])
    np.testing.assert_allclose(gate(2.0, -1.0, x), sigmoid(2.0 * x - 1.0), rtol=1e-15, atol=0)


@pytest.mark.parametrize("forget", [0.3, 0.5, 0.9, 0.99])
def test_half_life_is_where_memory_trace_halves(forget):
    trace = memory_trace(forget, input_gate=1.0, steps=2000, pulse=(0, 1))
    life = float(half_life(forget))
    assert trace[0] == 1.0
    # f**n is 1/2 at n = half-life, between the neighbouring whole steps
    assert trace[math.floor(life)] >= 0.5 >= trace[math.ceil(life)]


def test_half_life_of_a_closed_forget_gate_is_infinite():
    assert half_life(1.0) == np.inf


@pytest.mark.parametrize("bad", [0.0, -0.5, 1.5, float("nan")])
def test_half_life_rejects_values_outside_the_unit_interval(bad):
    with pytest.raises(ValueError, match="forget"):
        half_life(bad)


def test_memory_trace_with_forget_one_and_input_zero_never_changes():
    trace = memory_trace(1.0, 0.0, steps=30, pulse=(5, 25), candidate=-1.0, initial=0.7)
    assert np.all(trace == 0.7)


def test_memory_trace_from_a_held_memory_decays_with_any_other_forget_gate():
    trace = memory_trace(0.5, 0.0, steps=3, pulse=(0, 3), initial=1.0)
    assert trace.tolist() == [0.5, 0.25, 0.125]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"forget": 1.2, "input_gate": 0.5}, "gate values"),
        ({"forget": 0.5, "input_gate": 0.5, "steps": 0}, "steps"),
        ({"forget": 0.5, "input_gate": 0.5, "steps": 4, "pulse": (2, 6)}, "pulse"),
    ],
)
def test_memory_trace_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        memory_trace(**kwargs)


def test_cell_step_equals_torch_lstm_cell():
    rng = np.random.default_rng(1)
    cell = OneUnitCell(*(tuple(rng.normal(size=4)) for _ in range(3)))
    torch_cell = torch.nn.LSTMCell(1, 1).double()
    x, h_prev, c_prev = 0.7, -0.3, 1.2
    with torch.no_grad():
        torch_cell.weight_ih.copy_(torch.tensor(cell.w_x).reshape(4, 1))
        torch_cell.weight_hh.copy_(torch.tensor(cell.w_h).reshape(4, 1))
        torch_cell.bias_ih.copy_(torch.tensor(cell.b))
        torch_cell.bias_hh.zero_()
        x_t, h_t, c_t = (torch.tensor([[v]], dtype=torch.float64) for v in (x, h_prev, c_prev))
        h, c = torch_cell(x_t, (h_t, c_t))
    step = cell_step(x, h_prev, c_prev, cell)
    assert step.h == pytest.approx(h.item(), rel=1e-12, abs=1e-15)
    assert step.c == pytest.approx(c.item(), rel=1e-12, abs=1e-15)


def test_cell_step_rejects_nan():
    with pytest.raises(ValueError, match="h_prev"):
        cell_step(0.0, float("nan"), 0.0)


def test_half_life_checker_accepts_the_formula_and_rejects_a_wrong_one(capsys):
    assert check_forget_half_life(lambda f: math.log(0.5) / math.log(f))
    assert "Correct" in capsys.readouterr().out
    assert not check_forget_half_life(lambda f: 1 / (1 - f))
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(TypeError):
        check_forget_half_life(0.5)


def test_cell_step_checker_accepts_the_equations_and_rejects_a_wrong_one(capsys):
    def right(x, h_prev, c_prev, cell):
        step = cell_step(x, h_prev, c_prev, cell)
        return step.c, step.h

    def forgets_everything(x, h_prev, c_prev, cell):
        step = cell_step(x, h_prev, 0.0, cell)
        return step.c, step.h

    assert check_cell_step(right)
    assert not check_cell_step(forgets_everything)
    assert "Not yet" in capsys.readouterr().out


def test_checkers_report_a_stub_instead_of_crashing(capsys):
    assert not check_forget_half_life(lambda f: None)
    assert not check_cell_step(lambda x, h_prev, c_prev, cell: 1 / 0)
    assert "raised ZeroDivisionError" in capsys.readouterr().out


def _forget_for(n):
    return 0.5 ** (1 / n)


def test_memory_design_checker_accepts_the_right_answer(capsys):
    assert check_memory_design(_forget_for, (1.0, 0.0))
    out = capsys.readouterr().out
    assert out.startswith("Correct") and "0.99309" in out


@pytest.mark.parametrize(
    "forget_for, hold",
    [
        (_forget_for, (0.5, 0.5)),  # f + i = 1: looks right from c = 0 or with a candidate of +1
        (_forget_for, (0.5, 0.0)),  # the old check (c = 0, i = 0) accepted this
        (_forget_for, (0.99, 0.0)),  # forgets slowly, but forgets
        (_forget_for, (1.0, 0.5)),  # keeps, but writes
        (_forget_for, (1.0,)),
        (_forget_for, "f=1"),
        (lambda n: 1 - 1 / n, (1.0, 0.0)),
        (lambda n: 0.5**n, (1.0, 0.0)),
        (lambda n: None, (1.0, 0.0)),
    ],
)
def test_memory_design_checker_rejects_wrong_answers(forget_for, hold, capsys):
    assert not check_memory_design(forget_for, hold)
    assert "Not yet" in capsys.readouterr().out


def test_memory_design_checker_needs_a_function():
    with pytest.raises(TypeError):
        check_memory_design(0.99309, (1.0, 0.0))
