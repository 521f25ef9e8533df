"""Seeded sequence tasks that can only be solved by remembering, and small helpers around them.

Every generator takes a ``seed`` and returns NumPy arrays: inputs ``X`` of shape
``(n, T, features)`` (``float32``) and targets ``y`` of shape ``(n,)`` (``int64`` class labels
or ``float32`` regression targets). The same seed always gives the same data.

The tasks, and what each one tests:

- :func:`sine_task`: a sine-sequence classifier whose label lies at the *start*: memory over a
  lag of ``T - window`` steps. A model that sees only the last steps is at chance.
- :func:`adding_problem`: Hochreiter and Schmidhuber's (1997) adding problem, a regression that
  needs two values remembered for at least ``T / 2`` steps.
- :func:`first_last_task`: the label depends on both ends of the sequence. A forward model must
  carry the start across the whole sequence; a bidirectional one has each end fresh in one of
  its two directions.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lstmbook.validate import positive_int

#: The adding problem's mean squared error when always predicting 0.5: ``Var(y) = 1 / 24``.
#: The label of a step that has no answer: skipped by the loss and by the accuracy.
IGNORE = -100  # the default ``ignore_index`` of ``F.cross_entropy``

ADDING_BASELINE_MSE = 1.0 / 24.0
#: The adding problem's tolerance: a prediction is correct when ``|prediction - y| < 0.04``.
ADDING_TOLERANCE = 0.04


def _balanced_labels(n: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """``n`` labels, ``n // 2`` ones and the rest zeros, in a random order."""
    y = np.zeros(n, dtype=np.int64)
    y[: n // 2] = 1
    return rng.permutation(y)


def _sines(
    n: int, length: int, rng: np.random.Generator, freq: tuple[float, float]
) -> NDArray[np.float64]:
    """``n`` sine waves of ``length`` steps, each with its own angular frequency and phase."""
    omega = rng.uniform(*freq, size=(n, 1))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n, 1))
    t = np.arange(length)[None, :]
    return np.sin(omega * t + phase)


def sine_task(
    n: int,
    T: int = 50,
    window: int = 5,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """The source article's sine task, repaired: balanced labels that lie ``T - window`` steps back.

    Each sequence is a noisy sine wave of one feature. Its label is 1 when the sum of its
    *first* ``window`` values is positive (the source summed the *last* five, and its signal made
    every label 0). The first ``window`` steps and the rest are two independent sine waves,
    with their own frequency (0.1 to 0.5 radians per step) and phase: the last ``T - window``
    steps carry no information about the label, so a model must remember across a lag of
    ``T - window`` steps. Exactly ``n // 2`` labels are 1 (the head's sign is flipped where
    needed, which keeps it a sine wave of uniform random phase).

    Args:
        n: number of sequences, at least 1.
        T: sequence length, at least ``window + 1``.
        window: how many leading steps decide the label, at least 1.
        noise: standard deviation of the Gaussian noise added to every value, at least 0.
        seed: seed of the NumPy random generator.

    Returns:
        ``X`` of shape ``(n, T, 1)`` (``float32``) and labels ``y`` of shape ``(n,)`` (0 or 1).

    >>> X, y = sine_task(6, T=20, seed=0)
    >>> X.shape, y.tolist()
    ((6, 20, 1), [0, 1, 0, 0, 1, 1])
    >>> bool(np.all((X[:, :5, 0].sum(axis=1) > 0) == y))
    True
    """
    n = positive_int("n", n, 1)
    window = positive_int("window", window, 1)
    T = positive_int("T", T, window + 1)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, rng)
    head = _sines(n, window, rng, (0.1, 0.5)) + noise * rng.standard_normal((n, window))
    tail = _sines(n, T - window, rng, (0.1, 0.5)) + noise * rng.standard_normal((n, T - window))
    wrong_sign = (head.sum(axis=1) > 0) != y.astype(bool)
    head[wrong_sign] *= -1.0
    X = np.concatenate([head, tail], axis=1)[:, :, None].astype(np.float32)
    return X, y


