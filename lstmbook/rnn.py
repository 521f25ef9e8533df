"""The plain RNN against the LSTM: how much gradient reaches back, at initialisation and trained.

Chapter 1 opens with this. :func:`gradient_by_distance` measures ``||dL/dh_t||`` for the
loss ``L`` read at the last step, relative to its value there, at every distance ``T - t``.
:func:`untrained` builds either network at a chosen recurrent-weight scale (the RNN) or forget
bias (the LSTM); :func:`train_first_sign` trains it on a task that needs a memory of the
first step. Chapter 3 gives the plain RNN a fair chance: :func:`rnn_model` builds one with
the recurrent initialisations proposed for long lags (:data:`INITS`: orthogonal, or the IRNN's
identity), :func:`init_recurrent` applies them, :func:`spectral_radius` measures ``W_hh``.

>>> model = untrained("rnn", scale=0.5)
>>> curve = gradient_by_distance(model, first_sign_task(8, T=30)[0])
>>> curve.shape, float(curve[0]), bool(curve[29] < 1e-6)
((30,), 1.0, True)
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.models import SequenceModel

HIDDEN = 16
KINDS = ("rnn", "lstm")


@contextmanager
def _one_thread():
    """Tiny matrices: a second thread only adds contention (several times slower when busy)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def first_sign_task(n: int, T: int, seed: int = 0) -> tuple[Tensor, Tensor]:
    """``n`` sequences of ``T`` steps whose label is the sign of the first step, ``x_0 = +-1``.

    Every later step is noise, uniform on ``[-1, 1]``, so the answer, due after the last step,
    is decided ``T - 1`` steps before it. Returns ``x (n, T, 1)`` and labels ``y (n,)`` (0, 1).

    >>> x, y = first_sign_task(4, T=5)
    >>> x.shape, bool(torch.all((x[:, 0, 0] > 0) == (y == 1)))
    (torch.Size([4, 5, 1]), True)
    """
    n, T = validate.positive_int("n", n), validate.positive_int("T", T, 2)
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=generator)
    x = torch.rand(n, T, 1, generator=generator) * 2 - 1
    x[:, 0, 0] = y * 2.0 - 1.0
    return x, y


class Classifier(nn.Module):
    """An ``nn.RNN`` (tanh) or ``nn.LSTM`` with one input, read out from its last hidden state."""

    def __init__(self, kind: str, hidden_size: int = HIDDEN):
        super().__init__()
        self.kind = validate.one_of("kind", kind, KINDS)
        layer = nn.RNN if kind == "rnn" else nn.LSTM
        self.recurrent = layer(1, hidden_size, batch_first=True)
        self.readout = nn.Linear(hidden_size, 1)

    def step(self, x_t: Tensor, state):
        """One step on ``x_t (batch, 1)``; the state is ``h`` or ``(h, c)``, or None at first."""
        _, state = self.recurrent(x_t[:, None], state)
        return state

    def forward(self, x: Tensor) -> Tensor:
        output, _ = self.recurrent(x)
        return self.readout(output[:, -1]).squeeze(-1)


def untrained(
    kind: str, scale: float | None = None, forget_bias: float | None = None, seed: int = 0
) -> Classifier:
    """A fresh :class:`Classifier`, at PyTorch's default initialisation unless told otherwise.

    ``scale`` (RNN only) makes the recurrent matrix ``U = scale * Q`` with ``Q`` a random
    orthogonal matrix, so that every direction of ``h`` is stretched by exactly ``scale``.
    ``forget_bias`` (LSTM only) sets ``b_f`` (``bias_ih`` holds it, ``bias_hh`` 0).
    """
    kind = validate.one_of("kind", kind, KINDS)
    torch.manual_seed(seed)
    model = Classifier(kind)
    layer = model.recurrent
    with torch.no_grad():
        if scale is not None:
            if kind != "rnn":
                raise ValueError("scale is the RNN's setting; the LSTM's is forget_bias")
            scale = validate.real("scale", scale, low=0.0)
            nn.init.orthogonal_(layer.weight_hh_l0)
            layer.weight_hh_l0.mul_(scale)
        if forget_bias is not None:
            if kind != "lstm":
                raise ValueError("forget_bias is the LSTM's setting; the RNN's is scale")
            forget_bias = validate.real("forget_bias", forget_bias)
            H = layer.hidden_size
            layer.bias_ih_l0[H : 2 * H] = forget_bias  # blocks i | f | g | o
            layer.bias_hh_l0[H : 2 * H] = 0.0
    return model


def gradient_by_distance(model: Classifier, x: Tensor) -> NDArray[np.float64]:
    """``||dL/ds_t|| / ||dL/ds_T||`` at each distance ``T - t`` (entry 0 is the last step).

    ``s_t`` is the state one step hands the next: ``h_t`` for the RNN, ``(h_t, c_t)`` for the
    LSTM. ``L`` is the summed output of ``model`` on ``x (batch, T, 1)``; the norm is over the
    state's units, averaged over the batch. The run is step by step in float64 (a copy of the
    model), so that every ``s_t`` is a node whose gradient autograd keeps, and gradients of
    1e-30 do not round to 0.
    """
    if not isinstance(model, Classifier):
        raise TypeError(f"model must be a Classifier, got {type(model).__name__}")
    x = validate.tensor("x", x, shape=("batch", "T", 1)).double()
    with _one_thread():
        return _gradient_by_distance(copy.deepcopy(model).double(), x)


