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
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lstmbook import validate
from lstmbook.checking import call_reader, report

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


def _close(got: object, expected: ArrayLike) -> bool:
    try:
        return bool(np.allclose(np.asarray(got, dtype=np.float64), expected, rtol=1e-6, atol=1e-9))
    except (TypeError, ValueError):  # None, a string, the wrong shape: not the answer
        return False


def _agrees(fn: Callable, cases: list[tuple[tuple, object, str]]) -> bool:
    """Call ``fn(*args)`` for each ``(args, expected, situation)`` case, in order.

    At the first call that raises or differs from ``expected``, print one ``Not yet`` line
    (``situation``, then what ``fn`` gave) and return False; True when every case agrees.
    """
    for args, expected, situation in cases:
        ok, got = call_reader(fn, *args)
        if not ok:
            return False
        if not _close(got, expected):
            return report(False, "", f"{situation}; you gave {got!r}.")
    return True


def check_forget_half_life(fn: Callable[[float], float]) -> bool:
    """Exercise checker: does ``fn(f)`` return the half-life of a memory with forget gate ``f``?

    Prints what it found and returns True when ``fn`` agrees with :func:`half_life` to 1e-6
    on a range of gate values.
    """
    cases = [
        ((f,), float(half_life(f)), f"for f = {f} the half-life is {half_life(f):.4g} steps")
        for f in (0.3, 0.5, 0.8, 0.9, 0.99, 0.999)
    ]
    return _agrees(fn, cases) and report(True, "memory halves after ln 0.5 / ln f steps.", "")


def check_cell_step(fn: Callable[[float, float, float, OneUnitCell], tuple[float, float]]) -> bool:
    """Exercise checker: does ``fn(x, h_prev, c_prev, cell)`` return ``(c_t, h_t)`` of one step?"""
    rng = np.random.default_rng(0)
    cases = []
    for _ in range(5):
        cell = OneUnitCell(*(tuple(rng.normal(size=4).round(2)) for _ in range(3)))
        x, h_prev, c_prev = rng.normal(size=3).round(2)
        step = cell_step(x, h_prev, c_prev, cell)
        situation = (
            f"for x={x}, h_prev={h_prev}, c_prev={c_prev} and {cell}, "
            f"(c_t, h_t) = ({step.c:.4f}, {step.h:.4f})"
        )
        cases.append(((x, h_prev, c_prev, cell), (step.c, step.h), situation))
    return _agrees(fn, cases) and report(True, "c_t = f*c_prev + i*g and h_t = o*tanh(c_t).", "")


def check_memory_design(forget_for: Callable[[int], float], hold: tuple[float, float]) -> bool:
    """Exercise checker: the forget gate for a half-life of ``n`` steps, and a memory that holds.

    ``forget_for(n)`` must return the constant forget gate whose memory halves after exactly
    ``n`` steps. ``hold = (f, i)`` must be the forget and input gates that keep the cell state
    exactly as it was, whatever the candidate. The check starts from a memory of 1 and then
    writes a candidate of -1 for ten steps: only ``f = 1`` (nothing forgotten before or after)
    with ``i = 0`` (nothing written) keeps 1. (From ``c = 0``, or with a candidate of +1, a
    wrong pair such as ``(0.5, 0.5)`` would look right.)
    """
    cases = [
        ((n,), 0.5 ** (1 / n), f"a half-life of {n} steps needs f = {0.5 ** (1 / n):.5f}")
        for n in (1, 7, 100, 1000)
    ]
    if not _agrees(forget_for, cases):
        return False
    try:
        f, i = (float(v) for v in hold)
    except (TypeError, ValueError):
        return report(False, "", f"hold should be a pair (f, i) of gate values, got {hold!r}.")
    if not (0 <= f <= 1 and 0 <= i <= 1):
        return report(False, "", f"gate values lie in [0, 1]; you gave f = {f:g}, i = {i:g}.")
    trace = memory_trace(f, i, steps=30, pulse=(10, 20), candidate=-1.0, initial=1.0)
    if not np.allclose(trace, 1.0, rtol=0, atol=1e-12):
        wrong = (
            f"with f = {f:g} and i = {i:g}, a memory of 1 that meets a candidate of -1 "
            f"becomes {trace[-1]:.3g} after 30 steps."
        )
        return report(False, "", wrong)
    right = f"f = 0.5 ** (1 / n): f = {0.5 ** (1 / 100):.5f} for 100 steps; f = 1, i = 0 holds c."
    return report(True, right, "")
