"""The LSTM in 2026: minLSTM and minGRU with a parallel scan, xLSTM's sLSTM and mLSTM (chapter 9).

Four ``torch.nn.Module`` layers. Each maps an input of shape ``(batch, time, input_size)`` to
outputs of shape ``(batch, time, hidden_size)``, starting from a zero state, and each can be run
two ways that give the same values: ``m(x, mode="parallel")`` and ``m(x, mode="sequential")``
(one step at a time; :class:`MLSTM` also takes ``"recurrent"``, the xLSTM paper's word for it).

- :class:`MinLSTM` and :class:`MinGRU` (Feng et al. 2024, "Were RNNs All We Needed?",
  arXiv:2410.01201): gates that read ``x_t`` only, so the recurrence is the linear
  ``h_t = a_t * h_{t-1} + b_t`` and :func:`linear_scan` computes it for all ``t`` at once.
- :class:`SLSTM` (Beck et al. 2024, "xLSTM", arXiv:2405.04517): exponential input gate,
  normaliser and stabiliser states; the gates read ``h_{t-1}``, so it has a sequential form only.
- :class:`MLSTM` (the same paper): a matrix memory per head, with a parallel (attention-like)
  form and a recurrent one.

Also here: :func:`linear_scan` (a work-efficient parallel scan in linear space, accurate in
float32 at any length), :func:`log_space_scan` (the paper's log-space scan, which drifts in
float32 at long lengths; kept to show that), :func:`sequential_scan` (the loop), and
:func:`check_scan` (an exercise checker).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.checking import call_reader, report, wrong_shape

MODES = ("parallel", "sequential")


def _input(module: nn.Module, x: object) -> Tensor:
    """``x`` checked as ``(batch, time, input_size)`` in the module's dtype."""
    dtype = next(module.parameters()).dtype
    return validate.tensor("x", x, shape=("batch", "time", module.input_size), dtype=dtype)


def _sizes(input_size: object, hidden_size: object) -> tuple[int, int]:
    return validate.positive_int("input_size", input_size), validate.positive_int(
        "hidden_size", hidden_size
    )


# ---------------------------------------------------------------------------------------------
# Scans of h_t = a_t * h_{t-1} + b_t (h_{-1} = 0), along dimension 1 of (batch, time, ...).


