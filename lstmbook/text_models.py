"""The text classifiers' networks: token ids in, class logits out (ch. 5).

- :class:`LSTMTextClassifier`: ``Embedding -> LSTM -> Linear``; the LSTM reads a *packed*
  sequence, so its final state ``h_n`` is taken at each text's last real token and padding
  never reaches it (``readout="last_padded"`` reproduces the common mistake instead);
- :class:`BagOfWords`: the baseline, logistic regression on which tokens a text contains.

Both take ``(tokens (batch, time), lengths (batch,) | None)``. The fitted pipeline around them
(vocabulary, training, save and load) is :mod:`lstmbook.classify`.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from lstmbook.models import init_forget_bias
from lstmbook.text import Vocabulary
from lstmbook.validate import boolean, positive_int, probability, real

#: How the classifier reads its LSTM: packed (correct) or the padded last step (the pitfall).
TextReadout = Literal["packed", "last_padded"]


class LSTMTextClassifier(nn.Module):
    """``Embedding -> dropout -> LSTM -> dropout -> Linear``: token ids to class logits.

    Args:
        vocab_size: number of token ids (the embedding's rows).
        n_classes: number of classes (the logits' width).
        embedding_dim: length of each token's vector.
        hidden_size: LSTM units per direction.
        bidirectional: also read each text backwards, and concatenate the two final states.
        dropout: dropout on the embedded tokens and on the final state.
        word_dropout: in training, the share of tokens replaced by ``<unk>`` (whole words
            dropped, so the model cannot lean on any single word).
        readout: ``"packed"`` (right): the final state ``h_n`` of a packed sequence, taken at
            each text's own last token; ``"last_padded"`` (the pitfall): the LSTM's output at
            the last *column*, ``out[:, -1, :]``, which for a short text comes after padding.
        pad_id: the padding id; its embedding stays zero.
        forget_bias: the initial forget-gate bias of every direction
            (:func:`lstmbook.models.init_forget_bias`); ``None`` keeps PyTorch's
            initialisation, which starts the forget gates near ``sigmoid(0) = 0.5``.

    ``forward(tokens (batch, time), lengths (batch,) | None) -> logits (batch, n_classes)``.
    Without ``lengths`` they are counted as the non-padding ids of each row.

    >>> model = LSTMTextClassifier(vocab_size=10, n_classes=3, embedding_dim=4, hidden_size=5)
    >>> model(torch.tensor([[2, 3, 4], [5, 0, 0]])).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        embedding_dim: int = 64,
        hidden_size: int = 64,
        bidirectional: bool = True,
        dropout: float = 0.3,
        readout: TextReadout = "packed",
        pad_id: int = 0,
        word_dropout: float = 0.0,
        unk_id: int = 1,
        forget_bias: float | None = None,
    ):
        super().__init__()
        boolean("bidirectional", bidirectional)
        positive_int("embedding_dim", embedding_dim)
        positive_int("hidden_size", hidden_size)
        probability("dropout", dropout)
        probability("word_dropout", word_dropout)
        if forget_bias is not None:
            real("forget_bias", forget_bias)
        positive_int("pad_id", pad_id, minimum=0)
        positive_int("unk_id", unk_id, minimum=0)
        if readout not in ("packed", "last_padded"):
            raise ValueError(f"readout must be 'packed' or 'last_padded', got {readout!r}")
        for name, value in (("vocab_size", vocab_size), ("n_classes", n_classes)):
            if value < 2:
                raise ValueError(f"{name} must be >= 2, got {value}")
        if max(pad_id, unk_id) >= vocab_size:
            raise ValueError(f"pad_id and unk_id must be below vocab_size={vocab_size}")
        self.readout, self.pad_id, self.unk_id = readout, pad_id, unk_id
        self.word_dropout = word_dropout
        self.directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            embedding_dim, hidden_size, batch_first=True, bidirectional=bidirectional
        )
        if forget_bias is not None:
            init_forget_bias(self.lstm, forget_bias)
        self.head = nn.Linear(self.directions * hidden_size, n_classes)

    def final_state(self, tokens: Tensor, lengths: Tensor | None = None):
        """What the classifier head sees: ``(batch, directions * hidden_size)``."""
        if tokens.dim() != 2:
            raise ValueError(f"tokens must be (batch, time), got {tuple(tokens.shape)}")
        if lengths is None:
            lengths = (tokens != self.pad_id).sum(dim=1)
        if self.training and self.word_dropout > 0:  # whole words become <unk>
            noise = torch.rand(tokens.shape, device=tokens.device)
            drop = (noise < self.word_dropout) & (tokens != self.pad_id)
            tokens = tokens.masked_fill(drop, self.unk_id)
        x = self.dropout(self.embedding(tokens))  # (batch, time, embedding)
        if self.readout == "last_padded":  # the pitfall
            out, _ = self.lstm(x)  # (batch, time, directions * hidden)
            return out[:, -1, :]
        # Packing needs lengths >= 1 (an empty text: one step of padding),
        # and as a CPU tensor: the packing is planned on the host.
        lengths = lengths.clamp(min=1).cpu()
        packed = pack_padded_sequence(
            x,
            lengths,
            batch_first=True,
            enforce_sorted=False,
        )
        _, (h_n, _) = self.lstm(packed)  # h_n: (directions, batch, hidden)
        return torch.cat(list(h_n), dim=-1)  # in batch order

    def forward(self, tokens: Tensor, lengths: Tensor | None = None) -> Tensor:
        if not isinstance(tokens, Tensor) or tokens.is_floating_point():
            raise TypeError(f"tokens must be a tensor of integer ids, got {_kind(tokens)}")
        if tokens.numel():  # one min/max per call: an id outside the embedding fails opaquely
            low, high = (int(v) for v in torch.aminmax(tokens))
            size = self.embedding.num_embeddings
            if low < 0 or high >= size:
                raise ValueError(
                    f"tokens must be ids from 0 to {size - 1} (vocab_size={size}), "
                    f"got ids from {low} to {high}"
                )
        return self.head(self.dropout(self.final_state(tokens, lengths)))


