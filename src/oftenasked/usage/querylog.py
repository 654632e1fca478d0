"""The query log: question text, the answer given, its confidence and the time; nothing personal.

No IP address, user agent, cookie or session id is ever stored, and what people type is
redacted before it is stored: e-mail addresses and long numbers (phone, card, account numbers)
become placeholders. Users opt out with the ``query_log`` setting (``OFTENASKED_QUERY_LOG=0``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..store.usage import QueryRow, insert_queries, query_counts

if TYPE_CHECKING:
    from ..store import Store

MAX_LOGGED_CHARS = 1000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"\+?\d[\d ()./-]{5,}\d")


def redact(text: str) -> str:
    """The question without e-mail addresses or long numbers (phone, card, account numbers)."""
    text = _EMAIL.sub("[email]", text)
    return _LONG_NUMBER.sub(lambda m: m.group() if sum(c.isdigit() for c in m.group()) < 6 else "[number]", text)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def query_row(question: str, answer_id: str | None, confidence: float | None, answered: bool) -> QueryRow:
    """One asked question as it is stored: now, redacted and capped, the answer given."""
    return (_now(), redact(question.strip())[:MAX_LOGGED_CHARS], answer_id, confidence, int(answered))


def write_queries(store: Store, rows: list[QueryRow]) -> None:
    """Append asked questions in one transaction."""
    with store.transaction() as db:
        insert_queries(db, rows)


@dataclass(frozen=True)
class QueryLogStats:
    """How many questions were asked, how many went unanswered, and the most frequent unanswered ones."""

    asked: int
    unanswered: int
    top_unanswered: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"asked": self.asked, "unanswered": self.unanswered, "top_unanswered": self.top_unanswered}


def query_stats(store: Store, top: int = 10) -> QueryLogStats:
    """Counts over the whole log; unanswered questions grouped by their lower-cased text."""
    with store.snapshot() as db:
        asked, unanswered, frequent = query_counts(db, top)
    return QueryLogStats(asked=asked, unanswered=unanswered, top_unanswered=frequent)
