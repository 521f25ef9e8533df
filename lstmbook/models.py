"""A sequence classifier or regressor around ``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` or the cells.

The model reads the *correct* summary of a sequence: ``h_n`` of the last layer, with both
directions concatenated when the network is bidirectional. ``output[:, -1]`` is a different
thing for a bidirectional network: its backward half is the state after the backward direction
has taken a single step, reading only the last time step (see :func:`final_state`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import Tensor, nn

from lstmbook.cells import CELLS, CellLayer, GatedCell, State
from lstmbook.recurrent_dropout import CellStack
from lstmbook.validate import boolean, one_of, positive_int, probability, real

#: The recurrent layers of PyTorch a :class:`SequenceModel` can be built on, by name.
LAYERS: dict[str, type[nn.RNNBase]] = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
Readout = Literal["final_state", "last_output", "every_step"]
READOUTS = ("final_state", "last_output", "every_step")


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


def init_forget_bias(model: nn.Module, value: float) -> nn.Module:
    """Set the forget-gate bias of every LSTM layer and cell in ``model`` to ``value``, in place;
    returns ``model`` (an ``nn.LSTM``, a cell of :mod:`lstmbook.cells`, or any model holding them).

    PyTorch keeps two bias vectors per layer and direction, ``bias_ih`` and ``bias_hh``, each
    in gate order ``i, f, g, o``; their sum is the gate's bias. This puts ``value`` in the
    forget slice of ``bias_ih`` and 0 in that of ``bias_hh`` (a cell: in its rows ``f``). A
    forget bias well above 0 makes ``f ~ sigmoid(value)`` close to 1 at the start of training,
    so memory and gradients survive many steps (Gers et al., 2000; Jozefowicz et al., 2015).
    GRUs, plain RNNs and the NFG cell have no forget gate and are left alone.

    >>> lstm = init_forget_bias(nn.LSTM(2, 3), 2.0)
    >>> lstm.bias_ih_l0[3:6].tolist(), lstm.bias_hh_l0[3:6].tolist()
    ([2.0, 2.0, 2.0], [0.0, 0.0, 0.0])
    >>> init_forget_bias(cell_model("cifg", 1, 2, 1), 1.0).rnn.cell.bias_ih[:2].tolist()
    [1.0, 1.0]
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    value = real("value", value)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.LSTM):
                H = module.hidden_size
                for name, parameter in module.named_parameters():
                    if name.startswith("bias_ih"):
                        parameter[H : 2 * H] = value
                    elif name.startswith("bias_hh"):
                        parameter[H : 2 * H] = 0.0
            elif isinstance(module, GatedCell) and "f" in module.GATES:
                module.bias_ih[module.gate_slice("f")] = value
                module.bias_hh[module.gate_slice("f")] = 0.0
    return model


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
        raise TypeError(f"lstm must be an nn.LSTM, got {type(lstm).__name__}")
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

    The one sequence model of the book: the recurrent part is ``nn.LSTM``, ``nn.GRU``,
    ``nn.RNN`` or cells of :mod:`lstmbook.cells` (run step by step by a
    :class:`lstmbook.recurrent_dropout.CellStack`, which can also drop the recurrent ``h``; see
    :func:`cell_model`), and ``readout`` says what the head reads.

    Args:
        input_size: features per time step.
        hidden_size: units per layer and direction.
        output_size: outputs of the head: the number of classes for a classifier (train with
            cross-entropy on the logits), or 1 for a regressor, whose output is then squeezed to
            shape ``(batch,)`` (``(batch, time)`` with ``readout="every_step"``).
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (the plain tanh RNN), or a
            :class:`lstmbook.cells.GatedCell` of ``input_size`` and ``hidden_size``, or a list
            of ``num_layers`` of them (the first of ``input_size`` inputs, the others of
            ``hidden_size``), run step by step in Python.
        num_layers: stacked recurrent layers.
        bidirectional: add a backward direction to every layer (not for cells).
        dropout: dropout between recurrent layers and before the head (0 turns it off). Cells
            drop every step of every layer's outputs, and the head reads the dropped last step.
        hidden_dropout: for cells only, variational dropout on every layer's recurrent ``h``,
            one mask per sequence (Gal and Ghahramani, 2016; see
            :mod:`lstmbook.recurrent_dropout`), in training only; 0 turns it off.
        same_mask: for cells, False draws the recurrent mask afresh at every step instead (the
            naive placement, for comparison).
        forget_bias: for an LSTM or a cell with a forget gate, the initial forget-gate bias
            (see :func:`init_forget_bias`); ``None`` keeps the initialisation.
        chrono: for an ``nn.LSTM``, ``T_max`` of :func:`chrono_init` (gate biases for memories
            of up to ``T_max`` steps); ``None`` keeps PyTorch's initialisation.
        readout: ``"final_state"`` reads :func:`final_state` of ``h_n`` (correct);
            ``"last_output"`` reads ``output[:, -1]``, the common pitfall kept for comparison;
            ``"every_step"`` answers at every step, ``(batch, time, output_size)`` (a tagger).

    >>> _ = torch.manual_seed(0)
    >>> model = SequenceModel(input_size=2, hidden_size=8, output_size=1, cell="lstm")
    >>> model(torch.randn(4, 10, 2)).shape
    torch.Size([4])
    >>> SequenceModel(1, 8, 2, cell="gru", bidirectional=True)(torch.randn(4, 10, 1)).shape
    torch.Size([4, 2])
    >>> SequenceModel(1, 8, 3, readout="every_step")(torch.randn(4, 10, 1)).shape
    torch.Size([4, 10, 3])
    >>> from lstmbook.cells import LSTMCell
    >>> cells = [LSTMCell(2, 8), LSTMCell(8, 8)]
    >>> model = SequenceModel(2, 8, 1, cell=cells, num_layers=2, hidden_dropout=0.25)
    >>> model(torch.randn(4, 10, 2)).shape, type(model.rnn).__name__
    (torch.Size([4]), 'CellStack')
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        cell: str | GatedCell | Sequence[GatedCell] = "lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        forget_bias: float | None = None,
        chrono: float | None = None,
        readout: Readout = "final_state",
        hidden_dropout: float = 0.0,
        same_mask: bool = True,
    ) -> None:
        super().__init__()
        input_size = positive_int("input_size", input_size)
        hidden_size = positive_int("hidden_size", hidden_size)
        output_size = positive_int("output_size", output_size)
        num_layers = positive_int("num_layers", num_layers)
        bidirectional = boolean("bidirectional", bidirectional)
        dropout = probability("dropout", dropout)
        readout = one_of("readout", readout, READOUTS)
        hidden_dropout = real("hidden_dropout", hidden_dropout, low=0.0, high=1.0, high_open=True)
        same_mask = boolean("same_mask", same_mask)
        cells = _cells(cell, input_size, hidden_size, num_layers)
        if cells is None:
            cell = one_of("cell", cell, LAYERS)
            if hidden_dropout or not same_mask:
                raise ValueError(
                    "hidden_dropout and same_mask need cells of lstmbook.cells (see cell_model): "
                    f"nn.{LAYERS[cell].__name__} runs its steps in one kernel"
                )
        if forget_bias is not None:
            forget_bias = real("forget_bias", forget_bias)
        if chrono is not None:
            chrono = real("chrono", chrono, low=2, low_open=True)
        if cells is not None:
            if bidirectional or chrono is not None:
                raise ValueError("cells run one direction, with no chrono init")
        elif (forget_bias is not None or chrono is not None) and cell != "lstm":
            raise ValueError(f"forget_bias and chrono need cell='lstm', got cell={cell!r}")
        if forget_bias is not None and chrono is not None:
            raise ValueError("give forget_bias or chrono, not both")
        self.readout, self.bidirectional = readout, bidirectional
        if cells is not None:
            self.rnn: nn.Module = CellStack(cells, dropout, hidden_dropout, same_mask)
            dropout = 0.0  # the stack drops its outputs (every step) itself
        else:
            self.rnn = LAYERS[cell](
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
        self.input_size = input_size

    def features(self, x: Tensor) -> Tensor:
        """What the head reads: ``(batch, dirs * hidden_size)``, or per step with "every_step"."""
        if not isinstance(x, Tensor) or x.dim() != 3:
            raise ValueError(f"x must have shape (batch, time, features), got {_shape(x)}")
        output, state = self.rnn(x)
        if self.readout == "every_step":
            return output
        if self.readout == "last_output":
            return output[:, -1]
        h_n = state[0] if isinstance(state, tuple) else state  # LSTM: (h_n, c_n)
        if isinstance(self.rnn, CellLayer):
            h_n = h_n[None]  # a cell's h_T has no (layers * dirs) axis
        return final_state(h_n, self.bidirectional)

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, time, features)`` to ``(batch, output_size)``, or ``(batch,)`` if 1 output.

        ``x`` must be a tensor of the model's dtype with ``input_size`` features: a float64
        input to a float32 model is refused with a message (:func:`lstmbook.train.fit` and
        :func:`lstmbook.train.predict` convert NumPy data for you)."""
        self._check_input(x)
        out = self.head(self.dropout(self.features(x)))
        return out.squeeze(-1) if out.shape[-1] == 1 else out

    def forward_state(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Outputs at every step ``(batch, time, output_size)`` and the final state, from
        ``state``: pass the state back in to go on reading the same streams (one direction
        only: a backward direction reads from the end). See :mod:`lstmbook.tbptt`.
        """
        self._check_input(x)
        if not isinstance(x, Tensor) or x.dim() != 3:
            raise ValueError(f"x must have shape (batch, time, features), got {_shape(x)}")
        if state is not None and self.bidirectional:
            raise ValueError("a bidirectional model cannot carry its state into the next chunk")
        output, state = self.rnn(x, state)
        return self.head(self.dropout(output)), state

    def _check_input(self, x: object) -> None:
        """Shape and dtype only (no scan of the values: this runs on every batch)."""
        if not isinstance(x, Tensor) or x.dim() != 3:
            raise ValueError(f"x must have shape (batch, time, features), got {_shape(x)}")
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"x must have shape (batch, time, {self.input_size}), got {tuple(x.shape)}"
            )
        dtype = self.head.weight.dtype
        if x.dtype != dtype:
            raise TypeError(
                f"x must have the model's dtype {dtype}, got {x.dtype}: convert it with "
                f"x.to({dtype}) (train.fit and train.predict convert NumPy data for you)"
            )


