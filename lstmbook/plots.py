"""Plots of training runs: learning curves, gradient norms, and a result against sequence length.

Every function draws on a Matplotlib ``Axes`` (a new figure when none is given) and returns the
figure, with labelled axes.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter

from lstmbook.config import History
from lstmbook.experiment import Learned, Run, summarize
from lstmbook.probes import GateTrace


def _finish(ax: Axes, xlabel: str, ylabel: str, logy: bool) -> None:
    """Labels, whole-number x ticks, an optional log scale, a light grid and the legend."""
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()


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
    _finish(ax, "epoch", ylabel, logy)
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
    _finish(ax, xlabel, ylabel, logy)
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


def plot_runs(
    ax: Axes,
    runs: Sequence[Run],
    learned: Learned,
    value: Callable[[Run], float],
    xlabel: str,
    *,
    threshold: float | None = None,
    baseline: float | None = None,
    baseline_label: str = "baseline",
    log: bool = False,
    labels: bool = True,
) -> Axes:
    """Every run of every model as a dot at ``value(run)``: filled if it learned, hollow if not.

    One row per model (the first on top), the seeds spread a little vertically so they do not
    hide each other, the median as a black tick. ``threshold`` (dashed) and ``baseline``
    (dotted) are vertical lines; ``log`` puts the x axis on a log scale; ``labels=False``
    leaves the model names to a panel on the left.
    """
    rows = summarize(runs, learned)
    for j, s in enumerate(rows):
        group = [r for r in runs if r.model == s.model]
        offsets = np.linspace(-0.25, 0.25, len(group)) if len(group) > 1 else np.zeros(1)
        for r, dy in zip(group, offsets, strict=True):
            ok = learned(r)
            ax.plot(
                value(r),
                j + dy,
                "o",
                markersize=4,
                color="#1f77b4",
                markerfacecolor="#1f77b4" if ok else "white",
                label="learned" if ok else "did not learn",
            )
        median = statistics.median(value(r) for r in group)
        ax.plot(
            [median, median], [j - 0.35, j + 0.35], color="black", lw=1.5, zorder=1, label="median"
        )
    if threshold is not None:
        ax.axvline(threshold, color="#d62728", linestyle="--", label="threshold")
    if baseline is not None:
        ax.axvline(baseline, color="gray", linestyle=":", label=baseline_label)
    ax.set_yticks(range(len(rows)), [s.model for s in rows] if labels else [])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    return ax


def legend_below(fig: Figure, axes: Sequence[Axes], ncol: int = 3) -> None:
    """One legend for ``axes``, each label once, below the panels."""
    entries: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(entries.values(), entries.keys(), loc="outside lower center", ncol=ncol)


def plot_gates(trace: GateTrace, gates: Sequence[str] = ("f", "i"), units: int = 16) -> Figure:
    """Heatmaps of gate activations, one panel per gate: units (rows) by tokens (columns).

    Shows the ``units`` units whose activation varies most over the text, in the same order in
    every panel; colours run from 0 (closed, white) to 1 (open, dark).
    """
    names = {"i": "input gate $i_t$", "f": "forget gate $f_t$", "o": "output gate $o_t$"}
    for gate in gates:
        if gate not in names:
            raise ValueError(f"gates must be among {list(names)}, got {gate!r}")
    spread = sum(getattr(trace, gate).std(axis=0) for gate in gates)
    chosen = np.sort(np.argsort(-spread, kind="stable")[:units])
    width = max(4.0, 0.42 * len(trace.tokens) + 1.5)
    figure = Figure(figsize=(width, 1.1 + 2.0 * len(gates)), layout="constrained")
    axes = np.atleast_1d(figure.subplots(len(gates), 1, sharex=True))
    for ax, gate in zip(axes, gates, strict=True):
        image = ax.imshow(
            getattr(trace, gate)[:, chosen].T, aspect="auto", cmap="Blues", vmin=0, vmax=1
        )
        ax.set(ylabel="unit", title=names[gate])
        ax.set_yticks(range(len(chosen)), [str(k) for k in chosen], fontsize=9)
        figure.colorbar(image, ax=ax, label="activation (0 shut, 1 open)")
    axes[-1].set_xticks(range(len(trace.tokens)), trace.tokens, rotation=60, ha="right")
    axes[-1].set_xlabel("token (read left to right)")
    return figure
