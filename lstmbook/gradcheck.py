"""Finite-difference gradient checks: is a hand-written backward pass right?

A central difference ``(L(x + eps) - L(x - eps)) / (2 eps)`` estimates ``dL/dx`` with an error
of order ``eps**2`` (truncation: about ``1e-12`` for ``eps = 1e-6`` and a smooth loss) plus
about ``machine epsilon / eps`` (rounding: about ``1e-10`` in float64). So an analytic gradient
that agrees to ``1e-7`` is right, and a wrong one (a missing term, a transposed matrix) is off
by far more. In float32 the rounding term alone is ``1e-2`` to ``1e-1``: checks need float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lstmbook.numpy_lstm import LSTM, _as_finite, _relative_error


def _nudgeable(x: NDArray[np.float64], grad: object, eps: float) -> NDArray[np.float64]:
    """``x`` as a flat view, after checking the arguments of :func:`gradient_check`."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"x must be a float64 ndarray, got {getattr(x, 'dtype', type(x))}")
    grad = np.asarray(grad)
    if grad.shape != x.shape:
        raise ValueError(f"grad must have the shape of x, {x.shape}, got {grad.shape}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous, so that its entries can be nudged in place")
    return flat


def gradient_check(
    loss: Callable[[], float],
    x: NDArray[np.float64],
    grad: NDArray[np.float64],
    *,
    eps: float = 1e-6,
    max_entries: int | None = None,
    seed: int = 0,
) -> float:
    """Compare ``grad`` with central differences of ``loss`` with respect to the array ``x``.

    ``loss()`` must read ``x`` (the array itself: each entry is nudged in place by ``eps``
    both ways, then restored). ``max_entries`` checks a random subset, drawn with ``seed``, of
    that many entries (all of them if ``None``).

    Returns the relative error ``max |numeric - grad| / max |numeric|`` over the checked
    entries: near ``1e-10`` for a right gradient.

    >>> x = np.array([1.0, 2.0, 3.0])
    >>> error = gradient_check(lambda: float(np.sum(x**3)), x, 3 * x**2)
    >>> bool(error < 1e-8)
    True
    """
    flat = _nudgeable(x, grad, eps)  # a view of x: writing to it nudges x
    indices = np.arange(flat.size)
    if max_entries is not None and max_entries < flat.size:
        rng = np.random.default_rng(seed)
        indices = rng.choice(flat.size, max_entries, replace=False)
    numeric = np.empty(len(indices))
    for n, k in enumerate(indices):
        saved = flat[k]
        flat[k] = saved + eps
        up = loss()
        flat[k] = saved - eps
        down = loss()
        flat[k] = saved
        numeric[n] = (up - down) / (2 * eps)
    analytic = grad.reshape(-1)[indices]
    scale = max(float(np.max(np.abs(numeric))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(numeric - analytic)) / scale)


