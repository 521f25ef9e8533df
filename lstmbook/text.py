"""Text classification with an LSTM, from raw strings to labels (chapter 5).

The pieces, in the order a sentence meets them:

- :func:`tokenize`: a string into lower-case word and punctuation tokens (``"don't"`` becomes
  ``do``, ``n't``, so a negation is one token wherever it occurs);
- :class:`Vocabulary`: tokens into integer ids, with ``<pad>`` (id 0) and ``<unk>`` (id 1);
- :func:`encode`: a batch of texts into a padded ``LongTensor`` ``(batch, time)`` and the true
  lengths ``(batch,)``;
- :class:`LSTMTextClassifier`: ``Embedding -> LSTM -> Linear``; the LSTM reads a *packed*
  sequence, so its final state ``h_n`` is taken at each text's last real token and padding
  never reaches it (``readout="last_padded"`` reproduces the common mistake instead);
- :class:`TextClassifier`, :func:`fit_text_classifier`, :func:`load_text_classifier`: the whole
  pipeline, fitted on any labelled texts (two classes or more), saved to and loaded from one file
  (labels must then be ``str``, ``int``, ``float`` or ``bool``).

Around it: the baseline :class:`BagOfWords` (:func:`fit_bag_of_words`), :func:`gate_trace` and
:func:`plot_gates` to read the gates word by word, :func:`demo_widget` for a live text box, and
the exercise checkers. Training runs through :func:`lstmbook.train.fit`, in batches of texts of
similar length (:class:`LengthBatches`).

>>> texts = ["a fine film", "a dull film", "fine and fresh", "dull and stale"] * 4
>>> labels = ["good", "bad", "good", "bad"] * 4
>>> clf = fit_text_classifier(
...     texts, labels, seed=0, epochs=12, min_freq=1, embedding_dim=8, hidden_size=8, lr=0.03
... )
>>> clf.classes_
['bad', 'good']
>>> clf.predict(["fine", "stale film", ""])[:2]
['good', 'bad']
>>> clf.predict_proba(["fine"]).shape
(1, 2)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import torch
from matplotlib.figure import Figure
from numpy.typing import NDArray
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from lstmbook.checking import call_reader, report, require_callable, wrong_shape
from lstmbook.models import init_forget_bias
from lstmbook.train import History, accuracy, fit

PAD, UNK = "<pad>", "<unk>"
Readout = Literal["packed", "last_padded"]

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u201c": '"', "\u201d": '"'})
#: A word stem before "n't", "n't" itself, a clitic ('s, 're, ...), a word, or one symbol.
TOKEN_PATTERN = re.compile(r"[^\W_]+(?=n't\b)|n't\b|'(?:s|re|ve|ll|d|m)\b|[^\W_]+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lower-case tokens: words, clitics (``'s``, ``n't``) and symbols.

    Curly quotes become straight ones first, so ``it’s`` and ``it's`` give the same tokens.

    >>> tokenize("It’s not bad... I didn't hate it!")
    ['it', "'s", 'not', 'bad', '.', '.', '.', 'i', 'did', "n't", 'hate', 'it', '!']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return TOKEN_PATTERN.findall(text.translate(_QUOTES).lower())


class Vocabulary:
    """A fixed list of tokens and their ids: ``<pad>`` is 0, ``<unk>`` is 1, then the rest.

    Any token not in the list maps to the ``<unk>`` id.

    >>> vocab = Vocabulary.build([["a", "b", "a"], ["b", "c", "a"]], min_freq=2)
    >>> vocab.tokens
    ['<pad>', '<unk>', 'a', 'b']
    >>> vocab.encode(["b", "zebra"]), vocab.decode([3, 1])
    ([3, 1], ['b', '<unk>'])
    """

    pad_id = 0
    unk_id = 1

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(f"tokens must start with {[PAD, UNK]}, got {tokens[:2]}")
        if not all(isinstance(token, str) for token in tokens):
            raise TypeError("every token must be a str")
        if len(set(tokens)) != len(tokens):
            raise ValueError("tokens must be unique")
        self.tokens = tokens
        self.index = {token: k for k, token in enumerate(tokens)}

    @classmethod
    def build(
        cls, token_lists: Iterable[Sequence[str]], min_freq: int = 2, max_size: int | None = None
    ) -> Vocabulary:
        """The tokens seen at least ``min_freq`` times, most frequent first (ties: A to Z).

        ``max_size``, if given, caps the length including ``<pad>`` and ``<unk>``.
        """
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        if max_size is not None and max_size < 2:
            raise ValueError(f"max_size must be >= 2 or None, got {max_size}")
        counts = Counter(token for tokens in token_lists for token in tokens)
        counts.pop(PAD, None), counts.pop(UNK, None)
        kept = sorted(
            (t for t, n in counts.items() if n >= min_freq), key=lambda t: (-counts[t], t)
        )
        if max_size is not None:
            kept = kept[: max_size - 2]
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self.index

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens: {self.tokens[2:7]}...)"

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """The id of each token (``<unk>``'s id for tokens not in the vocabulary)."""
        return [self.index.get(token, self.unk_id) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The token of each id."""
        return [self.tokens[int(k)] for k in ids]


def pad_batch(
    id_lists: Sequence[Sequence[int]], pad_id: int = 0, width: int | None = None
) -> tuple[Tensor, Tensor]:
    """Right-pad lists of ids into one tensor.

    Returns ``tokens``, a ``LongTensor (batch, time)`` with ``time`` the longest length (at least
    1) or ``width`` if given, filled with ``pad_id`` after each list ends, and ``lengths``, a
    ``LongTensor (batch,)``. Lists longer than ``width`` are cut.

    >>> tokens, lengths = pad_batch([[5, 6, 7], [8]])
    >>> tokens.tolist(), lengths.tolist()
    ([[5, 6, 7], [8, 0, 0]], [3, 1])
    """
    if width is not None:
        if width < 1:
            raise ValueError(f"width must be >= 1 or None, got {width}")
        id_lists = [list(ids)[:width] for ids in id_lists]
    lengths = torch.tensor([len(ids) for ids in id_lists], dtype=torch.long)
    time = width or (max(1, int(lengths.max())) if len(id_lists) else 1)
    tokens = torch.full((len(id_lists), time), pad_id, dtype=torch.long)
    for row, ids in enumerate(id_lists):
        tokens[row, : len(ids)] = torch.as_tensor(list(ids), dtype=torch.long)
    return tokens, lengths


def encode(
    texts: Sequence[str], vocab: Vocabulary, max_len: int | None = None, fixed: bool = False
) -> tuple[Tensor, Tensor]:
    """Tokenize, look up and pad a batch of texts: ``tokens (batch, time)``, ``lengths (batch,)``.

    Texts longer than ``max_len`` tokens keep their first ``max_len``. ``time`` is the longest
    text's length, or ``max_len`` itself with ``fixed`` (every batch equally wide, as a
    fixed-size input layer would want). An empty text has length 0 (and a row of padding).

    >>> vocab = Vocabulary([PAD, UNK, "good", "film"])
    >>> tokens, lengths = encode(["Good film", "awful"], vocab)
    >>> tokens.tolist(), lengths.tolist()
    ([[2, 3], [1, 0]], [2, 1])
    """
    _check_texts(texts)
    if fixed and max_len is None:
        raise ValueError("fixed=True needs a max_len")
    ids = [vocab.encode(tokenize(text)[:max_len]) for text in texts]
    return pad_batch(ids, vocab.pad_id, max_len if fixed else None)


def _check_texts(texts: object, name: str = "texts") -> None:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ValueError(f"{name} must be a list of strings, got {type(texts).__name__}")
    for k, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"{name}[{k}] must be a str, got {type(text).__name__}: {text!r}")


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
        readout: Readout = "packed",
        pad_id: int = 0,
        word_dropout: float = 0.0,
        unk_id: int = 1,
        forget_bias: float | None = None,
    ):
        super().__init__()
        if readout not in ("packed", "last_padded"):
            raise ValueError(f"readout must be 'packed' or 'last_padded', got {readout!r}")
        for name, value in (("vocab_size", vocab_size), ("n_classes", n_classes)):
            if value < 2:
                raise ValueError(f"{name} must be >= 2, got {value}")
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
        return self.head(self.dropout(self.final_state(tokens, lengths)))


class LengthBatches(torch.utils.data.Sampler):
    """Batches of texts of similar length, so that little time is spent on padding.

    Each epoch (with ``shuffle``): a random permutation, cut into pools of ``pool`` batches;
    each pool sorted by length and cut into batches; the batches in a random order. Without
    ``shuffle``: all texts sorted by length. The order comes from a generator seeded with
    ``seed``, so a run is reproducible and every epoch differs.

    >>> [batch for batch in LengthBatches([3, 1, 2, 5, 4], batch_size=2, shuffle=False)]
    [[1, 2], [0, 4], [3]]
    """

    def __init__(
        self,
        lengths: Sequence[int] | Tensor,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        pool: int = 50,
    ):
        self.lengths = torch.as_tensor(lengths)
        self.batch_size, self.shuffle, self.pool = batch_size, shuffle, pool
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self):
        n, size = len(self.lengths), self.batch_size
        if not self.shuffle:
            order = torch.argsort(self.lengths, stable=True)
            yield from (order[k : k + size].tolist() for k in range(0, n, size))
            return
        permutation = torch.randperm(n, generator=self.generator)
        batches = []
        for start in range(0, n, size * self.pool):
            chunk = permutation[start : start + size * self.pool]
            chunk = chunk[torch.argsort(self.lengths[chunk], stable=True)]
            batches += [chunk[k : k + size].tolist() for k in range(0, len(chunk), size)]
        for k in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[k]


def text_loader(
    tokens: Tensor,
    labels: Tensor,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
    trim: bool = True,
    pad_id: int = 0,
) -> torch.utils.data.DataLoader:
    """A ``DataLoader`` of ``(tokens (batch, time), labels (batch,))`` in :class:`LengthBatches`.

    With ``trim``, each batch's padding is cut to its longest text (the packed LSTM ignores
    padding anyway; this saves the time). Without it every batch keeps the full width.
    """
    lengths = (tokens != pad_id).sum(dim=1)

    def collate(items: list[tuple[Tensor, Tensor]]) -> tuple[Tensor, Tensor]:
        x = torch.stack([item[0] for item in items])
        y = torch.stack([item[1] for item in items])
        if trim:
            x = x[:, : max(1, int((x != pad_id).sum(dim=1).max()))]
        return x, y

    return torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(tokens, labels),
        batch_sampler=LengthBatches(lengths, batch_size, shuffle, seed),
        collate_fn=collate,
    )


@dataclass
class TextConfig:
    """Hyperparameters of :func:`fit_text_classifier`; every field has a default."""

    model: Literal["lstm", "bag_of_words"] = "lstm"  # the classifier (the baseline: bag_of_words)
    min_freq: int = 2  # a token joins the vocabulary if seen this often in the training texts
    max_len: int | None = 100  # texts are cut to their first max_len tokens
    embedding_dim: int = 64  # length of each token's vector
    hidden_size: int = 64  # LSTM units per direction
    bidirectional: bool = True  # read each text both ways
    dropout: float = 0.4  # on the embedded tokens and on the final state
    word_dropout: float = 0.0  # share of training tokens replaced by <unk>
    label_smoothing: float = 0.0  # cross-entropy target: 1 - s on the true class, s spread
    readout: Readout = "packed"  # "last_padded" only to measure the pitfall (pads to max_len)
    lr: float = 3e-3  # Adam's learning rate in the first epoch
    lr_decay: float = 1.0  # the learning rate is multiplied by this after every epoch
    weight_decay: float = 0.0  # L2 penalty
    batch_size: int = 64  # texts per optimizer step
    patience: int | None = 2  # stop after this many epochs without a lower validation loss
    clip_grad_norm: float | None = 5.0  # rescale larger gradients to this total norm
    forget_bias: float | None = None  # initial forget-gate bias; None: PyTorch's (f near 0.5)


#: Label types that survive ``save`` and ``torch.load(weights_only=True)``.
SAVABLE_LABELS = (str, int, float, bool)


class TextClassifier:
    """A fitted pipeline: tokenizer, vocabulary, LSTM classifier and the class labels.

    ``classes_`` lists the labels; column ``k`` of :meth:`predict_proba` is ``classes_[k]``.
    Made by :func:`fit_text_classifier` or :func:`load_text_classifier`.
    """

    def __init__(
        self,
        model: LSTMTextClassifier | BagOfWords,
        vocab: Vocabulary,
        classes: Sequence[Hashable],
        config: TextConfig,
        history: History | None = None,
    ):
        self.model = model.cpu().eval()
        self.vocab = vocab
        self.classes_ = list(classes)
        self.config = config
        self.history_ = history

    def __repr__(self) -> str:
        c = self.config
        if c.model == "bag_of_words":
            kind = "bag of words"
        else:
            kind = f"{'bidirectional ' if c.bidirectional else ''}LSTM, hidden {c.hidden_size}"
        return f"TextClassifier({kind}, {len(self.vocab)} tokens, classes {self.classes_})"

    def encode(self, texts: Sequence[str]) -> tuple[Tensor, Tensor]:
        """``tokens (batch, time)`` and ``lengths (batch,)`` as this classifier reads them."""
        fixed = self.config.readout == "last_padded"  # always padded to max_len
        return encode(texts, self.vocab, self.config.max_len, fixed)

    @torch.no_grad()
    def predict_proba(self, texts: Sequence[str], batch_size: int = 512) -> NDArray[np.float64]:
        """Class probabilities, ``(len(texts), len(classes_))``; each row sums to 1."""
        _check_texts(texts)
        self.model.eval()
        rows = []
        for start in range(0, len(texts), batch_size):
            tokens, lengths = self.encode(texts[start : start + batch_size])
            logits = self.model(tokens, lengths).double()
            rows.append(torch.softmax(logits, dim=-1).numpy())
        if not rows:
            return np.zeros((0, len(self.classes_)))
        return np.concatenate(rows)

    def predict(self, texts: Sequence[str]) -> list:
        """The most probable label of each text."""
        return [self.classes_[k] for k in self.predict_proba(texts).argmax(axis=1)]

    def score(self, texts: Sequence[str], labels: Sequence[Hashable]) -> float:
        """Accuracy: the fraction of texts whose predicted label is the given one."""
        _check_pair(texts, labels)
        return float(np.mean([p == y for p, y in zip(self.predict(texts), labels, strict=True)]))

    def save(self, path: str | Path) -> None:
        """Write everything needed to predict to one file (``torch.save`` of plain types).

        Labels must be ``str``, ``int``, ``float`` or ``bool`` (what a weights-only load reads).
        """
        bad = [c for c in self.classes_ if not isinstance(c, SAVABLE_LABELS)]
        if bad:
            raise TypeError(f"only str, int, float or bool labels can be saved, got {bad[0]!r}")
        torch.save(
            {
                "format": "lstmbook.text/1",
                "state_dict": self.model.state_dict(),
                "tokens": self.vocab.tokens,
                "classes": self.classes_,
                "config": asdict(self.config),
            },
            path,
        )

    def gates(self, text: str) -> GateTrace:
        """The forward LSTM's gates and states at each token of ``text`` (:func:`gate_trace`)."""
        if not isinstance(self.model, LSTMTextClassifier):
            raise TypeError(f"a {type(self.model).__name__} model has no gates")
        tokens = tokenize(text)[: self.config.max_len]
        return gate_trace(self.model, torch.tensor(self.vocab.encode(tokens)), tokens)


