"""The web page, end to end in a real browser: Debian's Chromium, headless, driven by Playwright.

Never ``playwright install``: the browser is the system's /usr/bin/chromium (CI installs it).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from .conftest_browser import needs_chromium
from .conftest_server import HOSTILE, TOKEN, Running

STATS_AUTH = {"authorization": f"Bearer {TOKEN}"}  # /stats shows what people asked: token only

pytestmark = needs_chromium


@pytest.fixture
def page(browser: object, server: Running) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield page
    context.close()


def png_is_not_blank(png: bytes) -> bool:
    """True when the screenshot holds more than one flat colour (decoded with zlib, no imaging library)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat = 8, b""
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"IDAT":
            idat += png[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(idat)
    background = max(set(raw[:4096]), key=raw[:4096].count)
    ink = sum(1 for b in raw[::7] if b != background) / len(raw[::7])
    return len(set(raw)) > 32 and ink > 0.01


def test_ask_answer_related_feedback(page: object, server: Running) -> None:
    p = page
    p.goto(server.url + "/")  # type: ignore[attr-defined]
    box = p.get_by_label("Your question")  # type: ignore[attr-defined]
    box.fill("How do I reset my password?")
    box.press("Enter")
    card = p.locator("#answer")  # type: ignore[attr-defined]
    card.wait_for(state="visible")
    assert p.locator("#answer-question").text_content() == "How do I reset my password?"  # type: ignore[attr-defined]
    assert p.locator("#answer-body strong").first.text_content() == "Settings"  # type: ignore[attr-defined]
    assert p.locator("#answer-body ol li").count() == 2  # type: ignore[attr-defined]
    assert p.locator("#answer-confidence").text_content().endswith("%")  # type: ignore[attr-defined]
    assert p.locator("#answer-source").text_content() == "faq.jsonl"  # type: ignore[attr-defined]
    assert "q=How+do+I" in p.url or "q=How%20do%20I" in p.url  # type: ignore[attr-defined]

    # People also ask: expanding one loads its answer in place and adds new questions.
    items = p.locator("#related-list > li")  # type: ignore[attr-defined]
    before = items.count()
    assert before >= 1
    first = items.nth(0).locator("button")
    assert first.get_attribute("aria-expanded") == "false"
    first.focus()
    p.keyboard.press("Enter")  # type: ignore[attr-defined]  (keyboard works, not only the mouse)
    assert first.get_attribute("aria-expanded") == "true"
    panel = p.locator("#" + first.get_attribute("aria-controls"))  # type: ignore[attr-defined]
    panel.wait_for(state="visible")
    assert panel.locator(".answer-body").text_content().strip()
    # (A locator, not wait_for_function: the page's CSP forbids the eval Playwright polls a string with.)
    p.locator("#related-list > li").nth(before).wait_for()  # type: ignore[attr-defined]
    assert before < items.count() <= before + 2
    ids = p.eval_on_selector_all("#related-list button", "bs => bs.map(b => b.textContent)")  # type: ignore[attr-defined]
    assert len(ids) == len(set(ids))
    first.click()
    assert first.get_attribute("aria-expanded") == "false" and panel.is_hidden()

    # Was this helpful? Yes.
    p.get_by_role("button", name="Yes").click()  # type: ignore[attr-defined]
    p.locator("#feedback-thanks").get_by_text("Thank you").wait_for()  # type: ignore[attr-defined]
    assert p.get_by_role("button", name="Yes").is_disabled()  # type: ignore[attr-defined]
    stats = httpx.get(server.url + "/stats", headers=STATS_AUTH).json()
    assert stats["feedback"]["helpful"] == 1 and stats["questions_asked"] >= 1

    assert png_is_not_blank(p.screenshot(full_page=True))  # type: ignore[attr-defined]
    assert p.dialogs == []  # type: ignore[attr-defined]


def test_no_good_answer_offers_did_you_mean(page: object, server: Running) -> None:
    p = page
    p.goto(server.url + "/")  # type: ignore[attr-defined]
    p.get_by_label("Your question").fill("help with my password please")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Ask").click()  # type: ignore[attr-defined]
    p.locator("#no-answer").wait_for(state="visible")  # type: ignore[attr-defined]
    assert p.locator("#answer").is_hidden()  # type: ignore[attr-defined]
    suggestions = p.locator("#suggestions button")  # type: ignore[attr-defined]
    assert suggestions.count() >= 1
    chosen = suggestions.nth(0).text_content()
    suggestions.nth(0).click()
    p.locator("#answer").wait_for(state="visible")  # type: ignore[attr-defined]
    assert p.locator("#answer-question").text_content() == chosen  # type: ignore[attr-defined]


def test_injected_script_never_runs(page: object, server: Running) -> None:
    p = page
    p.goto(server.url + "/?q=" + quote(HOSTILE["question"]))  # type: ignore[attr-defined]
    p.locator("#answer").wait_for(state="visible")  # type: ignore[attr-defined]
    body = p.locator("#answer-body")  # type: ignore[attr-defined]
    assert "<script>window.__pwned = 1</script>" in body.text_content()
    assert body.locator("script, img").count() == 0
    assert p.locator("#answer-body a[href^='javascript']").count() == 0  # type: ignore[attr-defined]
    assert p.locator("#answer-question").text_content() == HOSTILE["question"]  # type: ignore[attr-defined]
    for url in (
        server.url + "/q/" + quote(HOSTILE["question"], safe=""),
        server.url + "/page?format=html&question=" + quote(HOSTILE["question"], safe=""),
    ):
        p.goto(url)  # type: ignore[attr-defined]
        assert "widget safe?" in p.locator("h1").text_content()  # type: ignore[attr-defined]
        assert p.locator("main img").count() == 0  # type: ignore[attr-defined]
        assert p.evaluate("typeof window.__pwned") == "undefined"  # type: ignore[attr-defined]
    p.goto(server.url + "/")  # type: ignore[attr-defined]
    assert p.evaluate("typeof window.__pwned") == "undefined"  # type: ignore[attr-defined]
    assert p.dialogs == []  # type: ignore[attr-defined]


def test_page_works_without_javascript(browser: object, server: Running) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    p = context.new_page()
    p.goto(server.url + "/")
    p.get_by_label("Your question").fill("How do I reset my password?")
    p.get_by_role("button", name="Ask").click()
    p.wait_for_url("**/page?**")
    assert p.locator("h1").text_content() == "Often asked: How do I reset my password?"
    context.close()


def test_not_helpful_then_this_other_answer(page: object, server: Running) -> None:
    p = page
    p.goto(server.url + "/?q=" + quote("How do I reset my password?"))  # type: ignore[attr-defined]
    p.locator("#answer").wait_for(state="visible")  # type: ignore[attr-defined]
    p.get_by_role("button", name="No").click()  # type: ignore[attr-defined]
    choices = p.locator("#better-list button")  # type: ignore[attr-defined]
    choices.first.wait_for(state="visible")
    choices.first.click()
    p.locator("#feedback-thanks").get_by_text("this answer fits").wait_for()  # type: ignore[attr-defined]
    assert p.locator("#better").is_hidden()  # type: ignore[attr-defined]
    feedback = httpx.get(server.url + "/stats", headers=STATS_AUTH).json()["feedback"]
    assert feedback == {"helpful": 0, "not_helpful": 1, "other_answer": 1}


FIRST_PAINT = """() => new Promise((resolve) => {
  const found = performance.getEntriesByName("first-contentful-paint")[0];
  if (found) return resolve(found.startTime);
  new PerformanceObserver((list) => {
    const entry = list.getEntriesByName("first-contentful-paint")[0];
    if (entry) resolve(entry.startTime);
  }).observe({type: "paint", buffered: true});
  setTimeout(() => resolve(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd), 3000);
})"""


def test_first_paint_is_fast(page: object, server: Running) -> None:
    p = page
    p.goto(server.url + "/")  # type: ignore[attr-defined]
    p.wait_for_load_state("load")  # type: ignore[attr-defined]
    # The paint entry can arrive after the load event, or (on a starved CI machine) not at all:
    # then the time the document was ready to paint stands in for it.
    paint = p.evaluate(FIRST_PAINT)  # type: ignore[attr-defined]
    assert paint is not None and paint < 3000, paint  # generous: CI shares two cores
    requests = p.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")  # type: ignore[attr-defined]
    assert all(r.startswith(server.url) for r in requests)  # nothing from other sites


EVIL_PAGE = b"""<!doctype html><html><head><title>Widget FAQ</title><script>window.__pwned = 9</script></head><body>
<h1>Frequently asked questions</h1>
<details><summary>How do I clean the widget filter?</summary>
<p>Rinse it <script>window.__pwned = 1</script> under warm water. <img src=x onerror="window.__pwned = 2"></p>
<iframe src="javascript:window.__pwned = 4"></iframe>
</details>
<details><summary>Can I put the widget in the dishwasher?</summary>
<p>No &lt;script&gt;window.__pwned = 5&lt;/script&gt; never: hand wash only. <svg onload="window.__pwned = 6"></svg></p>
</details>
</body></html>"""


def test_a_scraped_page_with_script_injection_is_ingested_and_viewed_safely(page: object, server: Running) -> None:
    uploaded = httpx.post(
        server.url + "/ingest", params={"filename": "widget-faq.html"}, content=EVIL_PAGE,
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["added"] == 2
    p = page
    for question in ("Can I put the widget in the dishwasher?", "How do I clean the widget filter?"):
        p.goto(server.url + "/?q=" + quote(question))  # type: ignore[attr-defined]
        p.locator("#answer").wait_for(state="visible")  # type: ignore[attr-defined]
        body = p.locator("#answer-body")  # type: ignore[attr-defined]
        assert body.locator("script, img, iframe, svg").count() == 0
        assert p.evaluate("typeof window.__pwned") == "undefined"  # type: ignore[attr-defined]
        p.goto(server.url + "/q/" + quote(question, safe=""))  # type: ignore[attr-defined]
        assert p.locator("main script, main img, main iframe, main svg").count() == 0  # type: ignore[attr-defined]
        assert p.evaluate("typeof window.__pwned") == "undefined"  # type: ignore[attr-defined]
    p.goto(server.url + "/?q=" + quote("Can I put the widget in the dishwasher?"))  # type: ignore[attr-defined]
    p.locator("#answer").wait_for(state="visible")  # type: ignore[attr-defined]
    assert "<script>window.__pwned = 5</script>" in p.locator("#answer-body").text_content()  # type: ignore[attr-defined]
    assert p.dialogs == []  # type: ignore[attr-defined]
