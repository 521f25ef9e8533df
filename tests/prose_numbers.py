"""Numbers in a chapter's prose that no code cell above them computes.

A *measured-looking* number in a markdown cell is a decimal (0.765), a percentage (15%), a
ratio (1.3x, 1.3×, 440-fold), an exponent form (3e-14, 5 \\cdot 10^{-3}) or a power (0.5^{16},
10^{19}); integers on their own are not checked, nor version numbers (1.0.4, Python 3.11). It is
*backed* when a code cell above it, in its source or its stored text outputs, has a number that
rounds to it: a printed 0.9936 backs 0.994 and 0.99; 0.154 or 15.4% backs 15%; 1.31 backs 1.3x.
A power is backed by the same expression in code (``0.5 ** 16``) or by its value printed, a
power of ten (10^{-5}) by any printed number of that order of magnitude.

Exempt: inline code and code blocks in markdown; a sentence that cites the literature
(Gers et al. (2000), (Jozefowicz et al., 2015), a link to a URL); and a number named in a marker
in the same cell, ``<!-- not-computed: TOKEN: reason -->`` (a marker without a reason, or one
naming a number that is not in its cell, is itself reported).

    python tests/prose_numbers.py chapters/*.ipynb intro.md glossary.md   # exit 1 if any
"""

import math
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import nbformat

N = r"\d+(?:\.\d+)?"
# The first alternative that matches a stretch of prose claims it: 0.5^16 is a power, not 0.5.
TOKEN = re.compile(
    r"(?<![\w.])(?:"
    rf"(?P<sci>(?P<mantissa>{N})\s*(?:\\cdot|\\times|×|·)\s*10\s*\^\s*\{{?\s*(?P<tens>-?\d+)\s*\}}?)"
    rf"|(?P<power>(?P<base>{N})\s*\^\s*\{{?\s*(?P<exponent>-?\d+)\s*\}}?)"
    rf"|(?P<exp>{N}[eE][-+]?\d+)"
    rf"|(?P<percent>{N})\s?\\?%"
    rf"|(?P<ratio>{N})(?:\s?[x×](?!\w)(?!\s*\d)|-fold\b"
    r"|\s+times\s+(?:as|more|less|larger|smaller|faster|slower|higher|lower|fewer|longer)\b)"
    r"|(?P<decimal>\d+\.\d+)"
    r")(?!\.\d)"  # 1.0.4 is a version
)
VERSIONED = re.compile(r"(?i:python|pytorch|torch|numpy|version|book|sphinx|mathjax)\s*$")
# Author and year (Greff et al. (2017); Pascanu, Mikolov and Bengio (2013); Gal and Ghahramani
# 2016) or a link to a URL: the sentence quotes the literature.
CITATION = re.compile(
    r"(?!(?:In|By|Since|From|Until|Before|After|Around)\b)[A-Z][A-Za-z'-]+(?: et al\.)?,?"
    r"\s*\(?(?:19|20)\d\d[a-z]?\b|https?://"
)
MARKER = re.compile(r"<!--\s*not-computed:(.*?)-->", re.S)
# Stretches of markdown that are not prose, masked before looking for numbers.
INLINE_CODE = re.compile(r"`[^`\n]+`")
FENCE = re.compile(r"\s*(```+|~~~+)\s*(\S*)")
HIDDEN = re.compile(r"<!--.*?-->|<[^>\n]+>|\]\([^)\s]*\)|https?://\S+", re.S)
SENTENCE_BREAK = re.compile(
    r"(?<!\bal\.)(?<!e\.g\.)(?<!i\.e\.)(?<!\bvs\.)(?<=[.!?])\s+(?=[A-Z*_$(\[])"
    r"|\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.|#+)\s)|\n(?=\s*\|)"  # paragraphs, items, table rows
)
BACKING_NUMBER = re.compile(rf"(?<![A-Za-z_\d.])({N}(?:[eE][-+]?\d+)?)(\s?%)?")


class Finding(NamedTuple):
    cell: int
    token: str
    sentence: str


def normal(token: str) -> str:
    """A token as a marker names it: without spaces, braces or the backslash of ``\\%``."""
    return re.sub(r"[\s{}]|\\(?=%)", "", token)


def rounds_to(value: Decimal, target: Decimal) -> bool:
    """``value`` rounded half up to the last digit written in ``target`` is ``target``."""
    last_digit = Decimal(1).scaleb(target.as_tuple().exponent)
    try:
        return value.quantize(last_digit, ROUND_HALF_UP) == target
    except InvalidOperation:  # more digits than Decimal keeps: not the same number
        return False


