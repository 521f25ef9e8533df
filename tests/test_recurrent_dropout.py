"""Tests of variational (same-mask) dropout on the recurrent connection."""

import pytest
import torch

from lstmbook.cells import LSTMCell, run_cell
from lstmbook.models import SequenceModel, cell_model
from lstmbook.recurrent_dropout import CellStack, hidden_mask, run_cell_dropout


class Recorder(LSTMCell):
    """An LSTM cell that records the h it is given at every step."""

    def __init__(self, *args):
        super().__init__(*args)
        self.seen = []

    def forward(self, x, state=None):
        if state is not None:
            self.seen.append(state[0].detach().clone())
        return super().forward(x, state)


def test_mask_values_and_scaling():
    torch.manual_seed(0)
    p = 0.3
    mask = hidden_mask(200, 100, p, torch.zeros(1))
    assert torch.allclose(mask.unique(), torch.tensor([0.0, 1 / (1 - p)]))
    assert abs((mask == 0).double().mean().item() - p) < 0.02  # dropped with probability p
    assert abs(mask.mean().item() - 1.0) < 0.03  # expected value 1


def test_no_mask_in_eval_mode_or_at_zero():
    assert hidden_mask(3, 4, 0.5, torch.zeros(1), training=False) is None
    assert hidden_mask(3, 4, 0.0, torch.zeros(1)) is None


def test_same_mask_at_every_step():
    torch.manual_seed(0)
    cell = Recorder(2, 6).double()
    x = torch.randn(5, 8, 2, dtype=torch.float64)
    state = (torch.ones(5, 6, dtype=torch.float64), torch.zeros(5, 6, dtype=torch.float64))
    # h is all ones at the start: the first step sees the mask itself
    _, _ = run_cell_dropout(cell, x, p=0.5, state=state)
    first_mask = cell.seen[0]
    dropped = first_mask == 0
    assert dropped.any() and (~dropped).any()
    assert torch.allclose(first_mask[~dropped], torch.tensor(2.0, dtype=torch.float64))
    for seen in cell.seen[1:]:  # later steps: the same units are zero
        assert torch.equal(seen == 0, dropped)


def test_fresh_mask_changes_between_steps():
    torch.manual_seed(0)
    cell = Recorder(2, 16).double()
    x = torch.randn(5, 8, 2, dtype=torch.float64)
    run_cell_dropout(cell, x, p=0.5, same_mask=False)
    zeros = [seen == 0 for seen in cell.seen[1:]]
    assert not all(torch.equal(z, zeros[0]) for z in zeros)


def test_identity_in_eval_mode_and_at_zero():
    torch.manual_seed(0)
    cell, x = LSTMCell(3, 5).double(), torch.randn(4, 6, 3, dtype=torch.float64)
    expected, (h, c) = run_cell(cell, x)
    for kwargs in [dict(p=0.5, training=False), dict(p=0.0)]:
        out, (h2, c2) = run_cell_dropout(cell, x, **kwargs)
        assert torch.equal(out, expected) and torch.equal(h2, h) and torch.equal(c2, c)


def test_model_eval_is_deterministic_and_training_is_not():
    torch.manual_seed(0)
    model = cell_model("lstm", 2, 8, 1, num_layers=2, dropout=0.25, hidden_dropout=0.25)
    x = torch.randn(6, 10, 2)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


def test_without_dropout_the_stack_is_run_cell():
    torch.manual_seed(0)
    cell, x = LSTMCell(2, 16), torch.randn(4, 10, 2)
    output, (h, c) = CellStack([cell]).train()(x)
    expected, (h_T, c_T) = run_cell(cell, x)
    assert torch.equal(output, expected) and torch.equal(h, h_T) and torch.equal(c, c_T)


def test_dropout_on_every_step_of_the_outputs_and_the_head_reads_the_last():
    torch.manual_seed(0)
    model = cell_model("lstm", 2, 8, 1, dropout=0.5).train()
    x = torch.randn(4, 6, 2)
    torch.manual_seed(1)
    output, (h, _) = model.rnn(x)
    assert (output == 0).any() and torch.equal(h, output[:, -1])
    torch.manual_seed(1)
    assert torch.equal(model(x), model.head(h).squeeze(-1))


def test_stacked_cells_read_the_layer_below():
    torch.manual_seed(0)
    model = cell_model("cifg", 2, 8, 1, num_layers=3)
    bottom, middle, top = model.rnn.cells
    x = torch.randn(4, 6, 2)
    expected = run_cell(top, run_cell(middle, run_cell(bottom, x)[0])[0])[0]
    assert torch.equal(model.rnn(x)[0], expected)
    assert torch.equal(model(x), model.head(expected[:, -1]).squeeze(-1))


def test_gradients_reach_every_layer():
    torch.manual_seed(0)
    model = cell_model("lstm", 2, 8, 3, num_layers=2, dropout=0.2, hidden_dropout=0.2)
    model(torch.randn(4, 5, 2)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(hidden_dropout=1.0), ValueError),
        (dict(dropout=-0.1), ValueError),
        (dict(num_layers=0), ValueError),
        (dict(same_mask="yes"), TypeError),
    ],
)
def test_model_refuses_bad_arguments(kwargs, error):
    with pytest.raises(error):
        cell_model("lstm", 2, 8, 1, **kwargs)


def test_hidden_dropout_needs_cells():
    with pytest.raises(ValueError, match="hidden_dropout and same_mask need cells"):
        SequenceModel(2, 8, 1, cell="lstm", hidden_dropout=0.25)
    with pytest.raises(ValueError, match="num_layers=2 needs as many cells"):
        SequenceModel(2, 8, 1, cell=LSTMCell(2, 8), num_layers=2)
    with pytest.raises(ValueError, match=r"cell\[1\] must have input_size=8"):
        SequenceModel(2, 8, 1, cell=[LSTMCell(2, 8), LSTMCell(2, 8)], num_layers=2)
    with pytest.raises(ValueError, match="can carry its state"):
        stack = CellStack([LSTMCell(2, 4), LSTMCell(4, 4)])
        stack(torch.zeros(3, 5, 2), (torch.zeros(3, 4), torch.zeros(3, 4)))


def test_runner_refuses_bad_arguments():
    cell = LSTMCell(2, 4)
    with pytest.raises(ValueError, match="x must have shape"):
        run_cell_dropout(cell, torch.zeros(3, 5, 7))
    with pytest.raises(ValueError, match="p must be"):
        run_cell_dropout(cell, torch.zeros(3, 5, 2), p=1.0)
    with pytest.raises(TypeError, match="cell must be a GatedCell"):
        run_cell_dropout(torch.nn.LSTMCell(2, 4), torch.zeros(3, 5, 2))
    with pytest.raises(ValueError, match="h and c"):
        run_cell_dropout(cell, torch.zeros(3, 5, 2), state=(torch.zeros(3, 5), torch.zeros(3, 5)))
