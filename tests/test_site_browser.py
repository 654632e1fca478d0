"""The static site in a real browser (Debian's Chromium, headless, through Playwright), served by a
plain static file server on loopback: the search box works with no server code, pages render on a
phone, are usable from the keyboard, readable, and a hostile answer never runs.

Built with the real embedding model, so related questions are chosen on meaning: the seed page's
back-pain questions never link to coffee in pregnancy or a tax deadline.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.html
import pytest

from oftenasked.publish import build_site
from oftenasked.publish.manifest import load
from oftenasked.retrieve.embed import default_embedder

from .conftest import SEED
from .conftest_browser import needs_chromium
from .site_helpers import BASE, crawl, make_kb
from .test_web import png_is_not_blank

pytestmark = [
    pytest.mark.slow,
    needs_chromium,
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # the test output stays readable
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("site")
    kb = make_kb(folder / "kb.sqlite", embedder=default_embedder(), extra=[SEED])
    out = folder / "out"
    report = build_site(kb, out, base_url=BASE, title="Help centre", search=True)
    assert report.searchable and (out / "pagefind" / "pagefind.js").is_file()
    where = {i: p for p, e in load(out).files.items() for i in e.pairs}
    kb.close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", out, where
    server.shutdown()
    server.server_close()


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.dialogs = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    yield page
    context.close()


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_back_pain_page_on_a_phone(site, phone, tmp_path: Path) -> None:
    url, out, where = site
    p = phone
    path = "q/how-do-i-prevent-lower-back-pain-when-running.html"
    assert path in where.values()
    p.goto(url + path)  # type: ignore[attr-defined]
    assert p.locator("h1").text_content() == "How do I prevent lower back pain when running?"  # type: ignore[attr-defined]
    assert p.locator("article section.answer ol li").count() == 3  # the numbered steps stay steps  # type: ignore[attr-defined]
    shot = p.screenshot(full_page=True)  # type: ignore[attr-defined]
    (tmp_path / "back-pain-phone.png").write_bytes(shot)
    assert png_is_not_blank(shot)
    # Readable on a phone: nothing wider than the screen, text at a readable size.
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # type: ignore[attr-defined]
    assert p.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16  # type: ignore[attr-defined]
    # Contrast (WCAG AA, 4.5:1) of every kind of text on the page, against the white page.
    for selector in ("main p", "h1", "h2", "a", ".source", "summary", ".crumbs", "footer p", "form.search label"):
        color = p.evaluate(f"getComputedStyle(document.querySelector({selector!r})).color")  # type: ignore[attr-defined]
        assert contrast(color, "rgb(255, 255, 255)") >= 4.5, (selector, color)
    # Related questions: on the subject, expanding in place, with their own page linked.
    related = p.locator("section.related summary")  # type: ignore[attr-defined]
    questions = related.all_text_contents()
    assert 1 <= len(questions) <= 5
    assert all("back" in q.lower() or "run" in q.lower() or "squat" in q.lower() for q in questions), questions
    off_topic = {where["coffee"], where["tax"], where["pw-reset"]}
    hrefs = p.locator("section.related p.more a").evaluate_all("links => links.map(a => a.href)")  # type: ignore[attr-defined]
    assert not any(h.endswith(tuple(off_topic)) for h in hrefs)


def test_keyboard_use(site, phone) -> None:
    url, _, where = site
    p = phone
    p.goto(url + where["pw-reset"])  # type: ignore[attr-defined]
    p.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert p.evaluate("document.activeElement.className") == "skip"  # type: ignore[attr-defined]
    assert p.evaluate("getComputedStyle(document.activeElement).left") != "-999px"  # visible when focused  # type: ignore[attr-defined]
    p.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert p.evaluate("location.hash") == "#main"  # type: ignore[attr-defined]
    # The first related question opens from the keyboard.
    summary = p.locator("section.related summary").first  # type: ignore[attr-defined]
    summary.focus()
    p.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert p.locator("section.related details").first.get_attribute("open") is not None  # type: ignore[attr-defined]
    outline = p.evaluate("getComputedStyle(document.activeElement).outlineStyle")  # type: ignore[attr-defined]
    assert outline != "none"  # focus is visible


def test_search_box_finds_a_page_without_a_server(site, phone) -> None:
    url, _, where = site
    p = phone
    p.goto(url + "index.html")  # type: ignore[attr-defined]
    box = p.get_by_label("Search the questions")  # type: ignore[attr-defined]
    box.fill("strengthen lower back")
    box.press("Enter")
    p.wait_for_url("**/search.html?q=*")  # type: ignore[attr-defined]
    first = p.locator("#search-results li a").first  # type: ignore[attr-defined]
    first.wait_for()
    assert first.get_attribute("href").endswith("q/how-do-you-strengthen-your-lower-back-for-running.html")
    assert "found" in p.locator("#search-status").text_content()  # type: ignore[attr-defined]
    assert p.locator("#search-results mark").count() >= 1  # type: ignore[attr-defined]
    first.click()
    assert p.locator("h1").text_content() == "How do you strengthen your lower back for running?"  # type: ignore[attr-defined]
    # A search from the search page itself, and one that finds nothing, say so.
    p.goto(url + "search.html")  # type: ignore[attr-defined]
    p.get_by_label("Your question").fill("zzqxv")  # type: ignore[attr-defined]
    p.get_by_label("Your question").press("Enter")  # type: ignore[attr-defined]
    p.locator("#search-status", has_text="No page found").wait_for()  # type: ignore[attr-defined]
    assert p.errors == []  # type: ignore[attr-defined]


def test_hostile_answer_never_runs(site, phone) -> None:
    url, out, where = site
    p = phone
    p.goto(url + where["hostile"])  # type: ignore[attr-defined]
    assert "<script>window.__pwned = 1</script>" in p.locator("h1").text_content()  # shown as text  # type: ignore[attr-defined]
    p.goto(url + "search.html?q=widget")  # type: ignore[attr-defined]
    p.locator("#search-results li").first.wait_for()  # type: ignore[attr-defined]
    p.locator("#search-results li a").first.click()  # type: ignore[attr-defined]
    p.wait_for_load_state()  # type: ignore[attr-defined]
    assert p.evaluate("window.__pwned") is None  # type: ignore[attr-defined]
    assert p.dialogs == []  # type: ignore[attr-defined]
    # And every internal link of the built site (search bundle beside it) resolves.
    _, broken = crawl(out)
    assert broken == []
    assert lxml.html.fromstring((out / "search.html").read_bytes()).xpath("//script/@src") == ["search.js"]


def test_axe_finds_no_accessibility_violations(site, phone) -> None:
    """axe-core (Deque's accessibility engine), WCAG 2.1 A and AA rules, on each kind of page."""
    from axe_playwright_python.sync_playwright import Axe

    url, _, where = site
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}
    for path in ("index.html", where["pw-reset"], "q/how-do-i-prevent-lower-back-pain-when-running.html",
                 "search.html?q=password"):
        phone.goto(url + path)  # type: ignore[attr-defined]
        if path.startswith("search"):
            phone.locator("#search-results li").first.wait_for()  # type: ignore[attr-defined]
        phone.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")  # type: ignore[attr-defined]
        results = axe.run(phone, options=options)
        violations = [(v["id"], v["help"], [n["html"][:80] for n in v["nodes"][:2]]) for v in results.response["violations"]]
        assert violations == [], (path, violations)
