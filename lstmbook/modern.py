"""The LSTM in 2026, minLSTM and minGRU (chapter 9); xLSTM's cells are in :mod:`lstmbook.xlstm`.

Two ``torch.nn.Module`` layers, :class:`MinLSTM` and :class:`MinGRU` (Feng et al. 2024, "Were
RNNs All We Needed?", arXiv:2410.01201). Each maps an input of shape ``(batch, time,
input_size)`` to outputs of shape ``(batch, time, hidden_size)``, starting from a zero state,
and each can be run two ways that give the same values: ``m(x, mode="parallel")`` and
``m(x, mode="sequential")`` (one step at a time). Their gates read ``x_t`` only, so the
recurrence is the linear ``h_t = a_t * h_{t-1} + b_t`` and :func:`lstmbook.scan.linear_scan`
computes it for all ``t`` at once. :func:`parallel_vs_sequential` compares the two forms of any
of the book's modern layers (:mod:`lstmbook.xlstm`'s too). The exercise's checker is in
:mod:`lstmbook.exercises.modern`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.scan import linear_scan, sequential_scan

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
