"""Honest summaries of a few runs: a binomial interval, and exact tests for two outcomes.

Learn-or-fail experiments are counts ("learned on k of n seeds"), so they are summarised by
a Wilson interval, and two of them are compared with Fisher's exact test. Two classifiers
scored on the same test set are compared with McNemar's exact test on the items where they
disagree. Only the standard library is used.

>>> interval_text(7, 10)
'0.40 to 0.89'
>>> round(fisher_exact(3, 3, 0, 3), 3)
0.1
>>> round(mcnemar(10, 2), 4)
0.0386
"""

from __future__ import annotations

import math


def _counts(k: int, n: int, name: str = "k") -> None:
    for label, value in ((name, k), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{label} must be an int, got {type(value).__name__}")
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= {name} <= n and n >= 1, got {name}={k}, n={n}")


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval for a proportion ``k / n`` (95% with the default ``z``).

    It stays inside [0, 1] and is sensible at k = 0 and k = n, where the normal
    approximation gives a zero-width interval.
    """
    _counts(k, n)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def fisher_exact(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test: ``k1`` of ``n1`` against ``k2`` of ``n2``.

    Sums the hypergeometric probabilities of every table with the same margins that is no
    more likely than the one observed.
    """
    _counts(k1, n1, "k1")
    _counts(k2, n2, "k2")
    total, successes = n1 + n2, k1 + k2

    def probability(a: int) -> float:
        return math.comb(n1, a) * math.comb(n2, successes - a) / math.comb(total, successes)

    observed = probability(k1)
    low, high = max(0, successes - n2), min(n1, successes)
    p = sum(probability(a) for a in range(low, high + 1) if probability(a) <= observed * 1.0000001)
    return min(1.0, p)


def mcnemar(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value for two classifiers on one test set.

    ``only_a``: items model A gets right and B wrong; ``only_b``: the reverse. Under the
    null hypothesis each disagreement is a fair coin, so this is a binomial test.
    """
    for label, value in (("only_a", only_a), ("only_b", only_b)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{label} must be a non-negative int, got {value!r}")
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2**n
    return min(1.0, 2 * tail)


def interval_text(k: int, n: int) -> str:
    """The Wilson interval of ``k / n`` as the book writes it: ``"0.40 to 0.89"``."""
    low, high = wilson_interval(k, n)
    return f"{low:.2f} to {high:.2f}"


def learned_summary(k: int, n: int) -> str:
    """``"learned on k of n seeds (95% interval 0.40 to 0.89)"``."""
    return f"learned on {k} of {n} seeds (95% interval {interval_text(k, n)})"
