"""The NumPy LSTM's loops over time, forward and backward, in place (ch. 2).

Both NumPy layers compute the input projections of every step before the loop and the parameter
gradients after it, each in a few large matrix products; what stays is the recurrence, here:

- :func:`_cell_update` and :func:`_into_gates`: one step's elementwise arithmetic, forward
  (``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)``) and backward (from ``dL/dh_t`` and
  ``dL/dc_t`` to the gates), written once for both layers. They take the gates as views, so
  they do not care how a layer lays out its arrays;
- :func:`_forward_steps` and :func:`_backward_steps`: the loops of
  :class:`lstmbook.numpy_lstm.LSTM`, vectors as columns ``(features, batch)``, gate order
  i|f|o|g, the sigmoid gates as ``1 / (1 + exp(-z))``;
- :func:`_forward_rows` and :func:`_backward_rows`: the loops of
  :class:`lstmbook.numpy_fast.FastLSTM` for one slice of the batch, vectors as rows
  ``(batch, features)``, PyTorch's gate order i|f|g|o, each sigmoid from one ``tanh``.

The two layouts stay two loops. The columns are what chapter 2 teaches, and keep each gate's
block contiguous for the plain layer's per-gate calls; the rows let the fast layer make one
product of every step's input projection and one ``tanh`` of all four gates. Whether that pays
on a given machine is what chapter 2's "make it faster" section measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lstmbook.numpy_lstm import Array


def _cell_update(
    i: Array,
    f: Array,
    g: Array,
    o: Array,
    c_prev: Array,
    c: Array,
    tanh_c: Array,
    h: Array,
    ig: Array,
) -> None:
    """One step's new state from its gate values, in place, in any layout.

    ``c = f * c_prev + i * g``, ``tanh_c = tanh(c)`` and ``h = o * tanh_c``; ``ig`` is scratch
    of the state's shape.
    """
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=ig)
    c += ig
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)


def _into_gates(
    dh: Array,
    dc: Array,
    i: Array,
    g: Array,
    o: Array,
    c_prev: Array,
    tanh_c: Array,
    d_gates: tuple[Array, Array, Array, Array],
    tmp: Array,
) -> None:
    """One step back through ``h_t = o * tanh(c_t)`` and ``c_t = f * c_{t-1} + i * g``.

    ``dh`` is ``dL/dh_t``; ``dc`` arrives holding what step ``t + 1`` sends back,
    ``f_{t+1} dL/dc_{t+1}``, and leaves holding ``dL/dc_t``. Writes ``dL/di``, ``dL/df``,
    ``dL/dg`` and ``dL/do`` into ``d_gates`` (before the gates' own slopes); ``tmp`` is scratch.
    """
    di, df, dg, do = d_gates
    # h_t = o * tanh(c_t): into the output gate and the cell state.
    np.multiply(dh, tanh_c, out=do)
    np.multiply(tanh_c, tanh_c, out=tmp)
    np.subtract(1.0, tmp, out=tmp)
    tmp *= o
    tmp *= dh
    dc += tmp  # dL/dc_t = f_{t+1} dL/dc_{t+1} + dh * o * (1 - tanh(c_t)^2)
    # c_t = f * c_{t-1} + i * g
    np.multiply(dc, g, out=di)
    np.multiply(dc, c_prev, out=df)
    np.multiply(dc, i, out=dg)


def _forward_steps(
    gates: Array,
    W_hh: Array,
    h: Array,
    c: Array,
    tanh_c: Array,
) -> None:
    """The recurrence of :meth:`LSTM.forward`, in place, vectors as columns ``(features, B)``.

    ``gates`` ``(T, 4H, B)`` holds every step's input projection with both biases, rows
    i|f|o|g, the sigmoid gates' rows negated; ``W_hh`` ``(4H, H)`` is ordered and negated the
    same way. Fills ``gates`` with the gate values, ``h[1:]`` and ``c[1:]`` ``(T, H, B)`` with
    the states from ``h[0]``, ``c[0]``, and ``tanh_c`` with ``tanh(c_1) .. tanh(c_T)``.
    """
    T, G, B = gates.shape
    H = G // 4
    # (T, H, B) each
    i, f, o, g = (gates[:, k * H : (k + 1) * H] for k in range(4))
    sigmoid_gates = gates[:, : 3 * H]  # (T, 3H, B): i, f, o side by side
    hW = np.empty((G, B), dtype=gates.dtype)  # W_hh h_{t-1}, rows negated
    ig = np.empty((H, B), dtype=gates.dtype)  # i_t * g_t
    # exp(-z) = inf for z < -88 in float32: then 1 / (1 + inf) = 0, exactly.
    with np.errstate(over="ignore"):
        for t in range(T):
            np.matmul(W_hh, h[t], out=hW)
            gates[t] += hW  # (-z_i, -z_f, -z_o, z_g)
            s = sigmoid_gates[t]
            np.exp(s, out=s)  # i, f, o = 1 / (1 + exp(-z)) in three calls
            s += 1.0
            np.reciprocal(s, out=s)
            np.tanh(g[t], out=g[t])
            # c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t)
            gate = i[t], f[t], g[t], o[t]
            _cell_update(*gate, c[t], c[t + 1], tanh_c[t], h[t + 1], ig)


def _backward_steps(
    gates: Array,
    c: Array,
    tanh_c: Array,
    W_hh: Array,
    dH: Array | None,
    dh: Array,
    dc: Array,
    dZ: Array,
) -> None:
    """The recurrence of :meth:`LSTM.backward`, vectors as columns ``(features, B)``.

    ``gates``, ``c`` and ``tanh_c`` are what :func:`_forward_steps` left, ``W_hh`` ``(4H, H)``
    its rows in order i|f|o|g (not negated). ``dH`` ``(T, H, B)`` (or ``None``) is the loss's
    gradient with respect to every ``h_t``; ``dh``, ``dc`` ``(H, B)`` arrive at ``h_T``,
    ``c_T`` and leave holding ``dL/dh_0``, ``dL/dc_0``. Every step's ``dL/dz_t`` goes into
    ``dZ[:, t]`` ``(4H, T, B)``.
    """
    T, G, B = gates.shape
    H = G // 4
    # (T, H, B) each
    i, f, o, g = (gates[:, k * H : (k + 1) * H] for k in range(4))
    dz = np.empty((4 * H, B), dtype=gates.dtype)  # dL/dz_t of one step
    di, df, do, dg = (dz[k * H : (k + 1) * H] for k in range(4))  # (H, B)
    d_gates = di, df, dg, do  # what _into_gates writes, in its order
    W_hh_T = np.ascontiguousarray(W_hh.T)  # (H, 4H)
    tmp = np.empty((H, B), dtype=gates.dtype)
    slope = np.empty((4 * H, B), dtype=gates.dtype)  # sigma' and tanh'
    for t in range(T - 1, -1, -1):
        if dH is not None:
            dh += dH[t]  # dL/dh_t: from H[:, t] and from step t + 1
        # through h_t = o * tanh(c_t) and c_t = f * c_{t-1} + i * g
        _into_gates(dh, dc, i[t], g[t], o[t], c[t], tanh_c[t], d_gates, tmp)
        # Nonlinearities: s' = s - s^2 (i, f, o), tanh' = 1 - g^2.
        np.multiply(gates[t], gates[t], out=slope)
        np.subtract(gates[t, : 3 * H], slope[: 3 * H], out=slope[: 3 * H])
        np.subtract(1.0, slope[3 * H :], out=slope[3 * H :])
        dz *= slope
        # the constant error carousel: dL/dc_{t-1} = f_t * dL/dc_t
        dc *= f[t]
        np.matmul(W_hh_T, dz, out=dh)  # dL/dh_{t-1} through the recurrence
        dZ[:, t] = dz


def _forward_rows(
    gates: Array,
    W_hh_T: Array,
    scale: Array,
    shift: Array,
    h: Array,
    c: Array,
    tanh_c: Array,
) -> None:
    """The recurrence of :meth:`FastLSTM.forward` for one slice of the batch, in place.

    ``gates`` ``(T, b, 4H)`` arrives holding the input projections with both biases, the
    sigmoid gates' columns halved, and leaves holding the gate values. ``W_hh_T`` ``(H, 4H)`` is
    halved the same way; ``scale`` and ``shift`` ``(4H,)`` are 1/2 and 1/2 for the sigmoid gates,
    1 and 0 for g. Fills ``h[1:]``, ``c[1:]`` and ``tanh_c`` ``(T, b, H)`` from ``h[0]``, ``c[0]``.
    """
    T, B, G = gates.shape
    H = G // 4
    hW = np.empty((B, G), dtype=gates.dtype)
    ig = np.empty((B, H), dtype=gates.dtype)
    for t in range(T):
        z = gates[t]
        np.matmul(h[t], W_hh_T, out=hW)
        z += hW  # z_i / 2, z_f / 2, z_g, z_o / 2
        np.tanh(z, out=z)
        # sigmoid(z) = (1 + tanh(z / 2)) / 2 for i, f, o; g is tanh(z_g)
        z *= scale
        z += shift
        i, f, g, o = (z[:, k * H : (k + 1) * H] for k in range(4))
        _cell_update(i, f, g, o, c[t], c[t + 1], tanh_c[t], h[t + 1], ig)


def _backward_rows(
    gates: Array,
    c: Array,
    tanh_c: Array,
    W_hh: Array,
    dH: Array | None,
    dh: Array,
    dc: Array,
    dZ: Array,
) -> None:
    """The recurrence of :meth:`FastLSTM.backward` for one slice of the batch, rows, gate order
    i|f|g|o.

    ``dH`` ``(T, b, H)`` (or ``None``) is the loss's gradient with respect to every ``h_t``;
    ``dh``, ``dc`` ``(b, H)`` arrive at ``h_T``, ``c_T`` and leave holding ``dL/dh_0``,
    ``dL/dc_0``. Every step's ``dL/dz_t`` goes into ``dZ[t]`` ``(b, 4H)``.
    """
    T, B, G = gates.shape
    H = G // 4
    tmp = np.empty((B, H), dtype=gates.dtype)
    slope = np.empty((B, G), dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        a, dz = gates[t], dZ[t]
        i, f, g, o = (a[:, k * H : (k + 1) * H] for k in range(4))
        if dH is not None:
            dh += dH[t]
        d_gates = tuple(dz[:, k * H : (k + 1) * H] for k in range(4))
        _into_gates(dh, dc, i, g, o, c[t], tanh_c[t], d_gates, tmp)
        # s' = s - s^2 (i, f, o), tanh' = 1 - g^2
        np.multiply(a, a, out=slope)
        np.subtract(a[:, : 2 * H], slope[:, : 2 * H], out=slope[:, : 2 * H])
        np.subtract(1.0, slope[:, 2 * H : 3 * H], out=slope[:, 2 * H : 3 * H])
        np.subtract(o, slope[:, 3 * H :], out=slope[:, 3 * H :])
        dz *= slope
        dc *= f
        np.matmul(dz, W_hh, out=dh)  # dL/dh_{t-1}
