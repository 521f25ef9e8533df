"""Code listings for the book: a function's source as the reader should see it.

``inspect.getsource`` shows docstrings, doctests and argument checks; a listing shows the
code that does the work: the docstring is dropped, and ``skip`` drops any line that
contains one of the given strings (for example ``"_check"`` for validation lines).

>>> def f(x):
...     '''Twice x.'''
...     return 2 * x
>>> print(source(f))
def f(x):
    return 2 * x
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Sequence


def source(obj: Callable | type, skip: Sequence[str] = ()) -> str:
    """The source of ``obj`` without its docstring (and its methods' docstrings)."""
    text = textwrap.dedent(inspect.getsource(obj))
    drop: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                if isinstance(first.value.value, str):
                    drop.update(range(first.lineno, first.end_lineno + 1))
    lines = [
        line
        for number, line in enumerate(text.splitlines(), start=1)
        if number not in drop and not any(s in line for s in skip)
    ]
    return "\n".join(lines)


def listing(obj: Callable | type, skip: Sequence[str] = ()):
    """:func:`source` as a highlighted code block (an ``IPython.display.Code``)."""
    from IPython.display import Code

    return Code(source(obj, skip), language="python")
