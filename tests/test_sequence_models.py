"""One contract for every sequence model of the book, in the style of scikit-learn's estimator
checks: each builder below is run through the same checks.

- shapes: ``(batch, outputs)`` for a classifier, ``(batch,)`` for a regressor (per step with
  ``readout="every_step"``);
- the state: ``forward_state`` returns outputs at every step and a state that, passed back in,
  continues the sequence (one direction only);
- determinism: the same seed gives the same weights and outputs, another seed others;
- every parameter gets a gradient;
- a wrong rank raises ``ValueError`` naming the expected shape;
- a float64 comparison with the PyTorch twin, where there is one (``cell_model("lstm")`` and
  ``SequenceModel(cell="lstm")`` with the same weights).
"""

import pytest
import torch
from torch import nn

from lstmbook.cells import CELLS, LSTMCell
from lstmbook.models import SequenceModel, Tagger, cell_model
from lstmbook.text_models import LSTMTextClassifier

TOL = {"rtol": 1e-12, "atol": 1e-14}
I, H, B, T = 2, 5, 4, 6  # noqa: E741 - input size, hidden size, batch, time

BUILDERS = {
    "lstm": lambda out: SequenceModel(I, H, out),
    "lstm, 2 layers, bidirectional": lambda out: SequenceModel(
        I, H, out, num_layers=2, bidirectional=True
    ),
    "gru": lambda out: SequenceModel(I, H, out, cell="gru"),
    "rnn": lambda out: SequenceModel(I, H, out, cell="rnn"),
    "lstm, last_output": lambda out: SequenceModel(I, H, out, readout="last_output"),
    **{f"cell {name}": (lambda out, name=name: cell_model(name, I, H, out)) for name in CELLS},
}
PER_STEP = {
    "tagger": lambda out: Tagger(I, H, out),
    "tagger, bidirectional": lambda out: Tagger(I, H, out, bidirectional=True),
    "cell lstm, every_step": lambda out: cell_model("lstm", I, H, out, readout="every_step"),
}


def build(builder, out, seed=0):
    torch.manual_seed(seed)
    return builder(out).double()


def flat(state):
    """An LSTM's or a cell's state is a pair ``(h, c)``; a GRU's or an RNN's one tensor."""
    return list(state) if isinstance(state, tuple) else [state]


def inputs(seed=1):
    return torch.randn(B, T, I, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("name", list(BUILDERS) + list(PER_STEP))
class TestSequenceModelContract:
    def builder(self, name):
        return BUILDERS.get(name) or PER_STEP[name]

    def expected(self, name, out):
        per_step = (T,) if name in PER_STEP else ()
        return (B, *per_step) + ((out,) if out > 1 else ())

    @pytest.mark.parametrize("out", [1, 3])
    def test_output_shape(self, name, out):
        assert build(self.builder(name), out)(inputs()).shape == self.expected(name, out)

    def test_same_seed_same_outputs_other_seed_others(self, name):
        x = inputs()
        a, b, c = (build(self.builder(name), 2, seed) for seed in (3, 3, 4))
        assert torch.equal(a(x), b(x)) and not torch.equal(a(x), c(x))

    def test_every_parameter_gets_a_gradient(self, name):
        model = build(self.builder(name), 2)
        model(inputs()).sum().backward()
        for parameter_name, parameter in model.named_parameters():
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, parameter_name

    def test_a_wrong_rank_is_refused_by_name(self, name):
        with pytest.raises(ValueError, match=r"x must have shape \(batch, time, features\)"):
            build(self.builder(name), 2)(torch.zeros(B, I, dtype=torch.float64))

    def test_forward_state_continues_a_sequence(self, name):
        model, x = build(self.builder(name), 2), inputs()
        if getattr(model, "bidirectional", False):
            with pytest.raises(ValueError, match="bidirectional"):
                model.forward_state(x[:, 3:], model.forward_state(x[:, :3])[1])
            return
        whole, end = model.forward_state(x)
        first, middle = model.forward_state(x[:, :3])
        second, again = model.forward_state(x[:, 3:], middle)
        torch.testing.assert_close(torch.cat([first, second], dim=1), whole, **TOL)
        for a, b in zip(flat(end), flat(again), strict=True):
            torch.testing.assert_close(a, b, **TOL)


def test_the_python_loop_lstm_equals_its_pytorch_twin_in_float64():
    torch.manual_seed(0)
    twin = SequenceModel(I, H, 3).double()
    ours = cell_model("lstm", I, H, 3).double()
    with torch.no_grad():
        ours.rnn.cell.load_state_dict(LSTMCell.from_torch(twin.rnn).state_dict())
        ours.head.load_state_dict(twin.head.state_dict())
    torch.testing.assert_close(ours(inputs()), twin(inputs()), **TOL)
    per_step_twin = Tagger(I, H, 3).double()
    per_step_twin.load_state_dict(twin.state_dict())
    per_step = cell_model("lstm", I, H, 3, readout="every_step").double()
    per_step.load_state_dict(ours.state_dict())
    torch.testing.assert_close(per_step(inputs()), per_step_twin(inputs()), **TOL)


def test_the_text_classifier_keeps_the_same_contract_on_token_ids():
    torch.manual_seed(0)
    model = LSTMTextClassifier(20, 3, embedding_dim=4, hidden_size=H).eval()
    tokens = torch.randint(2, 20, (B, T), generator=torch.Generator().manual_seed(1))
    lengths = torch.tensor([T, 3, 1, T])
    assert model(tokens, lengths).shape == (B, 3)
    torch.manual_seed(0)
    again = LSTMTextClassifier(20, 3, embedding_dim=4, hidden_size=H).eval()
    assert torch.equal(model(tokens, lengths), again(tokens, lengths))
    with pytest.raises(ValueError, match="tokens"):
        model(tokens[0], lengths[:1])


@pytest.mark.parametrize("cell", [nn.LSTMCell(I, H), "transformer"])
def test_sequence_model_refuses_what_is_not_a_layer_or_cell(cell):
    with pytest.raises(ValueError, match="cell must be one of"):
        SequenceModel(I, H, 1, cell=cell)
