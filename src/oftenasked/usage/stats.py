"""What ``stats`` reports: pairs, sources, questions asked and left unanswered, feedback totals."""

from __future__ import annotations

from ..store import Store
from .feedback import feedback_counts
from .querylog import query_stats


def summary(store: Store, *, query_log: bool) -> dict[str, object]:
    """The counts of one snapshot of the knowledge base (write pending query-log entries first)."""
    with store.snapshot() as db:
        queries = query_stats(db)
        return {
            "pairs": store.count(),
            "sources": len(store.sources()),
            "questions_asked": queries.asked,
            "unanswered": queries.unanswered,
            "top_unanswered": queries.top_unanswered,
            "feedback": feedback_counts(db),
            "query_log": query_log,
        }
