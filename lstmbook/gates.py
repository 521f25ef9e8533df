"""The pieces of an LSTM cell, one unit wide: activations, a gate, one cell step, memory decay.

Chapter 1 builds the cell from these. Every function takes scalars or NumPy arrays and works
elementwise, so a plot can pass a whole grid of inputs at once.

The equations (PyTorch's gate order i, f, g, o)::

    i_t = sigmoid(W_ii x_t + W_hi h_{t-1} + b_i)     input gate
    f_t = sigmoid(W_if x_t + W_hf h_{t-1} + b_f)     forget gate
    g_t = tanh(W_ig x_t + W_hg h_{t-1} + b_g)        candidate memory
    o_t = sigmoid(W_io x_t + W_ho h_{t-1} + b_o)     output gate
    c_t = f_t * c_{t-1} + i_t * g_t                  cell state
    h_t = o_t * tanh(c_t)                            hidden state
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lstmbook import validate

GATES = ("i", "f", "g", "o")


def _finite(name: str, value: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return array


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    """The logistic function ``1 / (1 + exp(-z))``, squashing any real number into (0, 1).

    Written as ``0.5 * (1 + tanh(z / 2))``, which is the same function and never overflows.
    ``z`` (a number or an array of numbers, converted to float64) must be finite: NaN or inf
    raise ``ValueError`` rather than pass through.

    >>> sigmoid([0.0, 2.0]).round(4)
    array([0.5   , 0.8808])
    """
    validate.array("z", z, allow_empty=True)
    z = np.asarray(z, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def gate(weight: float, bias: float, x: ArrayLike) -> NDArray[np.float64]:
    """A one-input gate: ``sigmoid(weight * x + bias)``, how far the gate is open, in (0, 1).

    ``weight`` and ``bias`` must be finite numbers, ``x`` a finite number or array.

    >>> float(gate(weight=2.0, bias=-1.0, x=0.5))
    0.5
    """
    validate.real("weight", weight)
    validate.real("bias", bias)
    validate.array("x", x, allow_empty=True)
    return sigmoid(weight * np.asarray(x, dtype=np.float64) + bias)


def half_life(forget: ArrayLike) -> NDArray[np.float64]:
    """Steps until a memory kept by a constant forget gate ``f`` has halved: ``ln 0.5 / ln f``.

    After ``n`` steps with no new input the cell state is ``f**n`` times what it was, so it
    halves when ``n = ln 0.5 / ln f``. ``f = 1`` keeps memory for ever (``inf``).

    >>> float(half_life(0.5)), float(half_life(0.9)).__round__(2)
    (1.0, 6.58)
    """
    f = _finite("forget", forget)
    if np.any((f <= 0) | (f > 1)):
        raise ValueError(f"forget must lie in (0, 1], got {forget!r}")
    with np.errstate(divide="ignore"):
        return np.where(f == 1.0, np.inf, math.log(0.5) / np.log(f))


def memory_trace(
    forget: float,
    input_gate: float,
    steps: int = 50,
    pulse: tuple[int, int] = (2, 5),
    candidate: float = 1.0,
    initial: float = 0.0,
) -> NDArray[np.float64]:
    """The cell state over time when a short input pulse arrives and then nothing more.

    ``c_t = f * c_{t-1} + i * g_t`` with constant gates ``f`` and ``i``, a candidate
    ``g_t = candidate`` for ``pulse[0] <= t < pulse[1]`` and 0 otherwise, starting from the
    memory ``c_{-1} = initial`` held before step 0.

    Returns the cell state at ``t = 0, 1, ..., steps - 1``, shape ``(steps,)``.

    >>> memory_trace(forget=0.5, input_gate=1.0, steps=6, pulse=(1, 2)).tolist()
    [0.0, 1.0, 0.5, 0.25, 0.125, 0.0625]
    >>> memory_trace(1.0, 0.0, steps=4, pulse=(1, 3), candidate=-1.0, initial=2.0).tolist()
    [2.0, 2.0, 2.0, 2.0]
    """
    f = float(_finite("forget", forget))
    i = float(_finite("input_gate", input_gate))
    if not (0 <= f <= 1 and 0 <= i <= 1):
        raise ValueError(f"gate values must lie in [0, 1], got forget={f}, input_gate={i}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    start, stop = pulse
    if not 0 <= start < stop <= steps:
        raise ValueError(f"pulse must satisfy 0 <= start < stop <= steps={steps}, got {pulse}")
    cell_state = np.zeros(steps)
    c = float(_finite("initial", initial))
    for t in range(steps):
        g = candidate if start <= t < stop else 0.0
        c = f * c + i * g
        cell_state[t] = c
    return cell_state


@dataclass
class OneUnitCell:
    """The weights of an LSTM cell with one input and one hidden unit.

    Each field holds one number per gate, in PyTorch's order ``(i, f, g, o)``. The defaults
    are chapter 1's cell explorer: every gate has its own weights, so the bars move apart. The
    input gate opens as ``x`` grows and the output gate closes; ``h_{t-1}`` opens the output
    gate and nudges the forget gate shut; the forget gate's bias of 1 keeps it mostly open.
    """

    w_x: tuple[float, float, float, float] = (2.0, -0.5, 1.0, -1.5)  # input weights W_i*
    w_h: tuple[float, float, float, float] = (0.5, -1.0, 1.0, 1.5)  # recurrent weights W_h*
    b: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 0.0)  # biases; forget bias 1

    def __post_init__(self) -> None:
        """Each field must be four finite numbers (checked when built, not at the first step)."""
        for name in ("w_x", "w_h", "b"):
            validate.array(name, getattr(self, name), shape=(4,))


class CellStep(NamedTuple):
    """Everything one cell step computes; each a float."""

    i: float
    f: float
    g: float
    o: float
    c: float
    h: float


def cell_step(
    x: float,
    h_prev: float,
    c_prev: float,
    cell: OneUnitCell | None = None,
) -> CellStep:
    """One step of a one-unit LSTM cell: the four gate values and the new ``c_t``, ``h_t``.

    >>> step = cell_step(x=0.0, h_prev=0.0, c_prev=1.0, cell=OneUnitCell(b=(0, 100, 0, 0)))
    >>> round(step.f, 6), round(step.c, 6)
    (1.0, 1.0)
    """
    for name, value in (("x", x), ("h_prev", h_prev), ("c_prev", c_prev)):
        _finite(name, value)
    cell = cell or OneUnitCell()
    w_x, w_h, b = np.array([cell.w_x, cell.w_h, cell.b], dtype=np.float64)
    z = w_x * x + w_h * h_prev + b  # the pre-activations of i, f, g, o
    i, f, o = sigmoid(z[[0, 1, 3]])
    g = math.tanh(z[2])
    c = f * c_prev + i * g
    h = o * math.tanh(c)
    return CellStep(*(float(v) for v in (i, f, g, o, c, h)))