def _check_pair(texts: object, labels: object) -> None:
    _check_texts(texts)
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise ValueError(f"labels must be a list, got {type(labels).__name__}")
    if len(texts) != len(labels):  # type: ignore[arg-type]
        raise ValueError(
            f"texts and labels must have one length, got {len(texts)} and {len(labels)}"  # type: ignore[arg-type]
        )


def _sorted_classes(labels: Sequence[Hashable]) -> list:
    try:
        found = set(labels)
    except TypeError as error:
        raise ValueError(f"labels must be hashable: {error}") from None
    try:
        return sorted(found)
    except TypeError:  # mixed types: group by type name, then by value
        return sorted(found, key=lambda c: (type(c).__name__, repr(c)))


def fit_text_classifier(
    train_texts: Sequence[str],
    train_labels: Sequence[Hashable],
    *,
    seed: int = 0,
    epochs: int = 8,
    val_texts: Sequence[str] | None = None,
    val_labels: Sequence[Hashable] | None = None,
    config: TextConfig | None = None,
    progress: bool = False,
    **overrides: object,
) -> TextClassifier:
    """Fit tokenizer vocabulary and LSTM classifier to labelled texts.

    Builds the vocabulary from the training texts, then trains with Adam and cross-entropy
    (:func:`lstmbook.train.fit`). With a validation set, training stops early when the
    validation loss has not fallen for ``config.patience`` epochs and keeps the best epoch's
    weights; without one, it runs all ``epochs`` (the history's validation columns then
    measure the training texts).

    Args:
        train_texts, train_labels: the texts and one label each, of any hashable type, at
            least two distinct labels.
        seed: seeds the weights, dropout and the order of the batches.
        epochs: most passes over the training texts.
        val_texts, val_labels: optional held-out texts for early stopping.
        config: hyperparameters (default ``TextConfig()``); ``overrides`` replace its fields,
            e.g. ``hidden_size=128``.
        progress: show a progress bar over the epochs.

    Returns:
        the fitted :class:`TextClassifier`; its ``history_`` is the training history.
    """
    config = replace(config or TextConfig(), **overrides)
    _check_pair(train_texts, train_labels)
    if len(train_texts) == 0:
        raise ValueError("the training set is empty: need at least one text per class")
    classes = _sorted_classes(train_labels)
    if len(classes) < 2:
        raise ValueError(f"need at least 2 classes to classify, got only {classes}")
    if (val_texts is None) != (val_labels is None):
        raise ValueError("give both val_texts and val_labels, or neither")
    if val_texts is not None:
        _check_pair(val_texts, val_labels)
        unknown = set(val_labels) - set(classes)  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"validation labels {sorted(map(repr, unknown))} are not in training")
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")

    fixed = config.readout == "last_padded"  # the pitfall: every text padded to max_len
    if fixed and config.max_len is None:
        raise ValueError("readout='last_padded' needs a max_len to pad every text to")
    train_tokens = [tokenize(text)[: config.max_len] for text in train_texts]
    vocab = Vocabulary.build(train_tokens, config.min_freq)
    index = {c: k for k, c in enumerate(classes)}

    def tensors(token_lists, labels):
        ids = [vocab.encode(tokens) for tokens in token_lists]
        tokens, _ = pad_batch(ids, vocab.pad_id, config.max_len if fixed else None)
        return tokens, torch.tensor([index[y] for y in labels], dtype=torch.long)

    torch.manual_seed(seed)
    model = _build_model(config, len(vocab), len(classes))
    train = text_loader(
        *tensors(train_tokens, train_labels), config.batch_size, True, seed, not fixed
    )
    if val_texts is not None:
        val_data = tensors([tokenize(text)[: config.max_len] for text in val_texts], val_labels)
    else:
        val_data = train.dataset.tensors
    val = text_loader(*val_data, 512, False, seed, not fixed)
    history = fit(
        model,
        train,
        val,
        nn.CrossEntropyLoss(label_smoothing=config.label_smoothing),
        accuracy,
        epochs=epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        weight_decay=config.weight_decay,
        clip_grad_norm=config.clip_grad_norm,
        scheduler=lambda optimizer: torch.optim.lr_scheduler.ExponentialLR(
            optimizer, config.lr_decay
        ),
        patience=config.patience if val_texts is not None else None,
        restore_best=val_texts is not None,
        seed=seed,
        progress=progress,
    )
    return TextClassifier(model, vocab, classes, config, history)


