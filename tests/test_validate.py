"""The validation vocabulary: each check names the argument and what came, and converts only as
documented."""

import numpy as np
import pytest
import torch

from lstmbook import validate as v


@pytest.mark.parametrize(
    ("check", "error", "words"),
    [
        (lambda: v.positive_int("steps", True), TypeError, "steps"),
        (lambda: v.positive_int("steps", 2.0), TypeError, "got 2.0"),
        (lambda: v.positive_int("steps", -1), ValueError, "got -1"),
        (lambda: v.real("lr", float("nan")), ValueError, "lr"),
        (lambda: v.real("lr", 0.0, low=0.0, low_open=True), ValueError, "(0.0, inf)"),
        (lambda: v.probability("p", -0.1), ValueError, "[0.0, 1.0]"),
        (lambda: v.boolean("bidirectional", "no"), TypeError, "'no'"),
        (lambda: v.one_of("model", "arima", ("naive", "ets")), ValueError, "'arima'"),
        (lambda: v.strings("texts", "one text"), TypeError, "one str"),
        (lambda: v.strings("texts", []), ValueError, "empty"),
        (lambda: v.text("prompt", "", min_length=1), ValueError, "prompt"),
        (lambda: v.same_length(a=[1], b=[1, 2]), ValueError, "got 1 and 2"),
        (lambda: v.array("x", "abc"), TypeError, "got 'abc'"),
        (lambda: v.array("x", [[1, 2], [3]]), ValueError, "rectangular"),
        (lambda: v.array("x", [1j]), TypeError, "complex"),
        (lambda: v.array("x", np.zeros((0, 3))), ValueError, "empty"),
        (lambda: v.array("x", [np.inf]), ValueError, "finite"),
        (lambda: v.array("x", np.zeros((2, 3)), shape=(None, 4)), ValueError, "(?, 4)"),
        (lambda: v.tensor("x", torch.zeros(2, 3), shape=(2,)), ValueError, "(2,)"),
        (lambda: v.tensor("x", [float("nan")]), ValueError, "finite"),
        (lambda: v.tensor("y", [0.5], dtype=torch.long), TypeError, "integers"),
        (lambda: v.labels("y", torch.tensor([-1, 1]), 2), ValueError, "0..1"),
        (lambda: v.ints("seeds", 3), TypeError, "got 3"),
        (lambda: v.ints("seeds", [0, -1]), ValueError, "got -1"),
        (lambda: v.ints("seeds", []), ValueError, "at least one"),
    ],
)
def test_bad_values_are_named(check, error, words):
    with pytest.raises(error, match=None) as raised:
        check()
    assert words in str(raised.value)


def test_accepted_values_are_returned_converted():
    assert v.positive_int("n", np.int64(3)) == 3 and type(v.positive_int("n", np.int64(3))) is int
    assert v.real("lr", 1) == 1.0
    assert v.strings("texts", ("a", "b")) == ["a", "b"]
    assert (
        v.ints("seeds", np.arange(2)) == [0, 1] and type(v.ints("seeds", [np.int64(1)])[0]) is int
    )
    x = v.tensor("x", np.zeros((2, 3)), shape=("batch", 3))
    assert x.dtype == torch.get_default_dtype() and x.shape == (2, 3)
    y = v.tensor("y", np.array([0.0, 2.0]), dtype=torch.long)
    assert y.dtype == torch.long and y.tolist() == [0, 2]
    assert v.array("x", [1, 2], dtype=np.float32).dtype == np.float32
