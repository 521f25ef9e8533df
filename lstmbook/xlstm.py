"""xLSTM's two cells as layers: :class:`SLSTM` and :class:`MLSTM` (Beck et al. 2024, "xLSTM",
arXiv:2405.04517; chapter 9).

- :class:`SLSTM`: exponential input gate, normaliser and stabiliser states; the gates read
  ``h_{t-1}``, so it has a sequential form only.
- :class:`MLSTM`: a matrix memory per head, with a parallel (attention-like) form and a
  recurrent one.

Each maps ``(batch, time, input_size)`` to ``(batch, time, hidden_size)`` from a zero state, as
the layers of :mod:`lstmbook.modern` do.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.modern import MODES, _input, _sizes

# ---------------------------------------------------------------------------------------------
# sLSTM


def _stabilised_gates(
    i_pre: Tensor, log_f: Tensor, m_prev: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """``(i', f', m_t)``: ``m_t = max(log f_t + m_{t-1}, i~_t)``; at the first step ``m = i~``."""
    if m_prev is None:
        return torch.ones_like(i_pre), torch.zeros_like(i_pre), i_pre
    m = torch.maximum(log_f + m_prev, i_pre)
    return torch.exp(i_pre - m), torch.exp(log_f + m_prev - m), m


class SLSTM(nn.Module):
    r"""sLSTM (Beck et al. 2024): exponential input gate, normaliser and stabiliser states.

    For each step, from pre-activations :math:`\tilde\imath_t, \tilde f_t, \tilde z_t,
    \tilde o_t = W x_t + R h_{t-1} + b`:

    .. math::
        i_t = \exp(\tilde\imath_t), \quad f_t = \sigma(\tilde f_t) \text{ or } \exp(\tilde f_t),
        \quad z_t = \tanh(\tilde z_t), \quad o_t = \sigma(\tilde o_t) \\
        c_t = f_t c_{t-1} + i_t z_t, \quad n_t = f_t n_{t-1} + i_t, \quad
        h_t = o_t \odot c_t / n_t

    :math:`\exp` overflows (float32 at 89, float64 at 710). The stabiliser state
    :math:`m_t = \max(\log f_t + m_{t-1}, \tilde\imath_t)` replaces the gates by
    :math:`i'_t = \exp(\tilde\imath_t - m_t) \le 1` and
    :math:`f'_t = \exp(\log f_t + m_{t-1} - m_t) \le 1`; this scales :math:`c_t` and
    :math:`n_t` by the same :math:`e^{-m_t}`, so :math:`c_t / n_t` and :math:`h_t` are
    unchanged. At the first step :math:`m_1 = \tilde\imath_1` (:math:`c_0 = n_0 = 0`). Because
    :math:`c_t / n_t` is a weighted mean of the :math:`z_s \in (-1, 1)`, :math:`|h_t| < 1`.

    The recurrence mixes :math:`h_{t-1}` into the gates, so there is no parallel form:
    ``mode="parallel"`` is refused. Here there is one head (the paper's ``R`` is
    block-diagonal over heads), and no causal convolution or normalisation around the cell.

    Args:
        input_size: features of :math:`x_t`.
        hidden_size: units of :math:`h_t`, :math:`c_t`, :math:`n_t`, :math:`m_t`.
        forget_gate: ``"sigmoid"`` (default, as the reference code) or ``"exp"``.

    Attributes:
        weight_ih: :math:`W`, shape ``(4 * hidden_size, input_size)``, gate order
            ``i, f, z, o`` (xLSTM's order), each block ``hidden_size`` rows.
        weight_hh: :math:`R`, shape ``(4 * hidden_size, hidden_size)``, same order.
        bias: :math:`b`, shape ``(4 * hidden_size)``, same order.

    Inputs: ``x`` of shape ``(batch, time, input_size)``, ``mode="sequential"``, and
    ``stabilised`` (default True; False computes :math:`\exp` directly, to show the overflow).
    Output: ``h`` of shape ``(batch, time, hidden_size)``.

    >>> _ = torch.manual_seed(0)
    >>> m = SLSTM(2, 4)
    >>> h = m(torch.randn(3, 10, 2))
    >>> h.shape, bool(h.abs().max() < 1)
    (torch.Size([3, 10, 4]), True)
    """

    def __init__(self, input_size: int, hidden_size: int, forget_gate: str = "sigmoid") -> None:
        super().__init__()
        self.input_size, self.hidden_size = _sizes(input_size, hidden_size)
        self.forget_gate = validate.one_of("forget_gate", forget_gate, ("sigmoid", "exp"))
        H, bound = self.hidden_size, 1 / math.sqrt(self.hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * H, self.input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))

    def _log_f(self, f_pre: Tensor) -> Tensor:
        return F.logsigmoid(f_pre) if self.forget_gate == "sigmoid" else f_pre

    def forward(self, x: Tensor, mode: str = "sequential", stabilised: bool = True) -> Tensor:
        """``(batch, time, input_size)`` to ``(batch, time, hidden_size)``, one step at a time."""
        mode = validate.one_of("mode", mode, MODES)
        stabilised = validate.boolean("stabilised", stabilised)
        if mode == "parallel":
            raise ValueError(
                "mode must be 'sequential' for SLSTM, got 'parallel': the sLSTM's gates read "
                "h_{t-1}, so it has no parallel form"
            )
        x = _input(self, x)
        B, H = x.shape[0], self.hidden_size
        pre_x = F.linear(x, self.weight_ih, self.bias)  # (B, T, 4H), all steps at once
        h = c = n = x.new_zeros(B, H)
        m = None
        out = []
        for pre_t in pre_x.unbind(1):
            i_pre, f_pre, z_pre, o_pre = (pre_t + h @ self.weight_hh.T).chunk(4, dim=-1)
            log_f = self._log_f(f_pre)
            if stabilised:
                i, f, m = _stabilised_gates(i_pre, log_f, m)
            else:
                i, f = torch.exp(i_pre), torch.exp(log_f)
            c = f * c + i * torch.tanh(z_pre)
            n = f * n + i
            h = torch.sigmoid(o_pre) * c / n
            out.append(h)
        return torch.stack(out, 1)


# ---------------------------------------------------------------------------------------------
# mLSTM


def _segment_sums(log_f: Tensor) -> Tensor:
    """``S[..., t, s] = sum_{s < l <= t} log_f[..., l]`` for ``s <= t``, else ``-inf``.

    Each entry is summed over its own segment (not taken as a difference of two running sums),
    so its rounding does not grow with ``t``.
    """
    T = log_f.shape[-1]
    strictly_below = torch.ones(T, T, dtype=torch.bool, device=log_f.device).tril(-1)
    terms = log_f.unsqueeze(-1).expand(*log_f.shape, T).masked_fill(~strictly_below, 0)
    sums = terms.cumsum(-2)  # sums[t, s] = sum over l <= t of terms[l, s]
    causal = torch.ones(T, T, dtype=torch.bool, device=log_f.device).tril()
    return sums.masked_fill(~causal, -math.inf)


class MLSTM(nn.Module):
    r"""mLSTM (Beck et al. 2024): a matrix memory per head, with parallel and recurrent forms.

    For each head (size :math:`d` = ``hidden_size // num_heads``) and step:

    .. math::
        q_t = W_q x_t + b_q, \quad k_t = (W_k x_t + b_k) / \sqrt d, \quad v_t = W_v x_t + b_v,
        \quad o_t = \sigma(W_o x_t + b_o) \\
        i_t = \exp(\tilde\imath_t), \quad f_t = \sigma(\tilde f_t) \quad
        \text{(one scalar each per head, } \tilde\imath_t = w_i^\top x_t + b_i \text{, ...)} \\
        C_t = f_t C_{t-1} + i_t v_t k_t^\top, \quad n_t = f_t n_{t-1} + i_t k_t, \quad
        h_t = o_t \odot \frac{C_t q_t}{\max(|n_t^\top q_t|, 1)}

    Stabilised as :class:`SLSTM`: with :math:`m_t = \max(\log f_t + m_{t-1}, \tilde\imath_t)`,
    :math:`C` and :math:`n` are kept scaled by :math:`e^{-m_t}`, and the denominator becomes
    :math:`\max(|n_t^\top q_t|, e^{-m_t})`.

    The gates read only :math:`x_t`, so all steps can be computed at once
    (``mode="parallel"``): with :math:`D_{ts} = \exp(\sum_{s<l\le t} \log f_l +
    \tilde\imath_s - m_t)` for :math:`s \le t` (0 above the diagonal) and
    :math:`m_t = \max_s` of the exponent, :math:`\tilde C = (Q K^\top) \odot D`,
    :math:`h = o \odot (\tilde C V) / \max(|\tilde C \mathbf 1|, e^{-m})`: causal attention
    with a learned decay in place of the softmax. ``"sequential"`` (or ``"recurrent"``) runs the
    matrix-memory recurrence one step at a time; the two agree. Here the cell stands alone,
    without the xLSTM block's up-projection, convolution and normalisation.

    Args:
        input_size: features of :math:`x_t`.
        hidden_size: size of :math:`h_t` (all heads together).
        num_heads: heads; must divide ``hidden_size``.

    Attributes:
        linear: ``nn.Linear(input_size, 4 * hidden_size + 2 * num_heads)``; its rows are, in
            this order, :math:`W_q, W_k, W_v, W_o` (``hidden_size`` rows each, head by head) and
            the input and forget gates (``num_heads`` rows each).

    Inputs: ``x`` of shape ``(batch, time, input_size)``, ``mode`` ``"parallel"`` (default),
    ``"sequential"`` or ``"recurrent"``, ``stabilised`` (default True). Output: ``h`` of shape
    ``(batch, time, hidden_size)``. The parallel form costs time and memory quadratic in T.

    >>> _ = torch.manual_seed(0)
    >>> m = MLSTM(2, 8, num_heads=2)
    >>> x = torch.randn(3, 10, 2)
    >>> bool(torch.allclose(m(x), m(x, mode="recurrent"), atol=1e-5))
    True
    """

    def __init__(self, input_size: int, hidden_size: int, num_heads: int = 1) -> None:
        super().__init__()
        self.input_size, self.hidden_size = _sizes(input_size, hidden_size)
        self.num_heads = validate.positive_int("num_heads", num_heads)
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"num_heads must divide hidden_size, got num_heads={self.num_heads} and "
                f"hidden_size={self.hidden_size}"
            )
        self.head_size = self.hidden_size // self.num_heads
        self.linear = nn.Linear(self.input_size, 4 * self.hidden_size + 2 * self.num_heads)

    def _project(self, x: Tensor) -> tuple[Tensor, ...]:
        """q, k, v, o of shape (B, NH, T, d); i~ and log f of shape (B, NH, T)."""
        B, T, _ = x.shape
        H, NH, d = self.hidden_size, self.num_heads, self.head_size
        q, k, v, o, i_pre, f_pre = self.linear(x).split([H, H, H, H, NH, NH], dim=-1)

        def heads(t: Tensor) -> Tensor:
            return t.reshape(B, T, NH, d).transpose(1, 2)

        k = k / math.sqrt(d)
        o = torch.sigmoid(o)
        return (
            heads(q), heads(k), heads(v), heads(o),
            i_pre.transpose(1, 2), F.logsigmoid(f_pre).transpose(1, 2),
        )  # fmt: skip

    def forward(self, x: Tensor, mode: str = "parallel", stabilised: bool = True) -> Tensor:
        """``(batch, time, input_size)`` to ``(batch, time, hidden_size)``."""
        mode = validate.one_of("mode", mode, (*MODES, "recurrent"))
        stabilised = validate.boolean("stabilised", stabilised)
        x = _input(self, x)
        q, k, v, o, i_pre, log_f = self._project(x)
        run = self._parallel if mode == "parallel" else self._recurrent
        h = o * run(q, k, v, i_pre, log_f, stabilised)  # (B, NH, T, d)
        return h.transpose(1, 2).flatten(2)

    @staticmethod
    def _parallel(
        q: Tensor, k: Tensor, v: Tensor, i_pre: Tensor, log_f: Tensor, stabilised: bool
    ) -> Tensor:
        log_D = _segment_sums(log_f) + i_pre.unsqueeze(-2)  # (B, NH, T, T): [t, s]
        m = log_D.amax(-1, keepdim=True) if stabilised else torch.zeros_like(log_D[..., :1])
        C = (q @ k.transpose(-1, -2)) * torch.exp(log_D - m)
        normaliser = torch.maximum(C.sum(-1, keepdim=True).abs(), torch.exp(-m))
        return (C @ v) / normaliser

    @staticmethod
    def _recurrent(
        q: Tensor, k: Tensor, v: Tensor, i_pre: Tensor, log_f: Tensor, stabilised: bool
    ) -> Tensor:
        B, NH, T, d = q.shape
        C = q.new_zeros(B, NH, d, d)  # C[..., a, b] = sum of weights * v_a k_b
        n = q.new_zeros(B, NH, d)
        m = None
        out = []
        steps = (t.unbind(2) for t in (q, k, v, i_pre, log_f))
        for q_t, k_t, v_t, i_t, log_f_t in zip(*steps, strict=True):
            if stabilised:
                i, f, m = _stabilised_gates(i_t, log_f_t, m)
                floor = torch.exp(-m)
            else:
                i, f, floor = torch.exp(i_t), torch.exp(log_f_t), torch.ones_like(i_t)
            i, f, floor = i[..., None], f[..., None], floor[..., None]
            C = f[..., None] * C + i[..., None] * (v_t[..., :, None] * k_t[..., None, :])
            n = f * n + i * k_t
            denominator = torch.maximum((n * q_t).sum(-1, keepdim=True).abs(), floor)
            out.append((C @ q_t[..., None]).squeeze(-1) / denominator)
        return torch.stack(out, 2)
