r"""LSTM cells written out as small modules, and one loop that runs any of them.

Chapter 4 compares the standard LSTM with three variants named in Greff et al. (2017),
"LSTM: A Search Space Odyssey". Every cell maps one time step ``x`` of shape
``(batch, input_size)`` and a state ``(h, c)``, each ``(batch, hidden_size)``, to the next
state ``(h, c)``; :func:`run_cell` runs a cell over a whole sequence ``(batch, time, features)``.

The parameters follow PyTorch's layout: ``weight_ih (G*H, I)``, ``weight_hh (G*H, H)``,
``bias_ih (G*H,)`` and ``bias_hh (G*H,)``, gate blocks stacked in a fixed order, where ``G`` is
the number of gate blocks. Pre-activations are ``z = W_ih x + b_ih + W_hh h + b_hh``.

- :class:`LSTMCell`, the reference, ``G = 4`` in PyTorch's order ``i | f | g | o``::

      i = sigmoid(z_i)   f = sigmoid(z_f)   g = tanh(z_g)   o = sigmoid(z_o)
      c_t = f * c_{t-1} + i * g             h_t = o * tanh(c_t)

  Built with the same seed, it has exactly the weights of ``nn.LSTMCell`` (same shapes, same
  initialisation, same order), and computes the same function.
- :class:`PeepholeLSTMCell` (Gers and Schmidhuber, 2000): the same four blocks plus three
  diagonal peephole weights ``w_ci, w_cf, w_co`` of shape ``(H,)`` that let the gates see the
  cell state: ``i`` and ``f`` peek at ``c_{t-1}``, ``o`` at the new ``c_t``.
- :class:`CIFGCell`, coupled input and forget gates: ``i = 1 - f``. It has no input-gate rows:
  ``G = 3``, order ``f | g | o``.
- :class:`NoForgetGateCell` (NFG), the original 1997 LSTM: ``f = 1``, the cell state only
  accumulates. It has no forget-gate rows: ``G = 3``, order ``i | g | o``.

The variants drop the rows of the gate they do not compute rather than keep them unused, so
every parameter gets a gradient and :func:`lstmbook.models.count_parameters` counts what the
cell really uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from lstmbook.validate import one_of, positive_int

State = tuple[Tensor, Tensor]


class GatedCell(nn.Module):
    """Shared parts of the cells: the parameters, their initialisation and the pre-activations.

    Subclasses set ``GATES`` (the names of their gate blocks, in order) and write ``forward``;
    :meth:`readout` (``h = o * tanh(c)``) is the hook a cell changes to read its state otherwise.
    """

    GATES: str = "ifgo"

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        input_size = positive_int("input_size", input_size)
        hidden_size = positive_int("hidden_size", hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        G, H = len(self.GATES), hidden_size
        self.weight_ih = nn.Parameter(torch.empty(G * H, input_size))
        self.weight_hh = nn.Parameter(torch.empty(G * H, H))
        self.bias_ih = nn.Parameter(torch.empty(G * H))
        self.bias_hh = nn.Parameter(torch.empty(G * H))

    def reset_parameters(self) -> None:
        """Every parameter uniform in ``[-1/sqrt(H), 1/sqrt(H)]``, in order, as PyTorch does."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def gate_slice(self, gate: str) -> slice:
        """The rows of ``weight_ih``, ``weight_hh`` and the biases that belong to ``gate``.

        >>> CIFGCell(2, 3).gate_slice("f")
        slice(0, 3, None)
        """
        k = list(self.GATES).index(one_of("gate", gate, list(self.GATES)))  # "fg" is no gate
        return slice(k * self.hidden_size, (k + 1) * self.hidden_size)

    def initial_state(self, batch: int, like: Tensor) -> State:
        """Zeros ``(h_0, c_0)``, each ``(batch, hidden_size)``, of ``like``'s dtype and device."""
        zeros = like.new_zeros(batch, self.hidden_size)
        return zeros, zeros

    def preactivations(self, x: Tensor, h: Tensor) -> tuple[Tensor, ...]:
        """``W_ih x + b_ih + W_hh h + b_hh``, split into one ``(batch, H)`` block per gate."""
        z = F.linear(x, self.weight_ih, self.bias_ih)
        z = z + F.linear(h, self.weight_hh, self.bias_hh)
        return z.chunk(len(self.GATES), dim=-1)

    def _check(self, x: Tensor, state: State | None) -> State:
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a Tensor, got {type(x).__name__}")
        if x.dim() != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"x must have shape (batch, {self.input_size}), got {tuple(x.shape)}")
        if state is None:
            return self.initial_state(len(x), x)
        h, c = state
        expected = (len(x), self.hidden_size)
        if tuple(h.shape) != expected or tuple(c.shape) != expected:
            raise ValueError(
                f"h and c must have shape {expected}, got {tuple(h.shape)} and {tuple(c.shape)}"
            )
        return h, c

    def readout(self, o: Tensor, c: Tensor) -> Tensor:
        """The hidden state read from the new cell state: ``h = o * tanh(c)``."""
        return o * torch.tanh(c)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, gates={'|'.join(self.GATES)}"


