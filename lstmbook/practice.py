"""Helpers for chapter 6's ablations: per-step tasks, taggers, stateful truncated BPTT, and more.

What :mod:`lstmbook.train` already does is used from there: :func:`lstmbook.train.fit` records
every step's gradient norm, clips by norm, steps a learning-rate scheduler and stops early.
This module adds only what the chapter needs besides:

- :func:`fit_seeds` and :func:`spread`: one training run per seed, and the spread of a result;
  :func:`fit_seeds_test`: the same, each epoch also scored on a test split that no selection
  sees (:class:`Scored`);
  :func:`plot_seed_bands`: curves over seeds as a mean line in a min-to-max band;
  :func:`plot_grad_norm_runs`: the gradient norm at every step of several runs;
- :func:`step_lengths`: how far each optimizer step moves the weights, with and without clipping;
  :func:`hidden_gradient_norms` and :func:`random_recurrent_cell`: the gradient that reaches
  each time step, for a recurrent weight of a chosen scale;
- :func:`review_tensors`: a small slice of the movie reviews as token ids, for the dropout
  ablation; :func:`outputs_differ_between_calls`: whether dropout is at work in a module;
- :func:`window_sign_task`: per-step labels that need past or *future* inputs, and
  :class:`Tagger`, an LSTM (optionally bidirectional) with an answer at every step;
  :func:`online_outputs`: what a model can answer at step ``t`` having read only ``x[:, :t+1]``;
- :class:`LearnedInitialState`: ``nn.LSTM`` with trainable ``h_0, c_0`` instead of zeros, and
  :func:`initial_state_influence`: for how many steps it shows; :func:`first_step_gradient`:
  how much of the first step's input reaches the output's gradient;
- :func:`batchify`, :func:`tbptt_epoch` and :func:`fit_tbptt`: truncated backpropagation
  through time over long streams cut into chunks, the state carried from chunk to chunk
  (stateful) or reset;
- exercise checkers :func:`check_clip_grad_norm` and :func:`check_batchify`.

Shapes are ``(batch, time, features)`` for inputs and ``(batch, time)`` for per-step labels; a
label :data:`IGNORE` (-100, the default ``ignore_index`` of ``F.cross_entropy``) marks a step
with no answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray
from torch import Tensor, nn
from torch.nn import functional as F

from lstmbook.checking import call_reader, report, require_callable, wrong_shape
from lstmbook.progress import bar
from lstmbook.reviews import load_rotten_tomatoes
from lstmbook.text import Vocabulary, encode, tokenize
from lstmbook.train import History, fit, make_loader, predict

#: The label of a step that has no answer: skipped by the loss and by the accuracy.
IGNORE = -100

State = tuple[Tensor, Tensor]


# Seeds ------------------------------------------------------------------------------------------


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
    """
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
    values = [float(v) for v in values]
    if not values:
        raise ValueError("spread needs at least one value, got none")
    mean = sum(values) / len(values)
    return f"{mean:{fmt}} ({min(values):{fmt}} to {max(values):{fmt}})"


def first_epoch_below(values: Sequence[float], threshold: float) -> int | None:
    """The first epoch (counting from 1) whose value is below ``threshold``; None if none is.

    >>> first_epoch_below([0.04, 0.03, 0.008, 0.002], 0.01), first_epoch_below([0.04], 0.01)
    (3, None)
    """
    for epoch, value in enumerate(values, start=1):
        if value < threshold:
            return epoch
    return None


