"""The editor's review page and the search page's feedback, in a real browser (Debian's Chromium)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .conftest_browser import needs_chromium
from .conftest_server import TOKEN, Running

HOSTILE_GAP = 'Do you ship to <svg onload="top.__gapped=1"></svg> Mars?'

pytestmark = needs_chromium


@pytest.fixture
def page(browser: object, server: Running) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_review_page_lists_needs_gaps_and_suggestions_and_accepts(page: object, server: Running) -> None:
    p = page
    kb = server.kb
    for session in ("a", "b", "c"):
        kb.ask("How do I reset my password?", session=session)
        kb.ask(HOSTILE_GAP, session=session)
        kb.record_feedback("where is my parcel", "shipping", better_id="track", session=session)
    kb.flush_query_log()

    p.goto(server.url + "/review")  # type: ignore[attr-defined]
    assert p.locator("#reports").is_hidden()  # type: ignore[attr-defined]
    p.get_by_label("Editor's token").fill("wrong")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Open").click()  # type: ignore[attr-defined]
    p.locator("#status").get_by_text("Could not open the reports").wait_for()  # type: ignore[attr-defined]
    assert p.locator("#reports").is_hidden()  # type: ignore[attr-defined]

    p.get_by_label("Editor's token").fill(TOKEN)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Open").click()  # type: ignore[attr-defined]
    p.locator("#reports").wait_for(state="visible")  # type: ignore[attr-defined]
    often = p.locator("#often-list").text_content()  # type: ignore[attr-defined]
    assert "How do I reset my password?" in often and "by 3 people" in often
    gaps = p.locator("#gap-list")  # type: ignore[attr-defined]
    assert HOSTILE_GAP in gaps.text_content()  # shown as text, never as markup
    assert p.locator("#reports img, #reports svg").count() == 0  # type: ignore[attr-defined]
    assert p.evaluate("window.__pwned === undefined && window.__gapped === undefined")  # type: ignore[attr-defined]
    suggestion = p.locator("#suggestion-list > li").first  # type: ignore[attr-defined]
    assert "where is my parcel" in suggestion.text_content() and "track" in suggestion.text_content()

    suggestion.get_by_role("button", name="Accept").click()
    p.locator("#status").get_by_text("accepted").wait_for()  # type: ignore[attr-defined]
    p.locator("#suggestion-list").get_by_text("No suggestions.").wait_for()  # type: ignore[attr-defined]
    assert kb.pair("track").alternates == ("where is my parcel",)
    accepted = p.locator("#accepted-list > li").first  # type: ignore[attr-defined]
    assert "where is my parcel" in accepted.text_content()
    accepted.get_by_role("button", name="Revert").click()
    p.locator("#status").get_by_text("reverted").wait_for()  # type: ignore[attr-defined]
    p.locator("#accepted-list").get_by_text("None accepted.").wait_for()  # type: ignore[attr-defined]
    assert kb.pair("track").alternates == ()
    # The token stays in the tab: a reload opens the reports again.
    p.reload()  # type: ignore[attr-defined]
    p.locator("#reports").wait_for(state="visible")  # type: ignore[attr-defined]


def test_search_page_feedback_carries_a_session_and_did_you_mean_is_feedback(page: object, server: Running) -> None:
    p = page
    p.goto(server.url + "/")  # type: ignore[attr-defined]
    p.get_by_label("Your question").fill("help with my password please")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Ask").click()  # type: ignore[attr-defined]
    p.locator("#no-answer").wait_for(state="visible")  # type: ignore[attr-defined]
    choice = p.locator("#suggestions button").nth(0)  # type: ignore[attr-defined]
    choice.click()
    p.locator("#answer").wait_for(state="visible")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Yes").click()  # type: ignore[attr-defined]
    p.locator("#feedback-thanks").get_by_text("Thank you").wait_for()  # type: ignore[attr-defined]
    rows = server.kb.store.db.execute("SELECT question, better_id, helpful, session FROM feedback ORDER BY id").fetchall()
    assert rows[0][0] == "help with my password please" and rows[0][1] is not None  # the choice said which pair was right
    assert rows[1][2] == 1
    sessions = {r[3] for r in rows}
    assert len(sessions) == 1 and None not in sessions  # one tab: one opaque session id
    server.kb.flush_query_log()
    log = httpx.get(server.url + "/log", headers={"authorization": f"Bearer {TOKEN}"}).json()["log"]
    assert {e["session"] for e in log} == sessions
