"""The character language model trained: :func:`fit_char_lm`, and ``python -m lstmbook.charlm``
(chapter 7).

- :func:`fit_char_lm` trains a :class:`lstmbook.char_model.CharLM` on a text by stateful
  truncated backpropagation through time (chapter 6): the text is one stream cut into
  ``batch_size`` rows (:func:`lstmbook.tbptt.batchify`); every optimizer step reads the next
  ``seq_len`` characters of each row, starting from the state the previous chunk ended in
  (detached, :func:`lstmbook.tbptt.detach_state`), with the gradient clipped by norm. The
  network is :class:`lstmbook.char_net.CharNet`, the loss :func:`lstmbook.char_net.chunk_loss`.
- :func:`heading_feature`: one exercise's reference (the chapter's exercise checkers are in
  :mod:`lstmbook.exercises.charlm`).
- ``python -m lstmbook.charlm``: trains a longer model on the Shakespeare split and writes its
  checkpoint and log (see :func:`main`; the chapter does not use one yet).

>>> import math
>>> text = "to be or not to be, that is the question. " * 40
>>> lm = fit_char_lm(text, steps=30, hidden_size=16, seq_len=20, batch_size=4, lr=0.02)
>>> lm.bits_per_char(text) < math.log2(len(lm.vocab))  # better than a uniform guess
True
>>> len(lm.sample(25, prompt="to be", seed=1)), lm.states("to be").shape
(25, (5, 16))
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from lstmbook import validate
from lstmbook.char_model import LOG2E, CharLM
from lstmbook.char_net import CELLS, CharNet, chunk_loss
from lstmbook.models import count_parameters
from lstmbook.ngram import _unknown, encode
from lstmbook.progress import bar
from lstmbook.tbptt import batchify, detach_state

#: The settings :func:`fit_char_lm` uses unless overridden.
DEFAULTS = {
    "cell": "lstm",
    "hidden_size": 128,
    "num_layers": 1,
    "seq_len": 100,
    "batch_size": 32,
    "lr": 3e-3,
    "final_lr": 3e-4,  # cosine decay from lr to this over the steps
    "clip_grad_norm": 1.0,
    "eval_every": 50,  # steps between two scores of val_text (and two points of the curve)
}


def _detach(state):
    return detach_state(state) if isinstance(state, tuple) else state.detach()


def _settings(overrides: dict) -> dict:
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise TypeError(
            f"fit_char_lm got unknown setting(s) {unknown}; the settings are {sorted(DEFAULTS)}"
        )
    config = {**DEFAULTS, **overrides}
    validate.one_of("cell", config["cell"], CELLS)
    for name in ("hidden_size", "num_layers", "seq_len", "batch_size", "eval_every"):
        config[name] = validate.positive_int(name, config[name])
    for name in ("lr", "final_lr", "clip_grad_norm"):
        config[name] = validate.real(name, config[name], low=0.0, low_open=True)
    return config


def fit_char_lm(
    text: str,
    *,
    seed: int = 0,
    steps: int = 600,
    val_text: str | None = None,
    progress: bool = False,
    **overrides: object,
) -> CharLM:
    """Train a character model on ``text`` for ``steps`` optimizer steps (Adam).

    ``overrides`` change :data:`DEFAULTS`: ``cell`` ("lstm", "gru", "rnn"), ``hidden_size``,
    ``num_layers``, ``seq_len``, ``batch_size``, ``lr``, ``final_lr``, ``clip_grad_norm``,
    ``eval_every``. The vocabulary is the characters of ``text``.

    Stateful truncated BPTT: ``text`` becomes ``batch_size`` rows (one contiguous stretch
    each); step ``k`` reads characters ``k * seq_len .. (k + 1) * seq_len`` of every row from
    the state the previous step ended in, detached. When the rows run out, reading starts again
    at the front from a zero state. ``val_text`` (characters the model knows) is scored every
    ``eval_every`` steps into the :class:`~lstmbook.char_model.History`; it never changes the
    weights. The same ``seed`` and settings give the same model.
    """
    validate.text("text", text)
    seed = validate.positive_int("seed", seed, minimum=0)
    steps = validate.positive_int("steps", steps)
    validate.boolean("progress", progress)
    config = _settings(overrides)
    batch_size, seq_len = config["batch_size"], config["seq_len"]
    need = batch_size * (seq_len + 1)
    if len(text) < need:
        raise ValueError(
            f"text must hold at least one training chunk, batch_size x (seq_len + 1) = {need} "
            f"characters, got {len(text)}"
        )
    vocab = "".join(sorted(set(text)))
    if val_text is not None:
        validate.text("val_text", val_text, min_length=2)
        _unknown(val_text, vocab, "val_text")
    torch.manual_seed(seed)
    net = CharNet(len(vocab), config["hidden_size"], config["cell"], config["num_layers"])
    lm = CharLM(vocab, net, {**config, "seed": seed, "steps": steps})
    rows = batchify(torch.as_tensor(encode(text, vocab)), batch_size)  # (B, L)
    chunks = (rows.shape[1] - 1) // seq_len
    optimizer = torch.optim.Adam(net.parameters(), lr=config["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=steps, eta_min=config["final_lr"]
    )
    history, state, recent = lm.history, None, []
    started = time.perf_counter()
    for step in bar(range(1, steps + 1), show=progress, desc=f"training {config['cell']}"):
        k = (step - 1) % chunks
        if k == 0:
            state = None  # back at the front of the rows
        net.train()
        loss, state = chunk_loss(net, rows[:, k * seq_len : (k + 1) * seq_len + 1], state)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), config["clip_grad_norm"])
        optimizer.step()
        schedule.step()
        state = _detach(state)  # keep the values, cut the gradient at the chunk boundary
        recent.append(loss.item() * LOG2E)
        if step % config["eval_every"] == 0 or step == steps:
            history.step.append(step)
            history.train_bits.append(sum(recent) / len(recent))
            recent = []
            if val_text is not None:
                history.val_bits.append(lm.bits_per_char(val_text))
    history.seconds = time.perf_counter() - started
    return lm


def heading_feature(text: str) -> NDArray[np.float64]:
    """1.0 for each character of a heading line (one that starts with ``#``), else 0.0;
    the line break that ends the line is not part of it (the reference for the exercise)."""
    validate.text("text", text, min_length=0)
    out = np.zeros(len(text))
    for m in re.finditer(r"^#.*$", text, re.MULTILINE):
        out[m.start() : m.end()] = 1.0
    return out


# The longer model: python -m lstmbook.charlm ---------------------------------------------------


def main(argv: Sequence[str] | None = None) -> dict:
    """Train a model on :func:`lstmbook.shakespeare.load_split`'s training plays and write it.

    Writes the checkpoint (:meth:`CharLM.save`) to ``--out`` and, beside it with the suffix
    ``.json``, a log: the command's settings, the learning curve, the wall time, and the bits
    per character on the whole validation and test plays, scored on this machine's CPU after
    training. Returns the log.
    """
    from lstmbook.shakespeare import load_split

    parser = argparse.ArgumentParser(prog="python -m lstmbook.charlm", description=main.__doc__)
    parser.add_argument("--out", type=Path, required=True, help="checkpoint file to write")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--val-chars", type=int, default=50_000, help="val prefix for the curve")
    for name, value in DEFAULTS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    split = load_split()
    overrides = {name: getattr(args, name) for name in DEFAULTS}
    lm = fit_char_lm(
        split.train,
        seed=args.seed,
        steps=args.steps,
        val_text=split.val[: args.val_chars],
        progress=True,
        **overrides,
    )
    lm.net.float()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    lm.save(args.out)
    log = {
        "command": "python -m lstmbook.charlm " + " ".join(argv or []),
        "settings": lm.config,
        "parameters": count_parameters(lm.net),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "train_seconds": round(lm.history.seconds, 1),
        "history": asdict(lm.history),
        "val_bits_per_char": round(lm.bits_per_char(split.val), 4),
        "test_bits_per_char": round(lm.bits_per_char(split.test), 4),
    }
    args.out.with_suffix(".json").write_text(json.dumps(log, indent=1) + "\n")
    print(json.dumps({k: log[k] for k in ("val_bits_per_char", "test_bits_per_char")}))
    return log


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
