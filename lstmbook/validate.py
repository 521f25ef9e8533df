"""Checks for the public entry points: each names the argument, what was expected and what came.

Every public function and class of ``lstmbook`` checks its arguments with these, once, before any
work; internal helpers trust their callers. Each check returns the value it accepted (converted
where the conversion is lossless and documented: a NumPy float64 array becomes the model's dtype,
an ``np.int64`` a Python ``int``), or raises ``TypeError`` (wrong kind of thing) or ``ValueError``
(right kind, wrong value). NumPy only: torch is imported inside ``tensor`` alone.

What is converted, and what is refused (the same rule everywhere):

- converted: float data of another precision (a reader's float64 NumPy array) to the model's
  dtype; lists and NumPy arrays to tensors; NumPy integers to ``int``; integer labels and token
  ids to ``torch.long``;
- refused: NaN or inf, a wrong rank or feature size, targets whose shape would broadcast,
  mismatched lengths, empty data, zero or negative sizes, a ``bool`` where a number or a flag
  string where a ``bool`` is expected, one string where a list of strings is expected, unknown
  option strings, and optimiser settings that would give NaN or reverse the gradient.

Config dataclasses (``TrainConfig``, ``TextConfig``, ``Budget``) check their fields when built
(``__post_init__``), so a bad setting fails where it is written, not inside training.

>>> positive_int("hidden_size", 8)
8
>>> positive_int("hidden_size", 0)
Traceback (most recent call last):
...
ValueError: hidden_size must be an int >= 1, got 0
>>> one_of("mode", "fast", ("parallel", "sequential"))
Traceback (most recent call last):
...
ValueError: mode must be one of 'parallel', 'sequential', got 'fast'
>>> array("x", [[1.0, 2.0]], shape=("batch", 3))
Traceback (most recent call last):
...
ValueError: x must have shape (batch, 3), got (1, 2)
>>> strings("texts", "a review")
Traceback (most recent call last):
...
TypeError: texts must be a list of strings, got one str (wrap it in a list: [text])
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence, Sized
from typing import Any

import numpy as np

Shape = Sequence[int | str | None]


def _got(value: object) -> str:
    if isinstance(value, (bool, numbers.Number, str)):
        return repr(value)
    return type(value).__name__


def positive_int(name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an ``int`` of at least ``minimum`` (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {_got(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite ``float`` within ``[low, high]`` (open ends where asked)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_got(value)}")
    value = float(value)
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    interval = (
        f"in {left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
    )
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be a finite number {interval}, got {value}")
    return value


def probability(name: str, value: object, *, open_ends: bool = False) -> float:
    """``value`` in ``[0, 1]`` (in ``(0, 1)`` with ``open_ends``)."""
    return real(name, value, low=0.0, high=1.0, low_open=open_ends, high_open=open_ends)


def boolean(name: str, value: object) -> bool:
    """``value`` if it is a ``bool`` (``'no'`` and ``1`` are refused, not read as truth)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_got(value)}")
    return bool(value)


def one_of(name: str, value: object, options: Iterable[object]) -> Any:
    """``value`` if it is one of ``options``."""
    options = tuple(options)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {listed}, got {_got(value)}")
    return value


def strings(name: str, value: object, *, allow_empty: bool = False) -> list[str]:
    """``value`` as a list of strings; one bare string is refused rather than split into letters."""
    if isinstance(value, str):
        raise TypeError(
            f"{name} must be a list of strings, got one str (wrap it in a list: [text])"
        )
    if not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of strings, got {_got(value)}")
    value = list(value)
    bad = [i for i, item in enumerate(value) if not isinstance(item, str)]
    if bad:
        raise TypeError(
            f"{name} must be a list of strings, "
            f"got {type(value[bad[0]]).__name__} at index {bad[0]}"
        )
    if not value and not allow_empty:
        raise ValueError(f"{name} must not be empty, got an empty list")
    return value


