"""The exercise checkers of :mod:`lstmbook.scan`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from lstmbook.exercises import call_reader, report, wrong_shape
from lstmbook.scan import sequential_scan


def check_scan(fn: Callable[[Tensor, Tensor], Tensor]) -> bool:
    """Exercise checker: ``fn(a, b)`` should return ``h_t = a_t h_{t-1} + b_t`` for all ``t``.

    Compared with :func:`sequential_scan` in float64 on shapes ``(batch, time, features)``,
    including ``time = 1`` and an odd length. Never raises: prints ``Correct:`` or
    ``Not yet:`` and returns True or False.
    """
    generator = torch.Generator().manual_seed(0)
    for shape in [(2, 1, 3), (2, 9, 3), (1, 64, 2)]:
        a = torch.rand(shape, generator=generator, dtype=torch.float64)
        b = torch.randn(shape, generator=generator, dtype=torch.float64)
        expected = sequential_scan(a, b)
        ok, got = call_reader(fn, a.clone(), b.clone())
        if not ok:
            return False
        problem = wrong_shape(got, expected)
        if problem:
            return report(False, "", problem + f" for a and b of shape {shape}")
        if not torch.allclose(got.to(torch.float64), expected, rtol=1e-9, atol=1e-9):
            error = (got - expected).abs().max().item()
            return report(
                False, "", f"for shape {shape} your h differs from the loop by {error:.2g}"
            )
    return report(True, "your scan equals the loop at every step, T = 1 to 64.", "")