def _cells(
    cell: object, input_size: int, hidden_size: int, num_layers: int
) -> list[GatedCell] | None:
    """``cell`` as a list of checked cells, or None for anything else (a layer's name)."""
    if not isinstance(cell, GatedCell | list | tuple):
        return None
    cells = [cell] if isinstance(cell, GatedCell) else cell
    for k, c in enumerate(cells):
        if not isinstance(c, GatedCell):
            raise TypeError(f"cell[{k}] must be a GatedCell, got {type(c).__name__}")
    if len(cells) != num_layers:
        raise ValueError(f"num_layers={num_layers} needs as many cells, got {len(cells)}")
    for k, c in enumerate(cells):
        size = input_size if k == 0 else hidden_size
        if (c.input_size, c.hidden_size) != (size, hidden_size):
            name = "cell" if isinstance(cell, GatedCell) else f"cell[{k}]"
            raise ValueError(
                f"{name} must have input_size={size} and hidden_size={hidden_size}, "
                f"got {c.input_size} and {c.hidden_size}"
            )
    return list(cells)


def _shape(x: object) -> object:
    return tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__


def cell_model(
    name: str,
    input_size: int,
    hidden_size: int,
    output_size: int,
    num_layers: int = 1,
    **options: object,
) -> SequenceModel:
    """A :class:`SequenceModel` around ``num_layers`` cells :data:`lstmbook.cells.CELLS`
    ``[name]``, stacked.

    The cells run in a Python loop (:func:`lstmbook.cells.run_cell`), so cells compare like
    for like; ``options`` go to :class:`SequenceModel` (``readout``, ``forget_bias``,
    ``dropout``, ``hidden_dropout``, ...).

    >>> _ = torch.manual_seed(0)
    >>> type(cell_model("ln-lstm", 1, 4, 2).rnn.cell).__name__
    'LayerNormLSTMCell'
    >>> cell_model("nfg", 2, 8, 1)(torch.randn(4, 10, 2)).shape
    torch.Size([4])
    """
    name = one_of("name", name, CELLS)
    num_layers = positive_int("num_layers", num_layers)
    sizes = [input_size] + [hidden_size] * (num_layers - 1)
    cells = [CELLS[name](size, hidden_size) for size in sizes]
    return SequenceModel(
        input_size, hidden_size, output_size, cell=cells, num_layers=num_layers, **options
    )


