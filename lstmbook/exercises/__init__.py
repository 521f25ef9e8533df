"""The one home of the book's exercise checkers, and the one contract they all keep.

Each chapter's exercises are checked by the module named like the idea module they practise
(``lstmbook.exercises.gates`` checks what :mod:`lstmbook.gates` teaches, and so on). Every
checker ``check_x(fn)`` keeps one contract:

- it never raises for a wrong answer. For a stub that raises (``NotImplementedError`` or
  anything else), returns ``None``, returns the wrong type or a value of the wrong shape, or
  gives a wrong value, it prints one line starting ``"Not yet: "`` and returns ``False``;
- for the right answer it prints one line starting ``"Correct: "`` and returns ``True``;
- it raises ``TypeError`` only when it is given something that is not a function.

``tests/test_checkers.py`` runs this contract over every ``check_*`` of every module here. The
helpers below are what the checkers share: the reader's code run safely (:func:`call_reader`),
the verdict printed (:func:`report`), the function required (:func:`require_callable`) and a
tensor's shape compared (:func:`wrong_shape`, which imports torch only when it is called:
importing this package loads neither torch nor ipywidgets).

>>> report(True, "the right answer.", "a wrong one.")
Correct: the right answer.
True
>>> call_reader(lambda x: 1 / x, 0)
Not yet: your function raised ZeroDivisionError: division by zero
(False, None)
>>> import torch
>>> wrong_shape(None, torch.zeros(2, 3))
'expected a tensor of shape (2, 3), got NoneType'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch loads only where a tensor is checked: the NumPy chapters need none
    from torch import Tensor


def require_callable(fn: object, signature: str = "") -> None:
    """Raise ``TypeError`` unless ``fn`` is a function (or any callable).

    ``signature``, e.g. ``"(outputs, lengths) -> (batch, hidden)"``, tells the reader which.
    """
    if not callable(fn):
        expected = f"a function {signature}" if signature else "a function"
        raise TypeError(f"expected {expected}, got {type(fn).__name__}")


def report(ok: bool, correct: str, wrong: str) -> bool:
    """Print ``Correct: ...`` or ``Not yet: ...`` and return ``ok``."""
    print(f"Correct: {correct}" if ok else f"Not yet: {wrong}")
    return ok


def call_reader(fn: Callable, *args: object) -> tuple[bool, object]:
    """``(True, fn(*args))``, or ``(False, None)`` after saying what the reader's code raised."""
    require_callable(fn)
    try:
        return True, fn(*args)
    except Exception as error:  # noqa: BLE001 - a reader's bug is reported, not raised
        print(f"Not yet: your function raised {type(error).__name__}: {error}")
        return False, None


def wrong_shape(got: object, expected: Tensor) -> str | None:
    """What is wrong when ``got`` is not a tensor of ``expected``'s shape, else None."""
    from torch import Tensor

    if isinstance(got, Tensor) and got.shape == expected.shape:
        return None
    shape = tuple(got.shape) if isinstance(got, Tensor) else type(got).__name__
    return f"expected a tensor of shape {tuple(expected.shape)}, got {shape}"