def _build_model(config: TextConfig, vocab_size: int, n_classes: int) -> nn.Module:
    if config.model == "bag_of_words":
        return BagOfWords(vocab_size, n_classes)
    if config.model != "lstm":
        raise ValueError(f"model must be 'lstm' or 'bag_of_words', got {config.model!r}")
    return LSTMTextClassifier(
        vocab_size,
        n_classes,
        config.embedding_dim,
        config.hidden_size,
        config.bidirectional,
        config.dropout,
        config.readout,
        Vocabulary.pad_id,
        config.word_dropout,
        Vocabulary.unk_id,
        config.forget_bias,
    )


def load_text_classifier(path: str | Path) -> TextClassifier:
    """Read a classifier written by :meth:`TextClassifier.save` (a weights-only load)."""
    saved = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(saved, dict) or saved.get("format") != "lstmbook.text/1":
        raise ValueError(f"{path} is not a saved lstmbook text classifier")
    known = {f.name for f in fields(TextConfig)}
    config = TextConfig(**{k: v for k, v in saved["config"].items() if k in known})
    vocab = Vocabulary(saved["tokens"])
    model = _build_model(config, len(vocab), len(saved["classes"]))
    model.load_state_dict(saved["state_dict"])
    return TextClassifier(model, vocab, saved["classes"], config)


