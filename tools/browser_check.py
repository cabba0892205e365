"""Open the built book in a real browser and measure what a reader would see.

Usage: ``python -m tools.browser_check [HTML_DIR] [--screenshots DIR]`` prints, for
every page of both editions, the counts the browser test asserts on (``make screenshots``
also writes a screenshot of every page, at desktop and phone width). The test suite
(``tests/test_browser.py``) uses the same functions on the book it has just built.

The browser is Debian's Chromium (``/usr/bin/chromium``) driven by Playwright; Playwright
cannot download a browser of its own on the project's machines. Pages are served over
HTTP on the loopback interface, as a reader's browser would fetch them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.bookcheck import ROOT, toc_files
from tools.translation import EDITION_PATH

#: The browser: Debian's Chromium, or another build named by ``EMBEDLAB_CHROMIUM``.
CHROMIUM = Path(os.environ.get("EMBEDLAB_CHROMIUM", "/usr/bin/chromium"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: A figure shown below this fraction of the width it was drawn for has unreadable text.
MIN_FIGURE_SCALE = 0.8

# Runs in the page once MathJax has typeset it: what a reader would find wrong.
MEASURE = """() => {
  const main = document.querySelector("main");
  const wide = [...main.querySelectorAll("pre")]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => el.textContent.trim().split("\\n")[0].slice(0, 60));
  const figures = [...main.querySelectorAll("article img")].filter(img => img.offsetParent).map(img => {
    const intended = parseFloat(img.getAttribute("width")) || img.naturalWidth;
    return {src: img.getAttribute("src"), scale: img.getBoundingClientRect().width / intended};
  });
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("pre, code, script, style, mjx-container")) continue;
    if (/\\\\\\(|\\\\\\[|\\$\\$/.test(node.textContent)) rawTex.push(node.textContent.slice(0, 60));
  }
  return {wide, figures, rawTex};
}"""


@dataclass
class PageReport:
    """What the browser found on one page."""

    page: str
    wide_blocks: list[str] = field(default_factory=list)
    shrunk_figures: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    phone_overflow_px: int = 0

    def counts(self) -> dict[str, int]:
        """The number of each kind of problem, for a table."""
        return {"wide blocks": len(self.wide_blocks), "shrunk figures": len(self.shrunk_figures),
                "raw TeX": len(self.raw_tex), "console errors": len(self.console_errors),
                "phone overflow px": self.phone_overflow_px}


def book_pages(toc: Path = ROOT / "_toc.yml", edition: str = "") -> list[str]:
    """The HTML page of every entry of the table of contents, in book order.

    ``edition`` is the folder of an edition other than the English one, such as ``ko``.
    """
    return [in_edition(f"{entry.removesuffix('.md').removesuffix('.ipynb')}.html", edition)
            for entry in toc_files(toc)]


def in_edition(page: str, edition: str = "") -> str:
    """The path of ``page`` in ``edition``'s folder (``""``: the English edition, at the root)."""
    return f"{edition}/{page}" if edition else page


@contextlib.contextmanager
def serve(html: Path) -> Iterator[str]:
    """Serve the folder ``html`` on a free loopback port; yield its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            """Keep the test log free of one line per request."""

    handler = functools.partial(Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium, Debian's build, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()


#: The widths every page is seen at.
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def tabs(chromium) -> dict[str, object]:
    """One tab at desktop width and one at phone width (see :func:`tab`)."""
    return {label: tab(chromium, viewport) for label, viewport in VIEWPORTS.items()}


def tab(chromium, viewport: dict[str, int]):
    """A tab of its own context at ``viewport``, which records console errors."""
    page = chromium.new_context(viewport=viewport).new_page()
    page.embedlab_errors = errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.extend(failed_request(request)))
    page.on("response", lambda response:
            errors.append(f"{response.status}: {response.url}") if response.status >= 400 else None)
    return page


def failed_request(request) -> list[str]:
    """What a failed request of a tab says is wrong: nothing when a navigation cancelled it.

    Chromium fetches a page's favicon after its load event, so going on to the next page
    often cancels that request (``net::ERR_ABORTED``), in about one page load in eight.
    That is no fault of either page; a file that is missing still shows as its 4xx
    response, and a server that does not answer as another failure.
    """
    if request.failure == "net::ERR_ABORTED":
        return []
    return [f"request failed: {request.url} ({request.failure})"]


def load(page, url: str) -> None:
    """Go to ``url`` and wait until it has loaded and MathJax has typeset it."""
    page.goto(url, wait_until="load")
    page.evaluate("async () => { if (window.MathJax?.startup?.promise) await MathJax.startup.promise; }")


def measure(pages: dict[str, object], base: str, page_name: str) -> PageReport:
    """Open one page at desktop and at phone width and report what is wrong on it.

    ``pages`` holds one browser tab per viewport (see :func:`tabs`), reused from page
    to page.
    """
    report = measure_desktop(pages["desktop"], base, page_name)
    report.phone_overflow_px = phone_overflow(pages["phone"], base, page_name)
    return report


def measure_desktop(desktop, base: str, page_name: str) -> PageReport:
    """What is wrong on one page at desktop width, in the tab ``desktop`` (see :func:`tab`)."""
    report = PageReport(page_name)
    errors = desktop.embedlab_errors
    errors.clear()
    load(desktop, base + page_name)
    found = desktop.evaluate(MEASURE)
    report.console_errors = list(errors)
    report.wide_blocks = found["wide"]
    report.shrunk_figures = [f"{f['src']} at {f['scale']:.2f}x" for f in found["figures"]
                             if f["scale"] < MIN_FIGURE_SCALE]
    report.raw_tex = found["rawTex"]
    return report


def phone_overflow(phone, base: str, page_name: str) -> int:
    """How far one page scrolls sideways, in pixels, in the phone-width tab ``phone``."""
    load(phone, base + page_name)
    return max(0, phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def search_results(page, base: str, query: str, edition: str = "") -> list[str]:
    """The pages an edition's own search lists for ``query``, relative to the edition."""
    load(page, base + in_edition(f"search.html?q={query}", edition))
    # Sphinx adds the summary paragraph empty, lists the results one by one, and writes
    # the summary's text only when the last is listed: reading earlier reads a part.
    page.wait_for_function(
        "() => document.querySelector('#search-results p.search-summary')?.textContent"
    )
    return page.evaluate(
        "() => [...document.querySelectorAll('#search-results ul.search > li > a')]"
        ".map(a => a.getAttribute('href').split(/[?#]/)[0])"
    )


