"""Headless Chromium opens the built chapter 1 from file:// with no network and moves its sliders.

A screenshot of the page after the sliders moved is saved to test-artifacts/.
"""

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.page_check import CHROMIUM, open_offline

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.build

if CHROMIUM is None:
    # CI installs Chromium (.ci/run); on a laptop without it, say how to get it.
    reason = "Chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)

# For each explorer on the page (a VBox with sliders): the src of every image a reader can see.
VISIBLE_FRAMES = """() => Array.from(document.querySelectorAll('.widget-vbox'))
    .filter(box => box.querySelector('.widget-slider'))
    .map(box => Array.from(box.querySelectorAll('img'))
        .filter(img => img.offsetParent !== null).map(img => img.src))"""
FRAMES_CHANGED = f"""([index, before]) =>
    JSON.stringify(({VISIBLE_FRAMES})()[index]) !== JSON.stringify(before)"""


@pytest.fixture(scope="module")
def chapter_one(built_book):
    with open_offline(built_book / "chapters/01_gates.html") as (page, requests):
        page.wait_for_selector(".widget-slider", timeout=60_000)
        page.wait_for_function("document.querySelectorAll('.widget-vbox img').length > 0")
        page.evaluate("MathJax.startup.promise")
        yield page, requests


def test_only_local_files_are_requested(chapter_one):
    _, requests = chapter_one
    remote = [url for url in requests if not url.startswith(("file://", "data:", "blob:"))]
    assert remote == []


def test_widgets_render_one_visible_frame_per_explorer(chapter_one):
    page, _ = chapter_one
    frames = page.evaluate(VISIBLE_FRAMES)
    # the gradient, gate, memory and cell explorers, and the cell stepper
    assert len(frames) == 5, frames
    assert all(len(visible) == 1 for visible in frames), frames
    # gradient: RNN scale, LSTM forget bias; gate: weight, bias, input; stepper: step;
    # memory: forget, input; cell: input, previous h
    assert page.locator(".widget-slider").count() == 10
    assert page.locator("mjx-container").count() > 5  # MathJax typeset the equations


def test_moving_a_kernel_less_slider_changes_the_figure(chapter_one):
    page, _ = chapter_one
    ARTIFACTS.mkdir(exist_ok=True)
    explorers = page.locator(".widget-vbox").filter(has=page.locator(".widget-slider"))
    for index in range(explorers.count()):
        explorer = explorers.nth(index)
        explorer.scroll_into_view_if_needed()
        before = page.evaluate(VISIBLE_FRAMES)[index]
        for slider in range(explorer.locator(".noUi-target").count()):
            target = explorer.locator(".noUi-target").nth(slider)
            track, handle = target.bounding_box(), target.locator(".noUi-handle").bounding_box()
            # click the far end of the track from where the handle is
            handle_on_right = handle["x"] - track["x"] > track["width"] / 2
            fraction = 0.05 if handle_on_right else 0.95
            page.mouse.click(
                track["x"] + fraction * track["width"], track["y"] + track["height"] / 2
            )
            # the figure changes as the slider's value does, not after a fixed time
            page.wait_for_function(FRAMES_CHANGED, arg=[index, before], timeout=10_000)
            after = page.evaluate(VISIBLE_FRAMES)[index]
            assert len(after) == 1, (index, slider)
            before = after
        explorer.screenshot(path=str(ARTIFACTS / f"chapter1-explorer{index + 1}.png"))
    page.screenshot(path=str(ARTIFACTS / "chapter1.png"))


def test_the_cell_stepper_shows_each_path_in_turn(chapter_one):
    page, _ = chapter_one
    explorers = page.locator(".widget-vbox").filter(has=page.locator(".widget-slider"))
    labels = [explorers.nth(k).locator(".widget-label").first.inner_text() for k in range(5)]
    index = labels.index("step")
    stepper = explorers.nth(index)
    stepper.scroll_into_view_if_needed()
    readout = stepper.locator(".widget-readout")
    track = stepper.locator(".noUi-target").bounding_box()
    # back to the first step (an earlier test may have moved it), then one step at a time
    page.mouse.click(track["x"] + 2, track["y"] + track["height"] / 2)
    expect(readout).to_have_text("1: forget")
    seen = [page.evaluate(VISIBLE_FRAMES)[index]]
    for step in ("2: input", "3: update", "4: output"):
        stepper.locator(".noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        expect(readout).to_have_text(step)
        page.wait_for_function(FRAMES_CHANGED, arg=[index, seen[-1]], timeout=10_000)
        seen.append(page.evaluate(VISIBLE_FRAMES)[index])
    assert len({json.dumps(frame) for frame in seen}) == 4
    stepper.screenshot(path=str(ARTIFACTS / "chapter1-stepper.png"))
