"""Bad input gets a clear error at every public entry point, in the style of scikit-learn's
estimator checks.

The test enumerates the public API itself: every public function and class defined in every
``lstmbook`` module must have a table of bad inputs in ``tests/contract_cases.py`` (each must
raise ``ValueError`` or ``TypeError`` whose message names the argument) or a reasoned
exemption there. A new module, or a new public name, fails ``test_every_public_name_has_an_entry``
until it has one. Cases the package does not meet yet are listed in ``KNOWN_GAPS`` and run as
strict expected failures: fixing one makes the test fail until it is taken off the list.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import lstmbook
from tests.contract_cases import EXEMPT, EXEMPT_PREFIXES, build_cases
from tests.contract_survey import classify

#: ``module.name(argument)`` cases that do not raise a clear error yet (none since issue 17; a
#: new gap goes here, with the issue that will close it).
KNOWN_GAPS: set[str] = set()


def module_names() -> list[str]:
    """Every module of the package, ``lstmbook.exercises``' checker modules as ``exercises.x``."""
    names = [info.name for info in pkgutil.iter_modules(lstmbook.__path__)]
    exercises = importlib.import_module("lstmbook.exercises")
    return names + [f"exercises.{info.name}" for info in pkgutil.iter_modules(exercises.__path__)]


def public_names() -> dict[str, list[str]]:
    names = {}
    for module_name in module_names():
        module = importlib.import_module(f"lstmbook.{module_name}")
        names[module_name] = sorted(
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__
        )
    return names


CASES = build_cases()
ROWS = [
    (module, name, argument, what, call)
    for module, names in CASES.items()
    for name, cases in names.items()
    for argument, what, call in cases
]


def exempt(module: str, name: str) -> bool:
    reason = EXEMPT.get(module)
    if isinstance(reason, str):
        return True
    if isinstance(reason, dict) and name in reason:
        return True
    return any(name.startswith(prefix) for prefix in EXEMPT_PREFIXES)


def test_every_public_name_has_an_entry():
    missing = [
        f"lstmbook.{module}.{name}"
        for module, names in public_names().items()
        for name in names
        if name not in CASES.get(module, {}) and not exempt(module, name)
    ]
    assert not missing, f"add bad inputs (or an exemption) to tests/contract_cases.py: {missing}"


def test_every_entry_names_a_public_name():
    public = public_names()
    unknown = [
        f"{m}.{n}" for m, names in CASES.items() for n in names if n not in public.get(m, [])
    ]
    assert not unknown


@pytest.mark.parametrize(
    ("module", "name", "argument", "what", "call"),
    [
        pytest.param(
            *row,
            id=f"{row[0]}.{row[1]}({row[2]}: {row[3]})",
            marks=[pytest.mark.xfail(strict=True)]
            if f"{row[0]}.{row[1]}({row[2]})" in KNOWN_GAPS
            else [],
        )
        for row in ROWS
    ],
)
def test_bad_input_raises_a_clear_error_naming_the_argument(module, name, argument, what, call):
    outcome, detail = classify(argument, call)
    assert outcome == "clear", f"{outcome}: {detail}"
    assert re.search(rf"\b{re.escape(argument)}\b", detail)
