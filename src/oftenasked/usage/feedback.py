"""Feedback on answers: helpful / not helpful, or "this other answer was the right one"."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from .querylog import check_session, redact


@dataclass(frozen=True)
class Feedback:
    """One piece of feedback: the question asked, the pair shown, and what the person said."""

    question: str
    pair_id: str
    helpful: bool | None = None
    better_id: str | None = None
    """The id of another pair that answers the question better ("this other answer")."""
    session: str | None = None
    """An opaque session id, when the caller passes one: suggestions need several sessions."""
    editor: bool = False
    """Given by the editor (the CLI, on the file itself): one is enough for a suggestion."""

    def __post_init__(self) -> None:
        if self.helpful is None and self.better_id is None:
            raise InputError("feedback needs 'helpful' (true or false) or 'better_id' (another answer's id)")
        if not self.question.strip():
            raise InputError("feedback needs the question that was asked")

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "id": self.pair_id, "helpful": self.helpful, "better_id": self.better_id,
                "session": self.session}


def record_feedback(db: sqlite3.Connection, feedback: Feedback) -> None:
    """Append one piece of feedback (autocommit)."""
    db.execute(
        "INSERT INTO feedback(given_at, question, pair_id, helpful, better_id, session, editor)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            redact(feedback.question.strip())[:1000],
            feedback.pair_id,
            None if feedback.helpful is None else int(feedback.helpful),
            feedback.better_id,
            check_session(feedback.session),
            int(feedback.editor),
        ),
    )


def feedback_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Totals: helpful, not helpful, and "this other answer" suggestions."""
    helpful, unhelpful, better = db.execute(
        "SELECT coalesce(sum(helpful = 1), 0), coalesce(sum(helpful = 0), 0),"
        " coalesce(sum(better_id IS NOT NULL), 0) FROM feedback"
    ).fetchone()
    return {"helpful": int(helpful), "not_helpful": int(unhelpful), "other_answer": int(better)}
