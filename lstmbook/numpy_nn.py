"""Just enough NumPy to train the NumPy LSTM: a linear layer, a loss, clipping, Adam (ch. 2).

- :class:`Linear` and :func:`cross_entropy`, each with its gradient;
- :func:`clip_grad_norm` and :class:`Adam`, the same rules as
  ``torch.nn.utils.clip_grad_norm_`` and ``torch.optim.Adam`` (the tests compare them);
- :class:`SequenceClassifier`: :class:`lstmbook.numpy_lstm.LSTM` and a linear head on ``h_T``;
- :func:`train_classifier`, given a :class:`lstmbook.config.TrainConfig`, returning the model and
  a :class:`lstmbook.config.History`.

NumPy only: torch is not imported.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lstmbook import validate
from lstmbook.config import History, TrainConfig, as_config
from lstmbook.numpy_lstm import LSTM, Array, Params, _as_finite, _check_dtype
from lstmbook.progress import bar
from lstmbook.validate import positive_int, real


class Linear:
    """A dense layer ``y = x W^T + b``: ``x`` ``(batch, in_features)`` -> ``(batch, out_features)``.

    ``W`` has shape ``(out_features, in_features)`` and ``b`` ``(out_features,)``, initialised as
    PyTorch's ``nn.Linear``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        seed: int | None = None,
        dtype: Any = np.float32,
    ) -> None:
        dtype = _check_dtype(dtype)
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(positive_int("in_features", in_features))
        self.W = rng.uniform(-k, k, (positive_int("out_features", out_features), in_features))
        self.W = self.W.astype(dtype)
        self.b = rng.uniform(-k, k, out_features).astype(dtype)
        self.grads: Params = {}
        self._x: Array | None = None

    def parameters(self) -> Params:
        return {"W": self.W, "b": self.b}

    def forward(self, x: Array) -> Array:
        if np.ndim(x) < 1 or np.shape(x)[-1] != self.W.shape[1]:  # a shape check, no data scan
            raise ValueError(
                f"x must have {self.W.shape[1]} features (in_features) in its last axis, "
                f"got shape {np.shape(x)}"
            )
        self._x = x
        return x @ self.W.T + self.b

    def backward(self, dy: Array) -> Array:
        """``dy`` ``(batch, out_features)`` -> ``dx``; stores ``grads["W"]``, ``grads["b"]``."""
        if self._x is None:
            raise ValueError("backward called before forward: run forward first")
        self.grads = {"W": dy.T @ self._x, "b": dy.sum(axis=0)}
        return dy @ self.W


def cross_entropy(logits: Array, y: NDArray[np.integer]) -> tuple[float, Array]:
    """Mean softmax cross-entropy of ``logits`` ``(batch, classes)`` against labels ``y``
    ``(batch,)``, and its gradient with respect to ``logits``.

    ``logits`` must be finite (NaN or inf are refused, not averaged into a NaN loss); ``y`` must
    be integers in ``0 .. classes - 1``, one per row (a label of -1 is refused rather than read
    as the last class, and a shape ``(batch, 1)`` rather than broadcast).
    """
    validate.array("logits", logits, shape=("batch", "classes"))
    validate.array("y", y, shape=(np.shape(logits)[0],))
    if not np.issubdtype(np.asarray(y).dtype, np.integer):
        raise TypeError(f"y must hold integer class labels, got dtype {np.asarray(y).dtype}")
    validate.labels("y", np.asarray(y), np.shape(logits)[1])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_p[rows, y].mean()
    grad = np.exp(log_p)
    grad[rows, y] -= 1.0
    return float(loss), grad / len(y)


def clip_grad_norm(grads: Params, max_norm: float) -> float:
    """Scale all ``grads`` in place so that their joint L2 norm is at most ``max_norm``.

    Returns the norm before clipping (as ``torch.nn.utils.clip_grad_norm_`` does).
    """
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of arrays, got {type(grads).__name__}")
    max_norm = real("max_norm", max_norm, low=0.0, low_open=True)
    norm = _total_norm(grads)
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / (norm + 1e-6)
    return norm


def _total_norm(grads: Params) -> float:
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


