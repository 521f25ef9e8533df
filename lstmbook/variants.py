"""Chapter 4's experiment: many recurrent models, several seeds, one training budget each.

- :class:`Task` holds a task's data (train, validation, test), its loss and its metric;
  :func:`adding_task` and :func:`first_last_classification` build the two the chapter uses.
- :data:`MODELS` names the models: ``name -> builder(input_size, hidden_size, output_size)``.
- :class:`Budget` is what every model gets: hidden size, epochs, batch size, learning rate,
  clipping, and the initial forget-gate bias of the models that have a forget gate.
- :func:`run_experiment` trains every model once per seed and measures it on the test set;
  :func:`summarize`, :func:`format_table` and :func:`plot_comparison` report the runs.

Training is :func:`lstmbook.train.fit`. A seed fixes a model's initial weights and the order of
its batches; the data are the same for every seed, so every model is tested on the same
sequences.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from numpy.typing import NDArray
from torch import Tensor, nn

from lstmbook.cells import CellSequenceModel, GatedCell
from lstmbook.data import ADDING_TOLERANCE, adding_problem, first_last_task, split
from lstmbook.models import SequenceModel, count_parameters, init_forget_bias
from lstmbook.progress import bar as progress_bar
from lstmbook.train import accuracy, evaluate, fit, within

Builder = Callable[[int, int, int], nn.Module]
Pair = tuple[NDArray, NDArray]


@dataclass(frozen=True)
class Task:
    """A task: data as pairs ``(X, y)``, ``X`` of shape ``(n, time, features)``, and how to score.

    ``loss_fn`` trains and selects the epoch (on ``val``); ``metric(outputs, targets)`` is what
    the tables report on ``test``, higher is better.
    """

    name: str
    train: Pair
    val: Pair
    test: Pair
    loss_fn: nn.Module
    metric: Callable[[Tensor, Tensor], float]
    metric_name: str
    output_size: int

    @property
    def input_size(self) -> int:
        """Features per time step."""
        return int(self.train[0].shape[-1])

    @property
    def T(self) -> int:
        """Sequence length."""
        return int(self.train[0].shape[1])


def _parts(X: NDArray, y: NDArray, n_val: int, n_test: int, seed: int) -> tuple[Pair, Pair, Pair]:
    return split(X, y, val=n_val / len(X), test=n_test / len(X), seed=seed)


def adding_task(T: int = 20, n_train: int = 1600, n_val: int = 400, n_test: int = 1000) -> Task:
    """The adding problem (:func:`lstmbook.data.adding_problem`) as a regression task.

    Trained on the mean squared error; the metric is the fraction of test sequences whose
    prediction is within 0.04 of the target (0.04 is the usual tolerance; always answering
    0.5 scores about 0.14).

    >>> task = adding_task(T=10, n_train=8, n_val=4, n_test=4)
    >>> task.input_size, task.T, len(task.train[0]), task.metric_name
    (2, 10, 8, 'within 0.04')
    """
    X, y = adding_problem(n_train + n_val + n_test, T, seed=0)
    train, val, test = _parts(X, y, n_val, n_test, seed=0)
    return Task(
        f"adding problem, T = {T}",
        train,
        val,
        test,
        nn.MSELoss(),
        within(ADDING_TOLERANCE),
        f"within {ADDING_TOLERANCE}",
        output_size=1,
    )


def first_last_classification(
    T: int = 30, window: int = 5, n_train: int = 1600, n_val: int = 400, n_test: int = 1000
) -> Task:
    """:func:`lstmbook.data.first_last_task` as a two-class task: the label needs both ends.

    Trained on the cross-entropy; the metric is the test accuracy. A model that sees one end
    of the sequence only scores about 0.75.

    >>> first_last_classification(T=12, window=2, n_train=8, n_val=4, n_test=4).output_size
    2
    """
    X, y = first_last_task(n_train + n_val + n_test, T, window, seed=0)
    train, val, test = _parts(X, y, n_val, n_test, seed=0)
    return Task(
        f"first + last, T = {T}",
        train,
        val,
        test,
        nn.CrossEntropyLoss(),
        accuracy,
        "accuracy",
        output_size=2,
    )


def _rnn(**kwargs: object) -> Builder:
    def build(input_size: int, hidden_size: int, output_size: int) -> nn.Module:
        return SequenceModel(input_size, hidden_size, output_size, **kwargs)

    return build


def _cell(name: str) -> Builder:
    def build(input_size: int, hidden_size: int, output_size: int) -> nn.Module:
        return CellSequenceModel(input_size, hidden_size, output_size, cell=name)

    return build


#: Every model of the chapter: ``name -> builder(input_size, hidden_size, output_size)``.
#: The first four are the source article's, all ``nn.LSTM``; the last three are the cells of
#: :mod:`lstmbook.cells`, run by its Python loop. Each reads its final state(s).
MODELS: dict[str, Builder] = {
    "LSTM": _rnn(cell="lstm"),
    "BiLSTM": _rnn(cell="lstm", bidirectional=True),
    "LSTM, 3 layers": _rnn(cell="lstm", num_layers=3),
    "BiLSTM, 2 layers": _rnn(cell="lstm", num_layers=2, bidirectional=True),
    "GRU": _rnn(cell="gru"),
    "RNN": _rnn(cell="rnn"),
    "peephole LSTM": _cell("peephole"),
    "CIFG": _cell("cifg"),
    "NFG": _cell("nfg"),
}


def set_forget_bias(model: nn.Module, value: float) -> int:
    """Set the forget-gate bias of every LSTM layer and cell in ``model`` to ``value``.

    For an ``nn.LSTM``, :func:`lstmbook.models.init_forget_bias` (the sum of its two bias
    vectors becomes ``value``); for a cell of :mod:`lstmbook.cells` with a forget gate, the same
    on its rows ``f``. GRUs, plain RNNs and the NFG cell have no forget gate and are left alone.
    Returns how many layers or cells were set.

    >>> set_forget_bias(SequenceModel(1, 4, 1, num_layers=2), 1.0)
    1
    >>> set_forget_bias(MODELS["GRU"](1, 4, 1), 1.0), set_forget_bias(MODELS["CIFG"](1, 4, 1), 1.0)
    (0, 1)
    """
    count = 0
    for module in model.modules():
        if isinstance(module, nn.LSTM):
            init_forget_bias(module, value)
            count += 1
        elif isinstance(module, GatedCell) and "f" in module.GATES:
            with torch.no_grad():
                module.bias_ih[module.gate_slice("f")] = value
                module.bias_hh[module.gate_slice("f")] = 0.0
            count += 1
    return count


@dataclass(frozen=True)
class Budget:
    """What every model gets: the same size of state, the same number of updates.

    ``forget_bias`` is the initial forget-gate bias of the models that have one (see
    :func:`set_forget_bias`); ``None`` keeps PyTorch's initialisation.
    """

    hidden_size: int = 16
    epochs: int = 4
    batch_size: int = 32
    lr: float = 0.02
    clip_grad_norm: float | None = 1.0
    forget_bias: float | None = 1.0

    def steps(self, task: Task) -> int:
        """Optimizer steps per model on ``task``: epochs times batches per epoch."""
        return self.epochs * -(-len(task.train[0]) // self.batch_size)


@dataclass(frozen=True)
class Run:
    """One model trained once: its test metric and loss, size, speed and learning curve."""

    task: str
    model: str
    seed: int
    metric: float  # the task's metric on the test set, with the best epoch's weights
    loss: float  # the task's loss on the test set
    params: int  # trainable parameters
    seconds_per_epoch: float  # mean wall time of an epoch (training and validation)
    val_loss: tuple[float, ...]  # validation loss after each epoch


def run_experiment(
    task: Task,
    models: Sequence[str] | Mapping[str, Builder],
    seeds: Sequence[int],
    budget: Budget | None = None,
    *,
    progress: bool = False,
) -> list[Run]:
    """Train every model once per seed on ``task`` with the same ``budget``; return the runs.

    For each model and seed: ``torch.manual_seed(seed)``, build the model, set its forget bias
    (if ``budget.forget_bias`` is not None), :func:`lstmbook.train.fit` with ``seed`` (which
    fixes the batch order) on the CPU, keep the epoch of lowest validation loss, and score it
    on the test set. Runs come back model by model, seeds in the given order.

    Args:
        task: the data and how to score them.
        models: names in :data:`MODELS`, or a mapping ``name -> builder``.
        seeds: one run per seed.
        budget: hidden size and training hyperparameters (default: ``Budget()``).
        progress: show a progress bar over the runs.

    >>> task = adding_task(T=6, n_train=32, n_val=16, n_test=16)
    >>> runs = run_experiment(task, ["GRU", "NFG"], seeds=[0, 1], budget=Budget(epochs=1))
    >>> [(run.model, run.seed, run.params) for run in runs]
    [('GRU', 0, 977), ('GRU', 1, 977), ('NFG', 0, 977), ('NFG', 1, 977)]
    """
    budget = budget or Budget()
    if isinstance(models, Mapping):
        builders = dict(models)
    else:
        unknown = [name for name in models if name not in MODELS]
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; expected names in {list(MODELS)}")
        builders = {name: MODELS[name] for name in models}
    seeds = list(seeds)
    if not builders or not seeds:
        raise ValueError(f"need at least one model and one seed, got {builders} and {seeds}")
    runs = []
    bar = progress_bar(total=len(builders) * len(seeds), show=progress, desc=task.name)
    for name, build in builders.items():
        for seed in seeds:
            torch.manual_seed(seed)
            model = build(task.input_size, budget.hidden_size, task.output_size)
            if budget.forget_bias is not None:
                set_forget_bias(model, budget.forget_bias)
            history = fit(
                model,
                task.train,
                task.val,
                task.loss_fn,
                task.metric,
                epochs=budget.epochs,
                batch_size=budget.batch_size,
                lr=budget.lr,
                clip_grad_norm=budget.clip_grad_norm,
                seed=seed,
                device="cpu",
            )
            loss, metric = evaluate(model, task.test, task.loss_fn, task.metric)
            runs.append(
                Run(
                    task.name,
                    name,
                    seed,
                    metric,
                    loss,
                    count_parameters(model),
                    statistics.fmean(history.seconds),
                    tuple(history.val_loss),
                )
            )
            bar.update()
    bar.close()
    return runs


@dataclass(frozen=True)
class Summary:
    """One model's runs on one task: mean and sample standard deviation over the seeds."""

    model: str
    params: int
    metric_mean: float
    metric_std: float  # sample standard deviation (n - 1); 0 for a single seed
    loss_mean: float
    loss_std: float
    seconds_per_epoch: float  # mean over the seeds
    per_seed: tuple[float, ...]  # the metric of each run, in seed order


