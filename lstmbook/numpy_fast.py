"""The NumPy LSTM rearranged for speed: :class:`FastLSTM`, the same layer as ``numpy_lstm.LSTM``.

Chapter 2's "make it fast" section measures each of its steps; ``python -m lstmbook.bench``
times it against ``torch.nn.LSTM``. It computes what :class:`~lstmbook.numpy_lstm.LSTM`
computes (the tests compare both, and ``nn.LSTM``, forward and gradients), with the same
parameters in PyTorch's layout, and differs only in how:

- **Rows, PyTorch's gate order.** Per step, vectors are rows ``(batch, 4H)`` in the order
  i|f|g|o. Then the input projections of all steps are *one* matrix product,
  ``(T * B, D) @ (D, 4H)``, and the weight gradients of all steps are one product each.
- **A sigmoid from one tanh.** ``sigmoid(z) = (1 + tanh(z / 2)) / 2``. The sigmoid gates' rows
  of the weights and biases are halved (exact: a power of two), so one ``tanh`` over all four
  gates, one multiplication and one addition give i, f, g and o, instead of ``exp``, an addition
  and a reciprocal for three gates and a ``tanh`` for the fourth.
- **Threads over the batch.** Sequences of a batch never meet, so with ``threads=n`` the
  batch is cut into ``n`` slices, each run through all time steps by its own Python thread.
  NumPy releases the GIL inside its elementwise loops and matrix products, so the slices run
  at the same time, with no synchronisation until the end; OpenBLAS runs one thread per slice
  meanwhile. The big products before and after the loop use all ``n`` BLAS threads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from lstmbook.numpy_lstm import LSTM, Array, _as_finite
from lstmbook.recurrence import _backward_rows, _forward_rows
from lstmbook.validate import positive_int


@dataclass
class _FastCache:
    """What :meth:`FastLSTM.backward` needs from the forward pass (rows, gate order i|f|g|o)."""

    X: Array  # (T * B, D) the input, time-major rows
    gates: Array  # (T, B, 4H) gate values i, f, g, o
    h: Array  # (T + 1, B, H) hidden states h_0 .. h_T
    c: Array  # (T + 1, B, H) cell states c_0 .. c_T
    tanh_c: Array  # (T, B, H) tanh(c_1) .. tanh(c_T)


class FastLSTM(LSTM):
    """:class:`~lstmbook.numpy_lstm.LSTM`, computed faster; the same parameters and interface.

    ``threads`` Python threads share the batch in :meth:`forward` and :meth:`backward` (at
    most one per sequence); 1 runs everything on the calling thread.

    >>> layer = FastLSTM(3, 5, seed=0, threads=2)
    >>> X = np.ones((4, 6, 3), dtype=np.float32)
    >>> H, (h_T, c_T) = layer.forward(X)
    >>> plain = LSTM(3, 5, seed=0)
    >>> bool(np.allclose(H, plain.forward(X)[0], rtol=1e-5, atol=1e-6))
    True
    """

    def __init__(self, *args: Any, threads: int = 1, **kwargs: Any) -> None:
        """:class:`~lstmbook.numpy_lstm.LSTM`'s arguments, and ``threads``."""
        self.threads = positive_int("threads", threads)
        super().__init__(*args, **kwargs)
        H = self.hidden_size
        half = np.ones(4 * H, dtype=self.dtype)
        half[: 2 * H] = half[3 * H :] = 0.5  # the sigmoid gates i, f, o
        self._half = half
        self._shift = np.where(half == 0.5, 0.5, 0.0).astype(self.dtype)
        self._fast: _FastCache | None = None

    def __repr__(self) -> str:
        return (
            f"FastLSTM({self.input_size}, {self.hidden_size}, dtype={self.dtype.name}, "
            f"threads={self.threads})"
        )

    def _slices(self, batch: int) -> list[slice]:
        n = min(self.threads, batch)
        bounds = np.linspace(0, batch, n + 1).round().astype(int)
        return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def _run(self, slices: list[slice], job: Callable[[slice], None]) -> None:
        """``job(s)`` for every slice of the batch: on threads, OpenBLAS one thread each."""
        if len(slices) == 1:
            job(slices[0])
            return
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            with ThreadPoolExecutor(len(slices)) as pool:
                for future in [pool.submit(job, s) for s in slices]:
                    future.result()

    def forward(
        self, X: ArrayLike, state: tuple[ArrayLike, ArrayLike] | None = None
    ) -> tuple[Array, tuple[Array, Array]]:
        """As :meth:`LSTM.forward <lstmbook.numpy_lstm.LSTM.forward>`."""
        X = _as_finite("X", X, (None, None, self.input_size), self.dtype)
        B, T, D = X.shape
        H = self.hidden_size
        h0, c0 = self._initial_state(state, B)
        half = self._half
        X_rows = np.ascontiguousarray(X.transpose(1, 0, 2)).reshape(T * B, D)  # time-major
        gates = X_rows @ (half[:, None] * self.W_ih).T  # (T * B, 4H): one product
        gates += half * (self.b_ih + self.b_hh)
        gates = gates.reshape(T, B, 4 * H)
        W_hh_T = np.ascontiguousarray((half[:, None] * self.W_hh).T)  # (H, 4H)
        h = np.empty((T + 1, B, H), dtype=self.dtype)
        c = np.empty((T + 1, B, H), dtype=self.dtype)
        h[0], c[0] = h0, c0
        tanh_c = np.empty((T, B, H), dtype=self.dtype)

        def job(s: slice) -> None:
            _forward_rows(gates[:, s], W_hh_T, half, self._shift, h[:, s], c[:, s], tanh_c[:, s])

        self._run(self._slices(B), job)
        self._fast = _FastCache(X_rows, gates, h, c, tanh_c)
        self._cache = None
        return np.ascontiguousarray(h[1:].transpose(1, 0, 2)), (h[T].copy(), c[T].copy())

    def backward(
        self,
        dH: ArrayLike | None,
        dh_T: ArrayLike | None = None,
        dc_T: ArrayLike | None = None,
    ) -> Array:
        """As :meth:`LSTM.backward <lstmbook.numpy_lstm.LSTM.backward>`."""
        cache = self._fast
        if cache is None:
            raise ValueError("backward called before forward: run forward first")
        T, B, G = cache.gates.shape
        H, D = self.hidden_size, self.input_size
        dH, dh, dc = self._incoming(dH, dh_T, dc_T, B, T)
        dH_tm = None if dH is None else np.ascontiguousarray(dH.transpose(1, 0, 2))  # (T, B, H)
        dZ = np.empty((T, B, G), dtype=self.dtype)

        def job(s: slice) -> None:
            _backward_rows(
                cache.gates[:, s],
                cache.c[:, s],
                cache.tanh_c[:, s],
                self.W_hh,
                None if dH_tm is None else dH_tm[:, s],
                dh[s],
                dc[s],
                dZ[:, s],
            )

        self._run(self._slices(B), job)
        self.grad_state = (dh, dc)
        dZ_rows = dZ.reshape(T * B, G)
        db = dZ_rows.sum(axis=0)
        self.grads = {
            "W_ih": dZ_rows.T @ cache.X,  # (4H, D): every step in one product
            "W_hh": dZ_rows.T @ cache.h[:-1].reshape(T * B, H),  # (4H, H)
            "b_ih": db,
            "b_hh": db.copy(),
        }
        dX = (dZ_rows @ self.W_ih).reshape(T, B, D)
        return np.ascontiguousarray(dX.transpose(1, 0, 2))

    def gate_values(self) -> dict[str, Array]:
        """The last forward pass's gates ``i, f, g, o``, each ``(batch, time, hidden)``."""
        if self._fast is None:
            raise ValueError("no gate values yet: run forward first")
        H = self.hidden_size
        gates = self._fast.gates.transpose(1, 0, 2)  # (B, T, 4H)
        return {k: gates[:, :, n * H : (n + 1) * H].copy() for n, k in enumerate("ifgo")}
