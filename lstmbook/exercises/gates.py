"""The exercise checkers of :mod:`lstmbook.gates`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from lstmbook.exercises import call_reader, report
from lstmbook.gates import OneUnitCell, cell_step, half_life, memory_trace


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