class Adam:
    """Adam (Kingma and Ba, 2015) over a dict of NumPy parameters, updated in place.

    >>> w = {"w": np.array([1.0])}
    >>> opt = Adam(w, lr=0.1)
    >>> opt.step({"w": np.array([2.0])}); w["w"].round(3)
    array([0.9])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        lr = real("lr", lr, low=0.0)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        betas = (
            real("betas[0]", betas[0], low=0.0, high=1.0, high_open=True),
            real("betas[1]", betas[1], low=0.0, high=1.0, high_open=True),
        )
        eps = real("eps", eps, low=0.0, low_open=True)
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads: Params) -> None:
        """One update from ``grads`` (same keys and shapes as the parameters)."""
        if not isinstance(grads, dict) or grads.keys() != self.params.keys():
            raise ValueError(f"grads must have the parameters' keys {sorted(self.params)}")
        self.t += 1
        beta1, beta2 = self.betas
        for k, p in self.params.items():
            g = grads[k]
            self.m[k] = beta1 * self.m[k] + (1 - beta1) * g
            self.v[k] = beta2 * self.v[k] + (1 - beta2) * g * g
            m_hat = self.m[k] / (1 - beta1**self.t)
            v_hat = self.v[k] / (1 - beta2**self.t)
            p -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.dtype)


class SequenceClassifier:
    """An :class:`LSTM` whose final hidden state ``h_T`` feeds a :class:`Linear` readout.

    ``X`` ``(batch, time, input)`` -> logits ``(batch, classes)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        classes: int = 2,
        *,
        seed: int | None = None,
        dtype: Any = np.float32,
    ) -> None:
        positive_int("classes", classes, minimum=2)
        rng = np.random.default_rng(seed)
        seeds = rng.integers(2**31, size=2)
        self.lstm = LSTM(input_size, hidden_size, seed=int(seeds[0]), dtype=dtype)
        self.readout = Linear(hidden_size, classes, seed=int(seeds[1]), dtype=dtype)

    def parameters(self) -> Params:
        """Every parameter, named ``lstm.W_ih``, ..., ``readout.b``."""
        named = {f"lstm.{k}": v for k, v in self.lstm.parameters().items()}
        return named | {f"readout.{k}": v for k, v in self.readout.parameters().items()}

    def logits(self, X: ArrayLike) -> Array:
        _, (h_T, _) = self.lstm.forward(X)
        return self.readout.forward(h_T)

    def predict(self, X: ArrayLike) -> NDArray[np.intp]:
        """The most likely class of each sequence, ``(batch,)``."""
        return self.logits(X).argmax(axis=1)

    def loss_and_grads(self, X: ArrayLike, y: NDArray[np.integer]) -> tuple[float, Params]:
        """Cross-entropy on ``(X, y)`` and the gradients of every parameter (keys as
        :meth:`parameters`)."""
        loss, dlogits = cross_entropy(self.logits(X), y)
        dh_T = self.readout.backward(dlogits)
        self.lstm.backward(None, dh_T=dh_T)
        grads = {f"lstm.{k}": v for k, v in self.lstm.grads.items()}
        return loss, grads | {f"readout.{k}": v for k, v in self.readout.grads.items()}


def _training_data(X: ArrayLike, y: ArrayLike, dtype: Any) -> tuple[Array, NDArray]:
    """``X`` as a finite array of ``dtype``, after checking that ``y`` are integer labels."""
    X = _as_finite("X", X, (None, None, None), _check_dtype(dtype))
    y = np.asarray(y)
    if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({len(X)},), got {y.dtype} {y.shape}")
    return X, y


def train_classifier(
    X: ArrayLike,
    y: ArrayLike,
    config: TrainConfig | None = None,
    *,
    hidden_size: int = 32,
    steps: int | None = None,
    dtype: Any = np.float32,
    progress: bool = False,
) -> tuple[SequenceClassifier, History]:
    """Train a :class:`SequenceClassifier` of ``hidden_size`` units on ``X`` ``(n, time, input)``,
    labels ``y`` ``(n,)``, with Adam and gradient clipping, on mini-batches drawn without
    replacement per epoch; ``steps`` optimizer steps in all (``None``: ``config.epochs`` passes).

    From ``config`` it reads ``batch_size``, ``lr``, ``clip_grad_norm`` and ``seed`` (the
    initialisation and the order of the batches); the history holds ``step_loss`` and
    ``step_grad_norm`` (before clipping)."""
    config = as_config(config)  # None: the defaults
    hidden_size = positive_int("hidden_size", hidden_size)
    X, y = _training_data(X, y, dtype)
    if steps is None:
        steps = config.epochs * max(len(X) // config.batch_size, 1)
    steps = positive_int("steps", steps)
    classes = max(int(y.max()) + 1, 2)
    model = SequenceClassifier(
        X.shape[2],
        hidden_size,
        classes,
        seed=config.seed,
        dtype=dtype,
    )
    optimiser = Adam(model.parameters(), lr=config.lr)
    rng = np.random.default_rng(config.seed)
    history = History()
    order = rng.permutation(len(X))
    start = 0
    for _ in bar(range(steps), show=progress, desc="training"):
        if start + config.batch_size > len(X):
            order, start = rng.permutation(len(X)), 0
        batch = order[start : start + config.batch_size]
        start += config.batch_size
        loss, grads = model.loss_and_grads(X[batch], y[batch])
        if config.clip_grad_norm is None:
            norm = _total_norm(grads)
        else:
            norm = clip_grad_norm(grads, config.clip_grad_norm)
        history.step_grad_norm.append(norm)
        optimiser.step(grads)
        history.step_loss.append(loss)
    return model, history
