"""A text as character ids, and the n-gram baselines a character model must beat (chapter 7).

- :func:`encode`: the index of each character of a text in a vocabulary;
- :class:`Unigram`: each character with its frequency, whatever came before;
- :class:`KneserNey`: an interpolated Kneser-Ney character n-gram model.

Both models are scored as :class:`lstmbook.char_model.CharLM` is, in bits per character.
NumPy only: torch is not imported.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lstmbook import validate


def _unknown(text: str, vocab: str, name: str) -> None:
    unseen = sorted(set(text) - set(vocab))
    if unseen:
        listed = ", ".join(repr(c) for c in unseen[:10]) + (" ..." if len(unseen) > 10 else "")
        raise ValueError(
            f"{name} has {len(unseen)} character(s) the model never saw in training: {listed}"
        )


def encode(text: str, vocab: str) -> NDArray[np.int64]:
    """The index of each character of ``text`` in ``vocab`` (a string of distinct characters).

    >>> encode("abba", "ab").tolist()
    [0, 1, 1, 0]
    """
    validate.text("text", text, min_length=0)
    validate.text("vocab", vocab)
    _unknown(text, vocab, "text")
    lookup = {c: i for i, c in enumerate(vocab)}
    return np.fromiter((lookup[c] for c in text), dtype=np.int64, count=len(text))


class Unigram:
    """Each character with its frequency in the training text, whatever came before.

    >>> round(Unigram("aab").bits_per_char("ab"), 6)  # scores the "b" only: -log2(1/3)
    1.584963
    """

    def __init__(self, text: str):
        validate.text("text", text)
        self.vocab = "".join(sorted(set(text)))
        counts = np.bincount(encode(text, self.vocab), minlength=len(self.vocab))
        self.log2p = np.log2(counts / counts.sum())

    def entropy(self) -> float:
        """The entropy of the character frequencies, in bits."""
        return float(-(np.exp2(self.log2p) * self.log2p).sum())

    def bits_per_char(self, text: str) -> float:
        """Mean ``-log2 p`` of each character of ``text`` after the first (as :class:`CharLM`)."""
        validate.text("text", text, min_length=2)
        _unknown(text, self.vocab, "text")
        return float(-self.log2p[encode(text[1:], self.vocab)].mean())


class KneserNey:
    """Interpolated Kneser-Ney character ``order``-gram model (Chen and Goodman 1999).

    The probability of a character after a context mixes the discounted count of the full
    n-gram with the next shorter context's probability, down to the uniform distribution; the
    shorter contexts count *how many different characters* precede an n-gram, not how often
    it occurs. One discount per order, ``D = n1 / (n1 + 2 n2)`` (``n1``, ``n2``: how many
    n-grams occur once and twice). An n-gram of ``k`` characters is one integer in base ``V``,
    so every table is a sorted NumPy array.

    >>> lm = KneserNey("the cat sat on the mat, the hat on the cat", order=3)
    >>> p = {c: 2 ** lm.log_probs("th" + c)[-1] for c in lm.vocab}  # p(c | "th") for every c
    >>> max(p, key=p.get), round(float(sum(p.values())), 12)
    ('e', 1.0)
    """

    def __init__(self, text: str, order: int = 5):
        validate.text("text", text)
        self.order = validate.positive_int("order", order)
        self.vocab = "".join(sorted(set(text)))
        ids, v = encode(text, self.vocab), len(self.vocab)
        if v**order >= 2**62:
            raise ValueError(f"order {order} is too high for {v} characters")
        self.tables = []  # per length k: (codes, counts, context codes, context totals, types, D)
        grams = [np.unique(self._codes(ids, k), return_counts=True) for k in range(1, order + 2)]
        for k in range(1, order + 1):
            codes, counts = grams[k - 1]
            if k < order:  # continuation counts: distinct characters before the k-gram
                longer = grams[k][0] % v**k  # the last k characters of each (k+1)-gram
                codes, counts = np.unique(longer, return_counts=True)
            n1, n2 = (counts == 1).sum(), (counts == 2).sum()
            discount = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
            contexts, first = np.unique(codes // v, return_index=True)
            totals = np.add.reduceat(counts, first)
            types = np.diff(np.append(first, len(codes)))
            self.tables.append((codes, counts, contexts, totals, types, discount))

    def _codes(self, ids: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        v, n = len(self.vocab), len(ids) - k + 1
        codes = np.zeros(max(n, 0), dtype=np.int64)
        for j in range(k):
            codes = codes * v + ids[j : j + n]
        return codes

    @staticmethod
    def _lookup(keys: NDArray, values: NDArray, query: NDArray) -> NDArray:
        at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return np.where(keys[at] == query, values[at], 0)

    def log_probs(self, text: str) -> NDArray[np.float64]:
        """``log2 p(text[t] | text[:t])`` for ``t = 1 .. len(text) - 1``."""
        validate.text("text", text, min_length=2)
        _unknown(text, self.vocab, "text")
        ids, v = encode(text, self.vocab), len(self.vocab)
        positions = np.arange(1, len(ids))
        p = np.full(len(positions), 1.0 / v)
        for k, table in enumerate(self.tables, start=1):
            codes, counts, contexts, totals, types, d = table
            ok = positions >= k - 1  # the context of k - 1 characters exists
            t = positions[ok]
            gram = np.zeros(len(t), dtype=np.int64)
            for j in range(k):
                gram = gram * v + ids[t - k + 1 + j]
            count = self._lookup(codes, counts, gram)
            total = self._lookup(contexts, totals, gram // v)
            kinds = self._lookup(contexts, types, gram // v)
            seen = total > 0
            safe = np.maximum(total, 1)
            mixed = np.maximum(count - d, 0) / safe + d * kinds / safe * p[ok]
            p[ok] = np.where(seen, mixed, p[ok])
        return np.log2(p)

    def bits_per_char(self, text: str) -> float:
        """Mean ``-log2 p`` of each character of ``text`` after the first (as :class:`CharLM`)."""
        return float(-self.log_probs(text).mean())
