"""Why the GRU learns the adding problem from PyTorch's initialisation (chapter 4).

:func:`input_sensitivity` measures, in an untrained or trained one-layer ``nn.LSTM`` or
``nn.GRU``, how strongly the final hidden state depends on the input at each step: the norm of
the Jacobian ``dh_T / dx_t``. It is the gradient that can reach step ``t`` from a loss on
``h_T``, before the head. :func:`per_step_retention` condenses such a curve into the factor by
which it shrinks per step back in time.

>>> _ = torch.manual_seed(0)
>>> s = input_sensitivity(nn.GRU(2, 4, batch_first=True), torch.randn(8, 6, 2))
>>> s.shape, bool((s > 0).all())
(torch.Size([6]), True)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lstmbook import validate


def input_sensitivity(rnn: nn.LSTM | nn.GRU | nn.RNN, X: Tensor) -> Tensor:
    """``||dh_T / dx_t||`` for every step ``t`` of ``X``: a tensor of shape ``(time,)``.

    ``X`` is ``(batch, time, features)`` for a one-layer, one-direction, batch-first ``rnn``.
    For each sequence the Frobenius norm of the ``(hidden, features)`` Jacobian of the final
    hidden state with respect to the input at step ``t``; the root mean square over the batch.
    """
    if not isinstance(rnn, (nn.LSTM, nn.GRU, nn.RNN)):
        raise TypeError(f"rnn must be an nn.LSTM, nn.GRU or nn.RNN, got {type(rnn).__name__}")
    if not rnn.batch_first or rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError("input_sensitivity expects one batch-first layer, one direction")
    X = validate.tensor("X", X, shape=("batch", "time", rnn.input_size))
    X = X.detach().to(rnn.weight_ih_l0.dtype).clone().requires_grad_(True)
    output, _ = rnn(X)
    h_T = output[:, -1]
    squares = torch.zeros(X.shape[1], dtype=X.dtype)
    for unit in range(h_T.shape[1]):  # one backward pass per unit of h_T: rows of the Jacobian
        (grad,) = torch.autograd.grad(h_T[:, unit].sum(), X, retain_graph=True)
        squares += (grad.detach() ** 2).sum(dim=(0, 2))
    return (squares / X.shape[0]).sqrt()


def per_step_retention(sensitivity: Tensor) -> float:
    """The geometric mean of ``s[t] / s[t + 1]`` over the curve: how much of the gradient is
    left, per step, the further back in time it goes (1 would be no loss at all).

    >>> round(per_step_retention(torch.tensor([0.125, 0.25, 0.5, 1.0])), 3)
    0.5
    """
    s = validate.tensor("sensitivity", sensitivity, shape=("time",))
    if len(s) < 2 or not bool((s > 0).all()):
        raise ValueError("sensitivity must hold at least two positive values")
    return float((s[0] / s[-1]) ** (1.0 / (len(s) - 1)))
