"""The rows of learning from use: the query log, feedback, and the kept vectors of logged questions.

What usage/ decides (redaction, retention, grouping by meaning, gaps, demand) stays there; this
module only reads and writes the tables of migrations 2 and 4. Each function takes a connection:
the store's write connection (``store.db``, under ``store.write_lock``) for writes, or that of a
snapshot for reads. On PostgreSQL that connection is store/postgres.py's :class:`Connection`, which
translates these same statements (``?`` parameters, ``INSERT OR IGNORE``, ``BEGIN IMMEDIATE`` as
its write lock, ``sum`` over booleans), so every statement here serves both stores.

Times are ISO 8601 strings in UTC, as the tables store them, and compare as text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

QueryRow = tuple[str, str, str | None, float | None, int, str | None]
"""(asked_at, question, answer_id, confidence, answered 0/1, session): one logged question as stored."""
AskedRow = tuple[str, str | None, float | None, int, str | None]
"""(question, answer_id, confidence, answered 0/1, session): a logged question as grouping reads it."""
FeedbackRow = tuple[str, str, str, int | None, str | None, str | None, int]
"""(given_at, question, pair_id, helpful 1/0/None, better_id, session, editor 0/1)."""


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``db`` (the write lock taken at once): committed, or rolled back on
    any exception. Use it outside any other transaction of ``db``."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# -- the query log ----------------------------------------------------------------------------
def insert_queries(db: sqlite3.Connection, rows: Sequence[QueryRow]) -> None:
    db.executemany(
        "INSERT INTO queries(asked_at, question, answer_id, confidence, answered, session) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def delete_queries_before(db: sqlite3.Connection, cutoff: str) -> int:
    """Delete logged questions asked before ``cutoff``; how many went (``asked_at`` is indexed)."""
    return int(db.execute("DELETE FROM queries WHERE asked_at < ?", (cutoff,)).rowcount)


def query_totals(db: sqlite3.Connection) -> tuple[int, int]:
    """(questions logged, of which unanswered)."""
    asked, unanswered = db.execute("SELECT count(*), coalesce(sum(answered = 0), 0) FROM queries").fetchone()
    return int(asked), int(unanswered)


def top_unanswered(db: sqlite3.Connection, top: int) -> list[tuple[str, int, str]]:
    """(question, times asked, last asked) of the ``top`` most asked unanswered questions, grouped
    by their lower-cased text, most asked (then most recent) first."""
    rows = db.execute(
        "SELECT min(question), count(*) AS n, max(asked_at) FROM queries WHERE answered = 0"
        " GROUP BY lower(question) ORDER BY n DESC, max(asked_at) DESC LIMIT ?",
        (top,),
    ).fetchall()
    return [(str(q), int(n), str(at)) for q, n, at in rows]


def newest_queries(db: sqlite3.Connection, since: str, unanswered: bool, limit: int) -> list[QueryRow]:
    """The newest ``limit`` logged questions asked from ``since`` on (only unanswered ones if
    ``unanswered``), newest first."""
    return db.execute(
        "SELECT asked_at, question, answer_id, confidence, answered, session FROM queries"
        " WHERE asked_at >= ? AND (? = 0 OR answered = 0) ORDER BY asked_at DESC, id DESC LIMIT ?",
        (since, int(unanswered), limit),
    ).fetchall()


def asked_since(db: sqlite3.Connection, since: str | None) -> list[AskedRow]:
    """Every logged question asked from ``since`` on (None: the whole log, in the order logged)."""
    if since is None:  # (no condition: a scan in rowid order, not the asked_at index's)
        return db.execute("SELECT question, answer_id, confidence, answered, session FROM queries").fetchall()
    return db.execute(
        "SELECT question, answer_id, confidence, answered, session FROM queries WHERE asked_at >= ?", (since,)
    ).fetchall()


def asked_badly_since(db: sqlite3.Connection, since: str, low: float) -> list[AskedRow]:
    """The logged questions from ``since`` on that got no good answer or one under ``low``."""
    return db.execute(
        "SELECT question, answer_id, confidence, answered, session FROM queries"
        " WHERE asked_at >= ? AND (answered = 0 OR confidence < ?)",
        (since, low),
    ).fetchall()


def answered_counts(
    db: sqlite3.Connection, pair_ids: Sequence[str] | None = None, since: str | None = None
) -> dict[str, int]:
    """How many logged questions each pair answered: of ``pair_ids`` (None: every pair), asked from
    ``since`` on (None: ever). Pairs never given as an answer are absent."""
    where = ["answered = 1", "answer_id IS NOT NULL"]
    params: list[object] = []
    if pair_ids is not None:
        if not pair_ids:
            return {}
        where.append(f"answer_id IN ({','.join('?' * len(pair_ids))})")
        params.extend(pair_ids)
    if since is not None:
        where.append("asked_at >= ?")
        params.append(since)
    rows = db.execute(f"SELECT answer_id, count(*) FROM queries WHERE {' AND '.join(where)} GROUP BY answer_id",
                      params)
    return {str(a): int(n) for a, n in rows}


# -- feedback -----------------------------------------------------------------------------------
def insert_feedback(db: sqlite3.Connection, row: FeedbackRow) -> None:
    db.execute(
        "INSERT INTO feedback(given_at, question, pair_id, helpful, better_id, session, editor)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        row,
    )


def delete_feedback_before(db: sqlite3.Connection, cutoff: str) -> int:
    """Delete the feedback given before ``cutoff``; how many rows went."""
    return int(db.execute("DELETE FROM feedback WHERE given_at < ?", (cutoff,)).rowcount)


def feedback_totals(db: sqlite3.Connection) -> tuple[int, int, int]:
    """(helpful, not helpful, "this other answer") over all feedback."""
    helpful, unhelpful, better = db.execute(
        "SELECT coalesce(sum(helpful = 1), 0), coalesce(sum(helpful = 0), 0),"
        " coalesce(sum(better_id IS NOT NULL), 0) FROM feedback"
    ).fetchone()
    return int(helpful), int(unhelpful), int(better)


def feedback_since(db: sqlite3.Connection, since: str) -> list[tuple[str, str, str, int | None, str | None, str | None]]:
    """(given_at, question, pair_id, helpful, better_id, session) of the feedback from ``since`` on."""
    return db.execute(
        "SELECT given_at, question, pair_id, helpful, better_id, session FROM feedback WHERE given_at >= ?", (since,)
    ).fetchall()


def unhelpful_since(db: sqlite3.Connection, since: str) -> list[tuple[str, str, str | None]]:
    """(question, pair_id, session) of each "not helpful" from ``since`` on."""
    return db.execute(
        "SELECT question, pair_id, session FROM feedback WHERE given_at >= ? AND helpful = 0", (since,)
    ).fetchall()


def better_answers(db: sqlite3.Connection) -> list[tuple[str, str, str | None, int]]:
    """(question, better_id, session, editor) of each "this other answer" whose question was kept."""
    return db.execute(
        "SELECT question, better_id, session, editor FROM feedback WHERE better_id IS NOT NULL AND question != ''"
    ).fetchall()


def disputed(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """(question, pair_id) of each piece of feedback that said the pair answered it badly."""
    return db.execute("SELECT question, pair_id FROM feedback WHERE helpful = 0 OR better_id IS NOT NULL").fetchall()


def votes(db: sqlite3.Connection) -> list[tuple[str, str, int, str | None, int]]:
    """(question, pair_id, helpful, session, editor) of each helpful / not helpful."""
    return db.execute(
        "SELECT question, pair_id, helpful, session, editor FROM feedback WHERE helpful IS NOT NULL"
    ).fetchall()


# -- the kept vectors of logged questions --------------------------------------------------------
def query_vectors(db: sqlite3.Connection, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
    """The kept float16 vectors of ``model`` for these text hashes (the ones kept; read 500 at a time)."""
    found: dict[str, bytes] = {}
    wanted = list(dict.fromkeys(hashes))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = db.execute(
            f"SELECT text_hash, vector FROM query_vectors WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
            (model, *chunk),
        )
        found.update((str(h), bytes(blob)) for h, blob in rows)
    return found


def keep_query_vectors(db: sqlite3.Connection, model: str, vectors: dict[str, bytes]) -> None:
    """Keep new float16 vectors of ``model`` by text hash, in one write transaction (ones already kept stay)."""
    with immediate(db):
        db.executemany(
            "INSERT OR IGNORE INTO query_vectors(model, text_hash, vector) VALUES (?, ?, ?)",
            [(model, h, blob) for h, blob in vectors.items()],
        )


def logged_questions(db: sqlite3.Connection) -> list[str]:
    """Every question still in the query log or the feedback (each text once)."""
    return [str(q) for (q,) in db.execute("SELECT question FROM queries UNION SELECT question FROM feedback")]


def query_vector_hashes(db: sqlite3.Connection) -> list[str]:
    """The text hashes that have a kept vector (of any model)."""
    return [str(h) for (h,) in db.execute("SELECT DISTINCT text_hash FROM query_vectors")]


def delete_query_vectors(db: sqlite3.Connection, hashes: Sequence[str]) -> None:
    """Delete the kept vectors (of every model) of these text hashes."""
    if hashes:
        db.executemany("DELETE FROM query_vectors WHERE text_hash = ?", [(h,) for h in hashes])


def forget_all(db: sqlite3.Connection) -> int:
    """Empty the query log, the feedback, the kept vectors and the open suggestions, in one write
    transaction; how many logged questions went."""
    with immediate(db):
        count = db.execute("DELETE FROM queries").rowcount
        db.execute("DELETE FROM feedback")
        db.execute("DELETE FROM query_vectors")
        db.execute("DELETE FROM suggestions WHERE status = 'open'")
    return int(count)
