"""Learning from use: the query log (what is really asked) and feedback on answers.

Both live in the knowledge base's SQLite file (migration 2), hold no personal data and are
written through the KnowledgeBase, which serialises writes on its lock.
"""

from .feedback import Feedback, feedback_counts, record_feedback
from .querylog import QueryLogStats, QueryRow, query_row, query_stats, redact, write_queries

__all__ = [
    "Feedback",
    "QueryLogStats",
    "QueryRow",
    "feedback_counts",
    "query_row",
    "query_stats",
    "record_feedback",
    "redact",
    "write_queries",
]