def check_lstm_gradients(
    layer: LSTM,
    X: NDArray[np.float64],
    state: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
    *,
    max_entries: int | None = 50,
    seed: int = 0,
) -> dict[str, float]:
    """Gradient-check every input of a float64 :class:`LSTM`: its four parameters, ``X`` and,
    if given, the initial state.

    The loss is a fixed random linear function of everything the layer returns,
    ``sum(R * H) + sum(r_h * h_T) + sum(r_c * c_T)``, so that every output's gradient path is
    exercised. Returns the relative error per name (``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``,
    ``X``, and ``h_0``, ``c_0`` with a state).

    >>> layer = LSTM(2, 3, seed=0, dtype=np.float64)
    >>> errors = check_lstm_gradients(layer, np.ones((2, 4, 2)))
    >>> sorted(errors), bool(max(errors.values()) < 1e-7)
    (['W_hh', 'W_ih', 'X', 'b_hh', 'b_ih'], True)
    """
    if layer.dtype != np.float64:
        raise ValueError(f"gradient checks need a float64 layer, got {layer.dtype}")
    X = np.array(X, dtype=np.float64)  # a copy, nudged in place
    if state is not None:
        state = tuple(np.array(s, dtype=np.float64) for s in state)
    H, (h_T, c_T) = layer.forward(X, state)
    rng = np.random.default_rng(seed)
    R, r_h, r_c = (rng.standard_normal(a.shape) for a in (H, h_T, c_T))

    def loss() -> float:
        H, (h_T, c_T) = layer.forward(X, state)
        return float(np.sum(R * H) + np.sum(r_h * h_T) + np.sum(r_c * c_T))

    layer.forward(X, state)
    dX = layer.backward(R, r_h, r_c)
    grads = dict(layer.grads)
    dh_0, dc_0 = layer.grad_state
    errors = {
        name: gradient_check(loss, p, grads[name], max_entries=max_entries, seed=seed)
        for name, p in layer.parameters().items()
    }
    errors["X"] = gradient_check(loss, X, dX, max_entries=max_entries, seed=seed)
    if state is not None:
        errors["h_0"] = gradient_check(loss, state[0], dh_0, max_entries=max_entries, seed=seed)
        errors["c_0"] = gradient_check(loss, state[1], dc_0, max_entries=max_entries, seed=seed)
    return errors


def compare_with_torch(
    layer: LSTM,
    X: ArrayLike,
    state: tuple[ArrayLike, ArrayLike] | None = None,
    *,
    seed: int = 0,
) -> dict[str, float]:
    """Run ``layer`` and its ``nn.LSTM`` twin forward and backward on the same data; return the
    relative error ``max |ours - torch| / max |torch|`` of every result.

    The loss is a random linear function (drawn with ``seed``) of ``H``, ``h_T`` and ``c_T``;
    PyTorch's side is computed by autograd. Keys: ``H``, ``h_T``, ``c_T``, ``dX``, the four
    parameter names of ``nn.LSTM``, and with a ``state`` also ``dh_0``, ``dc_0``. In float64
    every error should be near ``1e-16``.

    >>> layer = LSTM(3, 4, seed=0, dtype=np.float64)
    >>> errors = compare_with_torch(layer, np.ones((2, 5, 3)))
    >>> len(errors), bool(max(errors.values()) < 1e-12)
    (8, True)
    """
    import torch

    X = _as_finite("X", X, (None, None, layer.input_size), layer.dtype)
    B = len(X)
    if state is not None:
        state = layer._initial_state(state, B)
    H, (h_T, c_T) = layer.forward(X, state)
    rng = np.random.default_rng(seed)
    dH, dh_T, dc_T = (rng.standard_normal(a.shape).astype(layer.dtype) for a in (H, h_T, c_T))
    dX = layer.backward(dH, dh_T, dc_T)
    ours = {"H": H, "h_T": h_T, "c_T": c_T, "dX": dX} | layer.torch_grads()

    module = layer.to_torch()
    X_t = torch.tensor(X, requires_grad=True)
    leaves = []
    if state is not None:
        leaves = [torch.tensor(s[None], requires_grad=True) for s in state]  # (1, B, H)
        ours["dh_0"], ours["dc_0"] = layer.grad_state
    H_t, (h_T_t, c_T_t) = module(X_t, tuple(leaves) if leaves else None)
    loss = (H_t * torch.from_numpy(dH)).sum()
    loss = (
        loss + (h_T_t[0] * torch.from_numpy(dh_T)).sum() + (c_T_t[0] * torch.from_numpy(dc_T)).sum()
    )
    loss.backward()
    theirs = {"H": H_t, "h_T": h_T_t[0], "c_T": c_T_t[0], "dX": X_t.grad}
    theirs |= {name: p.grad for name, p in module.named_parameters()}
    if leaves:
        theirs["dh_0"], theirs["dc_0"] = (leaf.grad[0] for leaf in leaves)
    return {k: _relative_error(ours[k], theirs[k].detach().numpy()) for k in theirs}
