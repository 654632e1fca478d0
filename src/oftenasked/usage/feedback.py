"""Feedback on answers: helpful / not helpful, or "this other answer was the right one"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..errors import InputError, NotFoundError
from ..store import usage as usage_rows
from .querylog import redact

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class Feedback:
    """One piece of feedback: the question asked, the pair shown, and what the person said."""

    question: str
    pair_id: str
    helpful: bool | None = None
    better_id: str | None = None
    """The id of another pair that answers the question better ("this other answer")."""

    def __post_init__(self) -> None:
        if self.helpful is None and self.better_id is None:
            raise InputError("feedback needs 'helpful' (true or false) or 'better_id' (another answer's id)")
        if not self.question.strip():
            raise InputError("feedback needs the question that was asked")

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "id": self.pair_id, "helpful": self.helpful, "better_id": self.better_id}


def record_feedback(store: Store, feedback: Feedback) -> None:
    """Append one piece of feedback, after checking that the pairs it names exist."""
    with store.transaction() as db:
        for wanted in (feedback.pair_id, feedback.better_id):
            if wanted is not None and store.rowid_of(wanted) is None:
                raise NotFoundError(f"no pair with id {wanted!r}")
        usage_rows.insert_feedback(
            db,
            (
                datetime.now(timezone.utc).isoformat(timespec="seconds"),
                redact(feedback.question.strip())[:1000],
                feedback.pair_id,
                None if feedback.helpful is None else int(feedback.helpful),
                feedback.better_id,
            ),
        )


def feedback_counts(store: Store) -> dict[str, int]:
    """Totals: helpful, not helpful, and "this other answer" suggestions."""
    with store.snapshot() as db:
        return usage_rows.feedback_counts(db)