def adding_problem(
    n: int, T: int, seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The adding problem (Hochreiter and Schmidhuber, 1997): add two marked values.

    Each step carries two features: a value drawn uniformly from ``[-1, 1]`` and a marker,
    0 or 1. Exactly two steps are marked: the first among the first 10 steps (and before
    ``T / 2``), the second anywhere before ``T / 2``, at a different step. The target is
    ``0.5 + (X1 + X2) / 4``, in ``[0, 1]``, where ``X1, X2`` are the two marked values.

    What it tests: the two values must be kept for at least ``T / 2`` steps while the
    distractors around them are ignored. A prediction counts as correct when its absolute
    error is below :data:`ADDING_TOLERANCE` (0.04). Always predicting 0.5, the target's mean,
    gives a mean squared error of ``Var(y) = (2 / 3) / 16 = 1 / 24``
    (:data:`ADDING_BASELINE_MSE`): a model must beat that to have remembered anything.

    Args:
        n: number of sequences, at least 1.
        T: sequence length, at least 4 (two distinct marked steps before ``T / 2``).
        seed: seed of the NumPy random generator.

    Returns:
        ``X`` of shape ``(n, T, 2)`` (values, markers) and targets ``y`` of shape ``(n,)``,
        both ``float32``.

    >>> X, y = adding_problem(3, T=20, seed=0)
    >>> X.shape, X[:, :, 1].sum(axis=1).tolist()
    ((3, 20, 2), [2.0, 2.0, 2.0])
    >>> bool(np.allclose(y, 0.5 + (X[:, :, 0] * X[:, :, 1]).sum(axis=1) / 4))
    True
    """
    n = positive_int("n", n, 1)
    T = positive_int("T", T, 4)
    rng = np.random.default_rng(seed)
    half = T // 2
    values = rng.uniform(-1.0, 1.0, size=(n, T))
    first = rng.integers(0, min(10, half), size=n)
    # The second marker: uniform over the other half - 1 steps before T / 2.
    second = rng.integers(0, half - 1, size=n)
    second = second + (second >= first)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = 0.5 + (values[rows, first] + values[rows, second]) / 4.0
    X = np.stack([values, markers], axis=-1).astype(np.float32)
    return X, y.astype(np.float32)


def adding_accuracy(prediction: ArrayLike, y: ArrayLike, tol: float = ADDING_TOLERANCE) -> float:
    """The fraction of adding-problem predictions within ``tol`` of the target.

    >>> adding_accuracy([0.5, 0.7, 0.1], [0.52, 0.5, 0.1])
    0.6666666666666666
    """
    prediction, y = np.asarray(prediction, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if prediction.shape != y.shape:
        raise ValueError(
            f"prediction and y must have one shape, got {prediction.shape} and {y.shape}"
        )
    return float(np.mean(np.abs(prediction - y) < tol))


def first_last_task(
    n: int, T: int = 50, window: int = 5, seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """A task whose label needs both ends of the sequence: for comparing bidirectional models.

    Every value is drawn uniformly from ``[-1, 1]`` (one feature). The label is 1 when the sum
    of the first ``window`` values plus the sum of the last ``window`` values is positive;
    exactly ``n // 2`` labels are 1 (the first window's sign is flipped where needed).

    What it tests: a forward model reads the last window just before it answers, but must carry
    the first window across ``T - window`` steps; seeing only one end gives about 75% accuracy.
    A bidirectional model whose answer reads both final states (forward: after step ``T - 1``;
    backward: after step 0) has each end fresh in one direction, so it needs no long memory:
    here the context from the other end of the sequence is what the second direction adds.

    Args:
        n: number of sequences, at least 1.
        T: sequence length, at least ``2 * window + 1``.
        window: length of each end that decides the label, at least 1.
        seed: seed of the NumPy random generator.

    Returns:
        ``X`` of shape ``(n, T, 1)`` (``float32``) and labels ``y`` of shape ``(n,)`` (0 or 1).

    >>> X, y = first_last_task(4, T=12, window=2, seed=1)
    >>> X.shape, bool(np.all((X[:, :2, 0].sum(1) + X[:, -2:, 0].sum(1) > 0) == y))
    ((4, 12, 1), True)
    """
    n = positive_int("n", n, 1)
    window = positive_int("window", window, 1)
    T = positive_int("T", T, 2 * window + 1)
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, rng)
    X = rng.uniform(-1.0, 1.0, size=(n, T))
    total = X[:, :window].sum(axis=1) + X[:, -window:].sum(axis=1)
    wrong_sign = (total > 0) != y.astype(bool)
    # Negating both windows negates the total and keeps every value uniform on [-1, 1].
    X[wrong_sign, :window] *= -1.0
    X[wrong_sign, -window:] *= -1.0
    return X[:, :, None].astype(np.float32), y


def split(
    X: NDArray, y: NDArray, val: float = 0.15, test: float = 0.15, seed: int = 0
) -> tuple[tuple[NDArray, NDArray], tuple[NDArray, NDArray], tuple[NDArray, NDArray]]:
    """Shuffle ``(X, y)`` and cut it into train, validation and test parts.

    ``val`` and ``test`` are fractions of ``len(X)``; the train part is the rest.

    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10)
    >>> (Xtr, ytr), (Xva, yva), (Xte, yte) = split(X, y, val=0.2, test=0.1)
    >>> len(ytr), len(yva), len(yte)
    (7, 2, 1)
    """
    if len(X) != len(y):
        raise ValueError(f"X and y must have one length, got {len(X)} and {len(y)}")
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError(f"val and test must be fractions summing below 1, got {val}, {test}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_val, n_test = round(val * len(X)), round(test * len(X))
    parts = np.split(order, [len(X) - n_val - n_test, len(X) - n_test])
    return tuple((X[idx], y[idx]) for idx in parts)  # type: ignore[return-value]


def last_k_accuracy(
    X_train: NDArray, y_train: NDArray, X_test: NDArray, y_test: NDArray, k: int
) -> float:
    """Held-out accuracy of a linear classifier that sees only the last ``k`` steps.

    The classifier is least squares on the flattened last ``k`` steps (plus a bias) against
    targets ``2y - 1``, thresholded at 0. On a task whose label lies further back than ``k``
    steps this is at chance (about 0.5); on the source's original rule (the sign of the last
    five values' sum) it would be nearly perfect.

    Args:
        X_train, X_test: inputs of shape ``(n, T, features)``.
        y_train, y_test: labels 0 or 1 of shape ``(n,)``.
        k: how many final steps the classifier sees, ``1 <= k <= T``.

    >>> X, y = sine_task(2000, T=30, seed=0)
    >>> round(last_k_accuracy(X[:1000], y[:1000], X[1000:], y[1000:], k=25), 1)
    0.5
    >>> last_k_accuracy(X[:1000], y[:1000], X[1000:], y[1000:], k=30) > 0.9
    True
    """
    T = X_train.shape[1]
    k = positive_int("k", k, 1)
    if k > T:
        raise ValueError(f"k must be at most T = {T}, got {k}")

    def features(X: NDArray) -> NDArray[np.float64]:
        last = np.asarray(X[:, -k:], dtype=np.float64).reshape(len(X), -1)
        return np.hstack([last, np.ones((len(X), 1))])

    w, *_ = np.linalg.lstsq(features(X_train), 2.0 * y_train - 1.0, rcond=None)
    return float(np.mean((features(X_test) @ w > 0) == (y_test == 1)))


def window_sign_task(
    n: int, T: int, offsets: tuple[int, int] = (-2, 0), seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """A label at every step: the sign of the sum of the inputs in a window around that step.

    Inputs are uniform on ``[-1, 1]``, one feature. With ``offsets = (a, b)``, ``a <= b``, the
    label at step ``t`` is 1 when ``x[t + a] + ... + x[t + b] > 0``, else 0; steps whose
    window leaves the sequence are labelled :data:`IGNORE`.

    - ``(-2, 0)``: the past three inputs. An online (causal) model can answer at step ``t``.
    - ``(0, 2)``: the present and the next two: the answer needs *future* context.
    - ``(-d, -d)``: recall the sign of the input ``d`` steps back.

    Returns ``X (n, T, 1)`` (``float32``) and ``y (n, T)`` (``int64``).

    >>> X, y = window_sign_task(2, T=6, offsets=(0, 1), seed=0)
    >>> X.shape, y.shape, y[0, -1] == IGNORE
    ((2, 6, 1), (2, 6), np.True_)
    >>> bool(y[0, 0] == (X[0, 0, 0] + X[0, 1, 0] > 0))
    True
    """
    a, b = offsets
    n = positive_int("n", n)
    if not a <= b:
        raise ValueError(f"offsets must be (a, b) with a <= b, got {offsets}")
    T = positive_int("T", T, b - a + 1)  # at least the window's length
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, T)).astype(np.float32)
    y = np.full((n, T), IGNORE, dtype=np.int64)
    first, last = max(0, -a), min(T, T - b)  # steps whose whole window lies inside
    sums = sum(X[:, first + k : last + k] for k in range(a, b + 1))
    y[:, first:last] = (sums > 0).astype(np.int64)
    return X[:, :, None], y
