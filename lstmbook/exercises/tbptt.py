"""The exercise checkers of :mod:`lstmbook.tbptt`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from lstmbook.exercises import call_reader, report, require_callable, wrong_shape
from lstmbook.tbptt import batchify


def check_batchify(fn: Callable[[Tensor, int], Tensor]) -> bool:
    """Exercise checker: ``fn(stream, n_streams)`` should cut a sequence into contiguous rows.

    ``stream`` has shape ``(N, features)``; expected: ``(n_streams, N // n_streams, features)``,
    row ``b`` the steps ``b * L .. (b + 1) * L - 1``, the remainder dropped, as :func:`batchify`.
    """
    require_callable(fn)
    for n, n_streams in [(20, 4), (23, 5), (7, 1)]:
        stream = torch.arange(2 * n).reshape(n, 2)
        expected = batchify(stream, n_streams)
        ok, got = call_reader(fn, stream.clone(), n_streams)
        if not ok:
            return False
        case = f"for N={n}, n_streams={n_streams}"
        if problem := wrong_shape(got, expected):
            return report(False, "", f"{case}, {problem}.")
        if not torch.equal(got, expected):
            strided = (
                stream[: n_streams * (n // n_streams)].reshape(-1, n_streams, 2).transpose(0, 1)
            )
            if torch.equal(got, strided):
                return report(
                    False,
                    "",
                    f"{case}, your rows interleave the stream (steps b, b + B, ...): each row "
                    "must be a contiguous stretch, so that the next chunk continues it.",
                )
            return report(False, "", f"{case}, the shape is right but the values differ.")
    return report(True, "each row is a contiguous stretch of the stream.", "")