def distinctive_words(
    token_lists: Sequence[Sequence[str]],
    labels: Sequence[Hashable],
    top: int = 10,
    min_count: int = 20,
) -> dict[Hashable, list[tuple[str, float]]]:
    """For each class, the tokens whose presence most favours it over the other classes.

    A token's score for class ``c`` is the log of how much more often a text of class ``c``
    contains it than a text of another class (add-one smoothed)::

        score = ln[(n_c(w) + 1) / (N_c + 2)] - ln[(n_rest(w) + 1) / (N_rest + 2)]

    with ``n(w)`` the number of texts containing ``w`` and ``N`` the number of texts. Only
    tokens found in at least ``min_count`` texts are scored. Returns ``top`` ``(token, score)``
    pairs per class, highest score first.

    >>> distinctive_words([["a", "b"], ["a"], ["c"], ["c", "b"]], ["x", "x", "y", "y"], 1, 1)
    {'x': [('a', 1.0986122886681096)], 'y': [('c', 1.0986122886681096)]}
    """
    if len(token_lists) != len(labels):
        raise ValueError(f"got {len(token_lists)} token lists and {len(labels)} labels")
    classes = _sorted_classes(labels)
    in_class = {c: Counter() for c in classes}
    for tokens, label in zip(token_lists, labels, strict=True):
        in_class[label].update(set(tokens))
    texts = Counter(labels)
    total = sum(in_class.values(), Counter())
    result = {}
    for c in classes:
        n_rest = len(labels) - texts[c]
        scores = [
            (
                word,
                float(
                    np.log((in_class[c][word] + 1) / (texts[c] + 2))
                    - np.log((count - in_class[c][word] + 1) / (n_rest + 2))
                ),
            )
            for word, count in total.items()
            if count >= min_count
        ]
        result[c] = sorted(scores, key=lambda pair: (-pair[1], pair[0]))[:top]
    return result


