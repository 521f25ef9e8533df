"""Every page of the built book, opened offline in Chromium as a reader sees it, checked.

Each page (found in the built folder) is opened from file:// with the network off in a
1280 x 1000 window; once MathJax has typeset and the widgets have rendered, it reports

- a code block, output, table or display equation wider than its column (a reader would
  have to scroll sideways), or reaching past the article column;
- a literal ``$`` in the prose, and any MathJax error;
- an output showing a progress-bar rate (it/s), a wall time, a stub result (``Not yet``,
  ``NotImplementedError``, a bare ``False`` or ``True``) or an ``object at 0x`` repr; the word
  nbval anywhere on the page; a script error or a request for anything not local.

A full-page screenshot of each page goes to test-artifacts/pages/<page>.png.

    python tests/page_check.py _build/html   # a line per problem, a count per page; exit 1 if any
"""

import re
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "pages"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOT_PAGES = {"genindex.html", "search.html"}

# True once every widget view has rendered and every image has loaded.
RENDERED = """() => {
    const views = 'script[type="application/vnd.jupyter.widget-view+json"]';
    return document.querySelectorAll('.widget-subarea > *').length
            >= document.querySelectorAll(views).length
        && Array.from(document.images).every(img => img.complete);
}"""
# Resolves once the fonts have loaded and MathJax has typeset the page (widget labels too).
TYPESET = """async () => {
    await document.fonts.ready;
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
        await MathJax.typesetPromise();
    }
}"""

# The problems a reader sees on the page, as [kind, text] pairs.
PROBLEMS = r"""() => {
    const problems = [];
    const article = document.querySelector('article.bd-article') || document.body;
    const column = article.getBoundingClientRect();
    const text = el => {
        const items = window.MathJax && MathJax.startup && MathJax.startup.document
            && MathJax.startup.document.getMathItemsWithin(el);
        // textContent too: a cell folded away (hide-input) has no innerText until opened
        return (items && items.length ? items[0].math : el.innerText || el.textContent).trim();
    };
    const blocks = [
        ['wide code', 'div.cell_input pre, div.highlight pre'],
        ['wide output', 'div.cell_output pre'],
        ['wide table', 'article table'],
        ['wide equation', 'mjx-container[display="true"]'],
    ];
    const seen = new Set();
    for (const [kind, selector] of blocks) {
        for (const el of article.querySelectorAll(selector)) {
            if (seen.has(el) || !el.getClientRects().length) continue;
            seen.add(el);
            const box = el.getBoundingClientRect();
            const content = el.firstElementChild && kind === 'wide equation'
                ? el.firstElementChild.getBoundingClientRect().right : box.right;
            const over = Math.max(el.scrollWidth - el.clientWidth, content - column.right);
            if (over > 1) {
                const where = el.closest('div.cell_output') ? 'wide output' : kind;
                problems.push([where, `${Math.round(over)} px too wide: ${text(el)}`]);
            }
        }
    }
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    const notProse = 'pre, code, mjx-container, script, style, textarea, .math';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf('$');
        if (at >= 0 && !node.parentElement.closest(notProse)) {
            problems.push(['literal $', node.data.slice(Math.max(0, at - 40), at + 40)]);
        }
    }
    for (const el of document.querySelectorAll('mjx-merror')) {
        problems.push(['math error', el.getAttribute('data-mjx-error') || el.textContent]);
    }
    const junk = [
        ['progress bar', /\d\s*(it\/s|s\/it)\b/],
        ['wall time', /wall time/i],
        ['stub result', /Not yet|NotImplementedError|^\s*(False|True)\s*$/],
        ['object repr', /object at 0x|^\s*[A-Z]\w*\(\w+=/],  // Budget(hidden_size=16, ...)
    ];
    for (const el of article.querySelectorAll('div.cell_output > *')) {
        const pre = el.querySelector('pre');  // not the copy button's "Copy to clipboard"
        const output = pre ? pre.textContent : el.innerText || el.textContent;
        for (const [kind, pattern] of junk) {
            if (pattern.test(output)) problems.push([kind, output.trim().slice(0, 80)]);
        }
    }
    const nbval = document.body.innerText.match(/.{0,40}nbval.{0,40}/i);
    if (nbval) problems.push(['nbval', nbval[0]]);
    return problems;
}"""


class Problem(NamedTuple):
    page: str
    kind: str
    text: str


def pages(html: Path) -> list[Path]:
    """The book's pages: every HTML file but the index, search and redirect pages."""
    found = []
    for path in sorted(html.rglob("*.html")):
        inside = path.relative_to(html)
        if inside.parts[0].startswith(("_", ".")) or inside.name in NOT_PAGES:
            continue
        if 'http-equiv="Refresh"' in path.read_text(encoding="utf-8")[:2000]:
            continue  # index.html, a redirect to the root page
        found.append(path)
    return found


LOCAL = re.compile(r"^(file|data|blob|about):")


def check_page(context, path: Path, screenshots: Path) -> list[Problem]:
    """Open one page in ``context``, wait until it has rendered, screenshot it, list problems."""
    name, seen = path.stem, []
    page = context.new_page()
    page.on("pageerror", lambda error: seen.append(("script error", str(error))))
    page.on("request", lambda r: LOCAL.match(r.url) or seen.append(("remote request", r.url)))
    page.goto(path.as_uri(), wait_until="load")
    try:
        page.wait_for_function(RENDERED, timeout=60_000)
    except PlaywrightTimeout:
        seen.append(("not rendered", "widgets or images still missing after 60 s"))
    page.evaluate(TYPESET)
    seen += page.evaluate(PROBLEMS)
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    page.close()
    return [Problem(name, kind, " ".join(text.split())) for kind, text in seen]


def check(html: Path, screenshots: Path = SCREENSHOTS) -> list[Problem]:
    """Open every page of the built book at ``html`` and return what a reader would see wrong."""
    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 1000})
        problems = [
            problem for path in pages(html) for problem in check_page(context, path, screenshots)
        ]
        browser.close()
    return problems


def main(html: str) -> int:
    problems = check(Path(html))
    for page, kind, text in problems:
        print(f"{page}: {kind}: {text[:110]}")
    for path in pages(Path(html)):
        print(f"{path.stem}: {sum(p.page == path.stem for p in problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))


def open_offline(path: Path):
    """A context manager: ``path`` opened from file:// in headless Chromium with the network
    off, in a 1280 x 1000 window; yields ``(page, requests)``, every URL the page asked for
    (and any script error, as ``"page error: ..."``)."""
    from contextlib import contextmanager

    @contextmanager
    def opened():
        requests: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: requests.append(f"page error: {error}"))
            page.goto(path.as_uri())
            yield page, requests
            browser.close()

    return opened()
