"""Learning from use: the query log (what is really asked) and feedback on answers.

Both live in the knowledge base's SQLite file (migration 2), hold no personal data (redact.py)
and are written through the KnowledgeBase, which serialises writes on its lock; rows older than
the ``retention_days`` setting are deleted as new ones are written (``prune``).
"""

import sqlite3

from .feedback import Feedback, feedback_counts, prune_feedback, record_feedback
from .querylog import QueryLogStats, QueryRow, prune_queries, query_row, query_stats, write_queries
from .redact import redact

__all__ = [
    "Feedback",
    "QueryLogStats",
    "QueryRow",
    "feedback_counts",
    "prune",
    "prune_feedback",
    "prune_queries",
    "query_row",
    "query_stats",
    "record_feedback",
    "redact",
    "write_queries",
]


def prune(db: sqlite3.Connection, keep_days: float | None) -> int:
    """Delete query-log and feedback rows older than ``keep_days`` (autocommit); how many went."""
    return prune_queries(db, keep_days) + prune_feedback(db, keep_days)
