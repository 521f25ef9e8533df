"""The source article's LSTM cell: four weight matrices, each applied to ``[x, h_prev]`` (ch. 2).

:class:`FourMatrixCell` follows the source's code (vectors as rows, one matrix and one bias per
gate, a clipped sigmoid), forward only, as the source has no backward pass. Chapter 2 starts
from it, turns it into the fused layer with
:meth:`LSTM.from_four_matrix_cell <lstmbook.numpy_lstm.LSTM.from_four_matrix_cell>`, and
:mod:`lstmbook.bench` times it.
"""

from __future__ import annotations

import numpy as np

from lstmbook.numpy_lstm import Array, State, _Layer


def _source_sigmoid(x: Array) -> Array:
    """The source's sigmoid: the input clipped to [-250, 250], so that ``exp`` never overflows."""
    return 1 / (1 + np.exp(-np.clip(x, -250, 250)))


class FourMatrixCell(_Layer):
    """The source article's LSTM cell: four weight matrices, each applied to ``[x, h_prev]``.

    It follows the source's code: vectors are rows, ``x`` has shape ``(batch, input_size)``,
    ``h`` and ``c`` have shape ``(batch, hidden_size)``, and each gate computes
    ``np.dot(np.concatenate([x, h_prev], axis=1), W) + b`` with its own weight ``W`` of shape
    ``(input_size + hidden_size, hidden_size)`` and bias ``b`` of shape ``(1, hidden_size)``:
    ``W_f, W_i, W_c, W_o`` and ``b_f, b_i, b_c, b_o`` (``c`` is the candidate memory, which
    PyTorch calls ``g``). The weights are standard normal times 0.01 and the biases zero, as in
    the source (which draws from NumPy's global generator; here ``seed`` seeds a generator of
    its own), and the sigmoid clips its input to [-250, 250] as the source's does. Forward only:
    the source has no backward pass.

    >>> cell = FourMatrixCell(3, 2, seed=0)
    >>> h, c = cell.forward(np.ones((1, 3)), np.zeros((1, 2)), np.zeros((1, 2)))
    >>> h.shape, c.shape, cell.W_f.shape, cell.b_f.shape
    ((1, 2), (1, 2), (5, 2), (1, 2))
    """

    def _init_parameters(self, rng: np.random.Generator) -> None:
        dtype, hidden_size = self.dtype, self.hidden_size
        shape = (self.input_size + hidden_size, hidden_size)
        # As in the source: standard normal weights times 0.01, zero biases of shape (1, H).
        self.W_f = (rng.standard_normal(shape) * 0.01).astype(dtype)
        self.W_i = (rng.standard_normal(shape) * 0.01).astype(dtype)
        self.W_c = (rng.standard_normal(shape) * 0.01).astype(dtype)
        self.W_o = (rng.standard_normal(shape) * 0.01).astype(dtype)
        self.b_f = np.zeros((1, hidden_size), dtype=dtype)
        self.b_i = np.zeros((1, hidden_size), dtype=dtype)
        self.b_c = np.zeros((1, hidden_size), dtype=dtype)
        self.b_o = np.zeros((1, hidden_size), dtype=dtype)

    def forward(self, x: Array, h_prev: Array, c_prev: Array) -> State:
        """One step: ``x`` ``(batch, input_size)``, state ``(batch, hidden_size)`` -> ``(h, c)``."""
        combined = np.concatenate([x, h_prev], axis=1)  # (batch, input + hidden)
        f = _source_sigmoid(np.dot(combined, self.W_f) + self.b_f)  # forget gate
        i = _source_sigmoid(np.dot(combined, self.W_i) + self.b_i)  # input gate
        c_tilde = np.tanh(np.dot(combined, self.W_c) + self.b_c)  # candidate
        c = f * c_prev + i * c_tilde
        o = _source_sigmoid(np.dot(combined, self.W_o) + self.b_o)  # output gate
        h = o * np.tanh(c)
        return h, c

    def forward_sequence(self, X: Array) -> Array:
        """The cell looped over time from a zero state, as the source's ``SimpleLSTM`` does.

        ``X`` has shape ``(batch, time, input_size)``; returns ``H`` ``(batch, time, hidden_size)``.
        """
        batch, time, _ = X.shape
        h = np.zeros((batch, self.hidden_size), dtype=self.W_f.dtype)
        c = np.zeros_like(h)
        H = np.empty((batch, time, self.hidden_size), dtype=h.dtype)
        for t in range(time):
            h, c = self.forward(X[:, t], h, c)
            H[:, t] = h
        return H
