"""The exercise checkers of :mod:`lstmbook.forecast`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lstmbook.forecast import _seasonal_naive, mase, seasonal_scale


def _compare(got: object, expected: np.ndarray) -> str | None:
    """What is wrong with ``got`` as a stand-in for ``expected``, else None."""
    if not isinstance(got, np.ndarray | list | tuple | float | int):
        return f"expected an array of shape {expected.shape}, got {type(got).__name__}"
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}, got {got.shape}"
    if not np.allclose(got, expected):
        worst = int(np.argmax(np.abs(got - expected).ravel()))
        return (
            f"at index {worst} expected {expected.ravel()[worst]:.4g}, got {got.ravel()[worst]:.4g}"
        )
    return None


def check_seasonal_naive(fn: Callable) -> bool:
    """Exercise: ``fn(history, horizon, season)``, the seasonal-naive forecast after ``history``.

    >>> check_seasonal_naive(lambda history, horizon, season: history[-season:][:horizon])
    Not yet: history of 10, horizon 7, season 3: expected shape (7,), got (3,)
    False
    """
    from lstmbook.exercises import call_reader, report, require_callable

    require_callable(fn, "fn(history, horizon, season)")
    history = np.arange(10.0) ** 2
    for horizon, season in ((2, 4), (7, 3), (1, 1)):
        ok, got = call_reader(fn, history.copy(), horizon, season)
        if not ok:
            return False
        expected = _seasonal_naive(history, horizon, season)(len(history) - 1)
        wrong = _compare(got, expected)
        if wrong:
            where = f"history of 10, horizon {horizon}, season {season}"
            return report(False, "", f"{where}: {wrong}")
    return report(True, "the seasonal-naive forecast, wrapping past one season.", "")


def check_mase(fn: Callable) -> bool:
    """Exercise: ``fn(forecasts, actuals, history, season)``, MASE scaled on ``history``.

    >>> check_mase(lambda f, a, h, s: float(np.abs(f - a).mean()))
    Not yet: expected 0.5, got 1 (divide by the seasonal-naive error of the history)
    False
    """
    from lstmbook.exercises import call_reader, report, require_callable

    require_callable(fn, "fn(forecasts, actuals, history, season)")
    history = np.array([1.0, 3.0, 3.0, 5.0, 5.0, 7.0, 7.0])  # lag-2 steps of 2, lag-1 of 1
    forecasts, actuals = np.array([[7.0, 9.0]]), np.array([[8.0, 8.0]])
    expected = mase(forecasts, actuals, seasonal_scale(history, 2))
    ok, got = call_reader(fn, forecasts, actuals, history, 2)
    if not ok:
        return False
    if isinstance(got, np.ndarray) and got.shape == ():
        got = float(got)
    if not isinstance(got, float | int) or isinstance(got, bool):
        return report(False, "", f"expected a number, got {type(got).__name__}")
    if not np.isclose(got, expected):
        hint = " (divide by the seasonal-naive error of the history)" if got == 1 else ""
        return report(False, "", f"expected {expected:.4g}, got {got:.4g}{hint}")
    return report(True, f"MASE {expected:.2f}: the error over the in-sample one.", "")
