"""The exercise checkers of :mod:`lstmbook.train`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from lstmbook.exercises import report, require_callable


def check_clip_grad_norm(fn: Callable[[list[Tensor], float], object]) -> bool:
    """Exercise checker: ``fn(parameters, max_norm)`` should clip gradients by their global norm.

    ``parameters`` is a list of tensors with ``.grad`` set (one may have ``.grad`` None, to be
    skipped). The function should compute the L2 norm of all the gradients together,
    ``sqrt(sum of every grad element squared)``, scale every gradient in place by
    ``max_norm / norm`` if the norm is larger, and return the norm before clipping. Compared
    with ``torch.nn.utils.clip_grad_norm_`` on seeded gradients, above and below the limit.
    """
    require_callable(fn)
    generator = torch.Generator().manual_seed(0)
    for max_norm in (1.0, 100.0):
        shapes = [(4, 3), (4,), (2, 2)]
        grads = [3 * torch.randn(s, generator=generator, dtype=torch.float64) for s in shapes]
        mine = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
        ref = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
        for p, q, g in zip(mine, ref, grads, strict=True):
            p.grad, q.grad = g.clone(), g.clone()
        mine.append(torch.zeros(2, dtype=torch.float64, requires_grad=True))  # no gradient
        ref.append(torch.zeros(2, dtype=torch.float64, requires_grad=True))
        expected = float(nn.utils.clip_grad_norm_(ref, max_norm))
        case = f"with max_norm={max_norm:g} (gradient norm {expected:.3f})"
        try:
            got = fn(mine, max_norm)
        except Exception as error:  # noqa: BLE001 - a reader's bug is reported, not raised
            return report(
                False, "", f"{case}, your function raised {type(error).__name__}: {error}"
            )
        try:
            got_norm = float(got)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return report(
                False, "", f"{case}, return the norm (a number), got {type(got).__name__}."
            )
        if not math.isclose(got_norm, expected, rel_tol=1e-6):
            per_tensor = max(float(g.norm()) for g in grads)
            hint = (
                " (the norm of all gradients together, not of each one)"
                if math.isclose(got_norm, per_tensor, rel_tol=1e-6)
                else ""
            )
            return report(False, "", f"{case}, you returned {got_norm:.3f}{hint}.")
        for p, q in zip(mine[:-1], ref[:-1], strict=True):
            if p.grad is None or not torch.allclose(p.grad, q.grad, rtol=1e-6, atol=1e-9):
                what = "scaled" if expected > max_norm else "left unchanged"
                return report(False, "", f"{case}, the gradients should be {what} in place.")
    return report(True, "above max_norm, every gradient is scaled by max_norm / total norm.", "")
