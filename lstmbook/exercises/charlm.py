"""The exercise checkers of :mod:`lstmbook.charlm`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from lstmbook.charlm import heading_feature


def _as_floats(got: object, shape: tuple[int, ...]) -> NDArray[np.float64] | None:
    if got is None or isinstance(got, str):
        return None
    try:
        out = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return out if out.shape == shape else None


def _reader_floats(fn, args: tuple, shape: tuple[int, ...], expected: str):
    """The reader's ``fn(*args)`` as floats of ``shape``; None after one ``Not yet`` line: what
    it raised, or ``expected`` (e.g. "one number") and what came instead."""
    from lstmbook.exercises import call_reader, report

    ok, got = call_reader(fn, *args)
    if not ok:
        return None
    value = _as_floats(got, shape)
    if value is None:
        shape = getattr(got, "shape", "")
        report(False, "", f"expected {expected}, got {type(got).__name__}{shape}")
    return value


def check_bits_per_char(fn) -> bool:
    """Exercise checker: ``fn(p)`` should return the bits per character of a text from ``p``,
    the probabilities a model gave to each character that really came next."""
    from lstmbook.exercises import report

    cases = [np.array([0.5, 0.25, 0.125]), np.full(10, 1 / 84), np.array([1.0, 0.5])]
    for p in cases:
        value = _reader_floats(fn, (p.copy(),), (), "one number")
        if value is None:
            return False
        want = float(-np.log2(p).mean())
        if not math.isclose(float(value), want, rel_tol=1e-9, abs_tol=1e-12):
            return report(
                False,
                "",
                f"for p = {p.round(4).tolist()[:3]} expected {want:.4f}, got {float(value):.4f}",
            )
    return report(True, "the mean of -log2 p over the characters.", "")


def check_temperature(fn) -> bool:
    """Exercise checker: ``fn(logits, temperature)`` should return ``softmax(logits / T)``."""
    from lstmbook.exercises import report

    logits = np.array([2.0, 1.0, 0.0, -1.0, 800.0 / 1000])
    for t in (1.0, 0.5, 2.0, 0.001):
        p = _reader_floats(fn, (logits.copy(), t), logits.shape, f"{len(logits)} probabilities")
        if p is None:
            return False
        z = logits / t
        want = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        if not np.allclose(p, want, atol=1e-9):
            return report(
                False,
                "",
                f"at temperature {t} expected {want.round(3).tolist()}, got {p.round(3).tolist()}",
            )
    return report(True, "softmax(logits / T), stable even at T = 0.001.", "")


def check_heading_feature(fn) -> bool:
    """Exercise checker: ``fn(text)`` should mark the characters of heading lines (``#``)."""
    from lstmbook.exercises import report

    cases = ["## ACT I\n\n## SCENE I. Rome.\n\n**BRUTUS**  \nPeace!", "# Macbeth", "No # here\n#x"]
    for text in cases:
        want = heading_feature(text)
        value = _reader_floats(fn, (text,), want.shape, f"{len(text)} numbers for {text!r}")
        if value is None:
            return False
        if not np.array_equal(value, want):
            wrong = int(np.flatnonzero(value != want)[0])
            return report(
                False,
                "",
                f"in {text!r} character {wrong} ({text[wrong]!r}) should be "
                f"{want[wrong]:g}, got {value[wrong]:g}",
            )
    return report(True, "every character of a heading line, and nothing else.", "")