def plot_seed_bands(
    curves: dict[str, Sequence[Sequence[float]]],
    ylabel: str,
    xlabel: str = "epoch",
    ax: Axes | None = None,
    logy: bool = False,
) -> Figure:
    """One line per setting: the median over seeds, in a band from the minimum to the maximum.

    ``curves[name]`` holds one curve per seed (all of one length); x runs from 1.

    >>> fig = plot_seed_bands({"a": [[1.0, 0.5], [0.8, 0.4]]}, "loss")
    >>> fig.axes[0].get_ylabel(), [line.get_label() for line in fig.axes[0].get_lines()]
    ('loss', ['a (median of 2 seeds)'])
    >>> plt.close(fig)
    """
    if ax is None:
        fig, ax = plt.subplots(layout="constrained")
    fig = ax.figure
    for k, (name, runs) in enumerate(curves.items()):
        values = np.asarray(runs, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError(f"{name}: expected one curve per seed (2-D), got shape {values.shape}")
        x = np.arange(1, values.shape[1] + 1)
        label = f"{name} (median of {len(values)} seeds)" if len(values) > 1 else name
        ax.plot(x, np.median(values, axis=0), "o-", markersize=3, color=f"C{k}", label=label)
        ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=f"C{k}", alpha=0.15)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_grad_norm_runs(
    histories: dict[str, History], clip: float | None = None, ax: Axes | None = None
) -> Figure:
    """The total gradient norm at every optimizer step of several runs, on a log scale.

    A run whose norm became infinite or NaN (its weights overflowed) is marked with an ``x``
    at the last finite step, and its label says so. ``clip`` draws the clipping level.

    >>> fig = plot_grad_norm_runs({"a": History(step_grad_norm=[0.5, 40.0, float("inf")])})
    >>> fig.axes[0].get_lines()[0].get_label()
    'a (overflowed at step 3)'
    >>> plt.close(fig)
    """
    if ax is None:
        fig, ax = plt.subplots(layout="constrained")
    fig = ax.figure
    for k, (name, history) in enumerate(histories.items()):
        norms = np.asarray(history.step_grad_norm, dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(norms))
        label = f"{name} (overflowed at step {bad[0] + 1})" if len(bad) else name
        shown = norms[: bad[0]] if len(bad) else norms
        steps = np.arange(1, len(shown) + 1)
        ax.plot(steps, shown, linewidth=0.8, color=f"C{k}", label=label)
        if len(bad) and len(shown):
            ax.plot(steps[-1], shown[-1], "x", color=f"C{k}", markersize=9)
    if clip is not None:
        ax.axhline(clip, color="grey", linestyle="--", label=f"clip at {clip:g}")
    ax.set(xlabel="optimizer step", ylabel="total gradient norm (L2)", yscale="log")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


# How far a step goes, and the gradient across time ---------------------------------------------


