"""The exercise checkers of :mod:`lstmbook.data`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from lstmbook.data import adding_problem
from lstmbook.exercises import call_reader, require_callable


def check_adding_baseline(fn: Callable[[NDArray], float]) -> bool:
    """Exercise checker: ``fn(y)`` should return the MSE of the best constant prediction on ``y``.

    The best constant is the mean of ``y``, so the answer is ``y``'s variance (about 1/24 for the
    adding problem). Prints "Correct: ..." and returns True, or prints what differs and returns
    False; raises ``TypeError`` if ``fn`` is not callable.
    """
    require_callable(fn)
    _, y = adding_problem(500, T=20, seed=123)
    expected = float(np.mean((y - y.mean()) ** 2))
    ok, got = call_reader(lambda y: float(fn(y)), y)  # a non-number answer is reported too
    if not ok:
        return False
    if abs(got - expected) <= 1e-6 * expected:
        print(f"Correct: {got:.5f}, the variance of y (predict its mean), near 1/24 = 0.04167.")
        return True
    if abs(got - float(np.mean((y - 0.5) ** 2))) <= 1e-6 * expected:
        print(f"Not yet: {got:.5f} is the MSE of predicting 0.5; is 0.5 the best constant here?")
        return False
    print(
        f"Not yet: on 500 seeded targets the best constant's MSE is {expected:.5f}, got {got:.5f}."
    )
    return False
