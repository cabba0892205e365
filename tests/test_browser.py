"""The built book as a reader sees it: every page opened in headless Chromium.

On every page: no code block or output is wider than its column, no figure is shown
below 80% of the size it was drawn for, no formula is left as raw TeX, the console has
no errors, and at a phone's width the page itself does not scroll sideways; in both
editions. The search finds ``padding_idx``, the Korean search finds Korean words that
the text carries with particles attached, Hangul is drawn in a CJK font, the language
switch leads to the same page in the other edition, and the dark-mode switch changes the
theme. A synthetic page with one of each problem shows that the checks see them.

Chromium is Debian's (``apt-get install chromium fonts-noto-cjk``; ``.ci/run`` installs
it). Without it these tests are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tools.browser_check import (
    CHROMIUM, QUERIES, book_pages, browser, failed_request, load, measure, serve, tabs,
)
from tools.translation import EDITION_PATH

pytestmark = pytest.mark.slow

PAGES = book_pages()
KOREAN_PAGES = book_pages(edition=EDITION_PATH)
#: Font families that hold Hangul: Noto's CJK fonts, which .ci/run installs, and the
#: Korean system fonts a reader's machine may pick instead.
KOREAN_FONT = re.compile(r"CJK|KR|Korean|Nanum|Malgun|Apple SD Gothic|Gulim|Dotum|Batang")


def chromium_is_there() -> None:
    """Skip without Chromium on a developer's machine; fail in CI, which installs it."""
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def chromium():
    chromium_is_there()
    with browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def seen_in_browser(built_book) -> dict:
    """What the browser found in the built book (the session opened it in the background)."""
    chromium_is_there()
    assert built_book.result.returncode == 0, "the book did not build; see the build test"
    return built_book.seen


@pytest.mark.parametrize("page", PAGES + KOREAN_PAGES)
def test_page_reads_well_in_a_browser(seen_in_browser: dict, page: str) -> None:
    report = seen_in_browser["reports"][page]
    assert report.wide_blocks == [], "code or output wider than the column"
    assert report.shrunk_figures == [], "figures shown below 80% of their drawn size"
    assert report.raw_tex == [], "formulas left as raw TeX"
    assert report.console_errors == [], "errors in the browser console"
    assert report.phone_overflow_px == 0, "the page scrolls sideways at 390 px"


def test_search_finds_padding_idx(seen_in_browser: dict) -> None:
    assert "book/parameters.html" in seen_in_browser["search"]["padding_idx"]


def article_text(path: Path) -> str:
    """The text of a built page's article, without its tags, scripts and styles."""
    html = path.read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    article = re.sub(r"<(script|style)\b.*?</\1>", " ", article, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", article)


def test_korean_search_finds_every_page_that_uses_a_word_even_with_particles(
    built_book, seen_in_browser: dict,
) -> None:
    texts = {page: article_text(built_book.html / page) for page in KOREAN_PAGES}
    only_with_particles = set()
    for query in QUERIES[EDITION_PATH]:
        found = {f"{EDITION_PATH}/{page}" for page in seen_in_browser["search"][query]}
        using = {page for page, text in texts.items() if query in text}
        bare = re.compile(f"(?<![\uac00-\ud7a3]){query}(?![\uac00-\ud7a3])")
        only_with_particles |= {page for page in using if not bare.search(texts[page])}
        assert using and using <= found, f"{query}: not found on {sorted(using - found)}"
    # A page that never has the word bare, only as "패딩을", "패딩이", ...: Sphinx's own
    # splitting would miss it, so finding it shows the particles being stripped.
    assert only_with_particles, "no page uses a query word only with a particle attached"


def test_hangul_is_drawn_in_a_cjk_font(seen_in_browser: dict) -> None:
    fonts = seen_in_browser["hangul_fonts"]
    assert any(KOREAN_FONT.search(font) for font in fonts), f"Hangul drawn in {fonts}"


def test_language_switch_leads_to_the_same_page_in_the_other_edition(seen_in_browser: dict) -> None:
    assert seen_in_browser["switch"] == {
        PAGES[0]: KOREAN_PAGES[0],
        KOREAN_PAGES[0]: PAGES[0],
    }


def test_dark_mode_switch_changes_the_theme(seen_in_browser: dict) -> None:
    before, after = seen_in_browser["theme"]
    assert before != after and {before, after} <= {"light", "dark"}


BROKEN = """<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,">
<script>console.error("broken on purpose")</script></head><body><main><article>
<pre style="width: 200px; overflow: auto">{long_line}</pre>
<img src="figure.svg" width="800" style="width: 400px">
<p>An unrendered formula: \\(x^2\\)</p>
<div style="width: 600px">wider than a phone</div>
</article></main></body></html>"""
FIGURE = '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="100"></svg>'


def test_the_checks_see_each_problem(chromium, tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text(BROKEN.format(long_line="x" * 200), encoding="utf-8")
    (tmp_path / "figure.svg").write_text(FIGURE, encoding="utf-8")
    with serve(tmp_path) as base:
        views = tabs(chromium)
        report = measure(views, base, "broken.html")
        load(views["desktop"], base + "broken.html")
    assert len(report.wide_blocks) == 1
    assert report.shrunk_figures == ["figure.svg at 0.50x"]
    assert report.raw_tex == ["An unrendered formula: \\(x^2\\)"]
    assert report.console_errors == ["broken on purpose"]
    assert report.phone_overflow_px > 0


def test_only_a_request_that_a_navigation_cancelled_is_no_error() -> None:
    # Playwright's words for each, as seen on this book's pages and a closed port.
    url = "http://127.0.0.1:8000/_static/favicon.svg"
    assert failed_request(SimpleNamespace(url=url, failure="net::ERR_ABORTED")) == []
    refused = SimpleNamespace(url=url, failure="net::ERR_CONNECTION_REFUSED")
    assert failed_request(refused) == [f"request failed: {url} (net::ERR_CONNECTION_REFUSED)"]