class LSTMCell(GatedCell):
    r"""The standard LSTM cell, written out; the same function and weights as ``nn.LSTMCell``.

    .. math::

        i_t = \sigma(z_i),\; f_t = \sigma(z_f),\; g_t = \tanh(z_g),\; o_t = \sigma(z_o),\quad
        c_t = f_t c_{t-1} + i_t g_t,\quad h_t = o_t \tanh(c_t)

    Parameters: ``weight_ih (4H, I)``, ``weight_hh (4H, H)``, ``bias_ih (4H,)``,
    ``bias_hh (4H,)``, gate blocks in the order ``i | f | g | o``.

    >>> _ = torch.manual_seed(0)
    >>> cell = LSTMCell(input_size=3, hidden_size=5)
    >>> h, c = cell(torch.randn(2, 3))
    >>> h.shape, c.shape
    (torch.Size([2, 5]), torch.Size([2, 5]))
    """

    GATES = "ifgo"

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.reset_parameters()

    @classmethod
    def from_torch(cls, lstm: nn.LSTM | nn.LSTMCell) -> LSTMCell:
        """A cell with the weights of ``lstm`` (its first layer, forward direction), same dtype.

        >>> lstm = nn.LSTM(3, 5, batch_first=True)
        >>> x = torch.randn(2, 7, 3)
        >>> cell = LSTMCell.from_torch(lstm)
        >>> torch.allclose(run_cell(cell, x)[0], lstm(x)[0], rtol=1e-5, atol=1e-6)
        True
        """
        if not isinstance(lstm, nn.LSTM | nn.LSTMCell):
            raise TypeError(f"lstm must be an nn.LSTM or nn.LSTMCell, got {type(lstm).__name__}")
        suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
        if getattr(lstm, "proj_size", 0) or not lstm.bias:
            raise ValueError("lstm must have biases and no projection (proj_size=0)")
        weight = getattr(lstm, "weight_ih" + suffix)
        cell = cls(lstm.input_size, lstm.hidden_size).to(weight.dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(lstm, name + suffix))
        return cell

    def gates(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """The gates ``i, f, o`` and the candidate ``g`` of one step, each ``(batch, H)``."""
        z_i, z_f, z_g, z_o = self.preactivations(x, h)
        i, f, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.sigmoid(z_o)
        g = torch.tanh(z_g)
        return i, f, g, o

    def forward(self, x: Tensor, state: State | None = None) -> State:
        """One step: ``x (batch, I)`` and ``(h, c)`` (zeros if None) to the next ``(h, c)``."""
        h, c = self._check(x, state)
        i, f, g, o = self.gates(x, h)
        c = f * c + i * g
        h = self.readout(o, c)
        return h, c


class PeepholeLSTMCell(GatedCell):
    r"""The LSTM with peephole connections (Gers and Schmidhuber, 2000).

    .. math::

        i_t = \sigma(z_i + w_{ci} \odot c_{t-1}),\quad f_t = \sigma(z_f + w_{cf} \odot c_{t-1}),
        \quad c_t = f_t c_{t-1} + i_t g_t,\quad o_t = \sigma(z_o + w_{co} \odot c_t)

    The peepholes ``w_ci, w_cf, w_co`` are diagonal: shape ``(H,)``, one weight per unit. With
    all three zero this is :class:`LSTMCell`. Other parameters as in :class:`LSTMCell`.

    >>> _ = torch.manual_seed(0)
    >>> cell = PeepholeLSTMCell(3, 5)
    >>> tuple(cell.w_ci.shape), sum(p.numel() for p in cell.parameters())
    ((5,), 215)
    """

    GATES = "ifgo"

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.w_ci = nn.Parameter(torch.empty(hidden_size))
        self.w_cf = nn.Parameter(torch.empty(hidden_size))
        self.w_co = nn.Parameter(torch.empty(hidden_size))
        self.reset_parameters()

    def forward(self, x: Tensor, state: State | None = None) -> State:
        """One step: ``x (batch, I)`` and ``(h, c)`` (zeros if None) to the next ``(h, c)``."""
        h, c_prev = self._check(x, state)
        z_i, z_f, z_g, z_o = self.preactivations(x, h)
        i = torch.sigmoid(z_i + self.w_ci * c_prev)
        f = torch.sigmoid(z_f + self.w_cf * c_prev)
        g = torch.tanh(z_g)
        c = f * c_prev + i * g
        o = torch.sigmoid(z_o + self.w_co * c)
        h = self.readout(o, c)
        return h, c


class CIFGCell(GatedCell):
    r"""Coupled input and forget gate: ``i = 1 - f``, so memory is written only as it is forgotten.

    .. math::

        f_t = \sigma(z_f),\quad c_t = f_t c_{t-1} + (1 - f_t) g_t,\quad h_t = o_t \tanh(c_t)

    No input-gate rows: ``weight_ih (3H, I)``, ``weight_hh (3H, H)``, biases ``(3H,)``, gate
    blocks in the order ``f | g | o``.

    >>> CIFGCell(3, 5).weight_ih.shape
    torch.Size([15, 3])
    """

    GATES = "fgo"

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.reset_parameters()

    def forward(self, x: Tensor, state: State | None = None) -> State:
        """One step: ``x (batch, I)`` and ``(h, c)`` (zeros if None) to the next ``(h, c)``."""
        h, c = self._check(x, state)
        z_f, z_g, z_o = self.preactivations(x, h)
        f, g, o = torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)
        c = f * c + (1.0 - f) * g
        h = self.readout(o, c)
        return h, c