class BagOfWords(nn.Module):
    """Logistic regression on which vocabulary tokens a text contains (word order ignored).

    ``logits = W presence(text) + b``, with ``presence`` the 0/1 vector over the vocabulary.
    Written as an ``nn.EmbeddingBag`` that sums one row of ``W`` (``(vocab, n_classes)``) per
    distinct token, so the ``(batch, vocab)`` matrix of zeros and ones is never built.
    ``<pad>`` and ``<unk>`` count for nothing.

    ``forward(tokens (batch, time), lengths=None) -> logits (batch, n_classes)``.

    >>> model = BagOfWords(vocab_size=6, n_classes=2)
    >>> model(torch.tensor([[2, 3, 3], [4, 0, 0]])).shape
    torch.Size([2, 2])
    """

    def __init__(self, vocab_size: int, n_classes: int):
        super().__init__()
        positive_int("vocab_size", vocab_size, minimum=2)
        positive_int("n_classes", n_classes, minimum=2)
        self.weights = nn.EmbeddingBag(vocab_size, n_classes, mode="sum")
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(n_classes))

    def forward(self, tokens: Tensor, lengths: Tensor | None = None) -> Tensor:
        ids, _ = tokens.sort(dim=1)  # repeats of a token are now neighbours
        first = torch.ones_like(ids, dtype=torch.bool)
        first[:, 1:] = ids[:, 1:] != ids[:, :-1]
        presence = (first & (ids > Vocabulary.unk_id)).to(self.bias.dtype)  # 1 per distinct word
        return self.weights(ids, per_sample_weights=presence) + self.bias


def _kind(value: object) -> str:
    return f"a {value.dtype} tensor" if isinstance(value, Tensor) else type(value).__name__
