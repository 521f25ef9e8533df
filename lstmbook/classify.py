"""The text classifier as a fitted pipeline: fitted on labelled texts, used, saved, loaded (ch. 5).

- :class:`TextConfig`: the hyperparameters, every one with a default;
- :func:`fit_text_classifier`: tokenizer vocabulary and classifier fitted to any labelled texts
  (two classes or more), by :func:`lstmbook.train.fit`; :func:`fit_bag_of_words` fits the
  baseline the same way;
- :class:`TextClassifier`: what they return: ``predict``, ``predict_proba``, ``score``,
  ``gates`` and ``save``; :func:`load_text_classifier` reads one back (labels must then be
  ``str``, ``int``, ``float`` or ``bool``).

The networks (:class:`lstmbook.text_models.LSTMTextClassifier`, the baseline
:class:`lstmbook.text_models.BagOfWords`) are in :mod:`lstmbook.text_models`; tokens,
vocabulary and batches come from :mod:`lstmbook.text`; :func:`lstmbook.probes.gate_trace`
reads the gates word by word.

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

import os
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor, nn

from lstmbook.config import History
from lstmbook.probes import GateTrace, gate_trace
from lstmbook.text import (
    Vocabulary,
    _check_texts,
    _sorted_classes,
    encode,
    pad_batch,
    text_loader,
    tokenize,
)
from lstmbook.text_models import BagOfWords, LSTMTextClassifier, TextReadout
from lstmbook.train import accuracy, fit
from lstmbook.validate import boolean, one_of, positive_int, probability, real, strings


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
    readout: TextReadout = "packed"  # "last_padded" only to measure the pitfall (pads to max_len)
    lr: float = 3e-3  # Adam's learning rate in the first epoch
    lr_decay: float = 1.0  # the learning rate is multiplied by this after every epoch
    weight_decay: float = 0.0  # L2 penalty
    batch_size: int = 64  # texts per optimizer step
    patience: int | None = 2  # stop after this many epochs without a lower validation loss
    clip_grad_norm: float | None = 5.0  # rescale larger gradients to this total norm
    forget_bias: float | None = None  # initial forget-gate bias; None: PyTorch's (f near 0.5)

    def __post_init__(self) -> None:
        one_of("model", self.model, ("lstm", "bag_of_words"))
        one_of("readout", self.readout, ("packed", "last_padded"))
        for name in ("min_freq", "embedding_dim", "hidden_size", "batch_size"):
            positive_int(name, getattr(self, name))
        if self.max_len is not None:
            positive_int("max_len", self.max_len)
        if self.patience is not None:
            positive_int("patience", self.patience)
        boolean("bidirectional", self.bidirectional)
        for name in ("dropout", "word_dropout", "label_smoothing"):
            probability(name, getattr(self, name))
        real("lr", self.lr, low=0.0, low_open=True)
        real("lr_decay", self.lr_decay, low=0.0, low_open=True)
        real("weight_decay", self.weight_decay, low=0.0)
        if self.clip_grad_norm is not None:
            real("clip_grad_norm", self.clip_grad_norm, low=0.0, low_open=True)
        if self.forget_bias is not None:
            real("forget_bias", self.forget_bias)


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
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"model must be an LSTMTextClassifier or BagOfWords, got {type(model).__name__}"
            )
        if not isinstance(vocab, Vocabulary):
            raise TypeError(f"vocab must be a Vocabulary, got {type(vocab).__name__}")
        if not isinstance(config, TextConfig):
            raise TypeError(f"config must be a TextConfig, got {type(config).__name__}")
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
        positive_int("batch_size", batch_size)
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
        if not isinstance(path, str | os.PathLike) and not hasattr(path, "write"):
            raise TypeError(f"path must be a file name or an open file, got {type(path).__name__}")
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

    ``train_texts`` and ``val_texts`` must be lists of strings (one bare string is refused, not
    read as a list of characters).
    """
    if config is not None and not isinstance(config, TextConfig):
        raise TypeError(f"config must be a TextConfig or None, got {type(config).__name__}")
    positive_int("seed", seed, minimum=0)
    boolean("progress", progress)
    strings("train_texts", train_texts, allow_empty=True)
    if val_texts is not None:
        strings("val_texts", val_texts, allow_empty=True)
    positive_int("epochs", epochs)
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
    """Read a classifier written by :meth:`TextClassifier.save` (a weights-only load).

    ``path`` is a file name (``str`` or ``Path``) or an open binary file."""
    if not isinstance(path, str | os.PathLike) and not hasattr(path, "read"):
        raise TypeError(f"path must be a file name or an open file, got {type(path).__name__}")
    saved = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(saved, dict) or saved.get("format") != "lstmbook.text/1":
        raise ValueError(f"{path} is not a saved lstmbook text classifier")
    known = {f.name for f in fields(TextConfig)}
    config = TextConfig(**{k: v for k, v in saved["config"].items() if k in known})
    vocab = Vocabulary(saved["tokens"])
    model = _build_model(config, len(vocab), len(saved["classes"]))
    model.load_state_dict(saved["state_dict"])
    return TextClassifier(model, vocab, saved["classes"], config)


def fit_bag_of_words(
    train_texts: Sequence[str], train_labels: Sequence[Hashable], *, epochs: int = 20, **options
) -> TextClassifier:
    """Fit the :class:`~lstmbook.text_models.BagOfWords` baseline: :func:`fit_text_classifier`
    with ``model="bag_of_words"``, so the same vocabulary, loop and interface. ``options`` are
    that function's (``seed``, ``val_texts``, ``val_labels``, ``progress``) and
    :class:`TextConfig`'s fields (``min_freq``, ``lr``, ``weight_decay``, ...); here ``lr``
    defaults to ``3e-3`` and ``patience`` to 3.

    >>> clf = fit_bag_of_words(["good", "bad"] * 4, [1, 0] * 4, epochs=30, min_freq=1, lr=0.1)
    >>> clf.predict(["good good", "bad"])
    [1, 0]
    """
    options = {"lr": 3e-3, "patience": 3, **options}
    return fit_text_classifier(
        train_texts, train_labels, epochs=epochs, model="bag_of_words", **options
    )
