"""Chapter 4's experiment: many recurrent models, several seeds, one training budget each.

- :class:`Task` holds a task's data (train, validation, test), its loss and its metric;
  :func:`adding_task` and :func:`first_last_classification` build the two the chapter uses.
- :data:`MODELS` names the models: ``name -> builder(input_size, hidden_size, output_size)``.
- :class:`Budget` is what every model gets: hidden size, epochs, batch size, learning rate,
  clipping, and the initial forget-gate bias of the models that have a forget gate.
- :func:`run_experiment` trains every model once per seed: the epoch is chosen on the
  validation set, and only the chosen weights are scored on the test set.
- A run either learns the task or not, by a threshold the caller states: :func:`summarize`,
  :func:`learned_counts` and :func:`results_table` report "learned on k of n seeds" with a 95%
  Wilson interval and the medians; :func:`plot_runs` draws every run.

Training is :func:`lstmbook.train.fit`. A seed fixes a model's initial weights and the order of
its batches; the data are the same for every seed, so every model is tested on the same
sequences.
"""

from __future__ import annotations

import multiprocessing
import statistics
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial

import torch
from numpy.typing import NDArray
from torch import Tensor, nn
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

from lstmbook.data import ADDING_TOLERANCE, adding_problem, first_last_task, split
from lstmbook.models import SequenceModel, cell_model, count_parameters, init_forget_bias
from lstmbook.progress import bar as progress_bar
from lstmbook.stats import fisher_exact, interval_text, wilson_interval
from lstmbook.tables import Table
from lstmbook.train import accuracy, evaluate, fit, within
from lstmbook.validate import ints, positive_int, real, strings

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


def _task(name: str, data: Pair, n_val: int, n_test: int, *scoring, output_size: int) -> Task:
    """The task ``name`` on ``data``, split (seed 0) into ``n_val`` validation and ``n_test``
    test sequences and the rest for training; ``scoring`` is ``loss_fn, metric, metric_name``."""
    X, y = data
    train, val, test = split(X, y, val=n_val / len(X), test=n_test / len(X), seed=0)
    return Task(name, train, val, test, *scoring, output_size=output_size)


def adding_task(T: int = 20, n_train: int = 1600, n_val: int = 400, n_test: int = 1000) -> Task:
    """The adding problem (:func:`lstmbook.data.adding_problem`) as a regression task.

    Trained on the mean squared error; the metric is the fraction of test sequences whose
    prediction is within 0.04 of the target (0.04 is the usual tolerance; always answering
    0.5 scores about 0.15).

    >>> task = adding_task(T=10, n_train=8, n_val=4, n_test=4)
    >>> task.input_size, task.T, len(task.train[0]), task.metric_name
    (2, 10, 8, 'within 0.04')
    """
    data = adding_problem(n_train + n_val + n_test, T, seed=0)
    scoring = nn.MSELoss(), within(ADDING_TOLERANCE), f"within {ADDING_TOLERANCE}"
    return _task(f"adding problem, T = {T}", data, n_val, n_test, *scoring, output_size=1)


def first_last_classification(
    T: int = 30, window: int = 5, n_train: int = 1600, n_val: int = 400, n_test: int = 1000
) -> Task:
    """:func:`lstmbook.data.first_last_task` as a two-class task: the label needs both ends.

    Trained on the cross-entropy; the metric is the test accuracy. A model that sees one end
    of the sequence only scores about 0.75.

    >>> first_last_classification(T=12, window=2, n_train=8, n_val=4, n_test=4).output_size
    2
    """
    data = first_last_task(n_train + n_val + n_test, T, window, seed=0)
    scoring = nn.CrossEntropyLoss(), accuracy, "accuracy"
    return _task(f"first + last, T = {T}", data, n_val, n_test, *scoring, output_size=2)


