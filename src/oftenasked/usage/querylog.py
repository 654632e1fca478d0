"""The query log: question text, the answer given, its confidence and the time; nothing personal.

No IP address, user agent or cookie is ever stored (a session id only when the caller passes an
opaque one, so that several people can be told from one), and what people type is redacted
before it is stored (usage/redact.py: e-mail addresses, numbers, card details, passwords,
addresses, names). Users opt out with the ``query_log`` setting (``OFTENASKED_QUERY_LOG=0``);
rows older than the ``retention_days`` setting are deleted, with the kept vectors of their
questions (log.sweep_vectors).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..store import usage_rows
from ..store.usage_rows import QueryRow
from .log import sweep_vectors
from .redact import redact

MAX_LOGGED_CHARS = 1000


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


MAX_SESSION_CHARS = 100


def query_row(
    question: str, answer_id: str | None, confidence: float | None, answered: bool, session: str | None = None
) -> QueryRow:
    """One asked question as it is stored: now, redacted and capped, the answer given, the session."""
    return (_now(), redact(question.strip())[:MAX_LOGGED_CHARS], answer_id, confidence, int(answered),
            check_session(session))


def check_session(session: str | None) -> str | None:
    """An opaque session id as stored: stripped and capped; empty means none."""
    if session is None:
        return None
    session = session.strip()[:MAX_SESSION_CHARS]
    return session or None


def cutoff(keep_days: float) -> str:
    """The time before which rows are older than ``keep_days`` days, as the tables store times."""
    return (datetime.now(timezone.utc) - timedelta(days=keep_days)).isoformat(timespec="seconds")


def prune_queries(db: sqlite3.Connection, keep_days: float | None) -> int:
    """Delete the query-log rows older than ``keep_days`` (None or 0: keep all); how many went.

    Cheap enough for every write: ``asked_at`` is indexed, so finding nothing to delete is a lookup.
    """
    if not keep_days or keep_days <= 0:
        return 0
    return usage_rows.delete_queries_before(db, cutoff(keep_days))


def write_queries(db: sqlite3.Connection, rows: list[QueryRow], keep_days: float | None = None) -> None:
    """Append asked questions in one transaction, and delete those past ``keep_days``. Call it
    outside any other transaction."""
    with usage_rows.immediate(db):
        usage_rows.insert_queries(db, rows)
        if prune_queries(db, keep_days):
            sweep_vectors(db)  # a kept vector is the question in another form: it goes with it


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
    asked, unanswered = usage_rows.query_totals(db)
    return QueryLogStats(
        asked=asked,
        unanswered=unanswered,
        top_unanswered=[{"question": q, "count": n, "last_asked": at}
                        for q, n, at in usage_rows.top_unanswered(db, top)],
    )