def summarize(runs: Sequence[Run]) -> list[Summary]:
    """Group ``runs`` by model (in order of first appearance) and average over the seeds.

    >>> runs = [Run("t", "A", s, m, 0.1, 10, 1.0, ()) for s, m in enumerate([0.5, 0.7])]
    >>> s = summarize(runs)[0]
    >>> s.model, round(s.metric_mean, 3), round(s.metric_std, 3), s.per_seed
    ('A', 0.6, 0.141, (0.5, 0.7))
    """
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.model, []).append(run)

    def std(values: list[float]) -> float:
        return statistics.stdev(values) if len(values) > 1 else 0.0

    summaries = []
    for name, group in groups.items():
        metrics, losses = [r.metric for r in group], [r.loss for r in group]
        summaries.append(
            Summary(
                name,
                group[0].params,
                statistics.fmean(metrics),
                std(metrics),
                statistics.fmean(losses),
                std(losses),
                statistics.fmean(r.seconds_per_epoch for r in group),
                tuple(metrics),
            )
        )
    return summaries


def format_table(runs: Sequence[Run], metric_name: str = "metric", loss_name: str = "loss") -> str:
    """A text table of :func:`summarize`: one row per model.

    Columns: parameters, the test metric's mean ± standard deviation and its value for each
    seed (3 decimals), the test loss's mean ± standard deviation (4 decimals), and the mean
    wall time of an epoch (written like ``0.42 s``).

    >>> runs = [Run("t", "A", s, m, 0.1, 10, 0.5, ()) for s, m in enumerate([0.5, 0.7])]
    >>> print(format_table(runs, "accuracy"))
    model               params  accuracy         per seed       loss                time/epoch
    A                       10  0.600 ± 0.141    0.500 0.700    0.1000 ± 0.0000     0.50 s
    """
    rows = summarize(runs)
    width = max(len(" ".join(f"{m:.3f}" for m in r.per_seed)) for r in rows) if rows else 8
    lines = [
        f"{'model':18s} {'params':>7s}  {metric_name:16s} {'per seed':{width}s}    "
        f"{loss_name:19s} time/epoch"
    ]
    for r in rows:
        seeds = " ".join(f"{m:.3f}" for m in r.per_seed)
        lines.append(
            f"{r.model:18s} {r.params:7d}  {r.metric_mean:.3f} ± {r.metric_std:.3f}    "
            f"{seeds:{width}s}    {r.loss_mean:.4f} ± {r.loss_std:.4f}     "
            f"{r.seconds_per_epoch:.2f} s"
        )
    return "\n".join(lines)


