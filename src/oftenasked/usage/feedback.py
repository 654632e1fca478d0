"""Feedback on answers: helpful / not helpful, or "this other answer was the right one"."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..store import usage_rows
from .log import sweep_vectors
from .querylog import check_session, cutoff
from .redact import redact


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


def record_feedback(
    db: sqlite3.Connection, feedback: Feedback, keep_question: bool = True, keep_days: float | None = None
) -> None:
    """Append one piece of feedback (autocommit), and delete feedback older than ``keep_days``.

    ``keep_question`` False (the query log is off) stores an empty question: the person opted
    out of having what they typed kept, and feedback must not keep it by the back door.
    """
    if prune_feedback(db, keep_days):
        sweep_vectors(db)
    usage_rows.insert_feedback(
        db,
        (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            redact(feedback.question.strip())[:1000] if keep_question else "",
            feedback.pair_id,
            None if feedback.helpful is None else int(feedback.helpful),
            feedback.better_id,
            check_session(feedback.session),
            int(feedback.editor),
        ),
    )


def prune_feedback(db: sqlite3.Connection, keep_days: float | None) -> int:
    """Delete the feedback rows older than ``keep_days`` (None or 0: keep all); how many went."""
    if not keep_days or keep_days <= 0:
        return 0
    return usage_rows.delete_feedback_before(db, cutoff(keep_days))


def feedback_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Totals: helpful, not helpful, and "this other answer" suggestions."""
    helpful, unhelpful, better = usage_rows.feedback_totals(db)
    return {"helpful": helpful, "not_helpful": unhelpful, "other_answer": better}
