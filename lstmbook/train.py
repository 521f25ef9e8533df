"""A short training loop: mini-batches, an optimizer, a loss, held-out evaluation each epoch.

One function, :func:`fit`, does the work; :class:`TrainConfig` holds its hyperparameters and
:class:`History` what it measured. Options that later chapters turn on: gradient clipping by
norm (with every step's gradient norm logged), a learning-rate scheduler, early stopping on
the validation loss, and a progress bar. It runs on CUDA when present, else on the CPU.

Data is given either as a pair ``(X, y)`` of arrays or tensors, ``X`` of shape
``(n, time, features)``, or as a ready ``DataLoader`` yielding ``(x, y)`` batches.
"""

from __future__ import annotations

import copy
import inspect
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from lstmbook.progress import bar
from lstmbook.tables import Table

Data = DataLoader | tuple[np.ndarray | Tensor, np.ndarray | Tensor]
Metric = Callable[[Tensor, Tensor], float]


@dataclass
class TrainConfig:
    """Hyperparameters of :func:`fit`; every field has a default."""

    epochs: int = 10  # passes over the training data (fewer if early stopping triggers)
    batch_size: int = 64  # sequences per optimizer step (when data is given as (X, y))
    lr: float = 1e-3  # learning rate given to the optimizer
    weight_decay: float = 0.0  # L2 penalty given to the optimizer
    optimizer: Callable[..., torch.optim.Optimizer] = torch.optim.Adam  # called (params, lr, wd)
    clip_grad_norm: float | None = None  # rescale gradients whose total L2 norm exceeds this
    scheduler: Callable[[torch.optim.Optimizer], object] | None = None  # stepped once per epoch
    patience: int | None = None  # stop after this many epochs without a lower val loss
    restore_best: bool = True  # end with the weights of the epoch of lowest val loss
    seed: int = 0  # seeds torch (dropout, initial state) and the order of the batches


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch (``step_grad_norm``: per optimizer step)."""

    train_loss: list[float] = field(default_factory=list)  # mean loss over the epoch's batches
    val_loss: list[float] = field(default_factory=list)  # loss on the held-out data
    val_metric: list[float] = field(default_factory=list)  # metric on the held-out data
    lr: list[float] = field(default_factory=list)  # learning rate used during the epoch
    seconds: list[float] = field(default_factory=list)  # wall time of the epoch
    step_grad_norm: list[float] = field(default_factory=list)  # total norm before clipping
    best_epoch: int = -1  # epoch (from 0) of the lowest val loss
    stopped_early: bool = False  # whether patience ran out before the last epoch

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.train_loss)


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
    """
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have one length, got {len(X)} and {len(y)}")
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        TensorDataset(X, y), batch_size=batch_size, shuffle=shuffle, generator=generator
    )


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
    return (logits.argmax(dim=-1) == y).double().mean().item()


def within(tol: float) -> Metric:
    """A metric: the fraction of regression predictions within ``tol`` of their targets.

    >>> within(0.04)(torch.tensor([0.50, 0.70]), torch.tensor([0.52, 0.50]))
    0.5
    """

    def metric(prediction: Tensor, y: Tensor) -> float:
        return ((prediction - y).abs() < tol).double().mean().item()

    metric.__name__ = f"within_{tol}"
    return metric


@torch.no_grad()
def predict(model: nn.Module, X: np.ndarray | Tensor, batch_size: int = 512, device=None) -> Tensor:
    """The model's outputs for every sequence of ``X`` (in eval mode), on the CPU."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    X = torch.as_tensor(X)
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
    """
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
    config = replace(config or TrainConfig(), **overrides)
    for name in ("epochs", "batch_size"):
        if getattr(config, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(config, name)}")
    if config.patience is not None and config.patience < 1:
        raise ValueError(f"patience must be >= 1 or None, got {config.patience}")
    if config.clip_grad_norm is not None and not config.clip_grad_norm > 0:
        raise ValueError(f"clip_grad_norm must be > 0 or None, got {config.clip_grad_norm}")
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
    config = config or TrainConfig()
    source = inspect.getsource(TrainConfig)
    meaning = dict(re.findall(r"^\s+(\w+):[^#\n]*#\s*(.*)$", source, re.M))
    rows = []
    for f in fields(config):
        value = getattr(config, f.name)
        shown = getattr(value, "__name__", None) if callable(value) else None
        rows.append([f.name, shown or repr(value), meaning.get(f.name, "")])
    return Table(["field", "value", "meaning"], rows)