def plot_comparison(
    results: Mapping[str, Sequence[Run]],
    xlabels: Mapping[str, str] | None = None,
    baselines: Mapping[str, float] | None = None,
) -> Figure:
    """One panel per task: each model's mean test metric as a bar, with an error bar of one
    standard deviation over the seeds either side and every seed's value as a dot.

    Args:
        results: ``task name -> runs`` (as :func:`run_experiment` returns them); the name is
            the panel's title.
        xlabels: ``task name -> x-axis label``; default ``"test metric (fraction)"``.
        baselines: ``task name -> a trivial model's score``, drawn as a dashed line.
    """
    if not results:
        raise ValueError("results must name at least one task")
    xlabels, baselines = dict(xlabels or {}), dict(baselines or {})
    summaries = {task: summarize(runs) for task, runs in results.items()}
    same_models = len({tuple(r.model for r in rows) for rows in summaries.values()}) == 1
    height = max(2.8, 1.5 + 0.28 * max(len(rows) for rows in summaries.values()))
    fig, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), height), squeeze=False)
    for k, (ax, (task, rows)) in enumerate(zip(axes[0], summaries.items(), strict=True)):
        y = np.arange(len(rows))
        means = [r.metric_mean for r in rows]
        ax.barh(y, means, color="#9ecae1", label="mean over seeds")
        stds = [r.metric_std for r in rows]
        ax.errorbar(means, y, xerr=stds, fmt="none", ecolor="black", capsize=3, label="± 1 std")
        for j, r in enumerate(rows):
            ax.plot(r.per_seed, [j] * len(r.per_seed), "o", color="#d62728", markersize=3)
        ax.plot([], [], "o", color="#d62728", markersize=3, label="one seed")
        if task in baselines:
            ax.axvline(baselines[task], color="gray", linestyle="--", label="trivial baseline")
        labels = [r.model for r in rows] if k == 0 or not same_models else []
        ax.set_yticks(y, labels)
        ax.set(xlim=(0, 1), xlabel=xlabels.get(task, "test metric (fraction)"), title=task)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    legend = {}
    for ax in axes[0]:
        legend.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    ncol = 4 if len(results) > 1 else 2
    fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=ncol, frameon=False)
    fig.tight_layout(rect=(0, (0.3 if ncol == 4 else 0.5) / height, 1, 1))  # room for the legend
    return fig