#: Every model of the chapter: ``name -> builder(input_size, hidden_size, output_size)``.
#: The first four are the source article's, all ``nn.LSTM``; the last three are the cells of
#: :mod:`lstmbook.cells`, run by its Python loop. Each reads its final state(s).
MODELS: dict[str, Builder] = {
    "LSTM": partial(SequenceModel, cell="lstm"),
    "BiLSTM": partial(SequenceModel, cell="lstm", bidirectional=True),
    "LSTM, 3 layers": partial(SequenceModel, cell="lstm", num_layers=3),
    "BiLSTM, 2 layers": partial(SequenceModel, cell="lstm", num_layers=2, bidirectional=True),
    "GRU": partial(SequenceModel, cell="gru"),
    "RNN": partial(SequenceModel, cell="rnn"),
    "peephole LSTM": partial(cell_model, "peephole"),
    "CIFG": partial(cell_model, "cifg"),
    "NFG": partial(cell_model, "nfg"),
}


@dataclass(frozen=True)
class Budget:
    """What every model gets: the same size of state, the same number of updates.

    ``forget_bias`` is the initial forget-gate bias of the models that have one (see
    :func:`lstmbook.models.init_forget_bias`); ``None`` keeps PyTorch's initialisation.
    """

    hidden_size: int = 16
    epochs: int = 4
    batch_size: int = 32
    lr: float = 0.02
    clip_grad_norm: float | None = 1.0
    forget_bias: float | None = 1.0

    def __post_init__(self) -> None:
        for name in ("hidden_size", "epochs", "batch_size"):
            positive_int(name, getattr(self, name))
        real("lr", self.lr, low=0.0, low_open=True)
        if self.clip_grad_norm is not None:
            real("clip_grad_norm", self.clip_grad_norm, low=0.0, low_open=True)
        if self.forget_bias is not None:
            real("forget_bias", self.forget_bias)

    def steps(self, task: Task) -> int:
        """Optimizer steps per model on ``task``: epochs times batches per epoch."""
        return self.epochs * -(-len(task.train[0]) // self.batch_size)


@dataclass(frozen=True)
class Run:
    """One model trained once: its test metric and loss, its size, its validation curve."""

    task: str
    model: str
    seed: int
    metric: float  # the task's metric on the test set, with the best epoch's weights
    loss: float  # the task's loss on the test set
    params: int  # trainable parameters
    val_loss: tuple[float, ...]  # validation loss after each epoch (it picks the epoch)


class _Rows(Dataset):
    """``(X, y)`` as tensors, indexed by a whole batch of rows at once."""

    def __init__(self, X: NDArray, y: NDArray) -> None:
        self.X, self.y = torch.as_tensor(X), torch.as_tensor(y)

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, rows: list[int]) -> tuple[Tensor, Tensor]:
        return self.X[rows], self.y[rows]


