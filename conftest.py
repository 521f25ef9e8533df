"""Shared test set-up: the Agg backend, a per-chapter execution-time report for nbval runs, and
the way ``pytest -n 2`` shares the tests out between its workers."""

import os
import shutil
import subprocess
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


BOOK_TESTS = "tests/book/"  # every test there needs the one session-scoped book build


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under ``pytest -n N``: each test file to one worker, and the built book's tests together.

    A chapter's cells share one kernel, so a notebook must stay on one worker (as xdist's
    ``loadfile``); the tests in ``tests/book/`` share one build, so they go to one worker too.
    (``--dist loadgroup`` would do the same from markers, but xdist 3.8 cannot rename the test
    ids of pytest 9.)
    """
    from xdist.scheduler import LoadFileScheduling

    class ChapterScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return BOOK_TESTS if path.startswith(BOOK_TESTS) else path

    return ChapterScheduling(config, log)


def pytest_runtest_logreport(report):
    """Add a cell's run time to its chapter's (xdist's controller gets the workers' reports)."""
    path = report.nodeid.split("::", 1)[0]
    if report.when == "call" and path.endswith(".ipynb"):
        _chapter_seconds[Path(path).name] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _chapter_seconds:
        return
    terminalreporter.section("chapter execution time (nbval)")
    for name, seconds in sorted(_chapter_seconds.items()):
        terminalreporter.write_line(f"{name:40s} {seconds:7.1f} s")
    terminalreporter.write_line(f"{'all chapters':40s} {sum(_chapter_seconds.values()):7.1f} s")


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