def Tagger(  # noqa: N802 - named like the class it used to be: a model with an answer per step
    input_size: int, hidden_size: int, output_size: int = 2, bidirectional: bool = False
) -> SequenceModel:
    """An ``nn.LSTM`` and a linear head at every step: ``(batch, time, I) -> (batch, time, C)``.

    A :class:`SequenceModel` with ``readout="every_step"``. Unidirectional, the answer at step
    ``t`` depends on ``x[:, :t+1]`` only: the model can answer online, as the inputs arrive.
    Bidirectional, the answer at ``t`` also reads ``x[:, t:]`` through the backward direction:
    it must wait for the end of the sequence.

    >>> _ = torch.manual_seed(0)
    >>> Tagger(1, 8, 2, bidirectional=True)(torch.randn(4, 10, 1)).shape
    torch.Size([4, 10, 2])
    """
    return SequenceModel(
        input_size, hidden_size, output_size, bidirectional=bidirectional, readout="every_step"
    )


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters of ``model``.

    >>> count_parameters(nn.LSTM(input_size=2, hidden_size=3))
    84
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class LearnedInitialState(nn.Module):
    """``nn.LSTM`` started from trainable ``h_0, c_0`` (each ``(layers * dirs, 1, H)``, initially
    zero) instead of zeros, the same vector for every sequence of a batch.

    Called like the ``nn.LSTM`` it wraps (``batch_first`` or not, a padded tensor or a packed
    sequence); with no state given, ``h_0`` and ``c_0`` are expanded to the batch. It can
    replace the ``rnn`` of :class:`lstmbook.models.SequenceModel` (see
    :func:`with_learned_initial_state`).

    >>> lstm = LearnedInitialState(nn.LSTM(2, 3, batch_first=True))
    >>> output, (h_n, c_n) = lstm(torch.zeros(4, 5, 2))
    >>> output.shape, h_n.shape, lstm.h_0.shape
    (torch.Size([4, 5, 3]), torch.Size([1, 4, 3]), torch.Size([1, 1, 3]))
    """

    def __init__(self, lstm: nn.LSTM) -> None:
        super().__init__()
        if not isinstance(lstm, nn.LSTM):
            raise TypeError(f"lstm must be an nn.LSTM, got {type(lstm).__name__}")
        self.lstm = lstm
        shape = (lstm.num_layers * (2 if lstm.bidirectional else 1), 1, lstm.hidden_size)
        self.h_0 = nn.Parameter(torch.zeros(shape))
        self.c_0 = nn.Parameter(torch.zeros(shape))

    def forward(self, x, state: State | None = None):
        """``self.lstm(x, state)``, with ``state`` the learned ``(h_0, c_0)`` when None."""
        if state is None:
            if isinstance(x, nn.utils.rnn.PackedSequence):
                batch = int(x.batch_sizes[0])
            else:
                batch = x.shape[0 if self.lstm.batch_first else 1]
            size = (-1, batch, -1)
            state = (self.h_0.expand(size).contiguous(), self.c_0.expand(size).contiguous())
        return self.lstm(x, state)


def with_learned_initial_state(model: nn.Module) -> nn.Module:
    """Wrap ``model.rnn`` (an ``nn.LSTM``) in :class:`LearnedInitialState`; returns ``model``.

    >>> from lstmbook.models import SequenceModel
    >>> model = with_learned_initial_state(SequenceModel(2, 4, 1))
    >>> model(torch.zeros(3, 6, 2)).shape, type(model.rnn).__name__
    (torch.Size([3]), 'LearnedInitialState')
    """
    if not isinstance(getattr(model, "rnn", None), nn.LSTM):
        raise TypeError(f"expected a model whose .rnn is an nn.LSTM, got {type(model).__name__}")
    model.rnn = LearnedInitialState(model.rnn)
    return model
