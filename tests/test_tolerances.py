"""Every ``assert_allclose`` in the tests says both its tolerances.

NumPy's default (``rtol=1e-7``, ``atol=0``) is right for no comparison in this book: a float32
result needs a looser ``rtol``, a value near zero needs an ``atol``. Writing both makes each
comparison's precision a decision (issue 11). ``**TOL`` counts: a shared dict of both.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def calls_without_tolerances(source: str) -> list[int]:
    """Line numbers of the ``assert_allclose(...)`` calls missing rtol or atol (and ``**``)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        if name != "assert_allclose":
            continue
        keywords = {k.arg for k in node.keywords}
        if None not in keywords and not {"rtol", "atol"} <= keywords:
            lines.append(node.lineno)
    return lines


def test_calls_without_tolerances_are_found():
    assert calls_without_tolerances("np.testing.assert_allclose(a, b, atol=1e-6)") == [1]
    assert calls_without_tolerances("assert_allclose(a, b, rtol=0, atol=1e-6)") == []
    assert calls_without_tolerances("assert_allclose(a, b, **TOL)") == []


def test_every_assert_allclose_names_rtol_and_atol():
    missing = [
        f"{path.name}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        for line in calls_without_tolerances(path.read_text(encoding="utf-8"))
    ]
    assert not missing, f"assert_allclose without an explicit rtol and atol: {missing}"
