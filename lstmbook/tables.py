"""Results as real tables: a cell's last expression renders as a table in the book.

A :class:`Table` shows as Markdown (the book renders it as a themed table that fits the
column) and as aligned text in a terminal.

>>> Table(["model", "accuracy"], [["LSTM", 0.987], ["RNN", 0.5]], digits=2)
model  accuracy
LSTM       0.99
RNN        0.50
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real


class Table:
    """Rows of values under headers; floats are written with ``digits`` decimals."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 3):
        headers = [str(h) for h in headers]
        rows = [list(row) for row in rows]
        for i, row in enumerate(rows):
            if len(row) != len(headers):
                raise ValueError(f"row {i} has {len(row)} values, expected {len(headers)}")
        self.headers = headers
        self.cells = [[self._format(v, digits) for v in row] for row in rows]
        self.numeric = [
            all(isinstance(row[j], Real) for row in rows) if rows else False
            for j in range(len(headers))
        ]

    @staticmethod
    def _format(value: object, digits: int) -> str:
        if isinstance(value, Integral) or not isinstance(value, Real):
            return str(value)
        return f"{value:.{digits}f}"

    def _repr_markdown_(self) -> str:
        rule = ["---:" if numeric else "---" for numeric in self.numeric]
        cells = [[v.replace("|", "\\|") for v in row] for row in self.cells]
        lines = [[h.replace("|", "\\|") for h in self.headers], rule, *cells]
        return "\n".join("| " + " | ".join(line) + " |" for line in lines)

    def __repr__(self) -> str:
        widths = [
            max(len(r[j]) for r in [self.headers, *self.cells]) for j in range(len(self.headers))
        ]

        def line(values: Sequence[str]) -> str:
            parts = [
                v.rjust(w) if numeric else v.ljust(w)
                for v, w, numeric in zip(values, widths, self.numeric, strict=True)
            ]
            return "  ".join(parts).rstrip()

        return "\n".join(line(r) for r in [self.headers, *self.cells])
