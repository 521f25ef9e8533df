"""One contract for every exercise checker of the book, run over all of them (as scikit-learn's
estimator checks run over every estimator).

Given a stub that raises ``NotImplementedError``, returns ``None``, returns the wrong type or a
value of the wrong shape, a checker prints exactly one line, starting ``"Not yet: "``, and
returns ``False``: it never raises. Given something that is not a function, it raises
``TypeError``. (Given the reference solution it returns ``True``: each chapter's solution cell
ends with ``assert check_x(solution)``, which nbval runs.)

The checkers are found, not listed: every public ``check_*`` function of every module of
``lstmbook.exercises``, the checkers' one home. A new checker is covered the day it is written.
"""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import torch

import lstmbook
import lstmbook.exercises


def checkers():
    found = {}
    for info in pkgutil.iter_modules(lstmbook.exercises.__path__):
        module = importlib.import_module(f"lstmbook.exercises.{info.name}")
        for name, obj in vars(module).items():
            full = f"{module.__name__}.{name}"
            if name.startswith("check_") and inspect.isfunction(obj):
                if obj.__module__ == module.__name__:
                    found[full] = obj
    return found


def test_no_checker_is_left_in_an_idea_module():
    left = [
        f"lstmbook.{info.name}.{name}"
        for info in pkgutil.iter_modules(lstmbook.__path__)
        if info.name not in {"widgets", "exercises"}  # widgets loads ipywidgets and has none
        for name, obj in vars(importlib.import_module(f"lstmbook.{info.name}")).items()
        if name.startswith("check_")
        and inspect.isfunction(obj)
        and obj.__module__ == f"lstmbook.{info.name}"
    ]
    # gradcheck.check_lstm_gradients checks our backward pass against finite differences: an
    # idea of chapter 2, not an exercise checker
    assert left == ["lstmbook.gradcheck.check_lstm_gradients"], left


CHECKERS = checkers()


def call(checker, fn):
    """The checker on ``fn`` (chapter 1's memory design also takes the reader's gate pair)."""
    if checker.__name__ == "check_memory_design":
        return checker(fn, (0.9, 0.1))
    return checker(fn)


def raises(*args):
    raise NotImplementedError


STUBS = {
    "raises NotImplementedError": raises,
    "returns None": lambda *args: None,
    "returns the wrong type": lambda *args: "a string",
    "returns the wrong shape (tensor)": lambda *args: torch.zeros(1, 1, 1),
    "returns the wrong shape (array)": lambda *args: np.zeros((1, 1, 1)),
}


def test_every_chapter_has_its_checkers():
    assert len(CHECKERS) >= 18, sorted(CHECKERS)


@pytest.mark.parametrize("stub", list(STUBS))
@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_a_stub_gets_one_not_yet_line_and_false(name, stub, capsys):
    assert call(CHECKERS[name], STUBS[stub]) is False
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Not yet: "), lines


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_something_that_is_not_a_function_is_a_type_error(name):
    with pytest.raises(TypeError, match="expected a function"):
        call(CHECKERS[name], 42)
