"""Shared test set-up: the Agg backend, and a per-chapter execution-time report for nbval runs."""

import os
import shutil
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
# The chapters nbval runs store no progress bars: see lstmbook/progress.py.
os.environ["LSTMBOOK_NO_PROGRESS"] = "1"

ROOT = Path(__file__).resolve().parent
JUPYTER_BOOK = shutil.which("jupyter-book") or str(ROOT / ".venv/bin/jupyter-book")
_chapter_seconds: dict[str, float] = defaultdict(float)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    start = time.perf_counter()
    yield
    if item.path.suffix == ".ipynb":
        _chapter_seconds[item.path.name] += time.perf_counter() - start


def pytest_terminal_summary(terminalreporter):
    if not _chapter_seconds:
        return
    terminalreporter.section("chapter execution time (nbval)")
    for name, seconds in sorted(_chapter_seconds.items()):
        terminalreporter.write_line(f"{name:40s} {seconds:7.1f} s")


def build(source: Path, output: Path) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of ``source`` into ``output``, warnings as errors."""
    command = [JUPYTER_BOOK, "build", str(source), "--path-output", str(output)]
    command += ["--warningiserror", "--nitpick", "--keep-going"]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The whole book, built into a temporary folder (a reader's _build is left alone)."""
    if not (ROOT / "_vendor/static/.done").exists():
        pytest.fail("the vendored JavaScript is missing: run `make test`, which fetches it")
    output = tmp_path_factory.mktemp("book")
    result = build(ROOT, output)
    assert result.returncode == 0, (
        f"build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return output / "_build" / "html"
