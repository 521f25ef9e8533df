"""The prose-number check (tests/prose_numbers.py) on small notebooks, then on every chapter."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.prose_numbers import unbacked

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "chapters").glob("*.ipynb")), ROOT / "intro.md", ROOT / "glossary.md"]


def code(source="", printed=None, **data):
    """A code cell with ``source``, a printed stream ``printed`` and display ``data``."""
    cell = new_code_cell(source)
    if printed is not None:
        cell.outputs.append(new_output("stream", name="stdout", text=printed))
    if data:
        mime = {key.replace("_", "/"): value for key, value in data.items()}
        cell.outputs.append(new_output("execute_result", data=mime, execution_count=1))
    return cell


def tokens(tmp_path, *cells) -> list[str]:
    path = tmp_path / "book.ipynb"
    nbformat.write(new_notebook(cells=list(cells)), path)
    return [finding.token for finding in unbacked(path)]


def prose(text):
    return new_markdown_cell(text)


def test_a_number_printed_or_written_above_is_backed(tmp_path):
    cells = [
        code("learning_rate = 0.02"),
        code(printed="accuracy 0.765\n"),
        code(text_plain="np.float64(0.311)"),
        code(text_markdown="| a |\n|---|\n| 0.412 |", text_html="<td>0.523</td>"),
        prose("Rate 0.02 gives 0.765, then 0.311, 0.412 and 0.523; 0.999 is new."),
    ]
    assert tokens(tmp_path, *cells) == ["0.999"]


def test_a_number_printed_only_below_is_not_backed(tmp_path):
    assert tokens(tmp_path, prose("We reach 0.765."), code(printed="0.765")) == ["0.765"]


def test_a_printed_number_backs_its_roundings_half_up(tmp_path):
    cells = [code(printed="0.9936 0.125"), prose("So 0.994, 0.99, 0.9936, 0.13, 0.995 and 0.98.")]
    assert tokens(tmp_path, *cells) == ["0.995", "0.98"]


def test_percentages_are_backed_by_a_percentage_or_a_fraction(tmp_path):
    cells = [code(printed="seed 15, 0.154, 42.0%, 7.3 % and 12.5\n"), prose("")]
    cells[1].source = "About 15%, 42 %, 7.3%, 12.5\\% and 12%; 100% and 3%."
    assert tokens(tmp_path, *cells) == ["12%", "100%", "3%"]
    # a bare integer is no percentage: seed 15 alone would not back 15%
    assert tokens(tmp_path, code(printed="seed 15"), prose("About 15%.")) == ["15%"]


def test_ratios_are_backed_by_their_rounded_value(tmp_path):
    cells = [code(printed="1.31 440 2.71"), prose("1.3x, 1.3×, 440x, 2.7 times as fast, 2.0x.")]
    assert tokens(tmp_path, *cells) == ["2.0x"]


def test_powers_are_backed_by_the_expression_or_its_value(tmp_path):
    cells = [
        code("print(0.5 ** 16, 0.73**17)", printed="1.5e-05 0.0047\n"),
        prose("$0.5^{16}$ and $0.5^16$, $0.73^{17}$, $0.9^{10}$."),
    ]
    assert tokens(tmp_path, *cells) == ["0.9^{10}"]
    printed = code(printed="1.5e-05\n")
    assert tokens(tmp_path, printed, prose("$0.5^{16}$, $0.5^{17}$")) == ["0.5^{17}"]


def test_powers_of_ten_and_exponent_forms(tmp_path):
    cells = [
        code("eps = 1e-6", printed="max error 2.8e-14, ratio 7.6e-06, 0.0049\n"),
        prose("Errors of 3e-14 with $\\varepsilon = 10^{-6}$, $10^{-5}$, $5 \\cdot 10^{-3}$."),
        prose("Not $10^{19}$, nor 4e-14 nor $2 \\times 10^{-3}$."),
    ]
    assert tokens(tmp_path, *cells) == ["10^{19}", "4e-14", "2 \\times 10^{-3}"]


def test_integers_versions_years_and_inline_code_are_not_checked(tmp_path):
    cells = [
        code(),
        prose(
            "With 16 units, seeds 0 to 4, in 2026, on Jupyter Book 1.0.4 and Python 3.11, "
            "`step(0.5)` and\n\n```python\nx = 0.25\n```"
        ),
    ]
    assert tokens(tmp_path, *cells) == []


def test_a_directive_is_prose_and_a_code_block_is_not(tmp_path):
    text = "```{note}\nHalf is 0.5.\n```\n\n```{code-block} python\nx = 0.25\n```"
    assert tokens(tmp_path, code(), prose(text)) == ["0.5"]


def test_headings_and_math_are_prose(tmp_path):
    cells = [code(), prose("## 3.1 Shapes\n\nThe gate is $\\sigma(0) = 0.5$.")]
    assert tokens(tmp_path, *cells) == ["3.1", "0.5"]


@pytest.mark.parametrize(
    "citing",
    [
        "Gers et al. (2000) report 0.75.",
        "A bias of 0.75 helps (Jozefowicz et al., 2015).",
        "Pascanu, Mikolov and Bengio (2013) clip at 0.75.",
        "Dropout of 0.75 (Gal and Ghahramani 2016).",
        "The [paper](https://arxiv.org/abs/1409.2329) uses 0.75.",
    ],
)
def test_a_sentence_citing_the_literature_is_exempt_and_only_that_sentence(tmp_path, citing):
    assert tokens(tmp_path, code(), prose(f"{citing} We get 0.25.")) == ["0.25"]


def test_a_marker_with_a_reason_exempts_its_numbers(tmp_path):
    text = "Half is 0.5 and 15% of it.\n<!-- not-computed: 0.5, 15%: a definition, not a result -->"
    assert tokens(tmp_path, code(), prose(text)) == []
    # only in its own cell
    assert tokens(tmp_path, code(), prose(text), prose("Again 0.5.")) == ["0.5"]


def test_a_marker_without_a_reason_or_for_a_missing_number_is_reported(tmp_path):
    path = tmp_path / "book.ipynb"
    text = "Half is 0.5.\n<!-- not-computed: 0.5 -->\n<!-- not-computed: 0.7: typed -->"
    nbformat.write(new_notebook(cells=[prose(text)]), path)
    findings = unbacked(path)
    assert [f.token for f in findings] == ["<!-- not-computed: 0.5 -->", "0.7"]
    assert "needs a reason" in findings[0].sentence


def test_the_command_line_prints_each_number_and_a_count(tmp_path):
    path = tmp_path / "book.ipynb"
    nbformat.write(new_notebook(cells=[code(printed="0.5"), prose("We get 0.5, then 0.9.")]), path)
    script = ROOT / "tests/prose_numbers.py"
    result = subprocess.run([sys.executable, script, path], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "book:1: 0.9  | We get 0.5, then 0.9.",
        "book: 1 unbacked",
    ]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_number_in_the_book_is_computed_above_it(path):
    findings = [f"cell {f.cell}: {f.token}  | {f.sentence[:100]}" for f in unbacked(path)]
    if findings:
        pytest.fail("numbers in prose with no cell behind them:\n" + "\n".join(findings), False)
