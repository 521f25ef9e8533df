"""The book builds with warnings as errors, serves its own JavaScript, fails on stored errors."""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, build

pytestmark = pytest.mark.build  # each test needs a book build


def chapter_pages(html: Path) -> list[Path]:
    return sorted((html / "chapters").glob("*.html"))


def test_every_chapter_is_built(built_book):
    notebooks = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    assert [p.stem for p in chapter_pages(built_book)] == notebooks


def test_pages_load_no_script_or_style_from_a_cdn(built_book):
    for page in [built_book / "intro.html", *chapter_pages(built_book)]:
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert remote == [], f"{page.name} loads {remote}"


def test_widget_and_math_javascript_is_served_by_the_book(built_book):
    page = (built_book / "chapters/01_gates.html").read_text(encoding="utf-8")
    scripts = (
        "require.js",
        "@jupyter-widgets/html-manager/dist/embed-amd.js",
        "mathjax/tex-chtml.js",
    )
    for script in scripts:
        assert re.search(rf'src="\.\./_static/{script}(\?v=\w+)?"', page), script
        assert (built_book / "_static" / script).is_file(), script
    assert "application/vnd.jupyter.widget-state+json" in page


def test_chapters_have_a_binder_launch_button(built_book):
    for page in chapter_pages(built_book):
        assert "mybinder.org/v2/gh/" in page.read_text(encoding="utf-8"), page.name


def test_a_stored_error_output_fails_the_build(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(ROOT / "_ext", book / "_ext")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    (book / "_config.yml").write_text(
        re.sub(r"html_static_path: .*", "html_static_path: []", config)
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: broken\n")
    (book / "intro.md").write_text("# Intro\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    notebook.cells[0].execution_count = 1
    notebook.cells[0].outputs = [
        nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
        )
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (book / "broken.ipynb").write_text(json.dumps(notebook))
    result = build(book, tmp_path / "out")
    assert result.returncode != 0
    assert "stored an error (ZeroDivisionError" in result.stdout + result.stderr
