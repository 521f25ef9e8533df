"""The character network: one-hot characters through an LSTM, GRU or plain RNN to logits over
the next character (chapter 7).

- :class:`CharNet`: the network; ``forward(ids, state)`` returns logits and the final state;
- :func:`chunk_loss`: the loss of one training step of :func:`lstmbook.charlm.fit_char_lm`;
- :func:`matched_hidden_size`: the hidden size that gives a plain RNN or a GRU as many
  parameters as an LSTM, for a fair comparison.

>>> net = CharNet(vocab_size=5, hidden_size=8)
>>> logits, (h, c) = net(torch.zeros(2, 3, dtype=torch.long))
>>> tuple(logits.shape), tuple(h.shape)
((2, 3, 5), (1, 2, 8))
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from lstmbook import validate

CELLS = ("lstm", "gru", "rnn")


class CharNet(nn.Module):
    """One-hot characters -> ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (tanh) -> a linear readout.

    ``forward(ids (B, T), state)`` returns logits ``(B, T, vocab)`` and the final state: a pair
    ``(h, c)`` for the LSTM, the hidden state ``h`` for the others.
    """

    def __init__(self, vocab_size: int, hidden_size: int, cell: str = "lstm", num_layers: int = 1):
        validate.positive_int("vocab_size", vocab_size)
        validate.positive_int("hidden_size", hidden_size)
        validate.one_of("cell", cell, CELLS)
        validate.positive_int("num_layers", num_layers)
        super().__init__()
        kind = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.vocab_size, self.cell = vocab_size, cell
        self.rnn = kind(vocab_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: Tensor, state=None):
        x = F.one_hot(ids, self.vocab_size).to(self.out.weight.dtype)
        y, state = self.rnn(x, state)
        return self.out(y), state


def chunk_loss(net: CharNet, ids: Tensor, state=None) -> tuple[Tensor, object]:
    """Mean cross-entropy (nats) of predicting ``ids[:, 1:]`` from ``ids[:, :-1]``, and the state.

    This is the loss of one step of :func:`fit_char_lm`'s training: ``ids (B, T + 1)`` is one
    chunk of every row with one character of overlap, read from ``state``.
    """
    if not isinstance(ids, Tensor) or ids.dtype != torch.long or ids.dim() != 2:
        raise ValueError(
            "ids must be a long tensor of shape (batch, time + 1), got "
            + (f"{ids.dtype} of shape {tuple(ids.shape)}" if isinstance(ids, Tensor) else "")
            + ("" if isinstance(ids, Tensor) else type(ids).__name__)
        )
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= net.vocab_size):
        raise ValueError(f"ids must be in 0 .. {net.vocab_size - 1} (the net's vocabulary)")
    logits, state = net(ids[:, :-1], state)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
    return loss, state


def matched_hidden_size(cell: str, n_parameters: int, vocab_size: int) -> int:
    """The hidden size at which a one-layer :class:`CharNet` of ``cell`` has closest to
    ``n_parameters`` parameters.

    A layer of ``g`` gate blocks (LSTM 4, GRU 3, RNN 1) with hidden size ``H`` and ``V`` input
    characters has ``g * (H * V + H * H + 2 * H)`` weights and biases, and the readout
    ``H * V + V``.

    >>> from lstmbook.models import count_parameters
    >>> n = count_parameters(CharNet(60, 128, "lstm"))
    >>> matched_hidden_size("lstm", n, 60), matched_hidden_size("gru", n, 60)
    (128, 150)
    """
    validate.one_of("cell", cell, CELLS)
    validate.positive_int("n_parameters", n_parameters)
    validate.positive_int("vocab_size", vocab_size)
    g = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    a, b, c = g, g * vocab_size + 2 * g + vocab_size, vocab_size - n_parameters
    root = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)

    def size(h: int) -> int:
        return g * (h * vocab_size + h * h + 2 * h) + h * vocab_size + vocab_size

    return min(
        (max(1, math.floor(root)), math.ceil(root)), key=lambda h: abs(size(h) - n_parameters)
    )
