"""An LSTM in NumPy, forward and backward, that computes exactly what ``torch.nn.LSTM`` computes.

Chapter 2 builds it. The equations, with PyTorch's gate order i, f, g, o and two bias vectors::

    i_t = sigmoid(x_t W_ii^T + b_ii + h_{t-1} W_hi^T + b_hi)     input gate
    f_t = sigmoid(x_t W_if^T + b_if + h_{t-1} W_hf^T + b_hf)     forget gate
    g_t = tanh(x_t W_ig^T + b_ig + h_{t-1} W_hg^T + b_hg)        candidate memory
    o_t = sigmoid(x_t W_io^T + b_io + h_{t-1} W_ho^T + b_ho)     output gate
    c_t = f_t * c_{t-1} + i_t * g_t                              cell state
    h_t = o_t * tanh(c_t)                                        hidden state

The four gate matrices are stacked into ``W_ih`` of shape ``(4H, D)`` and ``W_hh`` of shape
``(4H, H)``, rows in the order i, f, g, o, exactly as in ``nn.LSTM``'s ``weight_ih_l0`` and
``weight_hh_l0``. For speed, :meth:`LSTM.forward` works on a rearranged copy: rows in the order
i, f, o, g, so that the three sigmoid gates sit side by side and one ``exp`` call serves all
three; their rows negated, so that the products give ``-z`` ready for ``exp(-z)``; and vectors
as columns ``(features, batch)``, so that every gate's block is contiguous in memory.

What is here: :class:`LSTM`, the fused layer, forward and backward through time, float32 or
float64, loadable from and convertible to ``nn.LSTM``, and the array checks the NumPy modules
share. Elsewhere:

- its loops over time: :mod:`lstmbook.recurrence`;
- the source article's cell it starts from: :class:`lstmbook.four_matrix.FourMatrixCell`;
- training it: :mod:`lstmbook.numpy_nn`; the comparison with PyTorch:
  :func:`lstmbook.gradcheck.compare_with_torch`; the chapter's exercise checkers:
  :mod:`lstmbook.exercises.numpy_lstm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lstmbook.recurrence import _backward_steps, _forward_steps
from lstmbook.validate import positive_int

if TYPE_CHECKING:  # torch is imported only where it is used: importing it takes seconds.
    import torch

    from lstmbook.four_matrix import FourMatrixCell

Array = NDArray[np.floating]
State = tuple[Array, Array]  # (h, c)
Params = dict[str, Array]

#: The names ``torch_grads()`` uses, keyed by this module's parameter names.
TORCH_NAMES = {
    "W_ih": "weight_ih_l0",
    "W_hh": "weight_hh_l0",
    "b_ih": "bias_ih_l0",
    "b_hh": "bias_hh_l0",
}


def _check_dtype(dtype: Any) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _as_finite(
    name: str, value: ArrayLike, shape: tuple[int | None, ...], dtype: np.dtype
) -> Array:
    """``value`` as an array of ``dtype``, after checking its shape and that it is finite.

    ``None`` in ``shape`` accepts any size on that axis.
    """
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != len(shape) or any(
        n is not None and n != m for n, m in zip(shape, array.shape, strict=False)
    ):
        expected = "(" + ", ".join("*" if n is None else str(n) for n in shape) + ")"
        raise ValueError(f"{name} must have shape {expected}, got {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    array = array.astype(dtype, copy=False)
    # A sum is a fast test: it is finite when every entry is (the full test runs only if not).
    with np.errstate(over="ignore", invalid="ignore"):
        total = array.sum()
    if not np.isfinite(total) and not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return array


def _gate_order(hidden_size: int) -> NDArray[np.intp]:
    """Row indices that turn PyTorch's gate order i|f|g|o into i|f|o|g, and back (it is its own
    inverse: it swaps the last two blocks)."""
    H = hidden_size
    return np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]


class _Layer:
    """What every NumPy LSTM layer here starts from: its checked sizes and dtype, and parameters
    drawn by :meth:`_init_parameters` from a generator seeded with ``seed``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        seed: int | None = None,
        dtype: Any = np.float32,
    ) -> None:
        self.input_size = positive_int("input_size", input_size)
        self.hidden_size = positive_int("hidden_size", hidden_size)
        self.dtype = _check_dtype(dtype)
        self._init_parameters(np.random.default_rng(seed))

    def _init_parameters(self, rng: np.random.Generator) -> None:
        raise NotImplementedError


