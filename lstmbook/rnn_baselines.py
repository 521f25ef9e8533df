"""A fair plain-RNN baseline: the recurrent initialisations that were proposed to let a plain RNN
learn long lags (chapter 3).

- ``"default"``: PyTorch's ``nn.RNN`` (tanh), every weight drawn from ``U(-1/sqrt(H), 1/sqrt(H))``.
- ``"orthogonal"``: the same tanh RNN with an orthogonal recurrent matrix ``W_hh``: all its
  singular values are 1, so at the start it neither shrinks nor stretches the state (Saxe,
  McClelland and Ganguli 2014 for deep linear networks; a common RNN default since).
- ``"identity"``: the IRNN of Le, Jaitly and Hinton (2015): ReLU units, ``W_hh = I``, recurrent
  and input biases 0, input weights drawn from ``N(0, 0.001^2)`` as in their paper. With
  ``W_hh = I`` and no input the state is copied unchanged from step to step.

>>> _ = torch.manual_seed(0)
>>> model = rnn_model(2, 8, 1, init="identity")
>>> model.rnn.nonlinearity, bool(torch.equal(model.rnn.weight_hh_l0, torch.eye(8)))
('relu', True)
>>> model(torch.randn(3, 5, 2)).shape
torch.Size([3])
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.models import SequenceModel

#: The initialisations :func:`rnn_model` knows, and what each one is, for tables.
INITS: dict[str, str] = {
    "default": "tanh, PyTorch's U(-1/sqrt(H), 1/sqrt(H))",
    "orthogonal": "tanh, orthogonal W_hh",
    "identity": "ReLU, W_hh = I (IRNN)",
}

#: The standard deviation of the IRNN's input weights (Le, Jaitly and Hinton 2015).
IRNN_INPUT_STD = 0.001


def init_recurrent(rnn: nn.RNN, init: str) -> nn.RNN:
    """Initialise a one-layer ``nn.RNN`` in place with ``init`` (a key of :data:`INITS`).

    ``"identity"`` needs ``rnn.nonlinearity == "relu"``: an identity matrix is the IRNN's
    choice for ReLU units, not for tanh. Returns ``rnn``.

    >>> _ = torch.manual_seed(0)
    >>> rnn = init_recurrent(nn.RNN(2, 4), "orthogonal")
    >>> W = rnn.weight_hh_l0
    >>> bool(torch.allclose(W @ W.T, torch.eye(4), atol=1e-6))
    True
    """
    if not isinstance(rnn, nn.RNN):
        raise TypeError(f"rnn must be an nn.RNN, got {type(rnn).__name__}")
    init = validate.one_of("init", init, INITS)
    if init == "identity" and rnn.nonlinearity != "relu":
        raise ValueError("init='identity' needs an nn.RNN with nonlinearity='relu' (the IRNN)")
    with torch.no_grad():
        for name, parameter in rnn.named_parameters():
            if init == "orthogonal" and name.startswith("weight_hh"):
                nn.init.orthogonal_(parameter)
            elif init == "identity":
                if name.startswith("weight_hh"):
                    parameter.copy_(torch.eye(rnn.hidden_size))
                elif name.startswith("weight_ih"):
                    parameter.normal_(0.0, IRNN_INPUT_STD)
                else:
                    parameter.zero_()
    return rnn


def rnn_model(
    input_size: int, hidden_size: int, output_size: int, init: str = "default"
) -> SequenceModel:
    """A :class:`lstmbook.models.SequenceModel` around a one-layer plain RNN initialised with
    ``init`` (see :data:`INITS`): tanh units, or ReLU units for ``"identity"``."""
    input_size = validate.positive_int("input_size", input_size)
    hidden_size = validate.positive_int("hidden_size", hidden_size)
    output_size = validate.positive_int("output_size", output_size)
    init = validate.one_of("init", init, INITS)
    model = SequenceModel(input_size, hidden_size, output_size, cell="rnn")
    if init == "identity":
        model.rnn = nn.RNN(input_size, hidden_size, nonlinearity="relu", batch_first=True)
    init_recurrent(model.rnn, init)
    return model


def spectral_radius(rnn: nn.RNN) -> float:
    """The largest absolute eigenvalue of the first layer's recurrent matrix ``W_hh``.

    >>> spectral_radius(init_recurrent(nn.RNN(1, 5, nonlinearity="relu"), "identity"))
    1.0
    """
    if not isinstance(rnn, nn.RNN):
        raise TypeError(f"rnn must be an nn.RNN, got {type(rnn).__name__}")
    W: Tensor = rnn.weight_hh_l0.detach().double()
    return float(torch.linalg.eigvals(W).abs().max())
