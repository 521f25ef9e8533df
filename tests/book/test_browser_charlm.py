"""Headless Chromium opens the built chapter 7 from file:// with no network and moves the
temperature slider and the unit selector: the text shown must change, with no kernel.

A screenshot of each explorer after it moved is saved to test-artifacts/.
"""

import os
from pathlib import Path

import pytest

from tests.page_check import CHROMIUM, open_offline

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.build

if CHROMIUM is None:  # as in tests/test_browser.py
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed", pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

# For each explorer (a VBox with a slider): the HTML of the frames a reader can see (the unit
# frames hold one passage, so only their colours differ).
VISIBLE_TEXT = """() => Array.from(document.querySelectorAll('.widget-vbox'))
    .filter(box => box.querySelector('.widget-slider'))
    .map(box => Array.from(box.querySelectorAll('.widget-html'))
        .filter(el => el.offsetParent !== null).map(el => el.innerHTML))"""
TEXT_CHANGED = f"""([index, before]) =>
    JSON.stringify(({VISIBLE_TEXT})()[index]) !== JSON.stringify(before)"""


@pytest.fixture(scope="module")
def chapter_seven(built_book):
    with open_offline(built_book / "chapters/07_char_language_model.html") as (page, requests):
        page.wait_for_selector(".widget-slider", timeout=60_000)
        page.wait_for_function("document.querySelectorAll('.widget-vbox .widget-html').length")
        yield page, requests


def test_only_local_files_are_requested(chapter_seven):
    _, requests = chapter_seven
    remote = [url for url in requests if not url.startswith(("file://", "data:", "blob:"))]
    assert remote == []


def test_the_temperature_slider_and_the_unit_selector_change_the_text(chapter_seven):
    page, _ = chapter_seven
    ARTIFACTS.mkdir(exist_ok=True)
    frames = page.evaluate(VISIBLE_TEXT)
    assert len(frames) == 2, frames  # samples by temperature, passage by unit
    assert all(len(visible) == 1 and visible[0].strip() for visible in frames), frames
    explorers = page.locator(".widget-vbox").filter(has=page.locator(".widget-slider"))
    for index, name in enumerate(("temperature", "unit")):
        explorer = explorers.nth(index)
        explorer.scroll_into_view_if_needed()
        assert name in explorer.locator(".widget-label").first.inner_text()
        before = page.evaluate(VISIBLE_TEXT)[index]
        target = explorer.locator(".noUi-target").first
        track, handle = target.bounding_box(), target.locator(".noUi-handle").bounding_box()
        fraction = 0.05 if handle["x"] - track["x"] > track["width"] / 2 else 0.95
        page.mouse.click(track["x"] + fraction * track["width"], track["y"] + track["height"] / 2)
        page.wait_for_function(TEXT_CHANGED, arg=[index, before], timeout=10_000)
        after = page.evaluate(VISIBLE_TEXT)[index]
        assert len(after) == 1 and after != before
        explorer.screenshot(path=str(ARTIFACTS / f"chapter7-{name}.png"))
