"""The HTTP API against a real uvicorn server on loopback: shapes, limits, errors, writes, usage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from oftenasked.api import ServerConfig

from .conftest_server import (
    FAQ,
    HOSTILE,
    TOKEN,
    Running,
    faq_bytes,
    make_kb,
    running_server,
)

AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def assert_error(response: httpx.Response, status: int) -> str:
    """Every failure has the one error shape: {"error": {"status", "message"}}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]["message"]


# -- reading ---------------------------------------------------------------------------
def test_health(client: httpx.Client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["pairs"] == len(FAQ) + 1


def test_ask_has_the_generate_answer_shape(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": "How do I reset my password?", "top": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    best = body["answers"][0]
    assert best["id"] == "reset"
    assert best["questions"] == ["How do I reset my password?"]
    assert best["answer"].startswith("Open **Settings**")
    assert "<strong>Settings</strong>" in best["answer_html"] and "<ol>" in best["answer_html"]
    assert 0.0 <= best["score"] <= 1.0
    assert best["source"] == "faq.jsonl"
    assert {"name": "topic", "value": "account"} in best["metadata"]
    assert len(body["answers"]) <= 2
    assert body["related"] and all(r["id"] != "reset" for r in body["related"])
    assert body["did_you_mean"] == []


def test_no_good_answer_is_a_flag_with_suggestions(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": "password reset help", "scoreThreshold": 0.99}).json()
    assert body["answered"] is False
    assert body["answers"] == []
    assert len(body["did_you_mean"]) >= 1
    assert all(set(s) == {"id", "question", "score"} for s in body["did_you_mean"])


def test_score_threshold_zero_answers_anything(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": "quantum chromodynamics", "scoreThreshold": 0.0, "top": 3}).json()
    assert body["answered"] is True and len(body["answers"]) == 3


@pytest.mark.parametrize(
    ("operation", "filters", "allowed"),
    [
        ("AND", [{"name": "topic", "value": "billing"}], {"refund", "invoice"}),
        ("OR", [{"name": "topic", "value": "billing"}, {"name": "topic", "value": "orders"}],
         {"refund", "invoice", "shipping", "track"}),
        ("AND", [{"name": "topic", "value": "billing"}, {"name": "source", "value": "faq.jsonl"}],
         {"refund", "invoice"}),
    ],
)
def test_strict_filters(client: httpx.Client, operation: str, filters: list[dict[str, str]], allowed: set[str]) -> None:
    body = client.post(
        "/ask",
        json={"question": "How do I reset my password?", "top": 10, "scoreThreshold": 0.0,
              "strictFilters": filters, "strictFiltersCompoundOperationType": operation},
    ).json()
    ids = {a["id"] for a in body["answers"]}
    assert ids and ids <= allowed


def test_related(client: httpx.Client) -> None:
    body = client.get("/related", params={"question": "How do I reset my password?", "top": 3}).json()
    assert len(body["related"]) == 3
    item = body["related"][0]
    assert set(item) == {"id", "question", "answer", "answer_html", "score", "source"}
    assert client.get("/related", params={"question": "anything", "top": 0}).json()["related"] == []


@pytest.mark.parametrize(("fmt", "media"), [("md", "text/markdown"), ("html", "text/html"), ("json", "application/json")])
def test_page_formats(client: httpx.Client, fmt: str, media: str) -> None:
    response = client.get("/page", params={"question": "How do I reset my password?", "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    if fmt == "json":
        assert response.json()["answer"]["id"] == "reset"
    elif fmt == "html":
        assert '"@type": "FAQPage"' in response.text or '"@type":"FAQPage"' in response.text
        assert '<link rel="stylesheet" href="/static/app.css">' in response.text
    else:
        assert response.text.startswith("# Often asked: How do I reset my password?")


def test_often_asked_page_has_a_stable_url(client: httpx.Client) -> None:
    response = client.get("/q/How%20do%20I%20reset%20my%20password%3F")
    assert response.status_code == 200
    assert "<h1>Often asked: How do I reset my password?</h1>" in response.text
    assert "Reset password" in response.text


def test_pairs_list_and_get(client: httpx.Client) -> None:
    first = client.get("/pairs", params={"limit": 3}).json()
    assert first["total"] == len(FAQ) + 1 and len(first["pairs"]) == 3 and first["offset"] == 0
    rest = client.get("/pairs", params={"offset": 3, "limit": 100}).json()
    assert {p["id"] for p in first["pairs"]}.isdisjoint({p["id"] for p in rest["pairs"]})
    assert client.get("/pairs/refund").json()["question"] == "Can I get a refund for my order?"
    assert "no pair" in assert_error(client.get("/pairs/nope"), 404)


# -- the one error shape ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/ask", {"json": {"question": ""}}, 400),
        ("POST", "/ask", {"json": {"question": "   "}}, 400),
        ("POST", "/ask", {"json": {"question": "x" * 1001}}, 400),
        ("POST", "/ask", {"json": {"question": "hi", "top": 0}}, 400),
        ("POST", "/ask", {"json": {"question": "hi", "top": 51}}, 400),
        ("POST", "/ask", {"json": {"question": "hi", "scoreThreshold": 1.5}}, 400),
        ("POST", "/ask", {"json": {"question": "hi", "strictFiltersCompoundOperationType": "XOR"}}, 400),
        ("POST", "/ask", {"json": {"question": 12}}, 400),
        ("POST", "/ask", {"json": ["question"]}, 400),
        ("POST", "/ask", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 400),
        ("POST", "/ask", {"content": b'{"question": "\\ud800"}', "headers": {"content-type": "application/json"}}, 400),
        ("GET", "/related", {"params": {"question": "hi", "top": 1000}}, 400),
        ("GET", "/related", {}, 400),
        ("GET", "/page", {"params": {"question": "hi", "format": "pdf"}}, 400),
        ("GET", "/nowhere", {}, 404),
        ("DELETE", "/ask", {}, 405),
        ("GET", "/pairs", {"params": {"limit": 0}}, 400),
        ("GET", "/pairs", {"params": {"offset": 2**70}}, 400),  # found by schemathesis: was a 500
        ("POST", "/feedback", {"json": {"question": "hi", "id": "reset"}}, 400),
        ("POST", "/feedback", {"json": {"question": "hi", "id": "nope", "helpful": True}}, 404),
        ("POST", "/ask", {"content": b"x" * (64 * 1024 + 1), "headers": {"content-type": "application/json"}}, 413),
    ],
)
def test_every_failure_has_the_one_error_shape(
    client: httpx.Client, method: str, path: str, kwargs: dict[str, object], status: int
) -> None:
    assert_error(client.request(method, path, **kwargs), status)  # type: ignore[arg-type]


def test_chunked_body_over_the_limit_is_refused(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    message = assert_error(client.post("/ask", content=chunks(), headers={"content-type": "application/json"}), 413)
    assert "65536" in message


# -- writes need the operator's token ----------------------------------------------------
def test_writes_are_refused_without_a_configured_token(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb, ServerConfig(token=None)) as running, httpx.Client(base_url=running.url) as c:
        assert "disabled" in assert_error(c.delete("/pairs/refund", headers=AUTH), 403)
        assert_error(c.post("/ingest", params={"filename": "x.jsonl"}, content=b'{"question":"a?","answer":"b"}'), 403)
        assert c.get("/pairs/refund").status_code == 200
    kb.close()


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}])
def test_writes_need_the_right_token(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.put("/pairs/refund", json={"answer": "No."}, headers=headers)
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(client.delete("/pairs/refund", headers=headers), 401)
    assert client.get("/pairs/refund").json()["answer"].startswith("Yes")


def test_edit_and_delete_a_pair(client: httpx.Client) -> None:
    edited = client.put("/pairs/refund", json={"answer": "Yes, within **60** days.", "alternates": ["money back?"]},
                        headers=AUTH)
    assert edited.status_code == 200, edited.text
    assert edited.json()["answer"] == "Yes, within **60** days." and edited.json()["alternates"] == ["money back?"]
    body = client.post("/ask", json={"question": "Can I get a refund for my order?"}).json()
    assert body["answers"][0]["answer_html"] == "<p>Yes, within <strong>60</strong> days.</p>\n"
    assert body["answers"][0]["questions"] == ["Can I get a refund for my order?", "money back?"]
    assert_error(client.put("/pairs/refund", json={"colour": "red"}, headers=AUTH), 400)
    # The limits of ingest hold for edits too: no control character in any field, bounded alternates.
    assert "control character" in assert_error(client.put("/pairs/refund", json={"answer": "a\u0001b"}, headers=AUTH), 400)
    assert "alternates" in assert_error(client.put("/pairs/refund", json={"alternates": ["x\u0007"]}, headers=AUTH), 400)
    assert "too long" in assert_error(client.put("/pairs/refund", json={"alternates": ["x" * 1001]}, headers=AUTH), 400)
    assert client.get("/pairs/refund").json()["answer"] == "Yes, within **60** days."
    assert_error(client.put("/pairs/nope", json={"answer": "x"}, headers=AUTH), 404)
    assert client.delete("/pairs/refund", headers=AUTH).json()["id"] == "refund"
    assert_error(client.get("/pairs/refund"), 404)
    assert client.get("/health").json()["pairs"] == len(FAQ)


def test_ingest_a_file_and_json_pairs(client: httpx.Client) -> None:
    upload = client.post(
        "/ingest", params={"filename": "../../etc/more.jsonl"}, headers=AUTH,
        content=faq_bytes([{"id": "hours", "question": "When are you open?", "answer": "Nine to five."}]),
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["sources"][0]["origin"] == "upload:more.jsonl"
    sent = client.post(
        "/ingest", headers=AUTH,
        json={"origin": "editor", "pairs": [{"question": "Do you ship to Mars?", "answer": "Not yet.", "team": "x"}]},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["added"] == 1
    again = client.post("/ingest", headers=AUTH, json={"origin": "editor", "pairs": [
        {"question": "Do you ship to Mars?", "answer": "Not yet.", "team": "x"}]}).json()
    assert again["added"] == 0 and again["changed"] == 0
    body = client.post("/ask", json={"question": "Do you ship to Mars?"}).json()
    assert body["answered"] and {"name": "team", "value": "x"} in body["answers"][0]["metadata"]
    assert client.get("/health").json()["pairs"] == len(FAQ) + 3


def test_ingest_errors(client: httpx.Client) -> None:
    message = assert_error(client.post("/ingest", params={"filename": "bad.jsonl"}, headers=AUTH,
                                       content=b'{"question": "a?"}'), 422)
    assert "bad.jsonl" in message and "answer" in message

    assert_error(client.post("/ingest", headers=AUTH | {"content-type": "text/plain"}, content=b"plain"), 400)
    assert_error(client.post("/ingest", headers=AUTH, json={"pairs": []}), 400)
    assert client.get("/health").json()["pairs"] == len(FAQ) + 1


def test_ingest_body_limit(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    config = ServerConfig(token=TOKEN, max_ingest_body=2000)
    with running_server(kb, config) as running, httpx.Client(base_url=running.url) as c:
        big = faq_bytes([{"question": f"Question {i}?", "answer": "An answer." * 10} for i in range(50)])
        assert_error(c.post("/ingest", params={"filename": "big.jsonl"}, headers=AUTH, content=big), 413)
        small = faq_bytes([{"question": "Small?", "answer": "Yes."}])
        assert c.post("/ingest", params={"filename": "small.jsonl"}, headers=AUTH, content=small).status_code == 201
    kb.close()


# -- feedback, query log, stats ----------------------------------------------------------
def test_feedback_and_stats(client: httpx.Client) -> None:
    client.post("/ask", json={"question": "How do I reset my password?"})
    client.post("/ask", json={"question": "quantum chromodynamics"})
    client.post("/ask", json={"question": "Quantum Chromodynamics"})
    ok = client.post("/feedback", json={"question": "How do I reset my password?", "id": "reset", "helpful": True})
    assert ok.status_code == 201 and ok.json()["ok"] is True
    assert client.post("/feedback", json={"question": "reset?", "id": "reset", "helpful": False}).status_code == 201
    other = client.post("/feedback", json={"question": "reset?", "id": "reset", "better_id": "password-rules"})
    assert other.status_code == 201
    assert_error(client.post("/feedback", json={"question": "x", "id": "reset", "better_id": "nope"}), 404)
    stats = client.get("/stats", headers=AUTH).json()
    assert stats["pairs"] == len(FAQ) + 1 and stats["sources"] == 1
    assert stats["questions_asked"] == 3 and stats["unanswered"] == 2
    assert stats["top_unanswered"][0]["count"] == 2
    assert stats["feedback"] == {"helpful": 1, "not_helpful": 1, "other_answer": 1}


def test_query_log_opt_out(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite", query_log=False)
    with running_server(kb) as running, httpx.Client(base_url=running.url) as c:
        c.post("/ask", json={"question": "How do I reset my password?"})
        stats = c.get("/stats", headers=AUTH).json()
        assert stats["questions_asked"] == 0 and stats["query_log"] is False
    kb.close()


# -- safety of what is served ------------------------------------------------------------
def test_hostile_answers_are_escaped(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": HOSTILE["question"]}).json()
    html = body["answers"][0]["answer_html"]
    assert "<script" not in html and "<img" not in html and "href=\"javascript" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html
    for path in ("/page", "/q/" + HOSTILE["question"].replace("?", "%3F")):
        params = {"question": HOSTILE["question"], "format": "html"} if path == "/page" else None
        page = client.get(path, params=params).text
        assert "<script>window" not in page and "<img" not in page and 'href="javascript' not in page
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
        # The JSON-LD block keeps the text but can never close its <script> element.
        assert page.count("</script>") == 1


def test_security_headers_and_no_inline_script(client: httpx.Client) -> None:
    for path in ("/", "/static/app.js", "/static/app.css", "/health"):
        response = client.get(path)
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    index = client.get("/").text
    assert '<label for="question">' in index
    scripts = index.split("<script")[1:]
    assert scripts and all(s.lstrip().startswith('src="/static/') for s in scripts)


def test_cors_is_off_unless_configured(client: httpx.Client, tmp_path: Path) -> None:
    response = client.get("/health", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    kb = make_kb(tmp_path / "cors.sqlite")
    config = ServerConfig(token=TOKEN, cors_origins=("https://site.example",))
    with running_server(kb, config) as running, httpx.Client(base_url=running.url) as c:
        allowed = c.get("/health", headers={"origin": "https://site.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://site.example"
        refused = c.get("/health", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in refused.headers
    kb.close()


def test_openapi_schema_is_served(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "oftenasked"
    for path in ("/ask", "/related", "/page", "/ingest", "/pairs", "/pairs/{pair_id}", "/feedback", "/stats", "/health"):
        assert path in schema["paths"], path
    ask = schema["components"]["schemas"]["AskRequest"]["properties"]
    assert {"question", "top", "scoreThreshold", "strictFilters", "strictFiltersCompoundOperationType"} <= set(ask)


def test_repeated_questions_are_cached_until_a_write(client: httpx.Client) -> None:
    question = {"question": "Where do I find my invoice?"}
    first = client.post("/ask", json=question).json()
    assert client.post("/ask", json=question).json() == first
    client.put("/pairs/invoice", json={"answer": "In the **Billing** tab."}, headers=AUTH)
    after_edit = client.post("/ask", json=question).json()
    assert after_edit["answers"][0]["answer"] == "In the **Billing** tab."
    client.post("/ingest", headers=AUTH, json={"pairs": [{"question": "Where do I find my invoice?",
                                                          "answer": "Duplicate.", "id": "invoice-2"}]})
    assert client.get("/stats", headers=AUTH).json()["questions_asked"] == 3


def test_the_bundled_starter_is_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFTENASKED_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    kb = make_kb(tmp_path / "cache" / "starter-0123abcd.sqlite")
    with running_server(kb) as running, httpx.Client(base_url=running.url) as c:
        assert "starter" in assert_error(c.delete("/pairs/refund", headers=AUTH), 403)
        assert c.post("/ask", json={"question": "Can I get a refund for my order?"}).json()["answered"]
    kb.close()
    # A file of the user's own that only shares the name (a copy of the starter to edit) is theirs.
    own = make_kb(tmp_path / "starter-faq.sqlite")
    with running_server(own) as running, httpx.Client(base_url=running.url) as c:
        assert c.delete("/pairs/refund", headers=AUTH).status_code == 200
    own.close()


def test_host_names_are_checked_against_dns_rebinding(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    config = ServerConfig(token=TOKEN, allowed_hosts=("127.0.0.1", "localhost", "[::1]"))
    with running_server(kb, config) as running, httpx.Client(base_url=running.url) as c:
        assert c.get("/health").status_code == 200
        assert c.get("/health", headers={"host": "localhost:8000"}).status_code == 200
        assert c.get("/health", headers={"host": "[::1]:8000"}).status_code == 200
        assert "Host" in assert_error(c.get("/health", headers={"host": "evil.example"}), 400)
        assert_error(c.post("/ask", json={"question": "hi"}, headers={"host": "127.0.0.1.evil.example:80"}), 400)
    kb.close()