@dataclass
class _Cache:
    """What :meth:`LSTM.backward` needs from the forward pass (gate order i|f|o|g)."""

    X: Array  # (time, batch, input) the input, time-major
    gates: Array  # (time, 4H, batch) gate values as columns: i, f, o (sigmoid), g (tanh)
    h: Array  # (time + 1, batch, H) hidden states h_0 .. h_T, time-major rows
    c: Array  # (time + 1, H, batch) cell states c_0 .. c_T as columns
    tanh_c: Array  # (time, H, batch) tanh(c_1) .. tanh(c_T)
    W_ih: Array  # (4H, input) rows in order i|f|o|g
    W_hh: Array  # (4H, H) rows in order i|f|o|g


class LSTM(_Layer):
    """A one-layer LSTM over a batch of sequences, forward and backward, in NumPy.

    It computes what ``torch.nn.LSTM(input_size, hidden_size, batch_first=True)`` computes,
    with the same parameters, in the same layout:

    ========  ===========================  ==============================================
    name      shape                        PyTorch's name
    ========  ===========================  ==============================================
    ``W_ih``  ``(4 * hidden, input)``      ``weight_ih_l0``, rows for gates i, f, g, o
    ``W_hh``  ``(4 * hidden, hidden)``     ``weight_hh_l0``
    ``b_ih``  ``(4 * hidden,)``            ``bias_ih_l0``
    ``b_hh``  ``(4 * hidden,)``            ``bias_hh_l0``
    ========  ===========================  ==============================================

    Inputs and outputs are batch-first: ``X`` has shape ``(batch, time, input)`` and
    ``H = forward(X)[0]`` has shape ``(batch, time, hidden)``; ``H[:, -1]`` equals ``h_T``.
    :meth:`backward` takes the gradient of a scalar loss with respect to ``H`` (and optionally
    the final ``h_T``, ``c_T``), back-propagates through time, returns the gradient with respect
    to ``X``, and stores the parameters' gradients in :attr:`grads` (the initial state's in
    :attr:`grad_state`).

    Args:
        input_size: features per time step, ``D``.
        hidden_size: units, ``H``.
        seed: seed of the initialisation, which is PyTorch's: every parameter uniform in
            ``(-1 / sqrt(H), 1 / sqrt(H))``.
        dtype: ``np.float32`` or ``np.float64``; inputs are converted to it.

    >>> layer = LSTM(3, 5, seed=0)
    >>> X = np.ones((2, 4, 3), dtype=np.float32)        # (batch, time, input)
    >>> H, (h_T, c_T) = layer.forward(X)
    >>> H.shape, h_T.shape, bool(np.all(H[:, -1] == h_T))
    ((2, 4, 5), (2, 5), True)
    >>> dX = layer.backward(np.ones_like(H))           # gradient of H.sum()
    >>> dX.shape, layer.grads["W_ih"].shape
    ((2, 4, 3), (20, 3))
    """

    def _init_parameters(self, rng: np.random.Generator) -> None:
        D, H = self.input_size, self.hidden_size
        k = 1.0 / np.sqrt(H)
        G = 4 * H
        self.W_ih = rng.uniform(-k, k, (G, D)).astype(self.dtype)
        self.W_hh = rng.uniform(-k, k, (G, H)).astype(self.dtype)
        self.b_ih = rng.uniform(-k, k, G).astype(self.dtype)
        self.b_hh = rng.uniform(-k, k, G).astype(self.dtype)
        self._order = _gate_order(H)
        self._sign = np.ones((G, 1), dtype=self.dtype)
        self._sign[: 3 * H] = -1.0
        self.grads: Params = {}
        self.grad_state: tuple[Array, Array] | None = None
        self._cache: _Cache | None = None

    def __repr__(self) -> str:
        return f"LSTM({self.input_size}, {self.hidden_size}, dtype={self.dtype.name})"

    def parameters(self) -> Params:
        """The parameters by name (the arrays themselves: an optimiser updates them in place)."""
        return {"W_ih": self.W_ih, "W_hh": self.W_hh, "b_ih": self.b_ih, "b_hh": self.b_hh}

    # ----------------------------------------------------------------------------- PyTorch

    @classmethod
    def from_torch(cls, torch_lstm: torch.nn.LSTM, *, dtype: Any = None) -> LSTM:
        """A layer with the parameters of ``torch_lstm``, a 1-layer, unidirectional
        ``nn.LSTM`` with ``batch_first=True`` and biases. ``dtype`` defaults to the module's."""
        import torch

        if not isinstance(torch_lstm, torch.nn.LSTM):
            raise TypeError(f"expected a torch.nn.LSTM, got {type(torch_lstm).__name__}")
        expected = {"num_layers": 1, "bidirectional": False, "batch_first": True, "bias": True}
        expected["proj_size"] = 0
        for name, value in expected.items():
            got = getattr(torch_lstm, name)
            if got != value:
                raise ValueError(f"nn.LSTM must have {name}={value}, got {name}={got}")
        params = {k: v.detach().cpu().numpy() for k, v in torch_lstm.named_parameters()}
        if dtype is None:
            dtype = params["weight_ih_l0"].dtype
            dtype = dtype if dtype in (np.float32, np.float64) else np.float32
        layer = cls(torch_lstm.input_size, torch_lstm.hidden_size, dtype=dtype)
        for name, torch_name in TORCH_NAMES.items():
            setattr(layer, name, params[torch_name].astype(layer.dtype))
        return layer

    def to_torch(self) -> torch.nn.LSTM:
        """An ``nn.LSTM(batch_first=True)`` of the same dtype, with a copy of these parameters."""
        import torch

        torch_dtype = torch.float64 if self.dtype == np.float64 else torch.float32
        module = torch.nn.LSTM(
            self.input_size, self.hidden_size, batch_first=True, dtype=torch_dtype
        )
        with torch.no_grad():
            for name, torch_name in TORCH_NAMES.items():
                getattr(module, torch_name).copy_(torch.from_numpy(getattr(self, name)))
        return module

    def torch_grads(self) -> dict[str, Array]:
        """The last :meth:`backward`'s parameter gradients, keyed and shaped like
        ``dict(nn.LSTM.named_parameters())``: ``weight_ih_l0`` ``(4H, D)``, ``weight_hh_l0``
        ``(4H, H)``, ``bias_ih_l0`` ``(4H,)``, ``bias_hh_l0`` ``(4H,)``."""
        if not self.grads:
            raise ValueError("no gradients yet: call forward, then backward")
        return {TORCH_NAMES[name]: grad.copy() for name, grad in self.grads.items()}

    # ----------------------------------------------------------------------------- forward

    def forward(
        self, X: ArrayLike, state: tuple[ArrayLike, ArrayLike] | None = None
    ) -> tuple[Array, tuple[Array, Array]]:
        """Run the layer over ``X``, shape ``(batch, time, input)``, from ``state = (h_0, c_0)``,
        each ``(batch, hidden)`` (zeros if ``None``).

        Returns ``H`` of shape ``(batch, time, hidden)`` and the final ``(h_T, c_T)``, each
        ``(batch, hidden)``. Keeps what :meth:`backward` needs.
        """
        X = _as_finite("X", X, (None, None, self.input_size), self.dtype)
        B, T, D = X.shape
        H = self.hidden_size
        h0, c0 = self._initial_state(state, B)
        W_ih, W_hh = self.W_ih[self._order], self.W_hh[self._order]  # rows i|f|o|g
        # The sigmoid gates' rows negated (exactly): the products give -z, ready for exp(-z).
        sign = self._sign  # (4H, 1): -1 for i, f, o; +1 for g

        # Per step, vectors are columns (features, batch), unlike the source's rows: then each
        # gate's block is one contiguous piece of memory, which NumPy's elementwise functions run
        # fastest. The input projections of all steps in one (batched) matrix product:
        X_tm = np.ascontiguousarray(X.transpose(1, 0, 2))  # (T, B, D)
        X_cols = np.ascontiguousarray(X_tm.transpose(0, 2, 1))  # (T, D, B)
        gates = np.matmul(sign * W_ih, X_cols)  # (T, 4H, B): pre-activations, then gates
        gates += sign * (self.b_ih + self.b_hh)[self._order, None]  # both biases, once
        W_hh_signed = sign * W_hh  # (4H, H)
        h = np.empty((T + 1, H, B), dtype=self.dtype)  # h[t] is h_t; h[0] the initial state
        c = np.empty((T + 1, H, B), dtype=self.dtype)
        h[0], c[0] = h0.T, c0.T
        tanh_c = np.empty((T, H, B), dtype=self.dtype)  # tanh_c[t - 1] is tanh(c_t)
        _forward_steps(gates, W_hh_signed, h, c, tanh_c)
        h_rows = np.ascontiguousarray(h.transpose(0, 2, 1))  # (T + 1, B, H)
        self._cache = _Cache(X_tm, gates, h_rows, c, tanh_c, W_ih, W_hh)
        H_out = np.ascontiguousarray(h_rows[1:].transpose(1, 0, 2))  # (B, T, H)
        return H_out, (h_rows[T].copy(), c[T].T.copy())

    def _initial_state(self, state: Any, batch: int) -> tuple[Array, Array]:
        H = self.hidden_size
        if state is None:
            zeros = np.zeros((batch, H), dtype=self.dtype)
            return zeros, zeros
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise ValueError(f"state must be a pair (h_0, c_0), got {type(state).__name__}")
        h0 = _as_finite("h_0", state[0], (batch, H), self.dtype)
        c0 = _as_finite("c_0", state[1], (batch, H), self.dtype)
        return h0, c0

    # ----------------------------------------------------------------------------- backward

    def backward(
        self,
        dH: ArrayLike | None,
        dh_T: ArrayLike | None = None,
        dc_T: ArrayLike | None = None,
    ) -> Array:
        """Back-propagate through time from the last :meth:`forward`.

        Args:
            dH: gradient of a scalar loss with respect to ``H``, ``(batch, time, hidden)``
                (``None``: zeros, the loss does not use ``H``).
            dh_T, dc_T: gradients with respect to the final state, ``(batch, hidden)`` each
                (``None``: zeros). ``dh_T`` adds to ``dH[:, -1]``, since ``H[:, -1]`` is ``h_T``.

        Returns:
            ``dX`` of shape ``(batch, time, input)``. Stores the parameters' gradients in
            :attr:`grads` (keys as :meth:`parameters`) and ``(dh_0, dc_0)`` in :attr:`grad_state`.
        """
        cache = self._cache
        if cache is None:
            raise ValueError("backward called before forward: run forward first")
        T, B, D = cache.X.shape
        H = self.hidden_size
        dH, dh, dc = self._incoming(dH, dh_T, dc_T, B, T)
        gates, c, tanh_c = cache.gates, cache.c, cache.tanh_c
        # Columns, as in forward: dL/dh_t and dL/dc_t are (H, B).
        dh, dc = np.ascontiguousarray(dh.T), np.ascontiguousarray(dc.T)
        if dH is not None:
            dH = np.ascontiguousarray(dH.transpose(1, 0, 2))  # (T, B, H)
            dH = np.ascontiguousarray(dH.transpose(0, 2, 1))  # (T, H, B)
        dZ = np.empty((4 * H, T, B), dtype=self.dtype)  # every step's dz, side by side
        _backward_steps(gates, c, tanh_c, cache.W_hh, dH, dh, dc, dZ)
        self.grad_state = (dh.T.copy(), dc.T.copy())  # (dL/dh_0, dL/dc_0), (B, H) each

        # Parameter gradients and dX for all steps at once: sums over time and batch.
        dZ = dZ.reshape(4 * H, T * B)  # (4H, T * B)
        dW_ih = dZ @ cache.X.reshape(T * B, D)  # (4H, D), rows i|f|o|g
        dW_hh = dZ @ cache.h[:-1].reshape(T * B, H)  # (4H, H): h_0 .. h_{T-1}
        db = dZ.sum(axis=1)  # (4H,)
        order = self._order
        self.grads = {
            "W_ih": dW_ih[order],
            "W_hh": dW_hh[order],
            "b_ih": db[order],
            "b_hh": db[order].copy(),
        }
        dX = (dZ.T @ cache.W_ih).reshape(T, B, D)  # (T, B, D)
        return np.ascontiguousarray(dX.transpose(1, 0, 2))  # (B, T, D)

    def _incoming(
        self, dH: Any, dh_T: Any, dc_T: Any, batch: int, time: int
    ) -> tuple[Array | None, Array, Array]:
        """:meth:`backward`'s arguments, checked: ``dH`` (or ``None``) and ``dh``, ``dc``, the
        gradients arriving at ``h_T`` and ``c_T``, ``(batch, hidden)`` (zeros for ``None``)."""
        H = self.hidden_size
        dh = np.zeros((batch, H), dtype=self.dtype)
        dc = np.zeros((batch, H), dtype=self.dtype)
        if dH is not None:
            dH = _as_finite("dH", dH, (batch, time, H), self.dtype)
        if dh_T is not None:
            dh[:] = _as_finite("dh_T", dh_T, (batch, H), self.dtype)
        if dc_T is not None:
            dc[:] = _as_finite("dc_T", dc_T, (batch, H), self.dtype)
        return dH, dh, dc

    def gate_values(self) -> dict[str, Array]:
        """The last forward pass's gates ``i, f, g, o``, each ``(batch, time, hidden)``."""
        if self._cache is None:
            raise ValueError("no gate values yet: run forward first")
        H = self.hidden_size
        gates = self._cache.gates.transpose(2, 0, 1)  # (B, T, 4H), i|f|o|g
        blocks = {"i": 0, "f": 1, "o": 2, "g": 3}
        return {k: gates[:, :, blocks[k] * H : (blocks[k] + 1) * H].copy() for k in "ifgo"}

    @classmethod
    def from_four_matrix_cell(cls, cell: FourMatrixCell) -> LSTM:
        """The same function as ``cell``, as one fused layer in PyTorch's layout.

        Each of the source's matrices ``(D + H, H)`` multiplies the row ``[x, h]``: its first
        ``D`` rows act on ``x``, the rest on ``h``. Side by side in the order i, f, g (the
        source's ``c``), o, and transposed, they give ``W_ih`` ``(4H, D)`` and ``W_hh``
        ``(4H, H)``. The source has one bias per gate; PyTorch has two, so ``b_hh`` is zero.
        """
        layer = cls(cell.input_size, cell.hidden_size, dtype=cell.W_f.dtype)
        D = cell.input_size
        W = [cell.W_i, cell.W_f, cell.W_c, cell.W_o]  # the order i, f, g, o
        W = np.concatenate(W, axis=1)  # (D + H, 4H)
        layer.W_ih = W[:D].T.copy()  # (4H, D)
        layer.W_hh = W[D:].T.copy()  # (4H, H)
        b = [cell.b_i, cell.b_f, cell.b_c, cell.b_o]  # (1, H) each
        layer.b_ih = np.concatenate(b, axis=1).ravel()  # (4H,)
        layer.b_hh = np.zeros_like(layer.b_ih)
        return layer


def _relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """``max |a - b| / max |b|``: the error relative to the size of the reference ``b``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(np.float64).tiny))
