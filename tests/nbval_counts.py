"""What nbval still checks in each chapter: compared cells, compared numbers, asserted claims.

nbval compares a code cell's stored outputs with the ones it computes, except in cells tagged
(or commented) ``nbval-ignore-output`` or ``nbval-skip``; it leaves out images and widget ids,
and replaces what ``tests/sanitize.cfg`` names before comparing. This counts, per chapter:

- ``cells``: code cells with at least one compared text output (stream, text/plain,
  text/markdown, ...) that is not only a figure's ``<Figure size ...>`` line;
- ``numbers``: the numbers left in those outputs after sanitizing (each one a compared value);
- ``ignored``: code cells with outputs that nbval does not compare (tags or comment markers);
- ``asserts``: ``assert`` statements in code cells (claims checked on every run, whatever the
  outputs).

    python tests/nbval_counts.py chapters/*.ipynb
"""

import ast
import configparser
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_KEYS = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
IGNORE_COMMENTS = {"NBVAL_IGNORE_OUTPUT", "PYTEST_VALIDATE_IGNORE_OUTPUT", "NBVAL_SKIP"}
FIGURE = re.compile(r"^<Figure size [^>]*>$")
NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def sanitizers(path: Path = ROOT / "tests" / "sanitize.cfg") -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of nbval's sanitize file, in order."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(path)
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def ignored(cell) -> bool:
    """True if nbval does not compare this cell's outputs."""
    if IGNORE_TAGS & set(cell.metadata.get("tags", [])):
        return True
    comments = {line.strip().lstrip("#").strip() for line in cell.source.splitlines()}
    return bool(IGNORE_COMMENTS & comments)


def compared_texts(cell) -> list[str]:
    """The text values nbval compares for this cell (figure lines left out)."""
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            for key, value in output.data.items():
                if key not in SKIPPED_KEYS:
                    texts.append(value if isinstance(value, str) else "".join(value))
    return [t for t in texts if t.strip() and not FIGURE.match(t.strip())]


def asserts(source: str) -> int:
    """The number of assert statements in a code cell (IPython magics left out)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return source.count("assert ")
    return sum(isinstance(node, ast.Assert) for node in ast.walk(tree))


def counts(path: Path, rules=None) -> dict[str, int]:
    """cells, numbers, ignored and asserts for one notebook."""
    rules = sanitizers() if rules is None else rules
    notebook = nbformat.read(path, as_version=4)
    result = {"cells": 0, "numbers": 0, "ignored": 0, "asserts": 0}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        result["asserts"] += asserts(cell.source)
        if ignored(cell):
            result["ignored"] += bool(cell.get("outputs"))
            continue
        texts = compared_texts(cell)
        for regex, replacement in rules:
            texts = [regex.sub(replacement, t) for t in texts]
        if texts:
            result["cells"] += 1
            result["numbers"] += sum(len(NUMBER.findall(t)) for t in texts)
    return result


def main(paths: list[str]) -> None:
    rules = sanitizers()
    keys = ["cells", "numbers", "ignored", "asserts"]
    total = dict.fromkeys(keys, 0)
    print(f"{'chapter':32s}" + "".join(f"{k:>9s}" for k in keys))
    for name in paths:
        row = counts(Path(name), rules)
        total = {k: total[k] + row[k] for k in keys}
        print(f"{Path(name).name:32s}" + "".join(f"{row[k]:9d}" for k in keys))
    print(f"{'total':32s}" + "".join(f"{total[k]:9d}" for k in keys))


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(str(p) for p in (ROOT / "chapters").glob("*.ipynb")))