def _pair(first: str, a: object, second: str, b: object) -> None:
    """Two tensors of one shape ``(batch, time, ...)``."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{first} must be a torch tensor, got {type(a).__name__}")
    if not isinstance(b, Tensor):
        raise TypeError(f"{second} must be a torch tensor, got {type(b).__name__}")
    if a.dim() < 2:
        raise ValueError(f"{first} must have shape (batch, time, ...), got {tuple(a.shape)}")
    if a.shape != b.shape:
        raise ValueError(
            f"{second} must have the shape of {first}, {tuple(a.shape)}, got {tuple(b.shape)}"
        )


def sequential_scan(a: Tensor, b: Tensor) -> Tensor:
    """``h_t = a_t * h_{t-1} + b_t`` for every ``t``, one step at a time (``h_{-1} = 0``).

    ``a`` and ``b`` have shape ``(batch, time, ...)``; so does the result. The loop reads the
    steps with ``unbind`` (indexing ``a[:, t]`` under autograd costs time quadratic in T).

    >>> sequential_scan(torch.tensor([[0.5, 0.5, 0.5]]), torch.tensor([[1.0, 1.0, 1.0]]))
    tensor([[1.0000, 1.5000, 1.7500]])
    """
    _pair("a", a, "b", b)
    h = torch.zeros_like(b[:, 0])
    out = []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, 1)


def linear_scan(a: Tensor, b: Tensor) -> Tensor:
    """The same as :func:`sequential_scan`, computed by a parallel scan in about log2(T) rounds.

    The step ``h -> a * h + b`` is an affine map, and two affine maps compose into one:
    first ``(a1, b1)`` then ``(a2, b2)`` is ``(a2 * a1, a2 * b1 + b2)``. Composition is
    associative, so the steps can be combined in any grouping. This is the work-efficient
    (Blelloch) form: combine neighbouring pairs, which halves the sequence; solve the half
    recursively (it gives ``h`` at every odd step); then one more elementwise step gives every
    even step. Each round is one elementwise operation over the whole (remaining) sequence, so
    there are about ``2 log2(T)`` rounds and ``O(T)`` work in all.

    It stays in linear space: with ``0 <= a <= 1`` every intermediate is a product of numbers in
    ``[0, 1]`` or a sum of such products times ``b``, so float32 rounding does not grow with T
    (a log-space scan subtracts long cumulative sums, whose rounding does grow; see
    :func:`log_space_scan`). ``b`` may have either sign.

    >>> a, b = torch.rand(2, 7, 3), torch.randn(2, 7, 3)
    >>> bool(torch.allclose(linear_scan(a, b), sequential_scan(a, b), atol=1e-6))
    True
    """
    _pair("a", a, "b", b)
    T = a.shape[1]
    if T == 1:
        return b
    if T % 2:  # pad with the identity map (a = 1, b = 0), which leaves h unchanged
        a = torch.cat([a, torch.ones_like(a[:, :1])], 1)
        b = torch.cat([b, torch.zeros_like(b[:, :1])], 1)
    a_even, a_odd, b_even, b_odd = a[:, 0::2], a[:, 1::2], b[:, 0::2], b[:, 1::2]
    h_odd = linear_scan(a_odd * a_even, a_odd * b_even + b_odd)  # h at steps 1, 3, 5, ...
    h_before = torch.cat([torch.zeros_like(h_odd[:, :1]), h_odd[:, :-1]], 1)
    h_even = a_even * h_before + b_even  # h at steps 0, 2, 4, ...
    h = torch.stack([h_even, h_odd], 2).flatten(1, 2)  # interleave: (batch, time, ...)
    return h[:, :T]


def log_space_scan(log_a: Tensor, log_b: Tensor) -> Tensor:
    """The paper's log-space scan (Heinsen 2023): ``h`` for ``b > 0``, given ``log a``, ``log b``.

    ``a*_t = sum_{s<=t} log a_s`` and ``log h_t = a*_t + logcumsumexp_t(log b_t - a*_t)``: two
    cumulative sums, all elementwise. In float32 the running sum ``a*`` grows with ``t`` and
    the rounding of the difference of two large sums grows with it, so the result drifts at
    long T; :func:`linear_scan` does not.

    >>> a, b = torch.rand(1, 5, 2), torch.rand(1, 5, 2)
    >>> bool(torch.allclose(log_space_scan(a.log(), b.log()), sequential_scan(a, b)))
    True
    """
    _pair("log_a", log_a, "log_b", log_b)
    a_star = torch.cumsum(log_a, 1)
    return torch.exp(a_star + torch.logcumsumexp(log_b - a_star, 1))


# ---------------------------------------------------------------------------------------------
# minLSTM and minGRU


def normalised_gates(f_pre: Tensor, i_pre: Tensor) -> tuple[Tensor, Tensor]:
    """minLSTM's normalised gates ``f / (f + i)`` and ``i / (f + i)``, ``f = sigmoid(f_pre)`` etc.

    Computed as ``sigmoid(log f - log i)`` and its complement, the same numbers, which stay
    defined where both gates underflow to 0 (``f / (f + i)`` would be ``0 / 0``).

    >>> f, i = normalised_gates(torch.tensor([0.0, -1e4]), torch.tensor([0.0, -1e4]))
    >>> f.tolist(), i.tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    if not isinstance(f_pre, Tensor) or not isinstance(i_pre, Tensor):
        raise TypeError("f_pre and i_pre must be torch tensors")
    if f_pre.shape != i_pre.shape:
        raise ValueError(
            f"i_pre must have the shape of f_pre, {tuple(f_pre.shape)}, got {tuple(i_pre.shape)}"
        )
    log_f, log_i = F.logsigmoid(f_pre), F.logsigmoid(i_pre)
    return torch.sigmoid(log_f - log_i), torch.sigmoid(log_i - log_f)


