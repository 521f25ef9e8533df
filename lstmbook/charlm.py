"""A character-level language model: trained, scored, sampled, saved (chapter 7).

The model reads a text one character at a time and gives, after each, a probability for every
character that could come next. It is scored in *bits per character*: the mean of
``-log2 p(next character)`` over a text it did not train on.

- :func:`fit_char_lm` trains one on a text by stateful truncated backpropagation through time
  (chapter 6): the text is one stream cut into ``batch_size`` rows (:func:`lstmbook.tbptt.
  batchify`); every optimizer step reads the next ``seq_len`` characters of each row, starting
  from the state the previous chunk ended in (detached, :func:`lstmbook.tbptt.detach_state`),
  with the gradient clipped by norm. The result is a :class:`CharLM`: ``bits_per_char``,
  ``sample``, ``states``, ``save``; :func:`load_char_lm` reads one back.
- The baselines, scored the same way, are in :mod:`lstmbook.ngram` (``Unigram``,
  ``KneserNey``), with ``encode``.
- :func:`matched_hidden_size`: the hidden size that gives a plain RNN or a GRU as many
  parameters as an LSTM, for a fair comparison.
- What its units track (features of a text, correlations) is in :mod:`lstmbook.units`.
- :func:`heading_feature`: one exercise's reference (the chapter's exercise checkers are in
  :mod:`lstmbook.exercises.charlm`).
- ``python -m lstmbook.charlm``: trains a longer model on the Shakespeare split and writes its
  checkpoint and log (see :func:`main`; the chapter does not use one yet).

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
import math
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor, nn
from torch.nn import functional as F

from lstmbook import validate
from lstmbook.models import count_parameters
from lstmbook.ngram import _unknown, encode
from lstmbook.progress import bar
from lstmbook.tbptt import batchify, detach_state

CELLS = ("lstm", "gru", "rnn")
#: What an empty prompt stands for: the model starts as if after this (a blank line).
START = "\n\n"
LOG2E = 1.0 / math.log(2.0)

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


# The network -----------------------------------------------------------------------------------


class CharNet(nn.Module):
    """One-hot characters -> ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (tanh) -> a linear readout.

    ``forward(ids (B, T), state)`` returns logits ``(B, T, vocab)`` and the final state: a pair
    ``(h, c)`` for the LSTM, the hidden state ``h`` for the others.
    """

    def __init__(self, vocab_size: int, hidden_size: int, cell: str = "lstm", num_layers: int = 1):
        validate.positive_int("vocab_size", vocab_size)
        validate.positive_int("hidden_size", hidden_size)
        validate.one_of("cell", cell, CELLS)
        validate.positive_int("num_layers", num_layers)
        super().__init__()
        kind = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.vocab_size, self.cell = vocab_size, cell
        self.rnn = kind(vocab_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: Tensor, state=None):
        x = F.one_hot(ids, self.vocab_size).to(self.out.weight.dtype)
        y, state = self.rnn(x, state)
        return self.out(y), state


def _detach(state):
    return detach_state(state) if isinstance(state, tuple) else state.detach()


def chunk_loss(net: CharNet, ids: Tensor, state=None) -> tuple[Tensor, object]:
    """Mean cross-entropy (nats) of predicting ``ids[:, 1:]`` from ``ids[:, :-1]``, and the state.

    This is the loss of one step of :func:`fit_char_lm`'s training: ``ids (B, T + 1)`` is one
    chunk of every row with one character of overlap, read from ``state``.
    """
    if not isinstance(ids, Tensor) or ids.dtype != torch.long or ids.dim() != 2:
        raise ValueError(
            "ids must be a long tensor of shape (batch, time + 1), got "
            + (f"{ids.dtype} of shape {tuple(ids.shape)}" if isinstance(ids, Tensor) else "")
            + ("" if isinstance(ids, Tensor) else type(ids).__name__)
        )
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= net.vocab_size):
        raise ValueError(f"ids must be in 0 .. {net.vocab_size - 1} (the net's vocabulary)")
    logits, state = net(ids[:, :-1], state)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
    return loss, state


def matched_hidden_size(cell: str, n_parameters: int, vocab_size: int) -> int:
    """The hidden size at which a one-layer :class:`CharNet` of ``cell`` has closest to
    ``n_parameters`` parameters.

    A layer of ``g`` gate blocks (LSTM 4, GRU 3, RNN 1) with hidden size ``H`` and ``V`` input
    characters has ``g * (H * V + H * H + 2 * H)`` weights and biases, and the readout
    ``H * V + V``.

    >>> n = count_parameters(CharNet(60, 128, "lstm"))
    >>> matched_hidden_size("lstm", n, 60), matched_hidden_size("gru", n, 60)
    (128, 150)
    """
    validate.one_of("cell", cell, CELLS)
    validate.positive_int("n_parameters", n_parameters)
    validate.positive_int("vocab_size", vocab_size)
    g = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    a, b, c = g, g * vocab_size + 2 * g + vocab_size, vocab_size - n_parameters
    root = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)

    def size(h: int) -> int:
        return g * (h * vocab_size + h * h + 2 * h) + h * vocab_size + vocab_size

    return min(
        (max(1, math.floor(root)), math.ceil(root)), key=lambda h: abs(size(h) - n_parameters)
    )


# The model -------------------------------------------------------------------------------------


@dataclass
class History:
    """The learning curve: at every ``eval_every`` steps, the mean training bits per character
    over those steps and (when ``val_text`` was given) the bits per character on it."""

    step: list[int] = field(default_factory=list)
    train_bits: list[float] = field(default_factory=list)
    val_bits: list[float] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the training loop


class CharLM:
    """A trained character model: ``vocab`` (its characters, in order), ``net`` (a
    :class:`CharNet`), ``config`` (the settings it was trained with) and ``history``."""

    def __init__(self, vocab: str, net: CharNet, config: dict, history: History | None = None):
        validate.text("vocab", vocab)
        if not isinstance(net, CharNet):
            raise TypeError(f"net must be a CharNet, got {type(net).__name__}")
        self.vocab, self.net, self.config = vocab, net, dict(config)
        self.history = history if history is not None else History()
        self._index = {c: i for i, c in enumerate(vocab)}

    def __repr__(self) -> str:
        c = self.config
        return (
            f"CharLM({c['cell']}, hidden_size={c['hidden_size']}, "
            f"{count_parameters(self.net):,} parameters, {len(self.vocab)} characters)"
        )

    @property
    def hidden_size(self) -> int:
        return self.net.rnn.hidden_size

    def _ids(self, text: str, name: str) -> Tensor:
        _unknown(text, self.vocab, name)
        return torch.as_tensor(encode(text, self.vocab))

    # scores ------------------------------------------------------------------------------------

    @torch.no_grad()
    def log_probs(self, text: str, *, rows: int = 64, warmup: int = 256) -> NDArray[np.float64]:
        """``log2 p(text[t] | text[:t])`` for ``t = 1 .. len(text) - 1`` (the first character
        has no context and is not scored).

        For speed the text is read as ``rows`` pieces side by side; each piece starts
        ``warmup`` characters early (those are read, not scored), from a zero state, as the
        text itself does.
        """
        validate.text("text", text, min_length=2)
        ids = self._ids(text, "text")
        n = len(ids) - 1  # targets at positions 1 .. n
        rows = validate.positive_int("rows", rows)
        length = math.ceil(n / min(rows, n))
        starts = range(0, n, length)  # row b owns the targets starts[b] + 1 .. + length
        begins = [max(0, start - warmup) for start in starts]
        stops = [min(start + length, n) for start in starts]
        batch = torch.zeros(len(starts), max(map(int.__sub__, stops, begins)) + 1, dtype=torch.long)
        for b, (begin, stop) in enumerate(zip(begins, stops, strict=True)):
            batch[b, : stop - begin + 1] = ids[begin : stop + 1]  # the row's inputs and targets
        self.net.eval()
        picked, state = [], None
        for at in range(0, batch.shape[1] - 1, 512):  # in pieces of time: little memory
            ids_in, target = batch[:, at : at + 512], batch[:, at + 1 : at + 513]
            logits, state = self.net(ids_in[:, : target.shape[1]], state)
            chosen = logits.gather(-1, target[..., None])[..., 0] - logits.logsumexp(-1)
            picked.append(chosen.double() * LOG2E)
        picked = torch.cat(picked, dim=1)
        pieces = [
            picked[b, start - begin : stop - begin]
            for b, (start, begin, stop) in enumerate(zip(starts, begins, stops, strict=True))
        ]
        return torch.cat(pieces).numpy()

    def bits_per_char(self, text: str) -> float:
        """Mean ``-log2 p`` of each character of ``text`` after the first, given those before it.

        Every character of ``text`` must be one the model was trained on (the error names the
        others).
        """
        return float(-self.log_probs(text).mean())

    # generation --------------------------------------------------------------------------------

    @torch.no_grad()
    def sample(
        self, n_chars: int, *, prompt: str = "", temperature: float = 1.0, seed: int = 0
    ) -> str:
        """``n_chars`` characters drawn one at a time after reading ``prompt``.

        Each character is drawn from ``softmax(logits / temperature)``: below 1 the likely
        characters gain, above 1 the unlikely ones. An empty prompt starts as after a blank
        line (:data:`START`). The same seed gives the same text. Returns the new characters
        only (not the prompt).
        """
        n_chars = validate.positive_int("n_chars", n_chars, minimum=0)
        validate.text("prompt", prompt, min_length=0)
        temperature = validate.real("temperature", temperature, low=0.0, low_open=True)
        seed = validate.positive_int("seed", seed, minimum=0)
        context = prompt or "".join(c for c in START if c in self._index) or self.vocab[0]
        ids = self._ids(context, "prompt")
        generator = torch.Generator().manual_seed(seed)
        self.net.eval()
        logits, state = self.net(ids[None, :])
        out = []
        for _ in range(n_chars):
            p = torch.softmax(logits[0, -1].double() / temperature, dim=-1)
            k = int(torch.multinomial(p, 1, generator=generator))
            out.append(self.vocab[k])
            logits, state = self.net(torch.tensor([[k]]), state)
        return "".join(out)

    # states ------------------------------------------------------------------------------------

    @torch.no_grad()
    def states(self, text: str) -> NDArray[np.float32]:
        """The state after each character of ``text``, read from a zero state:
        ``(len(text), hidden_size)``.

        For an LSTM this is the cell state ``c_t`` of the last layer; a GRU or plain RNN has
        only its hidden state ``h_t``, which is returned instead.
        """
        validate.text("text", text)
        ids = self._ids(text, "text")
        self.net.eval()
        x = F.one_hot(ids[None, :], len(self.vocab)).to(self.net.out.weight.dtype)
        rnn = self.net.rnn
        if self.net.cell != "lstm":
            y, _ = rnn(x)
            return y[0].float().numpy()
        if rnn.num_layers > 1:  # the lower layers' outputs feed the last layer
            lower = nn.LSTM(rnn.input_size, rnn.hidden_size, rnn.num_layers - 1, batch_first=True)
            lower.load_state_dict(
                {k: v for k, v in rnn.state_dict().items() if int(k[-1]) < rnn.num_layers - 1}
            )
            x, _ = lower.to(x.dtype)(x)
        layer = rnn.num_layers - 1
        w_ih, w_hh = getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"weight_hh_l{layer}")
        bias = getattr(rnn, f"bias_ih_l{layer}") + getattr(rnn, f"bias_hh_l{layer}")
        pre = x[0] @ w_ih.T + bias  # (T, 4H): the input's part of every gate, at once
        h = torch.zeros(rnn.hidden_size, dtype=x.dtype)
        c = torch.zeros_like(h)
        cells = torch.empty(len(ids), rnn.hidden_size, dtype=x.dtype)
        for t in range(len(ids)):
            i, f, g, o = (pre[t] + w_hh @ h).chunk(4)  # PyTorch's gate order
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            cells[t] = c
        return cells.float().numpy()

    # files -------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the model to ``path`` (a ``torch.save`` file of plain values and tensors)."""
        torch.save(
            {
                "vocab": self.vocab,
                "config": self.config,
                "history": asdict(self.history),
                "state_dict": self.net.state_dict(),
            },
            Path(path),
        )


def load_char_lm(path: str | Path) -> CharLM:
    """The :class:`CharLM` that :meth:`CharLM.save` wrote to ``path``."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    config = saved["config"]
    net = CharNet(len(saved["vocab"]), config["hidden_size"], config["cell"], config["num_layers"])
    net.load_state_dict(saved["state_dict"])
    return CharLM(saved["vocab"], net, config, History(**saved["history"]))


# Training --------------------------------------------------------------------------------------


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
    ``eval_every`` steps into the :class:`History`; it never changes the weights. The same
    ``seed`` and settings give the same model.
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
