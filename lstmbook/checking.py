"""What every exercise checker shares: the reader's code run safely, and a verdict printed.

A checker never raises for a wrong answer (it prints what differs and returns False); it raises
``TypeError`` only when it is given something that is not a function.

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
