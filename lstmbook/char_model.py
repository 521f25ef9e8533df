"""A trained character model, :class:`CharLM`: scored in bits per character, sampled, its
states read, saved and loaded (chapter 7).

It gives, after each character of a text, a probability for every character that could come
next, and is scored in *bits per character*: the mean of ``-log2 p(next character)`` over a
text it did not train on (:meth:`CharLM.bits_per_char`; the n-gram baselines of
:mod:`lstmbook.ngram` are scored the same way). :meth:`CharLM.sample` draws text by
temperature, :meth:`CharLM.states` reads the cell state after each character (what
:mod:`lstmbook.units` correlates), :meth:`CharLM.save` and :func:`load_char_lm` write and read
one file. :func:`lstmbook.charlm.fit_char_lm` trains one.

>>> from lstmbook.char_net import CharNet
>>> lm = CharLM("ab ", CharNet(3, 4), {"cell": "lstm", "hidden_size": 4})
>>> lm.log_probs("ab ab").shape, len(lm.sample(6, prompt="ab", seed=1)), lm.states("ab").shape
((4,), 6, (2, 4))
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor, nn
from torch.nn import functional as F

from lstmbook import validate
from lstmbook.char_net import CharNet
from lstmbook.models import count_parameters
from lstmbook.ngram import _unknown, encode

#: What an empty prompt stands for: the model starts as if after this (a blank line).
START = "\n\n"
LOG2E = 1.0 / math.log(2.0)


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
