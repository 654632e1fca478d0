"""Learning from use: the query log (what is really asked), feedback on answers, and what they teach.

All of it lives in the knowledge base (migrations 2 and 4), holds no personal data (redact.py) and
is written through the KnowledgeBase on the store's write connection, under its write lock; the
modules here decide, their rows are read and written by store/usage_rows.py and
store/suggestion_rows.py. Rows older than the ``retention_days`` setting are deleted as new ones are
written (``prune``):

* batch.py: the query log taken at once and written by its own thread; stats.py: what ``stats`` reports

* querylog.py, feedback.py: writing the log and feedback; log.py: reading and emptying the log
* needs.py: logged questions grouped by meaning (``often``); gaps.py: needs answered badly
* suggestions.py: alternate questions and poor answers proposed from use, accepted or rejected
* demand.py: related questions ranked by how often their pairs are really asked for
"""

import sqlite3

from .demand import counts as demand_counts
from .demand import rank_by_demand
from .feedback import Feedback, feedback_counts, prune_feedback, record_feedback
from .gaps import gaps
from .log import LogEntry, forget, since_cutoff, sweep_vectors
from .log import entries as log_entries
from .needs import Need, often
from .querylog import QueryLogStats, QueryRow, prune_queries, query_row, query_stats, write_queries
from .redact import redact
from .suggestions import Suggestion, accept, known_phrasings, propose, reapply, reject, revert
from .suggestions import listing as suggestion_list

__all__ = [
    "Feedback",
    "LogEntry",
    "Need",
    "QueryLogStats",
    "QueryRow",
    "Suggestion",
    "accept",
    "demand_counts",
    "feedback_counts",
    "forget",
    "gaps",
    "known_phrasings",
    "log_entries",
    "often",
    "propose",
    "prune",
    "prune_feedback",
    "prune_queries",
    "query_row",
    "query_stats",
    "rank_by_demand",
    "reapply",
    "record_feedback",
    "redact",
    "reject",
    "revert",
    "since_cutoff",
    "suggestion_list",
    "sweep_vectors",
    "write_queries",
]


def prune(db: sqlite3.Connection, keep_days: float | None) -> int:
    """Delete query-log and feedback rows older than ``keep_days`` (autocommit), and the kept
    vectors of their questions; how many rows went. Suggestions stay: accepted and rejected ones
    record what the editor decided, and ``forget`` empties the open ones."""
    gone = prune_queries(db, keep_days) + prune_feedback(db, keep_days)
    if gone:
        sweep_vectors(db)
    return gone
