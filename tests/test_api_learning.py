"""Learning from use over HTTP, against a real server on loopback."""

from __future__ import annotations

import httpx

from .conftest_server import TOKEN, Running

AUTH = {"authorization": f"Bearer {TOKEN}"}


def test_reports_need_the_token(server: Running) -> None:
    for path in ("/log", "/often", "/gaps", "/suggestions"):
        refused = httpx.get(server.url + path)
        assert refused.status_code == 401 and "Bearer" in refused.json()["error"]["message"]
        assert httpx.get(server.url + path, headers={"authorization": "Bearer wrong"}).status_code == 401
    assert httpx.post(server.url + "/suggestions/1/accept").status_code == 401


def test_asked_with_a_session_then_often_gaps_log(server: Running) -> None:
    for session in ("s1", "s2", "s3"):
        httpx.post(server.url + "/ask", json={"question": "How do I reset my password?", "session": session})
        httpx.post(server.url + "/ask", json={"question": "Do you deliver to Mars?", "session": session})
    log = httpx.get(server.url + "/log", headers=AUTH).json()["log"]
    assert len(log) == 6 and {e["session"] for e in log} == {"s1", "s2", "s3"}
    often = httpx.get(server.url + "/often", headers=AUTH).json()["needs"]
    reset = next(n for n in often if n["pair_id"] == "reset")
    assert reset["count"] == 3 and reset["questions"] == ["How do I reset my password?"] and reset["confidence"] > 0.3
    gaps = httpx.get(server.url + "/gaps", headers=AUTH).json()["gaps"]
    assert gaps[0]["questions"] == ["Do you deliver to Mars?"] and gaps[0]["people"] == 3
    assert httpx.get(server.url + "/often?since=soon", headers=AUTH).status_code == 400


def test_feedback_from_sessions_becomes_a_suggestion_accepted_with_the_write_token(server: Running) -> None:
    question = "where is my parcel"
    before = httpx.post(server.url + "/ask", json={"question": question, "top": 3}).json()
    for session in ("a", "b", "c"):
        sent = httpx.post(server.url + "/feedback", json={"question": question, "id": "shipping", "better_id": "track",
                                                          "session": session})
        assert sent.status_code == 201 and sent.json()["feedback"]["session"] == session
    [suggestion] = httpx.get(server.url + "/suggestions", headers=AUTH).json()["suggestions"]
    assert suggestion["kind"] == "alternate" and suggestion["pair_id"] == "track"
    assert suggestion["evidence"]["sessions"] == 3
    accepted = httpx.post(server.url + f"/suggestions/{suggestion['id']}/accept", headers=AUTH)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    after = httpx.post(server.url + "/ask", json={"question": question, "top": 3}).json()
    assert after["answers"][0]["id"] == "track"
    old = next((a["score"] for a in before["answers"] if a["id"] == "track"), 0.0)
    assert after["answers"][0]["score"] > old
    assert httpx.post(server.url + f"/suggestions/{suggestion['id']}/reject", headers=AUTH).status_code == 400
    reverted = httpx.post(server.url + f"/suggestions/{suggestion['id']}/revert", headers=AUTH)
    assert reverted.json()["status"] == "reverted"
    assert httpx.get(server.url + "/pairs/track").json()["alternates"] == []
    assert httpx.post(server.url + "/suggestions/999/accept", headers=AUTH).status_code == 404
