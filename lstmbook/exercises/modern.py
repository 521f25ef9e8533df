"""The exercise checkers of :mod:`lstmbook.modern`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from lstmbook.exercises import call_reader, report, wrong_shape
from lstmbook.modern import normalised_gates


def check_normalised_gates(fn: Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]) -> bool:
    """Exercise checker: ``fn(f_pre, i_pre)`` should return minLSTM's ``(f', i')``.

    Checked against :func:`normalised_gates` on ordinary pre-activations and on very negative
    ones, where both sigmoids underflow and ``f / (f + i)`` is ``0 / 0``. Never raises.
    """
    cases = {
        "ordinary pre-activations": (torch.randn(4, 5, generator=torch.Generator().manual_seed(0)),
                                     torch.randn(4, 5, generator=torch.Generator().manual_seed(1))),
        "pre-activations of -1e4 (both gates underflow)": (torch.full((2, 3), -1e4),
                                                           torch.full((2, 3), -1e4)),
    }  # fmt: skip
    for what, (f_pre, i_pre) in cases.items():
        expected = normalised_gates(f_pre, i_pre)
        ok, got = call_reader(fn, f_pre.clone(), i_pre.clone())
        if not ok:
            return False
        if not isinstance(got, tuple | list) or len(got) != 2:
            return report(False, "", f"expected a pair (f', i'), got {type(got).__name__}")
        for name, value, want in zip(("f'", "i'"), got, expected, strict=True):
            problem = wrong_shape(value, want)
            if problem:
                return report(False, "", f"{name}: {problem}")
            if not torch.allclose(value, want, atol=1e-6):
                return report(False, "", f"{name} is wrong for {what}")
    return report(True, "f' and i' are right, and stay defined where both gates underflow.", "")
