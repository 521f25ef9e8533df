"""The sequence tasks: shapes, balance, seeding, where the label lies, and bad arguments."""

import numpy as np
import pytest

from lstmbook.data import (
    ADDING_BASELINE_MSE,
    adding_accuracy,
    adding_problem,
    first_last_task,
    last_k_accuracy,
    sine_task,
    split,
)
from lstmbook.exercises.data import check_adding_baseline

CLASSIFICATION_TASKS = [sine_task, first_last_task]


@pytest.mark.parametrize("task", CLASSIFICATION_TASKS)
@pytest.mark.parametrize("n", [1, 7, 200])
def test_classification_shapes_and_exact_balance(task, n):
    X, y = task(n, T=30, seed=0)
    assert X.shape == (n, 30, 1) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y)) <= {0, 1}
    assert y.sum() == n // 2


@pytest.mark.parametrize("task", [sine_task, first_last_task, adding_problem])
def test_same_seed_same_data_other_seed_other_data(task):
    X1, y1 = task(50, T=30, seed=3)
    X2, y2 = task(50, T=30, seed=3)
    X3, _ = task(50, T=30, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_sine_label_is_the_sign_of_the_first_window():
    X, y = sine_task(500, T=40, window=7, seed=1)
    np.testing.assert_array_equal(X[:, :7, 0].sum(axis=1) > 0, y == 1)
    assert np.abs(X).max() < 2  # a sine of amplitude 1 plus noise of std 0.1


def test_sine_last_k_steps_are_at_chance():
    """A linear classifier on the last T - window steps is at chance; on all steps it is not."""
    X, y = sine_task(4000, T=30, window=5, seed=2)
    half = len(X) // 2
    args = X[:half], y[:half], X[half:], y[half:]
    # 2000 held-out labels: chance accuracy has standard deviation ~0.011.
    assert abs(last_k_accuracy(*args, k=25) - 0.5) < 0.04
    assert abs(last_k_accuracy(*args, k=5) - 0.5) < 0.04
    assert last_k_accuracy(*args, k=30) > 0.9


def test_sine_tail_is_uncorrelated_with_the_label():
    X, y = sine_task(4000, T=30, window=5, seed=5)
    tail = X[:, 5:, 0]
    r = [np.corrcoef(tail[:, t], y)[0, 1] for t in range(tail.shape[1])]
    r2 = [np.corrcoef(tail[:, t] ** 2, y)[0, 1] for t in range(tail.shape[1])]
    # |r| of independent variables over 4000 samples: standard deviation ~0.016.
    assert max(np.abs(r)) < 0.07 and max(np.abs(r2)) < 0.07


def test_adding_problem_layout_and_target():
    n, T = 2000, 30
    X, y = adding_problem(n, T, seed=0)
    assert X.shape == (n, T, 2) and y.shape == (n,)
    assert X.dtype == y.dtype == np.float32
    values, markers = X[:, :, 0], X[:, :, 1]
    assert values.min() >= -1 and values.max() <= 1
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    positions = np.sort(np.nonzero(markers)[1].reshape(n, 2), axis=1)
    assert positions[:, 0].max() < 10 and positions[:, 1].max() < T // 2
    np.testing.assert_allclose(
        y, 0.5 + (values * markers).sum(axis=1) / 4, rtol=1e-6, atol=1e-6
    )  # float32 targets: an absolute term, since rtol alone failed on other seeds (4.4e-6)
    assert y.min() >= 0 and y.max() <= 1


def test_adding_problem_marker_positions_cover_their_ranges():
    X, _ = adding_problem(5000, 40, seed=1)
    marked = np.unique(np.nonzero(X[:, :, 1])[1])
    np.testing.assert_array_equal(marked, np.arange(20))


def test_adding_problem_baseline_is_one_24th():
    _, y = adding_problem(50_000, 20, seed=0)
    assert np.mean((y - 0.5) ** 2) == pytest.approx(ADDING_BASELINE_MSE, rel=0.03)
    assert adding_accuracy(np.full_like(y, 0.5), y) < 0.25


def test_adding_accuracy():
    assert adding_accuracy([0.5, 0.5], [0.53, 0.55]) == 0.5
    with pytest.raises(ValueError, match="one shape"):
        adding_accuracy([0.5], [0.5, 0.5])


def test_first_last_rule_and_both_ends_matter():
    X, y = first_last_task(4000, T=30, window=5, seed=0)
    first, last = X[:, :5, 0].sum(axis=1), X[:, -5:, 0].sum(axis=1)
    np.testing.assert_array_equal(first + last > 0, y == 1)
    # Either end alone predicts the label about 75% of the time, not 100%.
    for end in (first, last):
        assert 0.65 < np.mean((end > 0) == (y == 1)) < 0.85
    assert np.abs(X).max() <= 1


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: sine_task(0), "n must be an int >= 1"),
        (lambda: sine_task(5, T=5, window=5), "T must be an int >= 6"),
        (lambda: sine_task(5, window=0), "window must be an int >= 1"),
        (lambda: sine_task(5, noise=-1.0), "noise must be >= 0"),
        (lambda: adding_problem(0, 20), "n must be an int >= 1"),
        (lambda: adding_problem(5, 3), "T must be an int >= 4"),
        (lambda: first_last_task(5, T=10, window=5), "T must be an int >= 11"),
        (lambda: split(np.zeros(3), np.zeros(4)), "one length"),
        (lambda: split(np.zeros(3), np.zeros(3), val=0.5, test=0.5), "fractions"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_argument_types_raise_type_error():
    with pytest.raises(TypeError, match="n must be an int"):
        adding_problem(10.0, 20)
    with pytest.raises(TypeError, match="T must be an int"):
        sine_task(10, T="50")


def test_split_is_a_seeded_partition():
    X, y = np.arange(100)[:, None], np.arange(100)
    (Xa, ya), (Xb, yb), (Xc, yc) = split(X, y, seed=1)
    assert (len(ya), len(yb), len(yc)) == (70, 15, 15)
    np.testing.assert_array_equal(np.sort(np.concatenate([ya, yb, yc])), y)
    np.testing.assert_array_equal(Xa[:, 0], ya)
    np.testing.assert_array_equal(split(X, y, seed=1)[0][1], ya)


def test_check_adding_baseline(capsys):
    assert check_adding_baseline(lambda y: np.mean((y - y.mean()) ** 2))
    assert "Correct" in capsys.readouterr().out
    assert not check_adding_baseline(lambda y: np.mean((y - 0.5) ** 2))
    assert "predicting 0.5" in capsys.readouterr().out
    assert not check_adding_baseline(lambda y: np.var(y) + 1)
    assert not check_adding_baseline(lambda y: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(TypeError):
        check_adding_baseline(0.5)


def test_adding_baseline_checker_lines_fit_the_page(capsys):
    assert check_adding_baseline(lambda y: float(np.var(y)))
    assert all(len(line) <= 79 for line in capsys.readouterr().out.splitlines())
