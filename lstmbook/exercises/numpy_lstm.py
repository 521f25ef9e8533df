"""The exercise checkers of :mod:`lstmbook.numpy_lstm`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from lstmbook.exercises import call_reader, report, require_callable
from lstmbook.four_matrix import FourMatrixCell
from lstmbook.numpy_lstm import LSTM, Array, _relative_error


def _compare(name: str, got: Any, expected: Array, rtol: float) -> str | None:
    """What is wrong with ``got`` against ``expected``, or None when it agrees within ``rtol``."""
    try:
        got = None if got is None else np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{name}: expected an array of shape {expected.shape}, got {type(got).__name__}"
    if got is None or got.shape != expected.shape:
        return f"{name}: expected shape {expected.shape}, got {None if got is None else got.shape}"
    if not np.all(np.isfinite(got)):
        return f"{name}: contains NaN or inf"
    error = _relative_error(got, expected)
    if error > rtol:
        return f"{name}: relative error {error:.2e} (should be below {rtol:.0e})"
    return None


def check_four_matrices(fn: Callable[[LSTM], FourMatrixCell]) -> bool:
    """Exercise: ``fn(layer)`` returns a :class:`FourMatrixCell` computing the same as ``layer``.

    The cell's ``W_f, W_i, W_c, W_o`` (each ``(D + H, H)``, acting on the row ``[x, h]``) and
    ``b_f, b_i, b_c, b_o`` (each ``(1, H)``) must be cut out of ``layer.W_ih``, ``layer.W_hh``
    and ``layer.b_ih + layer.b_hh``.
    """
    require_callable(fn)
    layer = LSTM(3, 4, seed=7, dtype=np.float64)
    ok, cell = call_reader(fn, layer)
    if not ok:
        return False
    reference = FourMatrixCell(3, 4, dtype=np.float64)
    Hs, D = layer.hidden_size, layer.input_size
    W = np.concatenate([layer.W_ih, layer.W_hh], axis=1).T  # (D + H, 4H)
    b = (layer.b_ih + layer.b_hh)[None, :]  # (1, 4H)
    for k, gate in enumerate("ifco"):
        setattr(reference, f"W_{gate}", W[:, k * Hs : (k + 1) * Hs])
        setattr(reference, f"b_{gate}", b[:, k * Hs : (k + 1) * Hs])
    for gate in "fico":
        for kind in "Wb":
            name = f"{kind}_{gate}"
            got = getattr(cell, name, None)
            if problem := _compare(f"cell.{name}", got, getattr(reference, name), 1e-12):
                return report(False, "", f"{problem}.")
    X = np.random.default_rng(0).standard_normal((2, 5, D))
    ok, output = call_reader(cell.forward_sequence, X)
    if not ok:
        return False
    if problem := _compare("cell output", output, layer.forward(X)[0], 1e-12):
        return report(False, "", f"{problem}.")
    return report(True, "the four-matrix cell computes exactly what the fused layer computes.", "")


def check_cell_backward(
    fn: Callable[[LSTM, Array, Array, Array, Array, Array], tuple[Array, Array, Array]],
) -> bool:
    """Exercise: one LSTM step backward.

    ``fn(layer, x, h_prev, c_prev, dh, dc)`` gets ``x`` ``(batch, input)``, the previous state
    ``(batch, hidden)`` each, and the loss's gradients with respect to this step's ``h_t`` and
    ``c_t``; it returns ``(dx, dh_prev, dc_prev)`` using ``layer.W_ih, W_hh, b_ih, b_hh``.
    """
    require_callable(fn)
    rng = np.random.default_rng(3)
    layer = LSTM(3, 4, seed=3, dtype=np.float64)
    x, h_prev, c_prev = (
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 4)),
        rng.standard_normal((2, 4)),
    )
    dh, dc = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    layer.forward(x[:, None, :], (h_prev, c_prev))
    dX = layer.backward(None, dh_T=dh, dc_T=dc)
    dh_prev, dc_prev = layer.grad_state
    ok, got = call_reader(fn, layer, x.copy(), h_prev.copy(), c_prev.copy(), dh.copy(), dc.copy())
    if not ok:
        return False
    if not isinstance(got, tuple | list) or len(got) != 3:
        return report(
            False, "", f"expected a tuple (dx, dh_prev, dc_prev), got {type(got).__name__}."
        )
    for name, value, expected in zip(
        ("dx", "dh_prev", "dc_prev"), got, (dX[:, 0], dh_prev, dc_prev), strict=True
    ):
        if problem := _compare(name, value, expected, 1e-10):
            return report(False, "", f"{problem}.")
    return report(True, "dx, dh_prev and dc_prev match the layer's backward pass.", "")


def check_sigmoid(fn: Callable[[Array], Array]) -> bool:
    """Exercise: ``fn(z)`` computes the sigmoid of a float32 array in place and returns it,
    accurately for any input and without a warning."""
    require_callable(fn)
    z = np.concatenate(
        [
            np.array([-1e4, -1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0, 1e4]),
            np.random.default_rng(0).standard_normal(100) * 5,
        ]
    ).astype(np.float32)
    expected = 0.5 * (1.0 + np.tanh(0.5 * z.astype(np.float64)))
    given = z.copy()
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        ok, got = call_reader(fn, given)
    if not ok:
        return False
    if caught:
        return report(False, "", f"your function warned: {caught[0].message}")
    if not (isinstance(got, np.ndarray) and np.shares_memory(got, given)):
        return report(
            False, "", "the result is not computed in place: return the array you were given."
        )
    if problem := _compare("sigmoid", given, expected, 1e-6):
        return report(False, "", f"{problem}.")
    return report(True, "accurate from -10000 to 10000, in place, and silent.", "")
