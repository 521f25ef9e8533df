"""Every page of the built book renders clean in Chromium (tests/page_check.py).

Screenshots of every page go to test-artifacts/pages/.
"""

import os

import pytest

from tests import page_check

pytestmark = pytest.mark.build

if page_check.CHROMIUM is None:
    reason = "Chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def test_the_book_has_its_pages(built_book):
    names = [path.stem for path in page_check.pages(built_book)]
    assert {"intro", "glossary", "01_gates"} <= set(names), names


def test_every_page_renders_clean(built_book):
    problems = page_check.check(built_book, page_check.SCREENSHOTS)
    lines = [f"{page}: {kind}: {text[:110]}" for page, kind, text in problems]
    if problems:
        pytest.fail(f"{len(problems)} problems on the pages:\n" + "\n".join(lines), pytrace=False)
