"""Text as model input, from raw strings to padded batches of ids (chapter 5).

The pieces, in the order a sentence meets them:

- :func:`tokenize`: a string into lower-case word and punctuation tokens (``"don't"`` becomes
  ``do``, ``n't``, so a negation is one token wherever it occurs), quotes normalised as
  :func:`lstmbook.reviews.normalize_quotes` does;
- :class:`Vocabulary`: tokens into integer ids, with ``<pad>`` (id 0) and ``<unk>`` (id 1);
- :func:`encode` and :func:`pad_batch`: a batch of texts into a padded ``LongTensor``
  ``(batch, time)`` and the true lengths ``(batch,)``; :func:`last_real_output` reads each
  text's output at its last real token;
- :class:`LengthBatches` and :func:`text_loader`: batches of texts of similar length;
- :func:`review_tensors`: a small slice of the movie reviews as ids, for ablations;
- :func:`distinctive_words` and :func:`confusion_matrix`: what a corpus and a classifier show;
- chapter 5's exercise checkers are in :mod:`lstmbook.exercises.text`.

The classifiers that read these batches are in :mod:`lstmbook.text_models`, and the fitted
pipeline in :mod:`lstmbook.classify`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor

from lstmbook import validate
from lstmbook.reviews import load_rotten_tomatoes, normalize_quotes

PAD, UNK = "<pad>", "<unk>"

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
    return TOKEN_PATTERN.findall(normalize_quotes(text).lower())


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
        ``token_lists`` must be lists of tokens: one string is refused (tokenize it first).
        """
        if isinstance(token_lists, str):
            raise TypeError("token_lists must be lists of tokens, got one str (tokenize it first)")
        validate.positive_int("min_freq", min_freq)
        if max_size is not None:
            validate.positive_int("max_size", max_size)
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
        """The id of each token (``<unk>``'s id for tokens not in the vocabulary).

        ``tokens`` must be a list of tokens: one string is refused, not read as characters."""
        if isinstance(tokens, str):
            raise TypeError("tokens must be a list of tokens, got one str (tokenize it first)")
        return [self.index.get(token, self.unk_id) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The token of each id; an id outside ``0 .. len - 1`` is refused (-1 is not the last)."""
        ids = [validate.positive_int("ids", int(k), minimum=0) for k in ids]
        if ids and max(ids) >= len(self.tokens):
            raise ValueError(f"ids must lie in 0..{len(self.tokens) - 1}, got {max(ids)}")
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

    ``id_lists`` must be a list of lists of ints (one string is refused, not read as ids).
    """
    if isinstance(id_lists, str | bytes) or not isinstance(id_lists, Iterable):
        raise TypeError(f"id_lists must be a list of lists of ids, got {type(id_lists).__name__}")
    if any(isinstance(ids, str | bytes) for ids in id_lists):
        raise TypeError("id_lists must be a list of lists of ids, got a str among them")
    validate.positive_int("pad_id", pad_id, minimum=0)
    if width is not None:
        validate.positive_int("width", width)
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

    ``max_len`` must be None or an int >= 1 (a negative one would silently drop tokens).
    """
    _check_texts(texts)
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a Vocabulary, got {type(vocab).__name__}")
    if max_len is not None:
        validate.positive_int("max_len", max_len)
    validate.boolean("fixed", fixed)
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


class LengthBatches(torch.utils.data.Sampler):
    """Batches of texts of similar length, so that little time is spent on padding.

    Each epoch (with ``shuffle``): a random permutation, cut into pools of ``pool`` batches;
    each pool sorted by length and cut into batches; the batches in a random order. Without
    ``shuffle``: all texts sorted by length. The order comes from a generator seeded with
    ``seed``, so a run is reproducible and every epoch differs.

    >>> [batch for batch in LengthBatches([3, 1, 2, 5, 4], batch_size=2, shuffle=False)]
    [[1, 2], [0, 4], [3]]

    ``batch_size`` and ``pool`` must be ints >= 1, ``shuffle`` a bool, ``lengths`` integers.
    """

    def __init__(
        self,
        lengths: Sequence[int] | Tensor,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        pool: int = 50,
    ):
        validate.positive_int("batch_size", batch_size)
        validate.positive_int("pool", pool)
        validate.boolean("shuffle", shuffle)
        validate.tensor("lengths", lengths, shape=(None,), dtype=torch.long, allow_empty=True)
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
    ``tokens`` must be integer ids ``(n, time)``, ``labels`` ``(n,)``, ``batch_size`` >= 1.
    """
    validate.positive_int("batch_size", batch_size)
    validate.boolean("shuffle", shuffle)
    validate.boolean("trim", trim)
    validate.tensor("tokens", tokens, shape=("n", "time"), dtype=torch.long)
    validate.same_length(tokens=tokens, labels=labels)
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

    ``token_lists`` must be a list of lists of tokens (a string, or a list of strings, is
    refused: tokenize first), as many as ``labels``.
    """
    if isinstance(token_lists, str) or not isinstance(token_lists, Sequence):
        raise TypeError(
            f"token_lists must be a list of token lists, got {type(token_lists).__name__}"
        )
    if any(isinstance(tokens, str) for tokens in token_lists):
        raise TypeError("token_lists must be a list of token lists, got a str among them")
    validate.positive_int("top", top)
    validate.positive_int("min_count", min_count)
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
        raise ValueError(
            f"predicted must hold one label per true label, got {len(predicted)} for {len(true)}"
        )
    unknown = (set(true) | set(predicted)) - set(classes)
    if unknown:
        raise ValueError(
            f"true and predicted must hold labels in classes, got {sorted(map(repr, unknown))}"
        )
    index = {c: k for k, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for a, b in zip(true, predicted, strict=True):
        matrix[index[a], index[b]] += 1
    return matrix


# A baseline ------------------------------------------------------------------------------


# Looking inside --------------------------------------------------------------------------


def last_real_output(outputs: Tensor, lengths: Tensor) -> Tensor:
    """Each row's output at its last real (non-padding) step: ``(batch, hidden)``.

    ``outputs``: ``(batch, time, hidden)`` from a forward LSTM run over padded sequences;
    ``lengths``: ``(batch,)``, each at least 1.

    >>> outputs = torch.arange(12.0).reshape(2, 3, 2)
    >>> last_real_output(outputs, torch.tensor([3, 1])).tolist()
    [[4.0, 5.0], [6.0, 7.0]]

    A length of 0 or above ``time`` is refused (it would read another step's output).
    """
    if not isinstance(outputs, Tensor) or outputs.dim() != 3:
        raise ValueError(f"outputs must be a tensor (batch, time, hidden), got {_shape(outputs)}")
    checked = validate.tensor("lengths", lengths, shape=(outputs.shape[0],), dtype=torch.long)
    if int(checked.min()) < 1 or int(checked.max()) > outputs.shape[1]:
        raise ValueError(
            f"lengths must lie in 1..{outputs.shape[1]}, got values from "
            f"{int(checked.min())} to {int(checked.max())}"
        )
    return outputs[torch.arange(len(lengths)), lengths - 1]


__all__ = [
    "LengthBatches",
    "text_loader",
    "Vocabulary",
    "confusion_matrix",
    "distinctive_words",
    "encode",
    "last_real_output",
    "pad_batch",
    "tokenize",
    "review_tensors",
]


def review_tensors(
    n_train: int = 2000, max_len: int = 30, min_freq: int = 2, seed: int = 0
) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor], tuple[Tensor, Tensor], Vocabulary]:
    """A small slice of the movie reviews (:mod:`lstmbook.reviews`) as token ids, for ablations.

    The first ``n_train`` reviews of the seeded training split and the whole validation and
    test splits, each cut to ``max_len`` tokens, with a vocabulary of the tokens seen at least
    ``min_freq`` times in those ``n_train`` reviews. Labels are 1 for ``fresh`` and 0 for
    ``rotten``. Returns ``(tokens (n, time), labels (n,))`` for train, validation and test,
    and the vocabulary. ``n_train`` and ``max_len`` must be ints >= 1.
    """
    validate.positive_int("n_train", n_train)
    validate.positive_int("max_len", max_len)
    validate.positive_int("min_freq", min_freq)
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


def _sorted_classes(labels: Sequence[Hashable]) -> list:
    try:
        found = set(labels)
    except TypeError as error:
        raise ValueError(f"labels must be hashable: {error}") from None
    try:
        return sorted(found)
    except TypeError:  # mixed types: group by type name, then by value
        return sorted(found, key=lambda c: (type(c).__name__, repr(c)))


def _shape(value: object) -> str:
    return str(tuple(value.shape)) if isinstance(value, Tensor) else type(value).__name__