def confusion_matrix(
    true: Sequence[Hashable], predicted: Sequence[Hashable], classes: Sequence[Hashable]
) -> NDArray[np.int64]:
    """Counts ``(n_classes, n_classes)``: row ``a``, column ``b`` is how many texts of class
    ``classes[a]`` were predicted as ``classes[b]`` (the diagonal is right).

    >>> confusion_matrix(["x", "x", "y"], ["x", "y", "y"], ["x", "y"]).tolist()
    [[1, 1], [0, 1]]
    """
    if len(true) != len(predicted):
        raise ValueError(f"got {len(true)} true and {len(predicted)} predicted labels")
    index = {c: k for k, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for a, b in zip(true, predicted, strict=True):
        matrix[index[a], index[b]] += 1
    return matrix


# A baseline ------------------------------------------------------------------------------


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
        self.weights = nn.EmbeddingBag(vocab_size, n_classes, mode="sum")
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(n_classes))

    def forward(self, tokens: Tensor, lengths: Tensor | None = None) -> Tensor:
        ids, _ = tokens.sort(dim=1)  # repeats of a token are now neighbours
        first = torch.ones_like(ids, dtype=torch.bool)
        first[:, 1:] = ids[:, 1:] != ids[:, :-1]
        presence = (first & (ids > Vocabulary.unk_id)).to(self.bias.dtype)  # 1 per distinct word
        return self.weights(ids, per_sample_weights=presence) + self.bias


