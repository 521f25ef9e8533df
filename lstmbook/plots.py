"""Plots of training runs: learning curves, gradient norms, and a result against sequence length.

Every function draws on a Matplotlib ``Axes`` (a new figure when none is given) and returns the
figure, with labelled axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lstmbook.train import History


def _axes(ax: Axes | None, ncols: int = 1, width: float = 5.0) -> tuple[Figure, list[Axes]]:
    if ax is not None:
        return ax.figure, [ax]
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, 3.4), layout="constrained")
    return fig, list(axes) if ncols > 1 else [axes]


def plot_history(
    history: History, metric_name: str = "validation metric", title: str | None = None
) -> Figure:
    """Two panels: train and validation loss per epoch, and the validation metric per epoch.

    The best epoch (lowest validation loss) is marked by a dotted line.

    >>> h = History(train_loss=[0.7, 0.5], val_loss=[0.6, 0.55], val_metric=[0.6, 0.7],
    ...             best_epoch=1)
    >>> fig = plot_history(h, "accuracy"); [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    >>> plt.close(fig)
    """
    fig, (loss_ax, metric_ax) = _axes(None, ncols=2, width=4.5)
    epochs = range(1, history.epochs + 1)
    loss_ax.plot(epochs, history.train_loss, "o-", label="train")
    loss_ax.plot(epochs, history.val_loss, "s-", label="validation")
    loss_ax.set(xlabel="epoch", ylabel="loss", title="loss")
    loss_ax.legend()
    metric_ax.plot(epochs, history.val_metric, "s-", color="C1")
    metric_ax.set(xlabel="epoch", ylabel=metric_name, title=f"validation {metric_name}")
    for ax in (loss_ax, metric_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if history.best_epoch >= 0:
            ax.axvline(history.best_epoch + 1, color="grey", linestyle=":", label="best epoch")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def plot_histories(
    histories: Mapping[str, History],
    key: str = "val_loss",
    ylabel: str = "validation loss",
    ax: Axes | None = None,
    logy: bool = False,
) -> Figure:
    """One curve per run: ``getattr(history, key)`` against the epoch, labelled by run name.

    >>> fig = plot_histories({"a": History(val_loss=[1.0, 0.5]), "b": History(val_loss=[0.9])})
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['a', 'b']
    >>> plt.close(fig)
    """
    fig, (ax,) = _axes(ax)
    for name, history in histories.items():
        values = getattr(history, key)
        ax.plot(range(1, len(values) + 1), values, "o-", markersize=3, label=name)
    ax.set(xlabel="epoch", ylabel=ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_grad_norms(history: History, clip: float | None = None, ax: Axes | None = None) -> Figure:
    """The total gradient norm (before clipping) at every optimizer step, and the clip level.

    >>> fig = plot_grad_norms(History(step_grad_norm=[3.0, 1.0, 0.5]), clip=1.0)
    >>> fig.axes[0].get_xlabel()
    'optimizer step'
    >>> plt.close(fig)
    """
    fig, (ax,) = _axes(ax)
    ax.plot(history.step_grad_norm, linewidth=0.8, label="gradient norm")
    if clip is not None:
        ax.axhline(clip, color="C3", linestyle="--", label=f"clip at {clip:g}")
    ax.set(xlabel="optimizer step", ylabel="total gradient norm (L2)", yscale="log")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_against_length(
    lengths: Sequence[int],
    results: Mapping[str, Sequence[float]],
    ylabel: str,
    baseline: float | Sequence[float] | None = None,
    baseline_label: str = "baseline",
    ax: Axes | None = None,
    logy: bool = False,
) -> Figure:
    """A result (e.g. test MSE) against the sequence length ``T``, one line per model.

    ``baseline`` is drawn dashed: one number (a horizontal line) or one value per length.

    >>> fig = plot_against_length([10, 50], {"LSTM": [0.001, 0.002], "RNN": [0.01, 0.04]},
    ...                           "test MSE", baseline=1 / 24, logy=True)
    >>> fig.axes[0].get_xlabel()
    'sequence length T (steps)'
    >>> plt.close(fig)
    """
    fig, (ax,) = _axes(ax)
    for name, values in results.items():
        if len(values) != len(lengths):
            raise ValueError(f"{name}: expected {len(lengths)} values, got {len(values)}")
        ax.plot(lengths, values, "o-", label=name)
    if baseline is not None:
        if isinstance(baseline, int | float):
            ax.axhline(baseline, color="grey", linestyle="--", label=baseline_label)
        else:
            ax.plot(lengths, baseline, "--", color="grey", label=baseline_label)
    ax.set(xlabel="sequence length T (steps)", ylabel=ylabel, xticks=list(lengths))
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig
