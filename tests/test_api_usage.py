"""The query log and feedback behind /stats and /feedback: real SQLite, through the KnowledgeBase."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oftenasked import Settings
from oftenasked.errors import InputError, NotFoundError
from oftenasked.usage import redact

from .conftest_server import FAQ, make_kb


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my email is jane.doe+faq@example.co.uk, help", "my email is [email], help"),
        ("call me on +44 20 7946 0958 please", "call me on [number] please"),
        ("card 4111 1111 1111 1111 declined", "card [number] declined"),
        ("is ibuprofen 400 mg safe in 2024?", "is ibuprofen 400 mg safe in 2024?"),
        ("why does my lower back hurt when I run?", "why does my lower back hurt when I run?"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


@given(st.text(max_size=200))
def test_redact_is_idempotent(text: str) -> None:
    assert redact(redact(text)) == redact(text)


def test_query_log_and_stats(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    for question in ["How do I reset my password?", "capital of peru", "Capital of PERU", "mail me at a@b.org"]:
        kb.ask(question)
    stats = kb.stats()
    assert stats["pairs"] == len(FAQ) + 1 and stats["sources"] == 1
    assert stats["questions_asked"] == 4 and stats["unanswered"] == 3
    top = stats["top_unanswered"]
    assert top[0]["count"] == 2 and top[0]["question"].lower() == "capital of peru"
    logged = [q for (q,) in kb.store.db.execute("SELECT question FROM queries")]
    assert "mail me at [email]" in logged and not any("@" in q for q in logged)
    answer_ids = [a for (a,) in kb.store.db.execute("SELECT answer_id FROM queries WHERE answered = 1")]
    assert answer_ids == ["reset"]
    kb.close()


def test_query_log_opt_out(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite", query_log=False)
    kb.ask("How do I reset my password?")
    assert kb.stats()["questions_asked"] == 0
    assert kb.store.db.execute("SELECT count(*) FROM queries").fetchone()[0] == 0
    kb.close()


def test_feedback(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    kb.record_feedback("reset?", "reset", helpful=True)
    kb.record_feedback("reset?", "reset", helpful=False, better_id="password-rules")
    with pytest.raises(NotFoundError):
        kb.record_feedback("reset?", "nope", helpful=True)
    with pytest.raises(NotFoundError):
        kb.record_feedback("reset?", "reset", better_id="nope")
    with pytest.raises(InputError):
        kb.record_feedback("reset?", "reset")
    assert kb.stats()["feedback"] == {"helpful": 1, "not_helpful": 1, "other_answer": 1}
    kb.close()


def test_update_and_delete_pair(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    before = kb.pair("refund")
    updated = kb.update_pair("refund", answer="Within 60 days.", metadata={"topic": "money"})
    assert updated.answer == "Within 60 days." and updated.metadata == {"topic": "money"}
    assert updated.question == before.question and updated.origin == before.origin
    assert kb.ask("Can I get a refund for my order?").best.pair.answer == "Within 60 days."  # type: ignore[union-attr]
    with pytest.raises(InputError):
        kb.update_pair("refund", question="  ")
    with pytest.raises(InputError):
        kb.update_pair("refund", answer="")
    with pytest.raises(NotFoundError):
        kb.update_pair("nope", answer="x")
    assert kb.delete_pair("refund").id == "refund"
    with pytest.raises(NotFoundError):
        kb.pair("refund")
    with pytest.raises(NotFoundError):
        kb.delete_pair("refund")
    assert len(kb) == len(FAQ)
    # Re-ingesting the origin brings the original back (the edit was local to this knowledge base).
    from .conftest_server import HOSTILE, faq_bytes

    kb.ingest_bytes(faq_bytes(FAQ + [HOSTILE]), "faq.jsonl")
    assert kb.pair("refund").answer == before.answer
    kb.close()


def test_settings_default_logs_queries() -> None:
    assert Settings().query_log is True


def test_pairs_page(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    total, first = kb.pairs_page(0, 4)
    _, rest = kb.pairs_page(4, 100)
    assert total == len(FAQ) + 1 and len(first) == 4
    assert [p.id for p in first + rest] == [p.id for p in kb.pairs()]
    assert kb.pairs_page(100, 10) == (total, [])
    kb.close()


def test_prepare_and_lock(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    kb.prepare("How do I reset my password?")
    with kb.lock:  # reentrant: a write inside a held lock still works
        assert kb.ask("How do I reset my password?").answered
        kb.ask("How do I reset my password?")
    with pytest.raises(InputError):
        kb.prepare("   ")
    kb.close()


def test_query_log_is_best_effort_when_the_file_is_locked(tmp_path: Path) -> None:
    import sqlite3

    kb = make_kb(tmp_path / "kb.sqlite")
    kb.store.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(tmp_path / "kb.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        answer = kb.ask("How do I reset my password?", record=False)
        assert answer.answered
        assert kb.record_query(answer) is True  # taken: the answer never waits for the log
        assert kb.flush_query_log() is False  # the file is locked: the entry waits
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert kb.record_query(answer) is True
    assert kb.stats()["questions_asked"] == 2  # both, none lost
    kb.close()


def test_logged_questions_are_written_in_batches_and_on_close(tmp_path: Path) -> None:
    import sqlite3

    kb = make_kb(tmp_path / "kb.sqlite")
    for _ in range(3):
        kb.ask("How do I reset my password?")
    other = sqlite3.connect(tmp_path / "kb.sqlite")
    written = other.execute("SELECT count(*) FROM queries").fetchone()[0]
    assert written < 3  # not one write per question
    deadline = time.monotonic() + 5
    while other.execute("SELECT count(*) FROM queries").fetchone()[0] < 3:  # written within the second
        assert time.monotonic() < deadline, "pending questions were never written"
        time.sleep(0.05)
    kb.ask("How do I reset my password?")
    kb.close()  # and what is pending when the knowledge base closes
    assert other.execute("SELECT count(*) FROM queries").fetchone()[0] == 4
    other.close()


def test_retention_deletes_old_log_and_feedback_rows(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    assert kb.settings.retention_days == 90  # the default
    db = kb.store.db
    db.execute("INSERT INTO queries(asked_at, question, answer_id, confidence, answered)"
               " VALUES ('2020-01-01T00:00:00+00:00', 'an old question', NULL, NULL, 0)")
    db.execute("INSERT INTO feedback(given_at, question, pair_id, helpful, better_id)"
               " VALUES ('2020-01-01T00:00:00+00:00', 'an old question', 'reset', 1, NULL)")
    kb.ask("How do I reset my password?")  # (ask logs it)
    kb.flush_query_log()  # writing new rows deletes those past the retention period
    assert [q for (q,) in db.execute("SELECT question FROM queries")] == ["How do I reset my password?"]
    kb.record_feedback("How do I reset my password?", "reset", helpful=True)
    assert [q for (q,) in db.execute("SELECT question FROM feedback")] == ["How do I reset my password?"]
    kb.close()


def test_retention_zero_keeps_everything(tmp_path: Path) -> None:
    from oftenasked import usage

    kb = make_kb(tmp_path / "kb.sqlite")
    kb.store.db.execute("INSERT INTO queries(asked_at, question, answer_id, confidence, answered)"
                        " VALUES ('2020-01-01T00:00:00+00:00', 'old', NULL, NULL, 0)")
    assert usage.prune(kb.store.db, 0) == 0 and usage.prune(kb.store.db, 90) == 1
    kb.close()


def test_with_the_log_off_feedback_does_not_keep_the_question(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite", query_log=False)
    kb.record_feedback("my name is Jane Doe, how do I reset my password?", "reset", helpful=False)
    rows = kb.store.db.execute("SELECT question, pair_id, helpful FROM feedback").fetchall()
    assert rows == [("", "reset", 0)]
    kb.close()


def test_feedback_questions_are_redacted(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    kb.record_feedback("my password is hunter2, mail john dot doe at gmail dot com", "reset", helpful=False)
    (stored,) = kb.store.db.execute("SELECT question FROM feedback").fetchone()
    assert stored == "my password is [password], mail [email]"
    kb.close()