def step_lengths(
    model: nn.Module,
    train: tuple,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
    clip_grad_norm: float | None = None,
    batch_size: int = 32,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Train for ``steps`` optimizer steps; return each step's length and gradient norm.

    The length of step ``k`` is ``||theta_{k+1} - theta_k||`` over all the parameters
    together; the gradient norm is the total norm before clipping (as ``fit`` records it).
    Batches come from ``train = (X, y)``, shuffled with ``seed``, epoch after epoch.

    >>> _ = torch.manual_seed(0)
    >>> X = torch.randn(64, 3, 1); y = 100 * X.sum(dim=(1, 2))
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(3, 1), nn.Flatten(0))
    >>> sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> length, norm = step_lengths(model, (X, y), nn.MSELoss(), sgd, 5, clip_grad_norm=1.0)
    >>> bool(length.max() <= 0.1 * 1.0 + 1e-6), bool(norm.min() > 1.0)
    (True, True)
    """
    loader = make_loader(*train, batch_size=batch_size, shuffle=True, seed=seed)
    lengths, norms = [], []
    model.train()
    while len(lengths) < steps:
        for x, y in loader:
            before = [p.detach().clone() for p in model.parameters()]
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            limit = clip_grad_norm if clip_grad_norm is not None else float("inf")
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), limit)))
            optimizer.step()
            moved = sum(
                float(((p.detach() - b) ** 2).sum())
                for p, b in zip(model.parameters(), before, strict=True)
            )
            lengths.append(math.sqrt(moved))
            if len(lengths) == steps:
                break
    return np.array(lengths), np.array(norms)


def random_recurrent_cell(kind: str, hidden_size: int, gain: float, seed: int = 0) -> nn.Module:
    """An ``nn.RNNCell`` (tanh) or ``nn.LSTMCell`` with one input and a random recurrent weight.

    ``weight_hh`` has independent normal entries of standard deviation ``gain / sqrt(H)``, so
    ``gain`` sets its scale (its spectral radius is about ``gain``); biases are 0, except a
    forget-gate bias of 1 for the LSTM.

    >>> random_recurrent_cell("rnn", 8, 2.0).weight_hh.shape
    torch.Size([8, 8])
    """
    cells = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell}
    if kind not in cells:
        raise ValueError(f"kind must be one of {sorted(cells)}, got {kind!r}")
    torch.manual_seed(seed)
    cell = cells[kind](1, hidden_size)
    with torch.no_grad():
        cell.weight_hh.normal_(0.0, gain / math.sqrt(hidden_size))
        cell.bias_ih.zero_()
        cell.bias_hh.zero_()
        if kind == "lstm":
            cell.bias_ih[hidden_size : 2 * hidden_size] = 1.0  # blocks i | f | g | o
    return cell


def hidden_gradient_norms(cell: nn.Module, x: Tensor) -> NDArray[np.float64]:
    """``||dL/dh_t||`` at every step ``t``, for ``L`` the sum of the last hidden state.

    ``cell`` is an ``nn.RNNCell`` or ``nn.LSTMCell`` run over ``x (batch, time, features)``
    from zeros; the norm is over the hidden units, averaged over the batch. Index ``t`` of the
    result is step ``t``; the last entry is the gradient at the loss itself.

    >>> x = torch.randn(4, 30, 1)
    >>> g = hidden_gradient_norms(random_recurrent_cell("rnn", 16, 0.5), x)
    >>> g.shape, bool(g[0] < 1e-3 * g[-1])
    ((30,), True)
    """
    batch, H = x.shape[0], cell.hidden_size
    h = torch.zeros(batch, H)
    c = torch.zeros(batch, H)
    hidden = []
    for t in range(x.shape[1]):
        if isinstance(cell, nn.LSTMCell):
            h, c = cell(x[:, t], (h, c))
        else:
            h = cell(x[:, t], h)
        h.retain_grad()
        hidden.append(h)
    h.sum().backward()
    return np.array([float(h_t.grad.norm(dim=-1).mean()) for h_t in hidden])


# Dropout ----------------------------------------------------------------------------------------


def review_tensors(
    n_train: int = 2000, max_len: int = 30, min_freq: int = 2, seed: int = 0
) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor], tuple[Tensor, Tensor], Vocabulary]:
    """A small slice of the movie reviews (:mod:`lstmbook.reviews`) as token ids, for ablations.

    The first ``n_train`` reviews of the seeded training split and the whole validation and
    test splits, each cut to ``max_len`` tokens, with a vocabulary of the tokens seen at least
    ``min_freq`` times in those ``n_train`` reviews. Labels are 1 for ``fresh`` and 0 for
    ``rotten``. Returns ``(tokens (n, time), labels (n,))`` for train, validation and test,
    and the vocabulary.
    """
    splits = load_rotten_tomatoes(seed=seed)
    texts, labels = splits.train_texts[:n_train], splits.train_labels[:n_train]
    vocab = Vocabulary.build((tokenize(text)[:max_len] for text in texts), min_freq=min_freq)

    def tensors(texts: Sequence[str], labels: Sequence[str]) -> tuple[Tensor, Tensor]:
        tokens, _ = encode(texts, vocab, max_len)
        return tokens, torch.tensor([label == "fresh" for label in labels], dtype=torch.long)

    return (
        tensors(texts, labels),
        tensors(splits.val_texts, splits.val_labels),
        tensors(splits.test_texts, splits.test_labels),
        vocab,
    )


def outputs_differ_between_calls(module: nn.Module, x: Tensor) -> bool:
    """Whether two calls of ``module`` in training mode on the same ``x`` give different outputs:
    True when some dropout inside it is at work (for an RNN, the first output is compared).

    >>> outputs_differ_between_calls(nn.Dropout(0.5), torch.ones(100))
    True
    >>> outputs_differ_between_calls(nn.LSTM(2, 3, dropout=0.0), torch.ones(4, 1, 2))
    False
    """
    was_training = module.training
    module.train()
    with torch.no_grad():
        first, second = module(x), module(x)
    module.train(was_training)
    if isinstance(first, tuple):
        first, second = first[0], second[0]
    return not torch.equal(first, second)


# Per-step tasks and taggers ---------------------------------------------------------------------


def window_sign_task(
    n: int, T: int, offsets: tuple[int, int] = (-2, 0), seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """A label at every step: the sign of the sum of the inputs in a window around that step.

    Inputs are uniform on ``[-1, 1]``, one feature. With ``offsets = (a, b)``, ``a <= b``, the
    label at step ``t`` is 1 when ``x[t + a] + ... + x[t + b] > 0``, else 0; steps whose
    window leaves the sequence are labelled :data:`IGNORE`.

    - ``(-2, 0)``: the past three inputs. An online (causal) model can answer at step ``t``.
    - ``(0, 2)``: the present and the next two: the answer needs *future* context.
    - ``(-d, -d)``: recall the sign of the input ``d`` steps back.

    Returns ``X (n, T, 1)`` (``float32``) and ``y (n, T)`` (``int64``).

    >>> X, y = window_sign_task(2, T=6, offsets=(0, 1), seed=0)
    >>> X.shape, y.shape, y[0, -1] == IGNORE
    ((2, 6, 1), (2, 6), np.True_)
    >>> bool(y[0, 0] == (X[0, 0, 0] + X[0, 1, 0] > 0))
    True
    """
    a, b = offsets
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    if not a <= b:
        raise ValueError(f"offsets must be (a, b) with a <= b, got {offsets}")
    if isinstance(T, bool) or not isinstance(T, int) or T < b - a + 1:
        raise ValueError(f"T must be an int >= the window length {b - a + 1}, got {T!r}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, T)).astype(np.float32)
    y = np.full((n, T), IGNORE, dtype=np.int64)
    first, last = max(0, -a), min(T, T - b)  # steps whose whole window lies inside
    sums = sum(X[:, first + k : last + k] for k in range(a, b + 1))
    y[:, first:last] = (sums > 0).astype(np.int64)
    return X[:, :, None], y


def per_step_cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy over every labelled step: ``logits (batch, time, classes)``,
    ``y (batch, time)``; steps labelled :data:`IGNORE` are skipped.

    >>> per_step_cross_entropy(torch.zeros(1, 3, 2), torch.tensor([[0, 1, IGNORE]])).item()
    0.6931471824645996
    """
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
    labelled = y != IGNORE
    return (logits.argmax(dim=-1) == y)[labelled].double().mean().item()