def batches(data: Pair, batch_size: int, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """Batches of ``data``, each taken by one indexing (shuffled by a generator seeded ``seed``).

    The same batches as :func:`lstmbook.train.make_loader`, faster: the default loader fetches
    the rows of a batch one by one and stacks them, which costs more than a small model's step.

    >>> import numpy as np
    >>> X, y = np.zeros((10, 5, 2), np.float32), np.arange(10)
    >>> [tuple(x.shape) for x, _ in batches((X, y), batch_size=4)]
    [(4, 5, 2), (4, 5, 2), (2, 5, 2)]

    ``data`` must be a pair ``(X, y)`` of one length.
    """
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise TypeError(f"data must be a pair (X, y), got {type(data).__name__}")
    if len(data[0]) != len(data[1]):
        raise ValueError(
            f"data must hold one target per example, got {len(data[0])} and {len(data[1])}"
        )
    rows = _Rows(*data)
    order = (
        RandomSampler(rows, generator=torch.Generator().manual_seed(seed))
        if shuffle
        else SequentialSampler(rows)
    )
    sampler = BatchSampler(order, batch_size, drop_last=False)
    return DataLoader(rows, sampler=sampler, batch_size=None)


def run_experiment(
    task: Task,
    models: Sequence[str] | Mapping[str, Builder],
    seeds: Sequence[int],
    budget: Budget | None = None,
    *,
    progress: bool = False,
    workers: int = 1,
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
        workers: run this many trainings at once, in forked processes (one thread each).
            Every run seeds itself, so the runs are the same for any number of workers.

    >>> task = adding_task(T=6, n_train=32, n_val=16, n_test=16)
    >>> runs = run_experiment(task, ["GRU", "NFG"], seeds=[0, 1], budget=Budget(epochs=1))
    >>> [(run.model, run.seed, run.params) for run in runs]
    [('GRU', 0, 977), ('GRU', 1, 977), ('NFG', 0, 977), ('NFG', 1, 977)]

    ``models`` must be a list of names (one bare name is refused) or a mapping, ``seeds`` one
    or more ints >= 0, ``budget`` a :class:`Budget` or None.
    """
    if not isinstance(task, Task):
        raise TypeError(f"task must be a Task, got {type(task).__name__}")
    positive_int("workers", workers)
    if not isinstance(models, Mapping):
        models = strings("models", models)
    seeds = ints("seeds", seeds)
    if budget is not None and not isinstance(budget, Budget):
        raise TypeError(f"budget must be a Budget or None, got {type(budget).__name__}")
    budget = budget or Budget()
    if isinstance(models, Mapping):
        builders = dict(models)
    else:
        unknown = [name for name in models if name not in MODELS]
        if unknown:
            raise ValueError(f"models must be names in {list(MODELS)}, got unknown {unknown}")
        builders = {name: MODELS[name] for name in models}
    seeds = list(seeds)
    if not builders or not seeds:
        raise ValueError(f"need at least one model and one seed, got {builders} and {seeds}")
    jobs = [(task, name, build, seed, budget) for name, build in builders.items() for seed in seeds]
    bar = progress_bar(total=len(jobs), show=progress, desc=task.name)
    if workers <= 1 or len(jobs) == 1:
        runs = []
        for job in jobs:
            runs.append(_run(*job))
            bar.update()
    else:
        global _JOBS
        _JOBS = jobs  # a forked worker finds its job here: nothing is pickled but an index
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(_run_job, index) for index in range(len(jobs))]
            for _ in as_completed(futures):
                bar.update()
            runs = [future.result() for future in futures]
        _JOBS = []
    bar.close()
    return runs


_JOBS: list[tuple] = []


def _run_job(index: int) -> Run:
    torch.set_num_threads(1)
    return _run(*_JOBS[index])


def _run(task: Task, name: str, build: Builder, seed: int, budget: Budget) -> Run:
    """Train one model once; see :func:`run_experiment`."""
    torch.manual_seed(seed)
    model = build(task.input_size, budget.hidden_size, task.output_size)
    if budget.forget_bias is not None:
        init_forget_bias(model, budget.forget_bias)
    history = fit(
        model,
        batches(task.train, budget.batch_size, shuffle=True, seed=seed),
        batches(task.val, len(task.val[0])),
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
    return Run(
        task.name, name, seed, metric, loss, count_parameters(model), tuple(history.val_loss)
    )


Learned = Callable[[Run], bool]


@dataclass(frozen=True)
class Summary:
    """One model's runs on one task: how many learned, and the medians over the seeds."""

    model: str
    params: int
    learned: int  # runs that ``learned`` accepts
    runs: int
    interval: tuple[float, float]  # 95% Wilson interval of learned / runs
    median_metric: float
    median_loss: float
    per_seed: tuple[float, ...]  # the metric of each run, in seed order


def summarize(runs: Sequence[Run], learned: Learned) -> list[Summary]:
    """Group ``runs`` by model (in order of first appearance): how many learned, and medians.

    ``learned(run)`` says whether one run learned the task (a threshold the chapter states).

    >>> runs = [Run("t", "A", s, m, 0.1, 10, ()) for s, m in enumerate([0.5, 0.7, 0.9])]
    >>> s = summarize(runs, lambda run: run.metric > 0.6)[0]
    >>> s.model, s.learned, s.runs, s.median_metric, s.per_seed
    ('A', 2, 3, 0.7, (0.5, 0.7, 0.9))
    """
    if not callable(learned):
        raise TypeError(f"learned must be a function of a Run, got {type(learned).__name__}")
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.model, []).append(run)
    summaries = []
    for name, group in groups.items():
        k = sum(bool(learned(r)) for r in group)
        summaries.append(
            Summary(
                name,
                group[0].params,
                k,
                len(group),
                wilson_interval(k, len(group)),
                statistics.median(r.metric for r in group),
                statistics.median(r.loss for r in group),
                tuple(r.metric for r in group),
            )
        )
    return summaries


def learned_counts(runs: Sequence[Run], learned: Learned) -> dict[str, tuple[int, int]]:
    """``model -> (k, n)``: of its ``n`` runs, ``k`` learned.

    >>> runs = [Run("t", "A", s, m, 0.1, 10, ()) for s, m in enumerate([0.5, 0.7])]
    >>> learned_counts(runs, lambda run: run.metric > 0.6)
    {'A': (1, 2)}
    """
    if not callable(learned):
        raise TypeError(f"learned must be a function of a Run, got {type(learned).__name__}")
    return {s.model: (s.learned, s.runs) for s in summarize(runs, learned)}


def results_table(
    runs: Sequence[Run],
    learned: Learned,
    median: str = "metric",
    name: str = "metric",
    reference: str | None = None,
) -> Table:
    """A :class:`lstmbook.tables.Table` of :func:`summarize`, one row per model.

    Columns: parameters, "k of n" seeds learned, the 95% Wilson interval of that proportion,
    the median over the seeds of the test ``metric`` (2 decimals) or ``loss`` (2 significant
    figures), headed ``median <name>``, and with a ``reference`` model, the two-sided p-value
    of Fisher's exact test of each model's count against the reference's.

    >>> runs = [Run("t", m, s, s / 4, 0.01, 10, ()) for m in "AB" for s in range(4)]
    >>> results_table(runs, lambda run: run.metric > 0.3 or run.model == "B", reference="A")
    model  params  learned  interval      median metric  p vs A
    A          10  2 of 4   0.15 to 0.85           0.38       —
    B          10  4 of 4   0.51 to 1.00           0.38    0.43
    """
    if median not in ("metric", "loss"):
        raise ValueError(f"median must be 'metric' or 'loss', got {median!r}")
    summaries = summarize(runs, learned)
    counts = {s.model: (s.learned, s.runs) for s in summaries}
    if reference is not None and reference not in counts:
        raise ValueError(f"reference {reference!r} is not among the models {list(counts)}")
    headers = ["model", "params", "learned", "interval", f"median {name}"]
    if reference is not None:
        headers.append(f"p vs {reference}")
    rows = []
    for s in summaries:
        value = s.median_metric if median == "metric" else _Significant(s.median_loss)
        row: list[object] = [
            s.model,
            s.params,
            f"{s.learned} of {s.runs}",
            interval_text(s.learned, s.runs),
            value,
        ]
        if reference is not None:
            p = fisher_exact(*counts[reference], s.learned, s.runs)
            row.append(_NONE if s.model == reference else _Significant(p))
        rows.append(row)
    return Table(headers, rows, digits=2)


class _Dash(float):
    """A placeholder in a numeric column: prints as a dash."""

    def __format__(self, spec: str) -> str:
        return "—"


_NONE = _Dash("nan")


class _Significant(float):
    """A float that prints with 2 significant figures, wherever it is formatted."""

    def __format__(self, spec: str) -> str:
        return f"{float(self):#.2g}".rstrip(".")
