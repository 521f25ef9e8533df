"""Try every bad input of ``tests/contract_cases.py`` and count what happens.

    python tests/contract_survey.py          # counts, and one line per case that is not clear
    python tests/contract_survey.py --all    # one line per case

Outcomes: ``clear`` (ValueError or TypeError whose message names the argument), ``unclear``
(ValueError or TypeError that does not name it), ``other`` (another exception), ``silent``
(no exception: the bad input was accepted). ``case`` marks a case that calls the function
wrongly (the table's bug, not the package's).
"""

from __future__ import annotations

import collections
import os
import re
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LSTMBOOK_NO_PROGRESS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from tests.contract_cases import build_cases  # noqa: E402

CALL_BUG = re.compile(
    r"unexpected keyword argument|required positional argument|positional arguments? but"
)


def classify(argument: str, call) -> tuple[str, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except (ValueError, TypeError) as error:
        message = str(error)
        if CALL_BUG.search(message):
            return "case", f"{type(error).__name__}: {message}"
        if re.search(rf"\b{re.escape(argument)}\b", message):
            return "clear", f"{type(error).__name__}: {message}"
        return "unclear", f"{type(error).__name__}: {message}"
    except Exception as error:  # noqa: BLE001 - the survey records every kind of failure
        return "other", f"{type(error).__name__}: {error}"
    return "silent", "accepted"


def survey() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for module, names in build_cases().items():
        for name, cases in names.items():
            for argument, what, call in cases:
                outcome, detail = classify(argument, call)
                rows.append((outcome, f"{module}.{name}", argument, what, detail))
    return rows


def main(argv: list[str]) -> None:
    rows = survey()
    counts = collections.Counter(row[0] for row in rows)
    for outcome, where, argument, what, detail in rows:
        if "--all" in argv or outcome != "clear":
            print(f"{outcome:8s} {where}({argument}: {what}) -> {detail[:110]}")
    print(
        f"{len(rows)} bad inputs: "
        + ", ".join(f"{k} {counts[k]}" for k in ("clear", "unclear", "other", "silent", "case"))
    )


if __name__ == "__main__":
    main(sys.argv[1:])