def g(x: Tensor) -> Tensor:
    """The paper's ``g``: ``x + 1/2`` for ``x >= 0``, else ``sigmoid(x)``; positive, continuous."""
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch tensor, got {type(x).__name__}")
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def parallel_vs_sequential(model: nn.Module, x: Tensor) -> tuple[float, float]:
    """Largest differences between the two modes: of the outputs, and of all gradients.

    The gradients are those of ``sum(h * w)`` for a fixed random ``w``, with respect to ``x``
    and every parameter.
    """
    results = []
    for mode in MODES:
        x_leaf = x.clone().requires_grad_()
        h = model(x_leaf, mode=mode)
        w = torch.randn(h.shape, generator=torch.Generator().manual_seed(0), dtype=h.dtype)
        grads = torch.autograd.grad((h * w).sum(), [x_leaf, *model.parameters()])
        results.append((h.detach(), grads))
    (h1, g1), (h2, g2) = results
    value = (h1 - h2).abs().max().item()
    grad = max((a - b).abs().max().item() for a, b in zip(g1, g2, strict=True))
    return value, grad


class _MinRNN(nn.Module):
    """What minLSTM and minGRU share: one linear map of x_t to all gates, and the two modes."""

    n_chunks = 0  # pre-activation blocks of hidden_size (set by subclasses)

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size = _sizes(input_size, hidden_size)
        self.linear = nn.Linear(self.input_size, self.n_chunks * self.hidden_size)

    def coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(a, b)`` of the recurrence ``h_t = a_t * h_{t-1} + b_t``, each ``(B, T, H)``."""
        raise NotImplementedError

    def forward(self, x: Tensor, mode: str = "parallel") -> Tensor:
        """``(batch, time, input_size)`` to ``(batch, time, hidden_size)``, from ``h_0 = 0``."""
        mode = validate.one_of("mode", mode, MODES)
        a, b = self.coefficients(_input(self, x))
        return linear_scan(a, b) if mode == "parallel" else sequential_scan(a, b)


class MinLSTM(_MinRNN):
    r"""minLSTM (Feng et al. 2024): an LSTM whose gates read only the input, with no output gate.

    For each step, with :math:`\sigma` the sigmoid:

    .. math::
        f_t = \sigma(W_f x_t + b_f), \quad i_t = \sigma(W_i x_t + b_i), \quad
        \tilde h_t = W_h x_t + b_h \\
        f'_t = \frac{f_t}{f_t + i_t}, \quad i'_t = \frac{i_t}{f_t + i_t}, \quad
        h_t = f'_t \odot h_{t-1} + i'_t \odot \tilde h_t

    The normalised gates sum to 1, so :math:`h_t` is a weighted mean of :math:`h_{t-1}` and
    :math:`\tilde h_t`. Nothing in a gate depends on :math:`h_{t-1}`: the recurrence is linear
    in :math:`h`, and ``mode="parallel"`` computes it with :func:`linear_scan`.
    ``f'_t`` is computed as :math:`\sigma(\log f_t - \log i_t)`, which is the same number and
    stays defined when both gates underflow. The paper's log-space scan needs
    :math:`\tilde h_t > 0` (it passes it through a function ``g``); the linear-space scan here
    does not, so :math:`\tilde h_t` is the plain linear map of the paper's equations.

    Args:
        input_size: features of :math:`x_t`.
        hidden_size: units of :math:`h_t`.

    Attributes:
        linear: ``nn.Linear(input_size, 3 * hidden_size)``; its rows are, in this order, the
            forget gate :math:`W_f`, the input gate :math:`W_i` and the candidate :math:`W_h`
            (``weight`` of shape ``(3 * hidden_size, input_size)``, ``bias`` of
            ``(3 * hidden_size)``), each block ``hidden_size`` rows.

    Inputs: ``x`` of shape ``(batch, time, input_size)``, ``mode`` ``"parallel"`` (default) or
    ``"sequential"``. Output: ``h`` of shape ``(batch, time, hidden_size)``, from
    :math:`h_0 = 0`. Parameters: ``3 * hidden_size * (input_size + 1)``.

    >>> _ = torch.manual_seed(0)
    >>> m = MinLSTM(input_size=2, hidden_size=4)
    >>> x = torch.randn(3, 10, 2)
    >>> m(x).shape, bool(torch.allclose(m(x), m(x, mode="sequential"), atol=1e-6))
    (torch.Size([3, 10, 4]), True)
    """

    n_chunks = 3

    def coefficients(self, x: Tensor, positive: bool = False) -> tuple[Tensor, Tensor]:
        """``(f', i' * h~)``; with ``positive``, ``h~`` passes through the paper's :func:`g` first
        (what its log-space scan needs: ``b > 0``)."""
        f_pre, i_pre, h_tilde = self.linear(x).chunk(3, dim=-1)
        f_norm, i_norm = normalised_gates(f_pre, i_pre)
        return f_norm, i_norm * (g(h_tilde) if positive else h_tilde)


class MinGRU(_MinRNN):
    r"""minGRU (Feng et al. 2024): a GRU whose update gate reads only the input, with no reset gate.

    .. math::
        z_t = \sigma(W_z x_t + b_z), \quad \tilde h_t = W_h x_t + b_h, \quad
        h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t

    Linear in :math:`h`, so ``mode="parallel"`` uses :func:`linear_scan`.

    Args:
        input_size: features of :math:`x_t`.
        hidden_size: units of :math:`h_t`.

    Attributes:
        linear: ``nn.Linear(input_size, 2 * hidden_size)``; rows in the order update gate
            :math:`W_z`, candidate :math:`W_h`, each block ``hidden_size`` rows.

    Inputs and output as :class:`MinLSTM`. Parameters: ``2 * hidden_size * (input_size + 1)``.

    >>> _ = torch.manual_seed(0)
    >>> m = MinGRU(2, 4)
    >>> x = torch.randn(3, 10, 2)
    >>> bool(torch.allclose(m(x), m(x, mode="sequential"), atol=1e-6))
    True
    """

    n_chunks = 2

    def coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        z_pre, h_tilde = self.linear(x).chunk(2, dim=-1)
        z = torch.sigmoid(z_pre)
        return 1 - z, z * h_tilde


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


# ---------------------------------------------------------------------------------------------
# Exercise checker


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


# ---------------------------------------------------------------------------------------------
# The picture of the scan


def plot_scan_tree(T: int = 8):
    """A figure of :func:`linear_scan` on ``T`` steps (a power of 2): which steps combine when.

    Going up, each round composes neighbouring pairs of maps, so after round ``r`` the map
    at step ``t`` covers the ``2^r`` steps ending at ``t``; going down, each round fills in the
    steps between the ones already known. Every round is one elementwise operation.
    """
    import matplotlib.pyplot as plt

    from lstmbook.style import HEIGHT, WIDTH

    T = validate.positive_int("T", T, minimum=2)
    if T & (T - 1):
        raise ValueError(f"T must be a power of 2, got {T}")
    levels = T.bit_length() - 1
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    known: set[int] = set()
    y = 0
    for r in range(1, levels + 1):  # up: step t combines with step t - 2^(r-1)
        for t in range(2**r - 1, T, 2**r):
            ax.annotate("", (t, y + 1), (t - 2 ** (r - 1), y),
                        arrowprops={"arrowstyle": "->", "color": "tab:blue"})  # fmt: skip
            ax.plot([t, t], [y, y + 1], color="tab:blue", lw=1)
        y += 1
    known = {T - 1}
    for r in range(levels - 1, -1, -1):  # down: fill in t = known + 2^r
        new = [t for t in range(2**r - 1, T, 2**r) if t not in known]
        for t in new:
            if t - 2**r >= 0:
                ax.annotate("", (t, y + 1), (t - 2**r, y),
                            arrowprops={"arrowstyle": "->", "color": "tab:orange"})  # fmt: skip
            ax.plot([t, t], [y, y + 1], color="tab:orange", lw=1)
        known |= set(new)
        y += 1
    for level in range(y + 1):
        ax.scatter(range(T), [level] * T, color="0.3", s=18, zorder=3)
    ax.set_xticks(range(T))
    ax.set_yticks(range(y + 1))
    ax.set_yticklabels(["inputs"] + [f"up {r}" for r in range(1, levels + 1)]
                       + [f"down {r}" for r in range(1, levels + 1)])  # fmt: skip
    ax.invert_yaxis()
    ax.set_xlabel("time step t")
    ax.grid(False)
    return fig


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