def hangul_fonts(page, base: str, page_name: str) -> list[str]:
    """The fonts Chromium draws the first Hangul paragraph of a page with, by name."""
    load(page, base + page_name)
    found = page.evaluate(
        "() => { const p = [...document.querySelectorAll('main p')]"
        ".find(p => /[\\uac00-\\ud7a3]/.test(p.textContent));"
        " if (p) p.dataset.hangul = 'yes'; return Boolean(p); }"
    )
    if not found:
        return []
    session = page.context.new_cdp_session(page)
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": "[data-hangul]"})
    session.send("CSS.enable")
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    session.detach()
    return [font["familyName"] for font in fonts if font["glyphCount"] > 0]


def switched_page(page, base: str, page_name: str) -> str:
    """Where the language switch of ``page_name`` leads, relative to the site's root."""
    load(page, base + page_name)
    page.locator("a.edition-switch").first.click()
    page.wait_for_load_state("load")
    return page.url.removeprefix(base)


def theme_after_switch(page, base: str, page_name: str) -> tuple[str, str]:
    """The page's theme before and after one click on the dark-mode switch."""
    load(page, base + page_name)
    before = page.evaluate("() => document.documentElement.dataset.theme")
    page.locator("button.theme-switch-button").first.click()
    after = page.evaluate("() => document.documentElement.dataset.theme")
    return before, after


def screenshots(pages: dict[str, object], base: str, names: list[str], folder: Path) -> list[Path]:
    """Write a full-page screenshot of every page, at desktop and at phone width."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        for label, page in pages.items():
            load(page, base + name)
            path = folder / f"{name.replace('/', '_').removesuffix('.html')}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
    return written


#: What the browser test searches for, in each edition: an identifier, and two Korean
#: words that the text mostly carries with a particle attached ("임베딩은", "패딩을").
QUERIES = {"": ["padding_idx"], EDITION_PATH: ["임베딩", "패딩"]}


def look_at_book(html: Path, pages: list[str] | None = None) -> dict:
    """Open every page of both built editions at ``html``; what the browser test asserts on.

    Returns a dictionary: ``reports``, each page's :class:`PageReport` (the Korean
    pages under ``ko/``); ``search``, the pages each query of :data:`QUERIES` finds in
    its edition; ``hangul_fonts``, the fonts of a Korean paragraph; ``switch``, where
    the language switch leads from the first page of each edition; and ``theme``, the
    theme before and after one click on the dark-mode switch.
    """
    pages = pages or book_pages()
    korean = [in_edition(page, EDITION_PATH) for page in pages]
    every = pages + korean
    # The phone-width pass has a browser of its own, in a thread of its own: Chromium
    # then lays out two pages at once, on both cores where the machine has them.
    with serve(html) as base, ThreadPoolExecutor(max_workers=1) as pool:
        phone = pool.submit(_phone_overflows, base, every)
        with browser() as chromium:
            desktop = tab(chromium, DESKTOP)
            seen = {
                "reports": {page: measure_desktop(desktop, base, page) for page in every},
                "search": {query: search_results(desktop, base, query, edition)
                           for edition, queries in QUERIES.items() for query in queries},
                "hangul_fonts": hangul_fonts(desktop, base, korean[0]),
                "switch": {page: switched_page(desktop, base, page) for page in (pages[0], korean[0])},
                "theme": theme_after_switch(desktop, base, pages[0]),
            }
        for page, overflow in phone.result().items():
            seen["reports"][page].phone_overflow_px = overflow
    return seen


def _phone_overflows(base: str, pages: list[str]) -> dict[str, int]:
    with browser() as chromium:
        phone = tab(chromium, PHONE)
        return {page: phone_overflow(phone, base, page) for page in pages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--screenshots", type=Path, default=None, help="write screenshots here")
    parser.add_argument("--json", type=Path, default=None, help="write the reports as JSON here")
    args = parser.parse_args(argv)
    if not (args.html / "book").is_dir():
        parser.error(f"{args.html} holds no built book: run make book first")
    if not CHROMIUM.is_file():
        parser.error(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    pages = book_pages()
    seen = look_at_book(args.html, pages)
    reports = list(seen["reports"].values())
    if args.screenshots is not None:
        with serve(args.html) as base, browser() as chromium:
            written = screenshots(tabs(chromium), base, list(seen["reports"]), args.screenshots)
        print(f"wrote {len(written)} screenshots to {args.screenshots}")
    names = list(reports[0].counts())
    print(f"{'page':<32}" + "".join(f"{name:>19}" for name in names))
    for report in reports:
        print(f"{report.page:<32}" + "".join(f"{value:>19}" for value in report.counts().values()))
    for query, found in seen["search"].items():
        print(f"search for {query}: {len(found)} results")
    print(f"Hangul drawn in: {', '.join(seen['hangul_fonts']) or 'no font'}")
    for page, landed in seen["switch"].items():
        print(f"language switch of {page} leads to {landed}")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