class Backing:
    """What the code cells read so far show: their text, and every number in it."""

    def __init__(self):
        self.text = ""
        self.numbers: list[tuple[Decimal, bool, bool]] = []  # value, has a % sign, has a point

    def add(self, text: str) -> None:
        self.text += "\n" + text
        for match in BACKING_NUMBER.finditer(text):
            self.numbers.append((Decimal(match[1]), bool(match[2]), "." in match[1]))

    def backs(self, token: re.Match) -> bool:
        numbers = self.numbers
        if token["power"]:
            base, exponent = token["base"], int(token["exponent"])
            written = rf"(?<![\w.]){re.escape(base)}\s*\*\*\s*\(?\s*{exponent}\b"
            written += rf"|pow(?:er)?\(\s*{re.escape(base)}\s*,\s*{exponent}\s*\)"
            if base == "10":
                written += rf"|(?<![\w.])1e{exponent}\b"
            if re.search(written, self.text):
                return True
            if base == "10":  # an order of magnitude
                return any(v and round(math.log10(v)) == exponent for v, _, _ in numbers)
            exact = Decimal(base) ** exponent
            return any(v and rounds_to(exact, v) for v, _, _ in numbers)
        if token["percent"]:
            target = Decimal(token["percent"])
            return any(
                ((percent or point) and rounds_to(v, target))
                or (point and rounds_to(100 * v, target))
                for v, percent, point in numbers
            )
        if token["sci"]:
            target = Decimal(f"{token['mantissa']}e{token['tens']}")
        else:
            target = Decimal(token["exp"] or token["ratio"] or token["decimal"])
        return any(rounds_to(v, target) for v, _, _ in numbers)


def cell_text(cell) -> str:
    """A code cell's source and its stored text outputs (plain, markdown, HTML, streams)."""
    parts = [cell.source]
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts += [data.get(kind, "") for kind in ("text/plain", "text/markdown")]
        parts.append(re.sub(r"<[^>]*>", " ", data.get("text/html", "")))
    return "\n".join("".join(part) if isinstance(part, list) else part for part in parts)


def mask(pattern: re.Pattern, text: str, fill: str) -> str:
    """``text`` with every match of ``pattern`` overwritten by ``fill`` (newlines kept)."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", fill, m[0]), text)


def mask_code(text: str) -> str:
    """``text`` with inline code and fenced code blocks overwritten by X.

    A MyST directive (```{note}) holds prose and stays, unless it is ```{code-block} or the like.
    """
    lines, fence, is_code = [], None, False
    for line in text.split("\n"):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence, info = opening[1], opening[2]
            is_code = not info.startswith("{") or info.startswith("{code")
            lines.append(line)
        elif fence is not None and line.strip() == fence:
            fence = None
            lines.append(line)
        else:
            lines.append("X" * len(line) if fence and is_code else line)
    return mask(INLINE_CODE, "\n".join(lines), "X")


def markdown_findings(index: int, source: str, backing: Backing) -> list[Finding]:
    findings, excused = [], set()
    for marker in MARKER.finditer(source):
        tokens, _, reason = marker[1].partition(":")
        excused |= {normal(token) for token in tokens.split(",")}
        if not reason.strip():
            findings.append(Finding(index, marker[0], "a not-computed marker needs a reason"))
    prose = mask(HIDDEN, mask_code(source), " ")
    start, seen = 0, set()
    for end in [b.start() for b in SENTENCE_BREAK.finditer(prose)] + [len(prose)]:
        sentence = source[start:end]
        if not CITATION.search(sentence):
            for token in TOKEN.finditer(prose, start, end):
                seen.add(normal(token[0]))
                if VERSIONED.search(prose[: token.start()]) or normal(token[0]) in excused:
                    continue
                if not backing.backs(token):
                    words = " ".join(token[0].split()), " ".join(sentence.split())
                    findings.append(Finding(index, *words))
        start = end
    for token in sorted(excused - seen - {""}):
        findings.append(Finding(index, token, "a not-computed marker names a number not here"))
    return findings


def unbacked(path: Path) -> list[Finding]:
    """Every measured-looking number in ``path``'s markdown that no code cell above backs.

    ``path`` is a notebook, or a Markdown page (the front page, the glossary) with no code.
    """
    if path.suffix == ".md":
        return markdown_findings(0, path.read_text(encoding="utf-8"), Backing())
    notebook = nbformat.read(path, as_version=4)
    backing, findings = Backing(), []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            backing.add(cell_text(cell))
        elif cell.cell_type == "markdown":
            findings += markdown_findings(index, cell.source, backing)
    return findings


def main(paths: list[str]) -> int:
    counts = {}
    for path in map(Path, paths):
        findings = unbacked(path)
        counts[path.stem] = len(findings)
        for cell, token, sentence in findings:
            short = sentence if len(sentence) <= 100 else sentence[:97] + "..."
            print(f"{path.stem}:{cell}: {token}  | {short}")
    for name, count in counts.items():
        print(f"{name}: {count} unbacked")
    return 1 if any(counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