def fit_bag_of_words(
    train_texts: Sequence[str],
    train_labels: Sequence[Hashable],
    *,
    seed: int = 0,
    epochs: int = 20,
    val_texts: Sequence[str] | None = None,
    val_labels: Sequence[Hashable] | None = None,
    progress: bool = False,
    **overrides: object,
) -> TextClassifier:
    """Fit the :class:`BagOfWords` baseline; the same vocabulary, loop and interface as
    :func:`fit_text_classifier` (``overrides``: ``min_freq``, ``lr``, ``weight_decay``, ...).

    >>> clf = fit_bag_of_words(["good", "bad"] * 4, [1, 0] * 4, epochs=30, min_freq=1, lr=0.1)
    >>> clf.predict(["good good", "bad"])
    [1, 0]
    """
    overrides = {"lr": 3e-3, "patience": 3, **overrides}
    return fit_text_classifier(
        train_texts,
        train_labels,
        seed=seed,
        epochs=epochs,
        val_texts=val_texts,
        val_labels=val_labels,
        progress=progress,
        model="bag_of_words",
        **overrides,
    )


# Looking inside --------------------------------------------------------------------------


class GateTrace(NamedTuple):
    """The forward LSTM's values at each token: every array is ``(time, hidden_size)``."""

    tokens: list[str]  # the tokens read, one per row
    i: NDArray[np.float64]  # input gate
    f: NDArray[np.float64]  # forget gate
    g: NDArray[np.float64]  # candidate memory
    o: NDArray[np.float64]  # output gate
    c: NDArray[np.float64]  # cell state
    h: NDArray[np.float64]  # hidden state


