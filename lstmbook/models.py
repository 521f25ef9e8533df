"""A sequence classifier or regressor around ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN``.

The model reads the *correct* summary of a sequence: ``h_n`` of the last layer, with both
directions concatenated when the network is bidirectional. ``output[:, -1]`` is a different
thing for a bidirectional network: its backward half is the state after the backward direction
has taken a single step, reading only the last time step (see :func:`final_state`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
from torch import Tensor, nn

from lstmbook.checking import call_reader, report, wrong_shape

CELLS: dict[str, type[nn.RNNBase]] = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
Readout = Literal["final_state", "last_output"]


def final_state(h_n: Tensor, bidirectional: bool) -> Tensor:
    """The last layer's final hidden state, from ``h_n`` of shape ``(layers * dirs, batch, H)``.

    PyTorch stacks ``h_n`` layer by layer, and within a layer forward then backward, so the last
    layer is ``h_n[-1]`` (one direction) or ``h_n[-2]`` (forward, after the last step) and
    ``h_n[-1]`` (backward, after the first step). Returns shape ``(batch, dirs * H)``.

    >>> lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, batch_first=True,
    ...                bidirectional=True)
    >>> output, (h_n, c_n) = lstm(torch.randn(5, 7, 3))
    >>> output.shape, h_n.shape, final_state(h_n, bidirectional=True).shape
    (torch.Size([5, 7, 8]), torch.Size([4, 5, 4]), torch.Size([5, 8]))
    >>> # The forward half is output[:, -1]; the backward half is output[:, 0], not output[:, -1].
    >>> last = final_state(h_n, bidirectional=True)
    >>> torch.equal(last[:, :4], output[:, -1, :4]), torch.equal(last[:, 4:], output[:, 0, 4:])
    (True, True)
    """
    if h_n.dim() != 3:
        raise ValueError(f"h_n must have shape (layers * dirs, batch, H), got {tuple(h_n.shape)}")
    if bidirectional:
        return torch.cat([h_n[-2], h_n[-1]], dim=-1)
    return h_n[-1]


def init_forget_bias(lstm: nn.LSTM, value: float) -> nn.LSTM:
    """Set every forget-gate bias of ``lstm`` to ``value`` (in place) and return it.

    PyTorch keeps two bias vectors per layer and direction, ``bias_ih`` and ``bias_hh``, each
    in gate order ``i, f, g, o``; their sum is the gate's bias. This puts ``value`` in the
    forget slice of ``bias_ih`` and 0 in that of ``bias_hh``. A forget bias well above 0 makes
    ``f ~ sigmoid(value)`` close to 1 at the start of training, so memory and gradients survive
    many steps (Gers et al., 2000; Jozefowicz et al., 2015).

    >>> lstm = init_forget_bias(nn.LSTM(2, 3), 2.0)
    >>> lstm.bias_ih_l0[3:6].tolist(), lstm.bias_hh_l0[3:6].tolist()
    ([2.0, 2.0, 2.0], [0.0, 0.0, 0.0])
    """
    if not isinstance(lstm, nn.LSTM):
        raise TypeError(f"expected an nn.LSTM, got {type(lstm).__name__}")
    H = lstm.hidden_size
    with torch.no_grad():
        for name, parameter in lstm.named_parameters():
            if name.startswith("bias_ih"):
                parameter[H : 2 * H] = value
            elif name.startswith("bias_hh"):
                parameter[H : 2 * H] = 0.0
    return lstm


def chrono_init(lstm: nn.LSTM, T_max: float) -> nn.LSTM:
    """Chrono initialisation (Tallec and Ollivier, 2018): gate biases for memories of up to
    ``T_max`` steps; in place, returns ``lstm``.

    Each unit's forget bias is ``b_f = log(u)`` with ``u`` drawn uniformly from
    ``[1, T_max - 1]`` (from torch's global generator), and its input bias is ``-b_f``.
    A unit whose forget gate is ``sigmoid(log u) = u / (1 + u)`` keeps its memory for about
    ``u`` steps, so the units start with time scales spread from 1 to ``T_max`` steps, and
    with input gates mostly closed, so that distractors do not wash the memory out.
    As in :func:`init_forget_bias`, the values go in ``bias_ih`` and ``bias_hh`` gets 0.

    >>> _ = torch.manual_seed(0)
    >>> lstm = chrono_init(nn.LSTM(2, 3), T_max=100)
    >>> b_i, b_f = lstm.bias_ih_l0[:3], lstm.bias_ih_l0[3:6]
    >>> torch.equal(b_i, -b_f), bool(0 <= b_f.min() and b_f.max() <= 4.6)  # log 99 = 4.595
    (True, True)
    """
    if not isinstance(lstm, nn.LSTM):
        raise TypeError(f"expected an nn.LSTM, got {type(lstm).__name__}")
    if not T_max > 2:
        raise ValueError(f"T_max must be > 2, got {T_max}")
    H = lstm.hidden_size
    with torch.no_grad():
        for name, parameter in lstm.named_parameters():
            if name.startswith("bias_ih"):
                b_f = torch.log(torch.empty(H).uniform_(1.0, T_max - 1.0))
                parameter[:H], parameter[H : 2 * H] = -b_f, b_f
            elif name.startswith("bias_hh"):
                parameter[: 2 * H] = 0.0
    return lstm


class SequenceModel(nn.Module):
    """A recurrent network and a linear head: ``(batch, time, features) -> (batch, outputs)``.

    Args:
        input_size: features per time step.
        hidden_size: units per layer and direction.
        output_size: outputs of the head: the number of classes for a classifier (train with
            cross-entropy on the logits), or 1 for a regressor, whose output is then squeezed to
            shape ``(batch,)``.
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (the plain tanh RNN).
        num_layers: stacked recurrent layers.
        bidirectional: add a backward direction to every layer.
        dropout: dropout between recurrent layers and before the head (0 turns it off).
        forget_bias: for an LSTM, the initial forget-gate bias (see :func:`init_forget_bias`);
            ``None`` keeps PyTorch's initialisation.
        chrono: for an LSTM, ``T_max`` of :func:`chrono_init` (gate biases for memories of up
            to ``T_max`` steps); ``None`` keeps PyTorch's initialisation.
        readout: ``"final_state"`` reads :func:`final_state` of ``h_n`` (correct);
            ``"last_output"`` reads ``output[:, -1]``, the common pitfall kept for comparison.

    >>> _ = torch.manual_seed(0)
    >>> model = SequenceModel(input_size=2, hidden_size=8, output_size=1, cell="lstm")
    >>> model(torch.randn(4, 10, 2)).shape
    torch.Size([4])
    >>> SequenceModel(1, 8, 2, cell="gru", bidirectional=True)(torch.randn(4, 10, 1)).shape
    torch.Size([4, 2])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        cell: str = "lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        forget_bias: float | None = None,
        chrono: float | None = None,
        readout: Readout = "final_state",
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if readout not in ("final_state", "last_output"):
            raise ValueError(f"readout must be 'final_state' or 'last_output', got {readout!r}")
        if (forget_bias is not None or chrono is not None) and cell != "lstm":
            raise ValueError(f"forget_bias and chrono need cell='lstm', got cell={cell!r}")
        if forget_bias is not None and chrono is not None:
            raise ValueError("give forget_bias or chrono, not both")
        for name, value in [("input_size", input_size), ("hidden_size", hidden_size)]:
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        self.cell, self.readout, self.bidirectional = cell, readout, bidirectional
        self.rnn = CELLS[cell](
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        if forget_bias is not None:
            init_forget_bias(self.rnn, forget_bias)
        if chrono is not None:
            chrono_init(self.rnn, chrono)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size)

    def features(self, x: Tensor) -> Tensor:
        """The sequence summary the head reads: shape ``(batch, dirs * hidden_size)``."""
        if x.dim() != 3:
            raise ValueError(f"x must have shape (batch, time, features), got {tuple(x.shape)}")
        output, state = self.rnn(x)
        if self.readout == "last_output":
            return output[:, -1]
        h_n = state[0] if self.cell == "lstm" else state
        return final_state(h_n, self.bidirectional)

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, time, features)`` to ``(batch, output_size)``, or ``(batch,)`` if 1 output."""
        out = self.head(self.dropout(self.features(x)))
        return out.squeeze(-1) if out.shape[-1] == 1 else out


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters of ``model``.

    >>> count_parameters(nn.LSTM(input_size=2, hidden_size=3))
    84
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def check_final_state(fn: Callable[[Tensor, bool], Tensor]) -> bool:
    """Exercise checker: ``fn(h_n, bidirectional)`` should return the last layer's final state.

    Tries one- and two-direction networks of 1 and 3 layers on seeded inputs and compares with
    :func:`final_state`. Prints "Correct: ..." and returns True, or says what differs.
    """
    generator = torch.Generator().manual_seed(0)
    for layers in (1, 3):
        for bidirectional in (False, True):
            dirs = 2 if bidirectional else 1
            h_n = torch.randn(layers * dirs, 5, 4, generator=generator)
            ok, got = call_reader(fn, h_n, bidirectional)
            if not ok:
                return False
            expected = final_state(h_n, bidirectional)
            case = f"{layers} layer(s), bidirectional={bidirectional}"
            if problem := wrong_shape(got, expected):
                return report(False, "", f"with {case}, {problem}.")
            if not torch.equal(got, expected):
                return report(False, "", f"with {case}, the shape is right but the values differ.")
    return report(True, "the last layer's forward and backward final states.", "")


def check_lstm_parameter_count(fn: Callable[[int, int], int]) -> bool:
    """Exercise checker: ``fn(input_size, hidden_size)`` should count a 1-layer ``nn.LSTM``'s
    parameters, as :func:`count_parameters` does, for several sizes."""
    for input_size, hidden_size in [(1, 1), (2, 32), (10, 7), (300, 128)]:
        ok, got = call_reader(fn, input_size, hidden_size)
        if not ok:
            return False
        expected = count_parameters(nn.LSTM(input_size, hidden_size))
        if got != expected:
            return report(
                False,
                "",
                f"for input_size={input_size}, hidden_size={hidden_size}, "
                f"nn.LSTM has {expected} parameters, your function says {got}.",
            )
    return report(True, "4 gates, each with W_i (H x I), W_h (H x H) and two biases.", "")