def _gradient_by_distance(model: Classifier, x: Tensor) -> NDArray[np.float64]:
    state, states = None, []
    for t in range(x.shape[1]):
        state = model.step(x[:, t], state)
        parts = state if model.kind == "lstm" else (state,)
        for part in parts:
            part.retain_grad()
        states.append(parts)
    model.readout(states[-1][0][0]).sum().backward()
    # the last c_T reaches no output, so autograd leaves its gradient empty: it is 0
    grads = [[torch.zeros_like(p) if p.grad is None else p.grad for p in s] for s in states]
    norms = np.array([float(torch.cat(g, -1)[0].norm(dim=-1).mean()) for g in grads])
    return norms[::-1] / norms[-1]


@dataclass(frozen=True)
class Trained:
    """A model trained on :func:`first_sign_task`, and its accuracy on fresh sequences."""

    model: Classifier
    accuracy: float


def _stacked(models: list[Classifier]) -> list[Tensor]:
    """The parameters of ``models``, stacked along a new first axis (one slice per seed)."""
    names = [name for name, _ in models[0].named_parameters()]
    tensors = [torch.stack([dict(m.named_parameters())[n].detach() for m in models]) for n in names]
    return [t.clone().requires_grad_(True) for t in tensors]


def _run_stacked(kind: str, params: list[Tensor], x: Tensor) -> Tensor:
    """The outputs of every stacked model on the same ``x``: shape ``(seeds, batch)``.

    The same equations as ``nn.RNN`` / ``nn.LSTM`` (gate order i, f, g, o), batched over
    seeds with ``einsum``, so that ten small models train in one loop.
    """
    w_ih, w_hh, b_ih, b_hh, w_out, b_out = params
    seeds, batch, H = w_ih.shape[0], x.shape[0], w_hh.shape[-1]
    h = x.new_zeros(seeds, batch, H)
    c = x.new_zeros(seeds, batch, H)
    inputs = torch.einsum("bti,sgi->tsbg", x, w_ih) + (b_ih + b_hh)[None, :, None]
    for z_x in inputs:
        z = z_x + torch.einsum("sbh,sgh->sbg", h, w_hh)
        if kind == "rnn":
            h = torch.tanh(z)
            continue
        i, f, g, o = z.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    return torch.einsum("sbh,soh->sbo", h, w_out).squeeze(-1) + b_out


def train_first_sign(
    kind: str,
    T: int,
    seeds: int = 10,
    forget_bias: float | None = None,
    steps: int = 300,
    batch: int = 64,
    lr: float = 0.01,
) -> list[Trained]:
    """Train ``seeds`` fresh models (seeds 0, 1, ...) on :func:`first_sign_task`, with Adam.

    Each model starts as ``untrained(kind, forget_bias=forget_bias, seed=s)`` and sees the same
    batches; Adam works weight by weight, so training them stacked is training each alone.
    The accuracy is measured on 1000 sequences never trained on.
    """
    seeds = validate.positive_int("seeds", seeds)
    steps = validate.positive_int("steps", steps)
    lr = validate.real("lr", lr, low=0.0, low_open=True)
    models = [untrained(kind, forget_bias=forget_bias, seed=s) for s in range(seeds)]
    with _one_thread():
        return _train(kind, T, models, steps, batch, lr)


def _train(kind, T, models, steps, batch, lr) -> list[Trained]:
    seeds, params = len(models), _stacked(models)
    optimizer = torch.optim.Adam(params, lr=lr)
    for step in range(steps):
        x, y = first_sign_task(batch, T, seed=1 + step)
        logits = _run_stacked(kind, params, x)
        target = y.float().expand_as(logits)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, target) * seeds
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x, y = first_sign_task(1000, T, seed=0)
    with torch.no_grad():
        correct = (_run_stacked(kind, params, x) > 0).long() == y
        for s, model in enumerate(models):
            for p, trained in zip(model.parameters(), params, strict=True):
                p.copy_(trained[s])
    return [Trained(m, float(a)) for m, a in zip(models, correct.float().mean(1), strict=True)]


# A fair plain-RNN baseline (chapter 3) ----------------------------------------------------------
#
# The recurrent initialisations that were proposed to let a plain RNN learn long lags:
# - "default": PyTorch's nn.RNN (tanh), every weight drawn from U(-1/sqrt(H), 1/sqrt(H)).
# - "orthogonal": the same tanh RNN with an orthogonal recurrent matrix W_hh: all its singular
#   values are 1, so at the start it neither shrinks nor stretches the state (Saxe, McClelland
#   and Ganguli 2014 for deep linear networks; a common RNN default since).
# - "identity": the IRNN of Le, Jaitly and Hinton (2015): ReLU units, W_hh = I, recurrent and
#   input biases 0, input weights drawn from N(0, 0.001^2) as in their paper. With W_hh = I and
#   no input the state is copied unchanged from step to step.


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
    ``init`` (see :data:`INITS`): tanh units, or ReLU units for ``"identity"``.

    >>> _ = torch.manual_seed(0)
    >>> model = rnn_model(2, 8, 1, init="identity")
    >>> model.rnn.nonlinearity, bool(torch.equal(model.rnn.weight_hh_l0, torch.eye(8)))
    ('relu', True)
    >>> model(torch.randn(3, 5, 2)).shape
    torch.Size([3])
    """
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


__all__ = [
    "INITS",
    "IRNN_INPUT_STD",
    "Classifier",
    "Trained",
    "first_sign_task",
    "gradient_by_distance",
    "init_recurrent",
    "rnn_model",
    "spectral_radius",
    "train_first_sign",
    "untrained",
]
