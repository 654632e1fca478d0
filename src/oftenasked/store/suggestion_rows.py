"""The rows of the editor's suggestions (migration 4) and the pairs' phrasings they are checked against.

What a suggestion is, when one is made, and what accepting one changes are usage/suggestions.py's;
this module only reads and writes the ``suggestions`` table. Each function takes a connection, as
store/usage_rows.py's do (the same statements serve SQLite and PostgreSQL). Evidence and what was
applied are stored as JSON text, given and returned as such.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .usage_rows import immediate

SuggestionRow = tuple[int, str, str, str, str, str, str, str | None]
"""(id, kind, pair_id, question, evidence JSON, status, created_at, decided_at)."""
NewSuggestion = tuple[str, str, str, str, str]
"""(kind, pair_id, question, key, evidence JSON): a suggestion to record; ``key`` makes it unique."""

_COLUMNS = "id, kind, pair_id, question, evidence, status, created_at, decided_at"


def phrasing_rows(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(pair id, question, alternates as JSON) of every pair."""
    return db.execute("SELECT id, question, alternates FROM pairs").fetchall()


def record(db: sqlite3.Connection, found: Sequence[NewSuggestion], created_at: str) -> list[int]:
    """Record suggestions in one write transaction: a new key is inserted, an open suggestion with
    the key gets the fresh evidence, a decided one is left alone. The ids of the new ones."""
    new: list[int] = []
    with immediate(db):
        for kind, pair_id, question, key, evidence in found:
            cursor = db.execute(
                "INSERT OR IGNORE INTO suggestions(kind, pair_id, question, key, evidence, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", (kind, pair_id, question, key, evidence, created_at))
            if cursor.rowcount:
                # (its id by its key: PostgreSQL's cursor has no lastrowid)
                new.append(int(db.execute("SELECT id FROM suggestions WHERE key = ?", (key,)).fetchone()[0]))
            else:
                db.execute("UPDATE suggestions SET evidence = ? WHERE key = ? AND status = 'open'", (evidence, key))
    return new


def rows(db: sqlite3.Connection, status: str | None) -> list[SuggestionRow]:
    """The suggestions with ``status`` (None: all), oldest first."""
    if status is None:
        return db.execute(f"SELECT {_COLUMNS} FROM suggestions ORDER BY id").fetchall()
    return db.execute(f"SELECT {_COLUMNS} FROM suggestions WHERE status = ? ORDER BY id", (status,)).fetchall()


def row(db: sqlite3.Connection, suggestion_id: int) -> SuggestionRow | None:
    found: SuggestionRow | None = db.execute(
        f"SELECT {_COLUMNS} FROM suggestions WHERE id = ?", (suggestion_id,)
    ).fetchone()
    return found


def applied(db: sqlite3.Connection, suggestion_id: int) -> str | None:
    """What accepting the suggestion changed, as JSON (None when nothing is recorded)."""
    found = db.execute("SELECT applied FROM suggestions WHERE id = ?", (suggestion_id,)).fetchone()
    return None if found is None else found[0]


def decide(db: sqlite3.Connection, suggestion_id: int, status: str, decided_at: str, applied: str | None) -> None:
    """Record the editor's decision (autocommit), with what it changed as JSON."""
    db.execute("UPDATE suggestions SET status = ?, decided_at = ?, applied = ? WHERE id = ?",
               (status, decided_at, applied, suggestion_id))


def accepted_alternates(db: sqlite3.Connection) -> list[tuple[str, str | None]]:
    """(pair_id, applied JSON) of every accepted alternate-question suggestion, oldest first."""
    return db.execute(
        "SELECT pair_id, applied FROM suggestions WHERE status = 'accepted' AND kind = 'alternate' ORDER BY id"
    ).fetchall()