class Tagger(nn.Module):
    """An ``nn.LSTM`` and a linear head at every step: ``(batch, time, I) -> (batch, time, C)``.

    Unidirectional, the answer at step ``t`` depends on ``x[:, :t+1]`` only: the model can
    answer online, as the inputs arrive. Bidirectional, the answer at ``t`` also reads
    ``x[:, t:]`` through the backward direction: it must wait for the end of the sequence.

    >>> _ = torch.manual_seed(0)
    >>> Tagger(1, 8, 2, bidirectional=True)(torch.randn(4, 10, 1)).shape
    torch.Size([4, 10, 2])
    """

    def __init__(
        self, input_size: int, hidden_size: int, output_size: int = 2, bidirectional: bool = False
    ) -> None:
        super().__init__()
        self.bidirectional = bidirectional
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size)

    def forward_state(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Logits ``(batch, time, C)`` and the final state ``(h_n, c_n)``, from ``state``.

        The state has shape ``(directions, batch, hidden)`` each; pass it back in to go on
        reading the same streams (unidirectional only: a backward direction reads from the end).
        """
        if not isinstance(x, Tensor) or x.dim() != 3:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"x must have shape (batch, time, features), got {shape}")
        if state is not None and self.bidirectional:
            raise ValueError("a bidirectional model cannot carry its state into the next chunk")
        output, state = self.lstm(x, state)
        return self.head(output), state

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(batch, time, output_size)``, from a zero initial state."""
        return self.forward_state(x)[0]


@torch.no_grad()
def online_outputs(model: nn.Module, x: Tensor) -> Tensor:
    """The outputs ``model`` can give at each step ``t`` having read only ``x[:, :t+1]``.

    Step ``t``'s row is ``model(x[:, :t+1])[:, -1]``: ``T`` forward passes (in eval mode). For a
    causal model this equals ``model(x)``; for a bidirectional one it does not, because its
    backward direction has not seen the inputs after ``t`` yet. Shape ``(batch, time, C)``.

    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(3, 5, 1)
    >>> causal, bi = Tagger(1, 4).eval(), Tagger(1, 4, bidirectional=True).eval()
    >>> torch.allclose(online_outputs(causal, x), causal(x), atol=1e-6)
    True
    >>> torch.allclose(online_outputs(bi, x), bi(x), atol=1e-6)
    False
    """
    was_training = model.training
    model.eval()
    out = torch.stack([model(x[:, : t + 1])[:, -1] for t in range(x.shape[1])], dim=1)
    model.train(was_training)
    return out


# A learned initial state ------------------------------------------------------------------------


class LearnedInitialState(nn.Module):
    """``nn.LSTM`` started from trainable ``h_0, c_0`` (each ``(layers * dirs, 1, H)``, initially
    zero) instead of zeros, the same vector for every sequence of a batch.

    Called like the ``nn.LSTM`` it wraps (``batch_first`` or not, a padded tensor or a packed
    sequence); with no state given, ``h_0`` and ``c_0`` are expanded to the batch. It can
    replace the ``rnn`` of :class:`lstmbook.models.SequenceModel` (see
    :func:`with_learned_initial_state`).

    >>> lstm = LearnedInitialState(nn.LSTM(2, 3, batch_first=True))
    >>> output, (h_n, c_n) = lstm(torch.zeros(4, 5, 2))
    >>> output.shape, h_n.shape, lstm.h_0.shape
    (torch.Size([4, 5, 3]), torch.Size([1, 4, 3]), torch.Size([1, 1, 3]))
    """

    def __init__(self, lstm: nn.LSTM) -> None:
        super().__init__()
        if not isinstance(lstm, nn.LSTM):
            raise TypeError(f"expected an nn.LSTM, got {type(lstm).__name__}")
        self.lstm = lstm
        shape = (lstm.num_layers * (2 if lstm.bidirectional else 1), 1, lstm.hidden_size)
        self.h_0 = nn.Parameter(torch.zeros(shape))
        self.c_0 = nn.Parameter(torch.zeros(shape))

    def forward(self, x, state: State | None = None):
        """``self.lstm(x, state)``, with ``state`` the learned ``(h_0, c_0)`` when None."""
        if state is None:
            if isinstance(x, nn.utils.rnn.PackedSequence):
                batch = int(x.batch_sizes[0])
            else:
                batch = x.shape[0 if self.lstm.batch_first else 1]
            size = (-1, batch, -1)
            state = (self.h_0.expand(size).contiguous(), self.c_0.expand(size).contiguous())
        return self.lstm(x, state)


def with_learned_initial_state(model: nn.Module) -> nn.Module:
    """Wrap ``model.rnn`` (an ``nn.LSTM``) in :class:`LearnedInitialState`; returns ``model``.

    >>> from lstmbook.models import SequenceModel
    >>> model = with_learned_initial_state(SequenceModel(2, 4, 1))
    >>> model(torch.zeros(3, 6, 2)).shape, type(model.rnn).__name__
    (torch.Size([3]), 'LearnedInitialState')
    """
    if not isinstance(getattr(model, "rnn", None), nn.LSTM):
        raise TypeError(f"expected a model whose .rnn is an nn.LSTM, got {type(model).__name__}")
    model.rnn = LearnedInitialState(model.rnn)
    return model


def first_step_gradient(model: nn.Module, x: Tensor) -> float:
    """How much the output at the end hears of the first step: ``|d sum(model(x)) / d x[:, 0]|``.

    The L2 norm over features of the gradient of the summed output with respect to the input
    at step 0, averaged over the batch ``x (batch, time, features)``. An LSTM whose forget
    gates sit at ``f`` passes back roughly ``f`` per step, so this shrinks like ``f ** T``.

    >>> _ = torch.manual_seed(0)
    >>> from lstmbook.models import SequenceModel
    >>> x = torch.randn(8, 30, 2)
    >>> first_step_gradient(SequenceModel(2, 8, 1, forget_bias=3.0), x) > first_step_gradient(
    ...     SequenceModel(2, 8, 1, forget_bias=0.0), x)
    True
    """
    x = x.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(model(x).sum(), x)
    return gradient[:, 0].norm(dim=-1).mean().item()


@torch.no_grad()
def initial_state_influence(rnn: LearnedInitialState, x: Tensor) -> Tensor:
    """Mean ``|h_t(learned h_0, c_0) - h_t(zeros)|`` at each step ``t``: shape ``(time,)``.

    How long the learned initial state of ``rnn`` (batch-first) still shows in its outputs
    over the sequences ``x (batch, time, features)``.
    """
    if not isinstance(rnn, LearnedInitialState):
        raise TypeError(f"expected a LearnedInitialState, got {type(rnn).__name__}")
    learned, _ = rnn(x)
    zero = torch.zeros_like(rnn.h_0.expand(-1, x.shape[0], -1))
    from_zero, _ = rnn.lstm(x, (zero, zero))
    return (learned - from_zero).abs().mean(dim=(0, 2))


# Truncated backpropagation through time ---------------------------------------------------------


def batchify(stream: Tensor | NDArray, n_streams: int) -> Tensor:
    """Cut one long sequence into ``n_streams`` contiguous rows: ``(N, ...) -> (B, N // B, ...)``.

    Row ``b`` holds steps ``b * L`` to ``(b + 1) * L - 1`` with ``L = N // B`` (the last
    ``N % B`` steps are dropped). Chunks ``[:, k*K:(k+1)*K]`` then form *stateful batches*:
    row ``b`` of chunk ``k + 1`` continues row ``b`` of chunk ``k``, so the final state of one
    chunk is the right initial state of the next.

    >>> batchify(torch.arange(10), 3)
    tensor([[0, 1, 2],
            [3, 4, 5],
            [6, 7, 8]])
    """
    stream = torch.as_tensor(stream)
    if isinstance(n_streams, bool) or not isinstance(n_streams, int) or n_streams < 1:
        raise ValueError(f"n_streams must be an int >= 1, got {n_streams!r}")
    if stream.dim() < 1 or len(stream) < n_streams:
        raise ValueError(
            f"need a sequence of at least {n_streams} steps, got {tuple(stream.shape)}"
        )
    length = len(stream) // n_streams
    return stream[: n_streams * length].reshape(n_streams, length, *stream.shape[1:])


def detach_state(state: State) -> State:
    """``(h.detach(), c.detach())``: keep the values, cut the graph to earlier chunks."""
    return state[0].detach(), state[1].detach()


@dataclass
class TBPTTHistory:
    """What :func:`fit_tbptt` measured: one entry per epoch, and per position in a chunk."""

    train_loss: list[float] = field(default_factory=list)  # mean loss over the epoch's chunks
    val_accuracy: list[float] = field(default_factory=list)  # over all labelled val steps
    accuracy_by_position: list[float] = field(default_factory=list)  # val, at the end


@torch.no_grad()
def evaluate_chunks(
    model: Tagger, X: Tensor, y: Tensor, chunk: int, stateful: bool
) -> tuple[float, list[float]]:
    """Accuracy of ``model`` reading the streams ``X (B, N, I)`` in chunks of ``chunk`` steps.

    Stateful: each chunk starts from the previous chunk's final state; else from zeros.
    Returns the accuracy over all labelled steps and the accuracy at each position
    ``0 .. chunk - 1`` within a chunk.
    """
    was_training = model.training
    model.eval()
    state, logits = None, []
    for start in range(0, X.shape[1], chunk):
        out, state = model.forward_state(X[:, start : start + chunk], state if stateful else None)
        logits.append(out)
    model.train(was_training)
    logits_all = torch.cat(logits, dim=1)
    correct = (logits_all.argmax(-1) == y).double()
    labelled = (y != IGNORE).double()
    position = torch.arange(X.shape[1]) % chunk
    by_position = [
        ((correct * labelled)[:, position == k].sum() / labelled[:, position == k].sum()).item()
        for k in range(chunk)
    ]
    return (correct * labelled).sum().item() / labelled.sum().item(), by_position


def tbptt_epoch(
    model: Tagger,
    optimizer: torch.optim.Optimizer,
    X: Tensor,
    y: Tensor,
    chunk: int,
    stateful: bool = True,
    clip_grad_norm: float | None = 1.0,
) -> float:
    """One pass of truncated BPTT over the streams ``X (B, N, I)``, labels ``y (B, N)``.

    One optimizer step per chunk of ``chunk`` steps; returns the mean loss over the chunks.
    """
    model.train()
    state, losses = None, []
    for start in range(0, X.shape[1], chunk):
        steps = slice(start, start + chunk)
        x_k, y_k = X[:, steps], y[:, steps]
        if not stateful:
            state = None  # every chunk starts from zeros
        logits, state = model.forward_state(x_k, state)
        state = detach_state(state)  # keep the values, cut the gradient
        if not bool((y_k != IGNORE).any()):
            continue  # a chunk with no labelled step
        loss = per_step_cross_entropy(logits, y_k)
        optimizer.zero_grad()
        loss.backward()
        if clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / max(len(losses), 1)


def fit_tbptt(
    model: Tagger,
    train: tuple[Tensor | NDArray, Tensor | NDArray],
    val: tuple[Tensor | NDArray, Tensor | NDArray],
    chunk: int,
    epochs: int = 5,
    lr: float = 0.01,
    stateful: bool = True,
    clip_grad_norm: float | None = 1.0,
    seed: int = 0,
    progress: bool = False,
) -> TBPTTHistory:
    """Truncated BPTT: train ``model`` on long streams, ``chunk`` steps per optimizer step.

    ``train = (X, y)`` with ``X (B, N, I)`` (B streams of N steps, e.g. from :func:`batchify`)
    and per-step labels ``y (B, N)``. Every epoch (:func:`tbptt_epoch`) reads the streams from
    the start, chunk by chunk: forward from the state (carried over when ``stateful``, else
    zeros), per-step cross-entropy, backward, clip, Adam step, then :func:`detach_state`, so the
    next chunk starts from the right values but its gradient stops at the chunk boundary.
    Memory and time per step grow with ``chunk``, not with ``N``. Validation reads ``val`` the
    same way.

    >>> _ = torch.manual_seed(0)
    >>> X, y = window_sign_task(4, T=60, offsets=(-3, -3))
    >>> history = fit_tbptt(Tagger(1, 8), (X, y), (X, y), chunk=10, epochs=2)
    >>> len(history.train_loss), len(history.accuracy_by_position)
    (2, 10)
    """
    X, y = (torch.as_tensor(a) for a in train)
    X_val, y_val = (torch.as_tensor(a) for a in val)
    if X.dim() != 3 or y.shape != X.shape[:2]:
        raise ValueError(
            f"expected X (B, N, I) and y (B, N), got {tuple(X.shape)}, {tuple(y.shape)}"
        )
    for name, value in (("chunk", chunk), ("epochs", epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = TBPTTHistory()
    for _ in bar(range(epochs), show=progress, desc="epochs"):
        loss = tbptt_epoch(model, optimizer, X, y, chunk, stateful, clip_grad_norm)
        history.train_loss.append(loss)
        accuracy, by_position = evaluate_chunks(model, X_val, y_val, chunk, stateful)
        history.val_accuracy.append(accuracy)
    history.accuracy_by_position = by_position
    return history


# Exercise checkers ------------------------------------------------------------------------------


def check_clip_grad_norm(fn: Callable[[list[Tensor], float], object]) -> bool:
    """Exercise checker: ``fn(parameters, max_norm)`` should clip gradients by their global norm.

    ``parameters`` is a list of tensors with ``.grad`` set (one may have ``.grad`` None, to be
    skipped). The function should compute the L2 norm of all the gradients together,
    ``sqrt(sum of every grad element squared)``, scale every gradient in place by
    ``max_norm / norm`` if the norm is larger, and return the norm before clipping. Compared
    with ``torch.nn.utils.clip_grad_norm_`` on seeded gradients, above and below the limit.
    """
    require_callable(fn)
    generator = torch.Generator().manual_seed(0)
    for max_norm in (1.0, 100.0):
        shapes = [(4, 3), (4,), (2, 2)]
        grads = [3 * torch.randn(s, generator=generator, dtype=torch.float64) for s in shapes]
        mine = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
        ref = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
        for p, q, g in zip(mine, ref, grads, strict=True):
            p.grad, q.grad = g.clone(), g.clone()
        mine.append(torch.zeros(2, dtype=torch.float64, requires_grad=True))  # no gradient
        ref.append(torch.zeros(2, dtype=torch.float64, requires_grad=True))
        expected = float(nn.utils.clip_grad_norm_(ref, max_norm))
        case = f"with max_norm={max_norm:g} (gradient norm {expected:.3f})"
        try:
            got = fn(mine, max_norm)
        except Exception as error:  # noqa: BLE001 - a reader's bug is reported, not raised
            return report(
                False, "", f"{case}, your function raised {type(error).__name__}: {error}"
            )
        try:
            got_norm = float(got)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return report(
                False, "", f"{case}, return the norm (a number), got {type(got).__name__}."
            )
        if not math.isclose(got_norm, expected, rel_tol=1e-6):
            per_tensor = max(float(g.norm()) for g in grads)
            hint = (
                " (the norm of all gradients together, not of each one)"
                if math.isclose(got_norm, per_tensor, rel_tol=1e-6)
                else ""
            )
            return report(False, "", f"{case}, you returned {got_norm:.3f}{hint}.")
        for p, q in zip(mine[:-1], ref[:-1], strict=True):
            if p.grad is None or not torch.allclose(p.grad, q.grad, rtol=1e-6, atol=1e-9):
                what = "scaled" if expected > max_norm else "left unchanged"
                return report(False, "", f"{case}, the gradients should be {what} in place.")
    return report(True, "above max_norm, every gradient is scaled by max_norm / total norm.", "")


def check_batchify(fn: Callable[[Tensor, int], Tensor]) -> bool:
    """Exercise checker: ``fn(stream, n_streams)`` should cut a sequence into contiguous rows.

    ``stream`` has shape ``(N, features)``; expected: ``(n_streams, N // n_streams, features)``,
    row ``b`` the steps ``b * L .. (b + 1) * L - 1``, the remainder dropped, as :func:`batchify`.
    """
    require_callable(fn)
    for n, n_streams in [(20, 4), (23, 5), (7, 1)]:
        stream = torch.arange(2 * n).reshape(n, 2)
        expected = batchify(stream, n_streams)
        ok, got = call_reader(fn, stream.clone(), n_streams)
        if not ok:
            return False
        case = f"for N={n}, n_streams={n_streams}"
        if problem := wrong_shape(got, expected):
            return report(False, "", f"{case}, {problem}.")
        if not torch.equal(got, expected):
            strided = (
                stream[: n_streams * (n // n_streams)].reshape(-1, n_streams, 2).transpose(0, 1)
            )
            if torch.equal(got, strided):
                return report(
                    False,
                    "",
                    f"{case}, your rows interleave the stream (steps b, b + B, ...): each row "
                    "must be a contiguous stretch, so that the next chunk continues it.",
                )
            return report(False, "", f"{case}, the shape is right but the values differ.")
    return report(True, "each row is a contiguous stretch of the stream.", "")
