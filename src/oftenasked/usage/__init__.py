"""Learning from use: the query log (what is really asked) and feedback on answers.

Both live in the knowledge base's SQLite file (migration 2; their SQL in ``store/usage.py``) and hold
no personal data. The query log is batched and written by a thread of its own (``batch.py``).
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