def text(name: str, value: object, *, min_length: int = 1) -> str:
    """``value`` if it is a string of at least ``min_length`` characters."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {_got(value)}")
    if len(value) < min_length:
        raise ValueError(f"{name} must have at least {min_length} characters, got {len(value)}")
    return value


def same_length(**named: Sized) -> int:
    """The common length of the named sequences, or ``ValueError`` listing each length.

    >>> same_length(texts=["a", "b"], labels=[0])
    Traceback (most recent call last):
    ...
    ValueError: texts and labels must have the same length, got 2 and 1
    """
    lengths = {key: len(value) for key, value in named.items()}
    if len(set(lengths.values())) > 1:
        keys = " and ".join(lengths)
        got = " and ".join(str(n) for n in lengths.values())
        raise ValueError(f"{keys} must have the same length, got {got}")
    return next(iter(lengths.values()))


def _shape_text(shape: Shape) -> str:
    parts = ["?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def _check_shape(name: str, got: tuple[int, ...], shape: Shape | None) -> None:
    if shape is None:
        return
    fits = len(got) == len(shape) and all(
        not isinstance(s, int) or s == g for s, g in zip(shape, got, strict=True)
    )
    if not fits:
        raise ValueError(f"{name} must have shape {_shape_text(shape)}, got {tuple(got)}")


def _check_form(
    name: str, dtype: object, real: bool, got: tuple[int, ...], shape: Shape | None, empty: bool
) -> None:
    """What :func:`array` and :func:`tensor` both check, in order: real numbers (``real``, else
    ``dtype`` is named), the ``shape``, and not empty unless ``empty`` is allowed."""
    if not real:
        raise TypeError(f"{name} must hold real numbers, got dtype {dtype}")
    _check_shape(name, got, shape)
    if math.prod(got) == 0 and not empty:
        raise ValueError(f"{name} must not be empty, got shape {got}")


def _check_finite(name: str, bad: int) -> None:
    """Refuse ``bad`` NaN or inf values (both :func:`array` and :func:`tensor` count them)."""
    if bad:
        raise ValueError(f"{name} must be finite, got {bad} NaN or inf value(s)")


def array(
    name: str,
    value: object,
    *,
    shape: Shape | None = None,
    dtype: Any = None,
    finite: bool = True,
    allow_empty: bool = False,
) -> np.ndarray:
    """``value`` as a real NumPy array of the given ``shape``.

    ``shape`` lists each axis: an int is a required size, a name or ``None`` any size. With
    ``dtype`` the array is converted to it (integers and floats only; strings, objects and
    complex numbers are refused). NaN and inf are refused unless ``finite=False``.
    """
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {_got(value)}")
    try:
        result = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    real = result.dtype.kind in "iuf"  # ints and floats: not bool, complex, str or object
    _check_form(name, result.dtype, real, result.shape, shape, allow_empty)
    if dtype is not None:
        result = result.astype(dtype, copy=False)
    if finite and np.issubdtype(result.dtype, np.floating):
        _check_finite(name, int((~np.isfinite(result)).sum()))
    return result


def tensor(
    name: str,
    value: object,
    *,
    shape: Shape | None = None,
    dtype: Any = None,
    finite: bool = True,
    allow_empty: bool = False,
) -> Any:
    """``value`` as a torch tensor of the given ``shape`` (a NumPy array or list is converted).

    Float data is converted to ``dtype`` (default ``torch.get_default_dtype()``), so a reader's
    float64 NumPy array meets a float32 model; pass ``dtype=torch.long`` for labels or token ids,
    which must then be integers.
    """
    import torch

    dtype = torch.get_default_dtype() if dtype is None else dtype
    if isinstance(value, torch.Tensor):
        real = not value.is_complex() and value.dtype != torch.bool
        _check_form(name, value.dtype, real, tuple(value.shape), shape, allow_empty)
        result = value
    else:
        result = torch.as_tensor(
            array(name, value, shape=shape, finite=False, allow_empty=allow_empty)
        )
    if dtype in (torch.long, torch.int64, torch.int32):
        if result.is_floating_point():
            if not torch.equal(result, result.round()):
                raise TypeError(f"{name} must hold integers, got dtype {result.dtype}")
        result = result.to(dtype)
    else:
        result = result.to(dtype)
        if finite:
            _check_finite(name, int((~torch.isfinite(result)).sum()))
    return result


def labels(name: str, value: Any, num_classes: int) -> Any:
    """Check that integer class labels (array or tensor) lie in ``0 .. num_classes - 1``."""
    low, high = int(value.min()), int(value.max())
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"{name} must be class indices in 0..{num_classes - 1}, got values from {low} to {high}"
        )
    return value


def ints(name: str, value: object, minimum: int = 0) -> list[int]:
    """``value`` as a non-empty list of ints >= ``minimum`` (seeds, lengths); one int is refused.

    >>> ints("seeds", range(3))
    [0, 1, 2]
    >>> ints("seeds", [])
    Traceback (most recent call last):
    ...
    ValueError: seeds must hold at least one int, got none
    """
    if isinstance(value, (numbers.Number, str)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of ints >= {minimum}, got {_got(value)}")
    result = [positive_int(name, item, minimum=minimum) for item in value]
    if not result:
        raise ValueError(f"{name} must hold at least one int, got none")
    return result
