"""Reading and emptying the query log: what was asked, what was answered, and the feedback it got."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import InputError
from ..store import usage_rows

_SPAN = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since_cutoff(since: str | None) -> str | None:
    """'7d' (minutes m, hours h, days d, weeks w) as the time it reaches back to, as the tables store times."""
    if since is None or not since.strip():
        return None
    found = _SPAN.match(since)
    if not found:
        raise InputError(f"--since: {since!r} is not a span of time such as 30m, 12h, 7d or 4w")
    span = timedelta(**{_UNIT[found.group(2).lower()]: int(found.group(1))})
    return (datetime.now(timezone.utc) - span).isoformat(timespec="seconds")


@dataclass(frozen=True)
class LogEntry:
    """One logged question: when, what (redacted), the pair answered, its confidence, and later feedback."""

    asked_at: str
    question: str
    pair_id: str | None
    confidence: float | None
    answered: bool
    session: str | None = None
    feedback: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"asked_at": self.asked_at, "question": self.question, "pair_id": self.pair_id,
                "confidence": self.confidence, "answered": self.answered, "session": self.session,
                "feedback": self.feedback}


def entries(db: sqlite3.Connection, since: str | None = None, unanswered: bool = False,
            limit: int = 1000) -> list[LogEntry]:
    """The newest ``limit`` logged questions since ``since`` (a span such as '7d'), newest first.

    Feedback given on the same question (same text, same session when there is one) after it was
    asked is attached to it.
    """
    cutoff = since_cutoff(since) or ""
    rows = usage_rows.newest_queries(db, cutoff, unanswered, limit)
    given: dict[str, list[tuple[str, str | None, dict[str, Any]]]] = {}
    for at, question, pair_id, helpful, better_id, session in usage_rows.feedback_since(db, cutoff):
        item = {"given_at": at, "pair_id": pair_id, "helpful": None if helpful is None else bool(helpful),
                "better_id": better_id}
        given.setdefault(question.lower(), []).append((at, session, item))
    out = []
    for asked_at, asked, answer_id, conf, answered, asked_in in rows:
        later = [item for f_at, f_session, item in given.get(asked.lower(), ())
                 if f_at >= asked_at and (asked_in is None or f_session in (None, asked_in))]
        out.append(LogEntry(asked_at, asked, answer_id, conf, bool(answered), asked_in, later))
    return out


def forget(db: sqlite3.Connection) -> int:
    """Empty the query log: logged questions, feedback, their vectors, and the suggestions not yet
    decided (they quote what people typed). Accepted and rejected suggestions stay: they record
    what the editor changed. Returns how many questions were forgotten."""
    return usage_rows.forget_all(db)


def sweep_vectors(db: sqlite3.Connection) -> int:
    """Delete the kept vectors of questions no longer in the log or the feedback (past the retention
    setting, or forgotten): a vector is what someone typed, in another form. How many went."""
    from .needs import text_hash

    live = {text_hash(q) for q in usage_rows.logged_questions(db)}
    stale = [h for h in usage_rows.query_vector_hashes(db) if h not in live]
    usage_rows.delete_query_vectors(db, stale)
    return len(stale)
