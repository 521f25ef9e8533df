"""Truncated backpropagation through time over long streams (chapter 6).

A long stream is cut into ``n_streams`` rows (:func:`batchify`) and read in chunks of
``chunk`` steps. Stateful, each chunk starts from the previous chunk's final state, with the
gradient cut at the boundary (:func:`detach_state`); otherwise from zeros.
:func:`tbptt_epoch` is one pass, :func:`evaluate_chunks` scores a stream, and :func:`fit_tbptt`
trains (given a :class:`lstmbook.config.TrainConfig`, it returns a
:class:`lstmbook.config.History`). The model answers at every step: a
:class:`lstmbook.models.SequenceModel` with ``readout="every_step"``
(:func:`lstmbook.models.Tagger`).
"""

from __future__ import annotations

from dataclasses import replace

import torch
from numpy.typing import NDArray
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.cells import State
from lstmbook.config import History, TrainConfig
from lstmbook.data import IGNORE
from lstmbook.models import SequenceModel
from lstmbook.progress import bar
from lstmbook.train import per_step_cross_entropy


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
    if isinstance(stream, str | bytes):
        raise TypeError("stream must be an array or tensor of steps, got a str (encode it first)")
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
    """``(h.detach(), c.detach())``: keep the values, cut the graph to earlier chunks.

    ``state`` must be a pair ``(h, c)`` of tensors (a GRU's single tensor is refused)."""
    if not isinstance(state, tuple | list) or len(state) != 2:
        raise TypeError(f"state must be a pair (h, c) of tensors, got {type(state).__name__}")
    if not all(isinstance(part, Tensor) for part in state):
        raise TypeError("state must be a pair (h, c) of tensors, got a pair of other things")
    return state[0].detach(), state[1].detach()


@torch.no_grad()
def evaluate_chunks(
    model: SequenceModel, X: Tensor, y: Tensor, chunk: int, stateful: bool
) -> tuple[float, list[float]]:
    """Accuracy of ``model`` reading the streams ``X (B, N, I)`` in chunks of ``chunk`` steps.

    Stateful: each chunk starts from the previous chunk's final state; else from zeros.
    Returns the accuracy over all labelled steps and the accuracy at each position
    ``0 .. chunk - 1`` within a chunk. ``chunk`` must be an int >= 1, ``stateful`` a bool,
    ``X`` finite of shape ``(B, N, I)`` and ``y`` integer labels ``(B, N)``.
    """
    validate.positive_int("chunk", chunk)
    validate.boolean("stateful", stateful)
    validate.tensor("X", X, shape=("batch", "time", "features"))
    validate.tensor("y", y, shape=tuple(X.shape[:2]), dtype=torch.long)
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
    model: SequenceModel,
    optimizer: torch.optim.Optimizer,
    X: Tensor,
    y: Tensor,
    chunk: int,
    stateful: bool = True,
    clip_grad_norm: float | None = 1.0,
) -> float:
    """One pass of truncated BPTT over the streams ``X (B, N, I)``, labels ``y (B, N)``.

    One optimizer step per chunk of ``chunk`` steps; returns the mean loss over the chunks.
    ``chunk`` must be an int >= 1, ``stateful`` a bool, ``X`` of shape ``(B, N, I)`` and ``y``
    integer labels ``(B, N)``; NaN or inf in ``X`` are refused.
    """
    validate.positive_int("chunk", chunk)
    validate.boolean("stateful", stateful)
    validate.tensor("X", X, shape=("batch", "time", "features"))
    validate.tensor("y", y, shape=tuple(X.shape[:2]), dtype=torch.long)
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


TRUNCATED = TrainConfig(epochs=5, lr=0.01, clip_grad_norm=1.0)  # fit_tbptt's defaults


def fit_tbptt(
    model: SequenceModel,
    train: tuple[Tensor | NDArray, Tensor | NDArray],
    val: tuple[Tensor | NDArray, Tensor | NDArray],
    chunk: int,
    config: TrainConfig | None = None,
    *,
    stateful: bool = True,
    progress: bool = False,
    **overrides: object,
) -> History:
    """Truncated BPTT: train ``model`` on long streams, ``chunk`` steps per optimizer step.

    ``train = (X, y)`` with ``X (B, N, I)`` (B streams of N steps, e.g. from :func:`batchify`)
    and per-step labels ``y (B, N)``. Every epoch (:func:`tbptt_epoch`) reads the streams from
    the start, chunk by chunk: forward from the state (carried over when ``stateful``, else
    zeros), per-step cross-entropy, backward, clip, Adam step, then :func:`detach_state`, so the
    next chunk starts from the right values but its gradient stops at the chunk boundary.
    Memory and time per step grow with ``chunk``, not with ``N``. Validation reads ``val`` the
    same way. From ``config`` (default: ``TRUNCATED``; ``overrides`` replace fields) it reads
    ``epochs``, ``lr``, ``weight_decay``, ``optimizer``, ``clip_grad_norm`` and ``seed``; the
    history holds ``train_loss`` and ``val_metric`` (accuracy) per epoch and
    ``val_by_position``, the accuracy at each position in a chunk after the last epoch.

    >>> from lstmbook.data import window_sign_task
    >>> from lstmbook.models import Tagger
    >>> _ = torch.manual_seed(0)
    >>> X, y = window_sign_task(4, T=60, offsets=(-3, -3))
    >>> history = fit_tbptt(Tagger(1, 8), (X, y), (X, y), chunk=10, epochs=2)
    >>> len(history.train_loss), len(history.val_by_position)
    (2, 10)

    ``train`` and ``val`` must be finite pairs of the same feature size; the config checks its
    fields (``lr`` above 0, ``clip_grad_norm`` None or above 0: a negative one would reverse the
    gradient).
    """
    validate.boolean("stateful", stateful)
    for name, pair in (("train", train), ("val", val)):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"{name} must be a pair (X, y), got {type(pair).__name__}")
        validate.tensor(name, pair[0], shape=("batch", "time", "features"))
    if train[0].shape[-1] != val[0].shape[-1]:
        raise ValueError(
            f"val must have {train[0].shape[-1]} features as train has, got {val[0].shape[-1]}"
        )
    X, y = (torch.as_tensor(a) for a in train)
    X_val, y_val = (torch.as_tensor(a) for a in val)
    if X.dim() != 3 or y.shape != X.shape[:2]:
        raise ValueError(
            f"expected X (B, N, I) and y (B, N), got {tuple(X.shape)}, {tuple(y.shape)}"
        )
    config = replace(config or TRUNCATED, **overrides)  # TrainConfig checks its fields
    for name, value in (("chunk", chunk), ("epochs", config.epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    torch.manual_seed(config.seed)
    optimizer = config.optimizer(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    history = History()
    for _ in bar(range(config.epochs), show=progress, desc="epochs"):
        loss = tbptt_epoch(model, optimizer, X, y, chunk, stateful, config.clip_grad_norm)
        history.train_loss.append(loss)
        accuracy, by_position = evaluate_chunks(model, X_val, y_val, chunk, stateful)
        history.val_metric.append(accuracy)
    history.val_by_position = by_position
    return history
