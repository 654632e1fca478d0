"""The query log: question text, the answer given, its confidence and the time; nothing personal.

No IP address, user agent, cookie or session id is ever stored, and what people type is
redacted before it is stored (usage/redact.py: e-mail addresses, numbers, card details,
passwords, addresses, names). Users opt out with the ``query_log`` setting
(``OFTENASKED_QUERY_LOG=0``); rows older than the ``retention_days`` setting are deleted.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .redact import redact

MAX_LOGGED_CHARS = 1000


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


QueryRow = tuple[str, str, str | None, float | None, int]


def query_row(question: str, answer_id: str | None, confidence: float | None, answered: bool) -> QueryRow:
    """One asked question as it is stored: now, redacted and capped, the answer given."""
    return (_now(), redact(question.strip())[:MAX_LOGGED_CHARS], answer_id, confidence, int(answered))


def cutoff(keep_days: float) -> str:
    """The time before which rows are older than ``keep_days`` days, as the tables store times."""
    return (datetime.now(timezone.utc) - timedelta(days=keep_days)).isoformat(timespec="seconds")


def prune_queries(db: sqlite3.Connection, keep_days: float | None) -> int:
    """Delete the query-log rows older than ``keep_days`` (None or 0: keep all); how many went.

    Cheap enough for every write: ``asked_at`` is indexed, so finding nothing to delete is a lookup.
    """
    if not keep_days or keep_days <= 0:
        return 0
    return db.execute("DELETE FROM queries WHERE asked_at < ?", (cutoff(keep_days),)).rowcount


def write_queries(db: sqlite3.Connection, rows: list[QueryRow], keep_days: float | None = None) -> None:
    """Append asked questions in one transaction, and delete those past ``keep_days``. Call it
    outside any other transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            "INSERT INTO queries(asked_at, question, answer_id, confidence, answered) VALUES (?, ?, ?, ?, ?)", rows
        )
        prune_queries(db, keep_days)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@dataclass(frozen=True)
class QueryLogStats:
    """How many questions were asked, how many went unanswered, and the most frequent unanswered ones."""

    asked: int
    unanswered: int
    top_unanswered: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"asked": self.asked, "unanswered": self.unanswered, "top_unanswered": self.top_unanswered}


def query_stats(db: sqlite3.Connection, top: int = 10) -> QueryLogStats:
    """Counts over the whole log; unanswered questions grouped by their lower-cased text."""
    asked, unanswered = db.execute(
        "SELECT count(*), coalesce(sum(answered = 0), 0) FROM queries"
    ).fetchone()
    rows = db.execute(
        "SELECT min(question), count(*) AS n, max(asked_at) FROM queries WHERE answered = 0"
        " GROUP BY lower(question) ORDER BY n DESC, max(asked_at) DESC LIMIT ?",
        (top,),
    ).fetchall()
    return QueryLogStats(
        asked=int(asked),
        unanswered=int(unanswered),
        top_unanswered=[{"question": q, "count": int(n), "last_asked": at} for q, n, at in rows],
    )