@torch.no_grad()
def gate_trace(
    model: LSTMTextClassifier, ids: Tensor, tokens: Sequence[str] | None = None
) -> GateTrace:
    """Run the forward direction of ``model.lstm`` one step at a time, keeping every gate.

    The same equations as chapter 1's cell, with the LSTM's own weights (rows in PyTorch's gate
    order i, f, g, o)::

        z_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
        i, f, g, o = sigmoid(z_i), sigmoid(z_f), tanh(z_g), sigmoid(z_o)
        c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)

    Args:
        model: a trained classifier (its embedding and first LSTM direction are used).
        ids: the token ids of one text, ``(time,)``.
        tokens: labels for the rows (default: the ids as strings).

    The hidden states ``h`` equal the forward half of ``model.lstm``'s output.
    """
    ids = torch.as_tensor(ids, dtype=torch.long)
    if ids.dim() != 1:
        raise ValueError(f"ids must have shape (time,), got {tuple(ids.shape)}")
    lstm = model.lstm
    W_ih, W_hh = lstm.weight_ih_l0.double(), lstm.weight_hh_l0.double()
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).double()
    x = model.embedding(ids).double()  # (time, embedding_dim)
    h = torch.zeros(lstm.hidden_size, dtype=torch.float64)
    c = torch.zeros_like(h)
    rows: dict[str, list[Tensor]] = {name: [] for name in "ifgoch"}
    for x_t in x:
        z_i, z_f, z_g, z_o = (W_ih @ x_t + W_hh @ h + b).chunk(4)
        i, f, g, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        for name, value in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            rows[name].append(value)
    labels = list(tokens) if tokens is not None else [str(int(k)) for k in ids]
    if len(labels) != len(ids):
        raise ValueError(f"got {len(labels)} token labels for {len(ids)} ids")
    width = lstm.hidden_size
    arrays = {
        name: torch.stack(v).numpy() if v else np.zeros((0, width)) for name, v in rows.items()
    }
    return GateTrace(labels, **arrays)


@torch.no_grad()
def forward_vote(
    model: LSTMTextClassifier, id_lists: Sequence[Sequence[int]], positive: int = 1
) -> NDArray[np.float64]:
    """What the forward direction alone adds to the score of class ``positive``.

    The head maps the final states to logits; for two classes the prediction follows the
    margin ``logit[positive] - logit[other]``. Its forward part is
    ``(w[positive] - w[other])[:hidden] . h_fwd``, with ``h_fwd`` the forward direction's
    final state after each list of ids. Run on shortened lists (say the last ``k`` ids), it
    shows how much the words before them still move the forward direction's vote.

    >>> model = LSTMTextClassifier(10, 2, embedding_dim=4, hidden_size=3)
    >>> forward_vote(model.eval(), [[2, 3, 4], [5]]).shape
    (2,)
    """
    if model.head.out_features != 2:
        raise ValueError(f"needs two classes, got {model.head.out_features}")
    model.eval()
    tokens, lengths = pad_batch(id_lists, model.pad_id)
    x = model.embedding(tokens)  # (batch, time, embedding)
    packed = pack_padded_sequence(x, lengths.clamp(min=1), batch_first=True, enforce_sorted=False)
    _, (h_n, _) = model.lstm(packed)  # h_n[0]: the forward direction
    w = model.head.weight[positive] - model.head.weight[1 - positive]
    return (h_n[0] @ w[: model.lstm.hidden_size]).double().numpy()


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


# Exercise checkers -----------------------------------------------------------------------


def _described(value: object) -> str:
    """``value`` on one short line, for a checker's message."""
    if value is None:
        return "None (is the function written yet?)"
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}: {value.tolist()}"[:200]
    if isinstance(value, tuple):
        return "(" + ", ".join(_described(v) for v in value) + ")"
    return " ".join(repr(value).split())[:200]


def check_vocabulary(fn) -> bool:
    """Exercise checker: does ``fn(token_lists, min_freq)`` list the vocabulary's tokens?

    Expected: ``['<pad>', '<unk>']`` then every token seen at least ``min_freq`` times, most
    frequent first, ties in alphabetical order (as :meth:`Vocabulary.build`). Prints one line,
    ``Correct: ...`` or ``Not yet: ...``, and never raises for a wrong answer.

    >>> check_vocabulary(lambda token_lists, min_freq: 1 / 0)
    Not yet: your function raised ZeroDivisionError: division by zero
    False
    """
    require_callable(fn, "(token_lists, min_freq) -> list of tokens")
    cases = [
        ([["the", "film", "is", "good"], ["the", "film", "is", "bad"], ["good", "good"]], 2),
        ([["b", "a"], ["a", "c", "b"], ["c"]], 1),
        ([["b", "a"], ["a", "c", "b"], ["c", "d"]], 3),
    ]
    for token_lists, min_freq in cases:
        expected = Vocabulary.build(token_lists, min_freq).tokens
        ok, got = call_reader(fn, [list(tokens) for tokens in token_lists], min_freq)
        if not ok:
            return False
        try:
            same = list(got) == expected
        except TypeError:  # not a sequence at all
            same = False
        if not same:
            return report(
                False,
                "",
                f"for {token_lists} with min_freq={min_freq} expected {expected}, "
                f"got {_described(got)}.",
            )
    return report(True, "<pad>, <unk>, then frequent tokens, most frequent first.", "")


