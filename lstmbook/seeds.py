"""Results over seeds: one training recipe run once per seed, and its results summarised.

:func:`fit_seeds` runs :func:`lstmbook.train.fit` once per seed (the seed fixes the initial
weights and the batch order); :func:`fit_seeds_test` also scores every epoch on a test split
that plays no part in training or selection. :func:`spread` and :func:`first_epoch_below` sum up
what the seeds gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from lstmbook.config import History
from lstmbook.progress import bar
from lstmbook.train import fit, predict
from lstmbook.validate import ints, real


def fit_seeds(
    build: Callable[[], nn.Module],
    seeds: Iterable[int],
    *args: object,
    progress: bool = False,
    **kwargs: object,
) -> tuple[list[nn.Module], list[History]]:
    """One :func:`lstmbook.train.fit` per seed: ``torch.manual_seed(seed)``, ``build()``, fit.

    ``args`` and ``kwargs`` go to ``fit`` (``seed=seed`` and ``device="cpu"`` are added), so the
    seed fixes both the initial weights and the order of the batches. Returns the trained
    models and their histories, in seed order.

    >>> X = torch.randn(64, 3, 1); y = X.sum(dim=(1, 2))
    >>> build = lambda: nn.Sequential(nn.Flatten(), nn.Linear(3, 1), nn.Flatten(0))
    >>> models, histories = fit_seeds(build, [0, 1], (X, y), (X, y), nn.MSELoss(), epochs=2)
    >>> len(models), histories[1].epochs
    (2, 2)

    ``seeds`` must be one or more ints >= 0 (an empty list is refused: no result to report).
    """
    seeds = ints("seeds", seeds)
    models, histories = [], []
    for seed in bar(list(seeds), show=progress, desc="seeds"):
        torch.manual_seed(seed)
        model = build()
        histories.append(fit(model, *args, seed=seed, device="cpu", **kwargs))  # type: ignore[arg-type]
        models.append(model)
    return models, histories


@dataclass
class Scored:
    """One run of :func:`fit_seeds_test`: its history and its test scores after every epoch."""

    history: History
    test_loss: list[float] = field(default_factory=list)  # on the test split, per epoch
    test_metric: list[float] = field(default_factory=list)  # on the test split, per epoch

    @property
    def selected_test_loss(self) -> float:
        """Test loss of the epoch of lowest *validation* loss (the one ``restore_best`` keeps)."""
        return self.test_loss[self.history.best_epoch]

    @property
    def final_test_loss(self) -> float:
        """Test loss after the last epoch."""
        return self.test_loss[-1]


class _TestScorer:
    """A metric for :func:`lstmbook.train.fit` that also scores ``model`` on a test split.

    ``fit`` calls its metric once per epoch, on the validation outputs; this one computes the
    validation metric as asked and, beside it, the model's loss and metric on ``test``. The
    test split plays no part in training or in choosing an epoch.
    """

    def __init__(self, model: nn.Module, test, loss_fn, metric) -> None:
        self.model, self.loss_fn, self.metric = model, loss_fn, metric
        self.X, self.y = (torch.as_tensor(a) for a in test)
        self.loss: list[float] = []
        self.value: list[float] = []

    def __call__(self, output: Tensor, target: Tensor) -> float:
        out = predict(self.model, self.X)
        with torch.no_grad():
            self.loss.append(float(self.loss_fn(out, self.y)))
        nan = float("nan")
        self.value.append(self.metric(out, self.y) if self.metric else nan)
        return self.metric(output, target) if self.metric else nan


def fit_seeds_test(
    build: Callable[[], nn.Module],
    seeds: Iterable[int],
    train: tuple,
    val: tuple,
    test: tuple,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    metric: Callable[[Tensor, Tensor], float] | None = None,
    progress: bool = False,
    **kwargs: object,
) -> list[Scored]:
    """:func:`fit_seeds` with a test split: every epoch is also scored on ``test = (X, y)``.

    Validation chooses (the best epoch, early stopping); the test split only reports, so
    ``Scored.selected_test_loss`` is an unbiased score of the epoch validation chose.

    >>> X = torch.randn(64, 3, 1); y = X.sum(dim=(1, 2))
    >>> build = lambda: nn.Sequential(nn.Flatten(), nn.Linear(3, 1), nn.Flatten(0))
    >>> runs = fit_seeds_test(build, [0], (X, y), (X, y), (X, y), nn.MSELoss(), epochs=3)
    >>> len(runs[0].test_loss), runs[0].final_test_loss == runs[0].history.val_loss[-1]
    (3, True)
    """
    seeds = ints("seeds", seeds)
    runs = []
    for seed in bar(list(seeds), show=progress, desc="seeds"):
        torch.manual_seed(seed)
        model = build()
        scorer = _TestScorer(model, test, loss_fn, metric)
        history = fit(model, train, val, loss_fn, scorer, seed=seed, device="cpu", **kwargs)  # type: ignore[arg-type]
        runs.append(Scored(history, scorer.loss, scorer.value))
    return runs


def spread(values: Sequence[float], fmt: str = ".3f") -> str:
    """``"mean (min to max)"`` of results over seeds, each written with the format ``fmt``.

    >>> spread([0.5, 0.25, 0.75])
    '0.500 (0.250 to 0.750)'
    >>> spread([2e-4, 1e-4], fmt=".1e")
    '1.5e-04 (1.0e-04 to 2.0e-04)'
    """
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as '.3f', got {type(fmt).__name__}")
    try:
        format(0.0, fmt)
    except ValueError:
        raise ValueError(f"fmt must be a format for a float, such as '.3f', got {fmt!r}") from None
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise TypeError(f"values must be a list of numbers, got {type(values).__name__}")
    values = [real("values", float(v)) for v in values]  # NaN or inf: refused
    if not values:
        raise ValueError("values must hold at least one value, got none")
    mean = sum(values) / len(values)
    return f"{mean:{fmt}} ({min(values):{fmt}} to {max(values):{fmt}})"


def first_epoch_below(values: Sequence[float], threshold: float) -> int | None:
    """The first epoch (counting from 1) whose value is below ``threshold``; None if none is.

    >>> first_epoch_below([0.04, 0.03, 0.008, 0.002], 0.01), first_epoch_below([0.04], 0.01)
    (3, None)
    """
    real("threshold", threshold)
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise TypeError(f"values must be a list of numbers, got {type(values).__name__}")
    for epoch, value in enumerate(values, start=1):
        if value < threshold:
            return epoch
    return None
