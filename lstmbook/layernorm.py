r"""The layer-normalised LSTM cell of Ba, Kiros and Hinton (2016), "Layer Normalization".

Layer normalisation rescales a vector of pre-activations to mean 0 and variance 1 *across its
features*, for each example and each time step separately, then applies a learned gain and bias:

.. math::

    \mathrm{LN}(z; \alpha, \beta) = \alpha \odot \frac{z - \mu(z)}{\sqrt{\sigma^2(z) + \epsilon}}
    + \beta, \qquad \mu(z) = \frac{1}{n}\sum_k z_k,\quad
    \sigma^2(z) = \frac{1}{n}\sum_k (z_k - \mu(z))^2 .

Unlike batch normalisation it needs no batch statistics, so a recurrent cell can apply it at
every step. :class:`LayerNormLSTMCell` normalises the input and the recurrent contributions to
the ``4H`` gate pre-activations separately, and the cell state before the output ``tanh``::

    z = LN(W_ih x; a_ih) + LN(W_hh h; a_hh) + b_ih + b_hh        (4H,  order i | f | g | o)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), tanh(z_g), sigmoid(z_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(LN(c_t; a_c, b_c))

The cell follows the interface of :mod:`lstmbook.cells` (``cell(x, (h, c)) -> (h, c)``, the
parameters ``weight_ih, weight_hh, bias_ih, bias_hh`` in PyTorch's layout), so
:func:`lstmbook.cells.run_cell` runs it over a sequence and
:func:`lstmbook.variants.set_forget_bias` sets its forget-gate bias.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from lstmbook.cells import CellModel, GatedCell, LSTMCell, State
from lstmbook.checking import call_reader, require_callable, wrong_shape

#: The ``epsilon`` under the square root of every layer norm here, as in ``nn.LayerNorm``.
EPS = 1e-5


class LayerNormLSTMCell(GatedCell):
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

    GATES = "ifgo"

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
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

    def forward(self, x: Tensor, state: State | None = None) -> State:
        """One step: ``x (batch, I)`` and ``(h, c)`` (zeros if None) to the next ``(h, c)``."""
        h, c = self._check(x, state)
        z_i, z_f, z_g, z_o = self.preactivations(x, h)
        i, f, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.sigmoid(z_o)
        g = torch.tanh(z_g)
        c = f * c + i * g
        H = (self.hidden_size,)
        c_hat = F.layer_norm(c, H, self.gain_c, self.bias_c, EPS)
        h = o * torch.tanh(c_hat)
        return h, c


def cell_model(name: str, input_size: int, hidden_size: int, output_size: int) -> CellModel:
    """A :class:`CellModel` with a standard (``"lstm"``) or layer-normalised (``"ln-lstm"``) cell.

    Both run in the same Python loop, so their speed and results compare like for like.

    >>> _ = torch.manual_seed(0)
    >>> type(cell_model("ln-lstm", 1, 4, 2).rnn.cell).__name__
    'LayerNormLSTMCell'
    """
    cells: dict[str, type[GatedCell]] = {"lstm": LSTMCell, "ln-lstm": LayerNormLSTMCell}
    if name not in cells:
        raise ValueError(f"name must be one of {sorted(cells)}, got {name!r}")
    return CellModel(cells[name](input_size, hidden_size), output_size)


# Exercise checker --------------------------------------------------------------------------------


def check_layer_norm(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> bool:
    """Exercise checker: ``fn(z, gain, bias)`` should layer-normalise ``z (batch, n)``.

    Expected: ``gain * (z - mean) / sqrt(var + 1e-5) + bias``, the mean and the (biased)
    variance taken over the last axis of each row, as ``torch.nn.functional.layer_norm``.
    Prints "Correct: ..." and returns True, or says what differs and returns False.
    """
    require_callable(fn)
    generator = torch.Generator().manual_seed(0)
    z = 3.0 + 2.0 * torch.randn(4, 12, generator=generator, dtype=torch.float64)
    gain = torch.rand(12, generator=generator, dtype=torch.float64) + 0.5
    bias = torch.randn(12, generator=generator, dtype=torch.float64)
    expected = F.layer_norm(z, (12,), gain, bias, EPS)
    ok, got = call_reader(fn, z, gain, bias)
    if not ok:
        return False
    if problem := wrong_shape(got, expected):
        print(f"Not yet: {problem}.")
        return False
    if torch.allclose(got.double(), expected, rtol=1e-5, atol=1e-6):
        print("Correct: each row has mean 0 and variance 1 before the gain and the bias.")
        return True
    unbiased = F.layer_norm(z, (12,), None, None, EPS) * (11 / 12) ** 0.5 * gain + bias
    if torch.allclose(got.double(), unbiased, rtol=1e-4, atol=1e-5):
        print("Not yet: use the biased variance (divide by n, torch.var(..., unbiased=False)).")
        return False
    per_column = gain * (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + EPS) + bias
    if torch.allclose(got.double(), per_column, rtol=1e-4, atol=1e-5):
        print("Not yet: normalise each row over its features (dim=-1), not over the batch.")
        return False
    print("Not yet: the values differ from torch.nn.functional.layer_norm.")
    return False