class NoForgetGateCell(GatedCell):
    r"""No forget gate (NFG): ``f = 1``, the LSTM of Hochreiter and Schmidhuber (1997).

    .. math::

        c_t = c_{t-1} + i_t g_t,\quad h_t = o_t \tanh(c_t)

    The cell state can only accumulate; nothing resets it within a sequence. No forget-gate
    rows: ``weight_ih (3H, I)``, ``weight_hh (3H, H)``, biases ``(3H,)``, order ``i | g | o``.

    >>> NoForgetGateCell(3, 5).weight_hh.shape
    torch.Size([15, 5])
    """

    GATES = "igo"

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.reset_parameters()

    def forward(self, x: Tensor, state: State | None = None) -> State:
        """One step: ``x (batch, I)`` and ``(h, c)`` (zeros if None) to the next ``(h, c)``."""
        h, c = self._check(x, state)
        z_i, z_g, z_o = self.preactivations(x, h)
        i, g, o = torch.sigmoid(z_i), torch.tanh(z_g), torch.sigmoid(z_o)
        c = c + i * g
        h = self.readout(o, c)
        return h, c


#: The ``epsilon`` under the square root of every layer norm here, as in ``nn.LayerNorm``.
EPS = 1e-5


class LayerNormLSTMCell(LSTMCell):
    r"""An LSTM cell with layer normalisation (Ba, Kiros and Hinton, 2016).

    .. math::

        z = \mathrm{LN}(W_{ih} x_t; \alpha_{ih}) + \mathrm{LN}(W_{hh} h_{t-1}; \alpha_{hh})
        + b_{ih} + b_{hh},\quad c_t = f_t c_{t-1} + i_t g_t,\quad
        h_t = o_t \tanh(\mathrm{LN}(c_t; \alpha_c, \beta_c))

    The two gate-side norms run over all ``4H`` pre-activations together, as in the paper. Their
    bias (the paper's :math:`\beta_1, \beta_2`) would only add to the gate bias
    ``b_ih + b_hh``, so they have a gain and no bias of their own.

    Parameters: ``weight_ih (4H, I)``, ``weight_hh (4H, H)``, ``bias_ih (4H,)``,
    ``bias_hh (4H,)`` (blocks ``i | f | g | o``, as in :class:`lstmbook.cells.LSTMCell`), gains
    ``gain_ih (4H,)``, ``gain_hh (4H,)``, ``gain_c (H,)`` and ``bias_c (H,)``. Initialisation:
    weights uniform in ``[-1/sqrt(H), 1/sqrt(H)]`` as PyTorch's, every gain 1, every bias 0.

    One step maps ``x (batch, input_size)`` and ``(h, c)``, each ``(batch, hidden_size)``
    (zeros if None), to the next ``(h, c)``; :func:`lstmbook.cells.run_cell` runs it over a
    sequence ``(batch, time, features)``.

    >>> _ = torch.manual_seed(0)
    >>> cell = LayerNormLSTMCell(input_size=3, hidden_size=5)
    >>> h, c = cell(torch.randn(2, 3))
    >>> h.shape, c.shape, bool(h.abs().max() < 1)
    (torch.Size([2, 5]), torch.Size([2, 5]), True)
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        # GatedCell's, not LSTMCell's: the gains must exist before reset_parameters runs
        GatedCell.__init__(self, input_size, hidden_size)
        G, H = len(self.GATES), hidden_size
        self.gain_ih = nn.Parameter(torch.empty(G * H))
        self.gain_hh = nn.Parameter(torch.empty(G * H))
        self.gain_c = nn.Parameter(torch.empty(H))
        self.bias_c = nn.Parameter(torch.empty(H))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weights uniform in ``[-1/sqrt(H), 1/sqrt(H)]``; gains 1; biases 0."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        nn.init.uniform_(self.weight_ih, -bound, bound)
        nn.init.uniform_(self.weight_hh, -bound, bound)
        for bias in (self.bias_ih, self.bias_hh, self.bias_c):
            nn.init.zeros_(bias)
        for gain in (self.gain_ih, self.gain_hh, self.gain_c):
            nn.init.ones_(gain)

    def preactivations(self, x: Tensor, h: Tensor) -> tuple[Tensor, ...]:
        """``LN(W_ih x) + LN(W_hh h) + b_ih + b_hh``, one ``(batch, H)`` block per gate."""
        n = (len(self.GATES) * self.hidden_size,)  # all 4H together
        W_ih_x, W_hh_h = F.linear(x, self.weight_ih), F.linear(h, self.weight_hh)
        z_x = F.layer_norm(W_ih_x, n, self.gain_ih, None, EPS)
        z_h = F.layer_norm(W_hh_h, n, self.gain_hh, None, EPS)
        z = z_x + z_h + self.bias_ih + self.bias_hh
        return z.chunk(len(self.GATES), dim=-1)

    def readout(self, o: Tensor, c: Tensor) -> Tensor:
        """``h = o * tanh(LN(c; gain_c, bias_c))``: the cell state is normalised before tanh."""
        c_hat = F.layer_norm(c, (self.hidden_size,), self.gain_c, self.bias_c, EPS)
        return o * torch.tanh(c_hat)


#: Every cell by name: :func:`lstmbook.models.cell_model` builds a model around one.
CELLS: dict[str, type[GatedCell]] = {
    "lstm": LSTMCell,
    "peephole": PeepholeLSTMCell,
    "cifg": CIFGCell,
    "nfg": NoForgetGateCell,
    "ln-lstm": LayerNormLSTMCell,
}


def run_cell(
    cell: Callable[[Tensor, State | None], State],
    x: Tensor,
    state: State | None = None,
) -> tuple[Tensor, State]:
    """Run ``cell`` over every step of ``x`` (batch, time, features), as ``nn.LSTM`` does.

    A plain Python loop: ``(h, c) = cell(x[:, t], (h, c))`` for ``t = 0 .. T-1``, from
    ``state`` (zeros when None). Returns ``output`` of shape ``(batch, time, hidden)``, the
    ``h`` of every step, and the final state ``(h_T, c_T)``, each ``(batch, hidden)``.
    (``nn.LSTM`` returns its final state with a leading ``layers * directions`` axis.)

    >>> _ = torch.manual_seed(0)
    >>> output, (h, c) = run_cell(CIFGCell(2, 4), torch.randn(3, 7, 2))
    >>> output.shape, h.shape, torch.equal(output[:, -1], h)
    (torch.Size([3, 7, 4]), torch.Size([3, 4]), True)
    """
    _check_input(cell, x)
    outputs = []
    for t in range(x.shape[1]):
        state = cell(x[:, t], state)
        outputs.append(state[0])
    return torch.stack(outputs, dim=1), state


def _check_input(cell: Callable[[Tensor, State | None], State], x: Tensor) -> None:
    """``x`` for :func:`run_cell`: a finite ``(batch, time >= 1, features)`` tensor whose dtype
    is the cell's (a float64 ``x`` into a float32 cell is refused, not converted)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a Tensor, got {type(x).__name__}")
    if x.dim() != 3 or x.shape[1] < 1:
        raise ValueError(f"x must have shape (batch, time >= 1, features), got {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x must be finite, got NaN or inf")
    weight = next(cell.parameters(), None) if isinstance(cell, nn.Module) else None
    if weight is not None and x.dtype != weight.dtype:
        raise TypeError(f"x must be {weight.dtype} like the cell, got {x.dtype}: use x.to(dtype)")


class CellLayer(nn.Module):
    """A cell and :func:`run_cell` as one layer, called like a batch-first ``nn.LSTM``:
    ``x (batch, time, I) -> (output (batch, time, H), (h_T, c_T))``.

    >>> layer = CellLayer(PeepholeLSTMCell(2, 4))
    >>> output, (h, c) = layer(torch.zeros(3, 6, 2))
    >>> output.shape, h.shape
    (torch.Size([3, 6, 4]), torch.Size([3, 4]))
    """

    def __init__(self, cell: GatedCell) -> None:
        super().__init__()
        if not isinstance(cell, GatedCell):
            raise TypeError(f"cell must be a GatedCell, got {type(cell).__name__}")
        self.cell = cell
        self.input_size, self.hidden_size = cell.input_size, cell.hidden_size

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """:func:`run_cell` of this layer's cell over ``x``, from ``state`` (zeros if None)."""
        return run_cell(self.cell, x, state)
