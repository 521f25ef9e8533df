"""A short training loop: mini-batches, an optimizer, a loss, held-out evaluation each epoch.

One function, :func:`fit`, does the work; :class:`lstmbook.config.TrainConfig` holds its
hyperparameters and :class:`lstmbook.config.History` what it measured. Options that later
chapters turn on: gradient clipping by norm (with every step's gradient norm logged), a
learning-rate scheduler, early stopping on the validation loss, and a progress bar. It runs on
CUDA when present, else on the CPU.

Data is given either as a pair ``(X, y)`` of arrays or tensors, ``X`` of shape
``(n, time, features)``, or as a ready ``DataLoader`` yielding ``(x, y)`` batches.
"""

from __future__ import annotations

import copy
import inspect
import re
import time
from collections.abc import Callable
from dataclasses import fields, replace

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from lstmbook.config import History, TrainConfig, as_config
from lstmbook.data import IGNORE
from lstmbook.progress import bar
from lstmbook.tables import Table
from lstmbook.validate import boolean, labels, positive_int, real, tensor

Data = DataLoader | tuple[np.ndarray | Tensor, np.ndarray | Tensor]
Metric = Callable[[Tensor, Tensor], float]


def default_device() -> torch.device:
    """CUDA when present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_loader(
    X: np.ndarray | Tensor,
    y: np.ndarray | Tensor,
    batch_size: int = 64,
    shuffle: bool = False,
    seed: int = 0,
) -> DataLoader:
    """A ``DataLoader`` over ``(X, y)``, shuffled (if asked) by a generator seeded with ``seed``.

    >>> loader = make_loader(np.zeros((10, 5, 2), np.float32), np.arange(10), batch_size=4)
    >>> [tuple(x.shape) for x, _ in loader]
    [(4, 5, 2), (4, 5, 2), (2, 5, 2)]

    ``X`` and ``y`` are used as they come (no dtype conversion; :func:`fit` converts first), but
    NaN or inf in them are refused, as are a non-int ``batch_size`` or ``seed`` and a non-bool
    ``shuffle``.
    """
    positive_int("batch_size", batch_size)
    boolean("shuffle", shuffle)
    positive_int("seed", seed, minimum=0)
    for name, value in (("X", X), ("y", y)):
        tensor(name, value, dtype=torch.float64)  # a check only: X and y are not converted
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have one length, got {len(X)} and {len(y)}")
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        TensorDataset(X, y), batch_size=batch_size, shuffle=shuffle, generator=generator
    )


def _dtype(model: nn.Module) -> torch.dtype:
    parameter = next(model.parameters(), None)
    return parameter.dtype if parameter is not None else torch.get_default_dtype()


def _pair(name: str, data: Data, dtype: torch.dtype) -> Data:
    """``data`` checked: a DataLoader as it is; a pair ``(X, y)`` as tensors, finite, of one
    length, floating ones converted to ``dtype`` (the model's: float64 NumPy data is welcome)."""
    if isinstance(data, DataLoader):
        return data
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise TypeError(f"{name} must be a DataLoader or a pair (X, y), got {type(data).__name__}")
    X, y = (_as_tensor(f"{name}[{k}]", v, dtype) for k, v in enumerate(data))
    if len(X) != len(y):
        raise ValueError(f"{name} must hold as many targets as examples, got {len(X)} and {len(y)}")
    return X, y


def _as_tensor(name: str, value: object, dtype: torch.dtype) -> Tensor:
    """Integers stay integers (labels, token ids); floats become ``dtype``, and must be finite."""
    kind = value.dtype if isinstance(value, Tensor | np.ndarray) else np.asarray(value).dtype
    integer = kind in (torch.int64, torch.int32, torch.uint8) or (
        isinstance(kind, np.dtype) and np.issubdtype(kind, np.integer)
    )
    return tensor(name, value, dtype=torch.long if integer else dtype)


def _loader(data: Data, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, tuple | list) and len(data) == 2:
        return make_loader(data[0], data[1], batch_size, shuffle, seed)
    raise TypeError(f"data must be a DataLoader or a pair (X, y), got {type(data).__name__}")


def accuracy(logits: Tensor, y: Tensor) -> float:
    """Fraction of rows whose largest logit is at the true class: ``logits (n, classes)``.

    >>> accuracy(torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 1.0]]), torch.tensor([0, 1, 1]))
    0.6666666666666666
    """
    if not isinstance(logits, Tensor) or not isinstance(y, Tensor):
        raise TypeError(
            f"logits and y must be tensors, got {type(logits).__name__}, {type(y).__name__}"
        )
    if tuple(y.shape) != tuple(logits.shape[:-1]):
        raise ValueError(f"y must have shape {tuple(logits.shape[:-1])}, got {tuple(y.shape)}")
    if y.numel():
        labels("y", y, logits.shape[-1])  # a label of -1 would never match: refused
    return (logits.argmax(dim=-1) == y).double().mean().item()


def within(tol: float) -> Metric:
    """A metric: the fraction of regression predictions within ``tol`` of their targets.

    >>> within(0.04)(torch.tensor([0.50, 0.70]), torch.tensor([0.52, 0.50]))
    0.5
    """

    tol = real("tol", tol, low=0.0, low_open=True)

    def metric(prediction: Tensor, y: Tensor) -> float:
        if prediction.shape != y.shape:
            raise ValueError(f"y must have shape {tuple(prediction.shape)}, got {tuple(y.shape)}")
        return ((prediction - y).abs() < tol).double().mean().item()

    metric.__name__ = f"within_{tol}"
    return metric


@torch.no_grad()
def predict(model: nn.Module, X: np.ndarray | Tensor, batch_size: int = 512, device=None) -> Tensor:
    """The model's outputs for every sequence of ``X`` (in eval mode), on the CPU.

    ``X`` is converted as :func:`fit` converts it (float data to the model's dtype; NaN refused).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    batch_size = positive_int("batch_size", batch_size)
    X = _as_tensor("X", X, _dtype(model))
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = torch.cat(
        [model(X[i : i + batch_size].to(device)).cpu() for i in range(0, len(X), batch_size)]
    )
    model.train(was_training)
    return out


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Data,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    metric: Metric | None = None,
    device=None,
) -> tuple[float, float]:
    """Mean loss and metric of ``model`` over ``data`` (in eval mode); the metric is NaN if None.

    The loss is averaged over sequences; the metric is computed once on all outputs.
    ``data`` is checked as :func:`fit` checks it: a pair ``(X, y)`` must be finite and of one
    length, float data is converted to the model's dtype, integer labels to ``torch.long``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    _callables(loss_fn=loss_fn, metric=metric)
    loss_fn = _class_targets(_same_shape(loss_fn))
    data = _pair("data", data, _dtype(model))
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    outputs, targets = [], []
    for x, y in _loader(data, 512, shuffle=False, seed=0):
        outputs.append(model(x.to(device)))
        targets.append(y.to(device))
    model.train(was_training)
    output, target = torch.cat(outputs), torch.cat(targets)
    loss = loss_fn(output, target).item()
    return loss, (metric(output, target) if metric is not None else float("nan"))


def _lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def fit(
    model: nn.Module,
    train: Data,
    val: Data,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    metric: Metric | None = None,
    config: TrainConfig | None = None,
    *,
    device: str | torch.device | None = None,
    progress: bool = False,
    **overrides: object,
) -> History:
    """Train ``model`` on ``train``, evaluating on ``val`` after every epoch; return the history.

    Each epoch: for every batch, ``loss_fn(model(x), y)``, backward, clip the gradients' total
    norm to ``config.clip_grad_norm`` (if set), optimizer step. Then the validation loss and
    ``metric(outputs, targets)``, and one scheduler step (given the validation loss if it is a
    ``ReduceLROnPlateau``). Training stops early when the validation loss has not improved for
    ``config.patience`` epochs, and ends with the best epoch's weights if
    ``config.restore_best``.

    Args:
        model: any ``nn.Module`` mapping a batch ``x`` to outputs ``loss_fn`` accepts.
        train, val: a pair ``(X, y)`` (arrays or tensors) or a ``DataLoader``.
        loss_fn: e.g. ``nn.CrossEntropyLoss()`` or ``nn.MSELoss()``; must average over a batch.
        metric: ``metric(outputs, targets) -> float`` on the validation data, e.g.
            :func:`accuracy` or ``within(0.04)``.
        config: hyperparameters (defaults: ``TrainConfig()``).
        device: where to train; ``None`` picks CUDA when present, else the CPU.
        progress: show a progress bar over the epochs (``tqdm.auto``).
        overrides: fields of ``config`` to replace, e.g. ``epochs=5, lr=1e-2``.

    >>> _ = torch.manual_seed(0)
    >>> X = torch.randn(256, 4, 1); y = X.sum(dim=(1, 2))
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 1), nn.Flatten(0))
    >>> history = fit(model, (X, y), (X, y), nn.MSELoss(), epochs=30, lr=0.05)
    >>> history.epochs, history.val_loss[-1] < 1e-3 < history.val_loss[0]
    (30, True)
    """
    config = as_config(config)
    _callables(loss_fn=loss_fn, metric=metric)
    boolean("progress", progress)
    loss_fn = _same_shape(loss_fn)  # an elementwise loss must not broadcast y (n, 1) to (n, n)
    loss_fn = _class_targets(loss_fn)  # cross-entropy: -1 must not mean the last class
    config = replace(config, **overrides)  # TrainConfig checks its fields
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    dtype = _dtype(model)
    train, val = _pair("train", train, dtype), _pair("val", val, dtype)
    if (
        isinstance(train, tuple)
        and isinstance(val, tuple)
        and train[0].shape[1:] != val[0].shape[1:]
    ):
        raise ValueError(
            f"val must hold examples of the shape train holds, {tuple(train[0].shape[1:])}, "
            f"got {tuple(val[0].shape[1:])}"
        )
    device = torch.device(device) if device is not None else default_device()
    torch.manual_seed(config.seed)
    train_loader = _loader(train, config.batch_size, shuffle=True, seed=config.seed)
    val_loader = _loader(val, config.batch_size, shuffle=False, seed=config.seed)
    model.to(device)
    optimizer = config.optimizer(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = config.scheduler(optimizer) if config.scheduler is not None else None
    history = History()
    best_loss, best_state = float("inf"), None

    epochs = bar(range(config.epochs), show=progress, desc="epochs", leave=True)
    for epoch in epochs:
        start = time.perf_counter()
        history.lr.append(_lr(optimizer))
        model.train()
        total, count = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            norm = nn.utils.clip_grad_norm_(
                model.parameters(), config.clip_grad_norm or float("inf")
            )
            history.step_grad_norm.append(norm.item())
            history.step_loss.append(loss.item())
            optimizer.step()
            total, count = total + loss.item() * len(x), count + len(x)
        val_loss, val_metric = evaluate(model, val_loader, loss_fn, metric, device)
        if scheduler is not None:
            plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
            scheduler.step(val_loss) if plateau else scheduler.step()
        history.train_loss.append(total / count)
        history.val_loss.append(val_loss)
        history.val_metric.append(val_metric)
        history.seconds.append(time.perf_counter() - start)
        epochs.set_postfix(train_loss=f"{total / count:.4f}", val_loss=f"{val_loss:.4f}")

        if val_loss < best_loss:
            best_loss, history.best_epoch = val_loss, epoch
            if config.restore_best:
                best_state = copy.deepcopy(model.state_dict())
        elif config.patience is not None and epoch - history.best_epoch >= config.patience:
            history.stopped_early = True
            break
    epochs.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def describe(config: TrainConfig | None = None) -> Table:
    """The fields of ``config`` as a :class:`~lstmbook.tables.Table`: name, value, meaning.

    The meaning is the comment written beside each field of :class:`TrainConfig`, so the
    table never drifts from the code; a function's value is shown by its name.

    >>> table = describe(TrainConfig(epochs=3, optimizer=torch.optim.SGD))
    >>> table.headers, table.cells[0][:2], table.cells[4][:2]
    (['field', 'value', 'meaning'], ['epochs', '3'], ['optimizer', 'SGD'])
    >>> table.cells[0][2]
    'passes over the training data (fewer if early stopping triggers)'
    """
    config = as_config(config)
    source = inspect.getsource(TrainConfig)
    meaning = dict(re.findall(r"^\s+(\w+):[^#\n]*#\s*(.*)$", source, re.M))
    rows = []
    for f in fields(config):
        value = getattr(config, f.name)
        shown = getattr(value, "__name__", None) if callable(value) else None
        rows.append([f.name, shown or repr(value), meaning.get(f.name, "")])
    return Table(["field", "value", "meaning"], rows)


def per_step_cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy over every labelled step: ``logits (batch, time, classes)``,
    ``y (batch, time)``; steps labelled :data:`IGNORE` are skipped.

    >>> per_step_cross_entropy(torch.zeros(1, 3, 2), torch.tensor([[0, 1, IGNORE]])).item()
    0.6931471824645996
    """
    if not isinstance(logits, Tensor) or not isinstance(y, Tensor):
        raise TypeError(
            f"logits and y must be tensors, got {type(logits).__name__}, {type(y).__name__}"
        )
    if logits.dim() != 3 or logits.shape[:2] != y.shape:
        raise ValueError(
            f"expected logits (batch, time, classes) and y (batch, time), "
            f"got {tuple(logits.shape)} and {tuple(y.shape)}"
        )
    return F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=IGNORE)


def per_step_accuracy(logits: Tensor, y: Tensor) -> float:
    """Fraction of labelled steps whose largest logit is the label (:data:`IGNORE` skipped).

    >>> per_step_accuracy(torch.tensor([[[2.0, 0.0], [0.0, 1.0], [5.0, 0.0]]]),
    ...                   torch.tensor([[0, 0, IGNORE]]))
    0.5
    """
    tensor("logits", logits, shape=("batch", "time", "classes"), finite=False)
    tensor("y", y, shape=tuple(logits.shape[:2]), dtype=torch.long)
    labelled = y != IGNORE
    return (logits.argmax(dim=-1) == y)[labelled].double().mean().item()


def _callables(loss_fn: object, metric: object) -> None:
    """``loss_fn`` must be callable, ``metric`` callable or None."""
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function, got {type(loss_fn).__name__}")
    if metric is not None and not callable(metric):
        raise TypeError(f"metric must be a function or None, got {type(metric).__name__}")


_ELEMENTWISE = (
    nn.MSELoss,
    nn.L1Loss,
    nn.SmoothL1Loss,
    nn.HuberLoss,
    nn.BCELoss,
    nn.BCEWithLogitsLoss,
)


def _same_shape(loss_fn: Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
    """``loss_fn`` itself, or for an elementwise loss, the same loss after a shape check.

    ``nn.MSELoss()(out (n,), y (n, 1))`` broadcasts to ``(n, n)`` with only a warning; here the
    targets must have the output's shape. A shape comparison only: the values are not read.
    """
    if not isinstance(loss_fn, _ELEMENTWISE):
        return loss_fn

    def checked(output: Tensor, target: Tensor) -> Tensor:
        if output.shape != target.shape:
            raise ValueError(
                f"y (the targets in train, val or data) must have the model's output shape "
                f"{tuple(output.shape)} per batch, got {tuple(target.shape)}: it would broadcast"
            )
        return loss_fn(output, target)

    return checked


def _class_targets(
    loss_fn: Callable[[Tensor, Tensor], Tensor],
) -> Callable[[Tensor, Tensor], Tensor]:
    """``loss_fn`` itself, or for ``nn.CrossEntropyLoss``, the same loss after a label check.

    Integer targets must lie in ``0 .. classes - 1`` (``classes`` = the output's class axis) or
    equal the loss's ``ignore_index``; torch fails on them with an IndexError from deep inside.
    """
    if not isinstance(loss_fn, nn.CrossEntropyLoss):
        return loss_fn

    def checked(output: Tensor, target: Tensor) -> Tensor:
        if not target.is_floating_point() and target.numel():
            kept = target[target != loss_fn.ignore_index]
            classes = output.shape[1] if output.dim() > 1 else output.shape[0]
            if kept.numel() and (int(kept.min()) < 0 or int(kept.max()) >= classes):
                raise ValueError(
                    f"y (the labels in train, val or data) must be class indices in "
                    f"0..{classes - 1} (or {loss_fn.ignore_index}, ignored), got values from "
                    f"{int(kept.min())} to {int(kept.max())}"
                )
        return loss_fn(output, target)

    return checked
