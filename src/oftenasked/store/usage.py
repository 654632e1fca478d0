"""The query log and feedback tables (migration 2): appends and the counts that ``stats`` reports."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

QueryRow = tuple[str, str, str | None, float | None, int]
"""(asked at, question as stored, answer id, confidence, answered)."""
FeedbackRow = tuple[str, str, str, int | None, str | None]
"""(given at, question as stored, pair id, helpful, better id)."""


def insert_queries(db: sqlite3.Connection, rows: Sequence[QueryRow]) -> None:
    """Append asked questions (call inside a transaction)."""
    db.executemany(
        "INSERT INTO queries(asked_at, question, answer_id, confidence, answered) VALUES (?, ?, ?, ?, ?)", rows
    )


def insert_feedback(db: sqlite3.Connection, row: FeedbackRow) -> None:
    db.execute("INSERT INTO feedback(given_at, question, pair_id, helpful, better_id) VALUES (?, ?, ?, ?, ?)", row)


def query_counts(db: sqlite3.Connection, top: int) -> tuple[int, int, list[dict[str, Any]]]:
    """(asked, unanswered, the ``top`` most frequent unanswered questions, grouped by lower-cased text)."""
    asked, unanswered = db.execute("SELECT count(*), coalesce(sum(answered = 0), 0) FROM queries").fetchone()
    rows = db.execute(
        "SELECT min(question), count(*) AS n, max(asked_at) FROM queries WHERE answered = 0"
        " GROUP BY lower(question) ORDER BY n DESC, max(asked_at) DESC LIMIT ?",
        (top,),
    ).fetchall()
    return int(asked), int(unanswered), [{"question": q, "count": int(n), "last_asked": at} for q, n, at in rows]


def feedback_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Totals: helpful, not helpful, and "this other answer" suggestions."""
    helpful, unhelpful, better = db.execute(
        "SELECT coalesce(sum(helpful = 1), 0), coalesce(sum(helpful = 0), 0),"
        " coalesce(sum(better_id IS NOT NULL), 0) FROM feedback"
    ).fetchone()
    return {"helpful": int(helpful), "not_helpful": int(unhelpful), "other_answer": int(better)}
