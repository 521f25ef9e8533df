"""One LSTM step, forward and backward, written to read like the five equations (chapter 2).

No speed tricks: the gates are cut from one stacked pre-activation in PyTorch's order i, f, g, o,
vectors are rows (``x`` is ``(batch, input)``), and the weights have ``nn.LSTM``'s layout
(``W_ih`` is ``(4H, D)``, ``W_hh`` ``(4H, H)``). ``numpy_lstm.LSTM`` computes the same, fast.

>>> rng = np.random.default_rng(0)
>>> p = {"W_ih": rng.normal(size=(8, 3)), "W_hh": rng.normal(size=(8, 2)),
...      "b_ih": np.zeros(8), "b_hh": np.zeros(8)}
>>> h, c, cache = step_forward(rng.normal(size=(5, 3)), np.zeros((5, 2)), np.zeros((5, 2)), p)
>>> h.shape, c.shape
((5, 2), (5, 2))
>>> dx, dh_prev, dc_prev, grads = step_backward(np.ones((5, 2)), np.zeros((5, 2)), cache, p)
>>> dx.shape, sorted(grads)
((5, 3), ['W_hh', 'W_ih', 'b'])
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from lstmbook import validate
from lstmbook.gates import sigmoid

Array = NDArray[np.float64]
NAMES = ("W_ih", "W_hh", "b_ih", "b_hh")


def _check(p: Mapping, *arrays: tuple[str, object], cache: object = None) -> None:
    if not isinstance(p, Mapping) or any(name not in p for name in NAMES):
        raise TypeError(f"p must be a dict with keys {', '.join(NAMES)}, got {type(p).__name__}")
    for name, value in arrays:
        width = np.shape(p["W_ih"])[1] if name == "x" else np.shape(p["W_hh"])[1]
        validate.array(name, value, shape=("batch", width))
    if cache is not None and (not isinstance(cache, tuple) or len(cache) != 8):
        raise TypeError("cache must be the tuple of 8 arrays that step_forward returned")


def step_forward(x: Array, h_prev: Array, c_prev: Array, p: Mapping):
    """``h_t, c_t`` from ``x_t, h_{t-1}, c_{t-1}``, and what the backward step needs."""
    _check(p, ("x", x), ("h_prev", h_prev), ("c_prev", c_prev))
    z = x @ p["W_ih"].T + p["b_ih"] + h_prev @ p["W_hh"].T + p["b_hh"]
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
    i = sigmoid(z_i)  # input gate
    f = sigmoid(z_f)  # forget gate
    g = np.tanh(z_g)  # candidate memory
    o = sigmoid(z_o)  # output gate
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, i, f, g, o, c)


def step_backward(dh: Array, dc: Array, cache: tuple, p: Mapping):
    """From ``dL/dh_t`` and ``dL/dc_t`` to the gradients of the step's inputs and weights."""
    _check(p, ("dh", dh), ("dc", dc), cache=cache)
    x, h_prev, c_prev, i, f, g, o, c = cache
    tanh_c = np.tanh(c)
    dc = dc + dh * o * (1 - tanh_c**2)  # h_t = o_t tanh(c_t) reads c_t
    do = dh * tanh_c
    di, df, dg = dc * g, dc * c_prev, dc * i
    dc_prev = dc * f  # the carousel: only the forget gate in the way
    dz = np.concatenate(
        [di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)],
        axis=1,
    )
    dx, dh_prev = dz @ p["W_ih"], dz @ p["W_hh"]
    grads = {"W_ih": dz.T @ x, "W_hh": dz.T @ h_prev, "b": dz.sum(axis=0)}
    return dx, dh_prev, dc_prev, grads


__all__ = ["step_backward", "step_forward"]