def check_pad_batch(fn) -> bool:
    """Exercise checker: does ``fn(id_lists)`` return ``(tokens, lengths)`` as :func:`pad_batch`?

    Prints one line, ``Correct: ...`` or ``Not yet: ...``, and never raises for a wrong answer.

    >>> check_pad_batch(lambda id_lists: 1 / 0)
    Not yet: your function raised ZeroDivisionError: division by zero
    False
    """
    require_callable(fn, "id_lists -> (tokens, lengths)")
    for id_lists in ([[5, 6, 7], [8], [9, 10]], [[4]], [[3, 3], [2, 7, 9, 11]]):
        expected = pad_batch(id_lists)
        ok, got = call_reader(fn, [list(ids) for ids in id_lists])
        if not ok:
            return False
        try:
            same = len(got) == 2 and all(
                torch.equal(torch.as_tensor(g).long(), e)
                for g, e in zip(got, expected, strict=True)
            )
        except (TypeError, ValueError, RuntimeError):  # not a pair of tensors
            same = False
        if not same:
            return report(
                False,
                "",
                f"for {id_lists} expected tokens {expected[0].tolist()} and lengths "
                f"{expected[1].tolist()}, got {_described(got)}.",
            )
    return report(True, "right-padded with 0 to the longest length, with the true lengths.", "")


def last_real_output(outputs: Tensor, lengths: Tensor) -> Tensor:
    """Each row's output at its last real (non-padding) step: ``(batch, hidden)``.

    ``outputs``: ``(batch, time, hidden)`` from a forward LSTM run over padded sequences;
    ``lengths``: ``(batch,)``, each at least 1.

    >>> outputs = torch.arange(12.0).reshape(2, 3, 2)
    >>> last_real_output(outputs, torch.tensor([3, 1])).tolist()
    [[4.0, 5.0], [6.0, 7.0]]
    """
    return outputs[torch.arange(len(lengths)), lengths - 1]


def check_last_real_output(fn) -> bool:
    """Exercise checker: does ``fn(outputs, lengths)`` pick each row's last real output?

    Prints one line, ``Correct: ...`` or ``Not yet: ...``, and never raises for a wrong answer.

    >>> check_last_real_output(lambda outputs, lengths: None)
    Not yet: expected a tensor of shape (3, 2), got NoneType
    False
    """
    require_callable(fn, "(outputs, lengths) -> (batch, hidden)")
    generator = torch.Generator().manual_seed(0)
    for batch, time, hidden in ((3, 5, 2), (4, 7, 3), (1, 1, 4)):
        outputs = torch.randn(batch, time, hidden, generator=generator)
        lengths = torch.randint(1, time + 1, (batch,), generator=generator)
        expected = last_real_output(outputs, lengths)
        ok, got = call_reader(fn, outputs.clone(), lengths.clone())
        if not ok:
            return False
        if problem := wrong_shape(got, expected):
            return report(False, "", problem)
        if not torch.equal(got, expected):
            return report(
                False,
                "",
                f"with lengths {lengths.tolist()} expected the rows at steps "
                f"{(lengths - 1).tolist()}; your rows differ.",
            )
    return report(True, "outputs[arange(batch), lengths - 1], one row per text.", "")


__all__ = [
    "PAD",
    "UNK",
    "GateTrace",
    "LSTMTextClassifier",
    "TextClassifier",
    "TextConfig",
    "BagOfWords",
    "LengthBatches",
    "fit_bag_of_words",
    "text_loader",
    "Vocabulary",
    "check_last_real_output",
    "check_pad_batch",
    "check_vocabulary",
    "confusion_matrix",
    "distinctive_words",
    "encode",
    "fit_text_classifier",
    "forward_vote",
    "gate_trace",
    "last_real_output",
    "load_text_classifier",
    "pad_batch",
    "plot_gates",
    "tokenize",
]
