"""What every trainer is given and what it records: :class:`TrainConfig` and :class:`History`.

The torch trainer (:func:`lstmbook.train.fit`), truncated BPTT (:func:`lstmbook.tbptt.fit_tbptt`)
and the NumPy trainer (:func:`lstmbook.numpy_nn.train_classifier`) take one ``TrainConfig`` and
return one ``History``; each reads the fields it has a use for (its docstring names them), and
leaves the other lists of the history empty. The clipping threshold is ``clip_grad_norm``
everywhere; :func:`as_config` is the one check of a trainer's ``config`` argument.

NumPy only: torch is imported when the default optimizer is first called, not before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lstmbook.validate import boolean, positive_int, real


def _torch_adam(params: Any, lr: float, weight_decay: float = 0.0) -> Any:
    """``torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)``; imports torch when called."""
    import torch

    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


_torch_adam.__name__ = "Adam"  # the name describe() shows: the optimizer it builds


@dataclass
class TrainConfig:
    """Hyperparameters of every trainer; every field has a default."""

    epochs: int = 10  # passes over the training data (fewer if early stopping triggers)
    batch_size: int = 64  # sequences per optimizer step (when data is given as (X, y))
    lr: float = 1e-3  # learning rate given to the optimizer
    weight_decay: float = 0.0  # L2 penalty given to the optimizer
    optimizer: Callable[..., Any] = _torch_adam  # called (params, lr, wd)
    clip_grad_norm: float | None = None  # rescale gradients whose total L2 norm exceeds this
    scheduler: Callable[[Any], object] | None = None  # stepped once per epoch
    patience: int | None = None  # stop after this many epochs without a lower val loss
    restore_best: bool = True  # end with the weights of the epoch of lowest val loss
    seed: int = 0  # seeds torch (dropout, initial state) and the order of the batches

    def __post_init__(self) -> None:
        positive_int("epochs", self.epochs)
        positive_int("batch_size", self.batch_size)
        real("lr", self.lr, low=0.0)
        real("weight_decay", self.weight_decay, low=0.0)
        if self.clip_grad_norm is not None:
            real("clip_grad_norm", self.clip_grad_norm, low=0.0, low_open=True)
        if self.patience is not None:
            positive_int("patience", self.patience)
        boolean("restore_best", self.restore_best)
        positive_int("seed", self.seed, minimum=0)
        if not callable(self.optimizer):
            raise TypeError(f"optimizer must be callable, got {type(self.optimizer).__name__}")


def as_config(config: object) -> TrainConfig:
    """``config`` if it is a :class:`TrainConfig`, ``TrainConfig()`` if it is None; anything else
    is refused with a TypeError: the one check of every trainer's ``config`` argument.

    >>> as_config(None).epochs, as_config(TrainConfig(epochs=3)).epochs
    (10, 3)
    >>> as_config({"epochs": 3})
    Traceback (most recent call last):
    TypeError: config must be a TrainConfig or None, got dict
    """
    if config is None:
        return TrainConfig()
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig or None, got {type(config).__name__}")
    return config


@dataclass
class History:
    """What a trainer measured, one entry per epoch (``step_*``: one per optimizer step)."""

    train_loss: list[float] = field(default_factory=list)  # mean loss over the epoch's batches
    val_loss: list[float] = field(default_factory=list)  # loss on the held-out data
    val_metric: list[float] = field(default_factory=list)  # metric on the held-out data
    lr: list[float] = field(default_factory=list)  # learning rate used during the epoch
    seconds: list[float] = field(default_factory=list)  # wall time of the epoch
    step_loss: list[float] = field(default_factory=list)  # loss of each optimizer step
    step_grad_norm: list[float] = field(default_factory=list)  # total norm before clipping
    val_by_position: list[float] = field(default_factory=list)  # TBPTT: per step of a chunk
    best_epoch: int = -1  # epoch (from 0) of the lowest val loss
    stopped_early: bool = False  # whether patience ran out before the last epoch

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.train_loss)
