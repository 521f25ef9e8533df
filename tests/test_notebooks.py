"""Notebook hygiene: every chapter is in the table of contents, executed top to bottom, clean.

nbval (run by the same `pytest`) re-executes each chapter and compares with what is stored;
these checks make sure what is stored is worth comparing against.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
TOC = (ROOT / "_toc.yml").read_text(encoding="utf-8")


def code_cells(path: Path) -> list:
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_listed_in_the_table_of_contents(path):
    assert f"file: chapters/{path.stem}\n" in TOC


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_was_executed_top_to_bottom_in_one_run(path):
    counts = [cell.execution_count for cell in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_stores_no_errors_and_no_warnings(path):
    for index, cell in enumerate(code_cells(path)):
        for output in cell.outputs:
            if "raises-exception" not in cell.metadata.get("tags", []):
                assert output.output_type != "error", f"cell {index}: {output.get('ename')}"
            if output.output_type == "stream" and output.name == "stderr":
                assert not re.search(r"Warning|Traceback", output.text), f"cell {index}"
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not re.search(r"/(work|tmp|root|home)/", text), f"cell {index} shows a path"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_imports_lstmbook_and_installs_nothing(path):
    sources = "\n".join(cell.source for cell in code_cells(path))
    assert re.search(r"^(from|import) lstmbook", sources, re.M)
    assert not re.search(r"^\s*[!%]\s*pip", sources, re.M)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_opens_with_what_you_will_learn_and_ends_with_exercises(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert markdown[0].startswith("# ") and "What you will learn" in markdown[0]
    assert any(text.startswith("## Exercises") for text in markdown)


HAND_NUMBERED = re.compile(r"^#+\s+\d+(\.\d+)*\.?\s", re.M)  # "## 3. Foo", "### 2.1 Bar"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_headings_are_numbered_by_the_table_of_contents_not_by_hand(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    headings = [line for line in markdown.splitlines() if HAND_NUMBERED.match(line)]
    assert headings == []


def test_pages_are_not_numbered_by_hand():
    for page in ("intro.md", "glossary.md"):
        assert not HAND_NUMBERED.search((ROOT / page).read_text(encoding="utf-8")), page
