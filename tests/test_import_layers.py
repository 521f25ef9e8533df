"""The package's layers: the NumPy chapters load neither torch nor ipywidgets, and only
``lstmbook.widgets`` loads ipywidgets. Each checker module of ``lstmbook.exercises`` sits in the
layer of the idea module it is named after (the package itself, their contract, loads neither).
Each import runs in a fresh interpreter, so what one test loads cannot hide what another needs."""

import subprocess
import sys
from pathlib import Path

import pytest

NUMPY_ONLY = ["gates", "numpy_lstm", "numpy_nn", "gradcheck", "data", "diagram", "stats"]
NUMPY_ONLY += ["tables", "style", "validate", "config", "numpy_fast"]
TORCH_SIDE = ["bench", "cells", "classify", "experiment", "models", "plots", "probes", "reviews"]
TORCH_SIDE += ["tbptt", "text", "train", "listing", "progress"]
NUMPY_ONLY += ["readable_lstm", "unrolled", "layouts", "shakespeare", "forecast", "series"]
NUMPY_ONLY += ["ngram", "units", "forecast_lstm", "explorer_plots", "four_matrix", "recurrence"]
TORCH_SIDE += ["charlm", "modern", "compare_modern", "recurrent_dropout", "rnn"]
TORCH_SIDE += ["scan", "xlstm", "seeds", "text_models", "char_net", "char_model"]

PACKAGE = Path(__file__).resolve().parent.parent / "lstmbook"
EXERCISES = sorted(path.stem for path in (PACKAGE / "exercises").glob("*.py"))
NUMPY_ONLY += ["exercises"] + [f"exercises.{m}" for m in EXERCISES if m in NUMPY_ONLY]
TORCH_SIDE += [f"exercises.{m}" for m in EXERCISES if m in TORCH_SIDE]


def loaded(module: str) -> set[str]:
    code = f"import sys, lstmbook.{module}; print(*sorted(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return {name.split(".")[0] for name in result.stdout.split()}


@pytest.mark.parametrize("module", NUMPY_ONLY)
def test_numpy_modules_load_neither_torch_nor_ipywidgets(module):
    assert not {"torch", "ipywidgets"} & loaded(module)


@pytest.mark.parametrize("module", TORCH_SIDE)
def test_only_the_widgets_module_loads_ipywidgets(module):
    assert "ipywidgets" not in loaded(module)


def test_every_module_is_in_a_layer():
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "widgets"}
    modules |= {"exercises"} | {f"exercises.{m}" for m in EXERCISES if m != "__init__"}
    assert modules == set(NUMPY_ONLY) | set(TORCH_SIDE)
