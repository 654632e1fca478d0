"""The reads that derived state is built from: the search index's rows, its cache stamp, filter fields.

Each function takes the connection of one snapshot (:meth:`Store.snapshot`), so that what it returns
agrees with the other reads made in the same snapshot. Texts are read joined to their pair: a pair
deleted by a tool that leaves foreign keys off (the sqlite3 shell's default) leaves texts behind,
and those are ignored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

TextRow = tuple[int, int, str, bytes | None, str]
"""(pair rowid, ordinal, text, vector blob or None when none is stored for the model, text hash)."""


def text_pair_rowids(db: sqlite3.Connection) -> list[int]:
    """The rowids of the pairs that have texts, in knowledge-base order."""
    return [
        int(r)
        for (r,) in db.execute(
            "SELECT DISTINCT t.pair_rowid FROM texts t JOIN pairs p ON p.rowid = t.pair_rowid ORDER BY t.pair_rowid"
        )
    ]


def text_count(db: sqlite3.Connection, kind: str) -> int:
    return int(
        db.execute(
            "SELECT count(*) FROM texts t JOIN pairs p ON p.rowid = t.pair_rowid WHERE t.kind = ?", (kind,)
        ).fetchone()[0]
    )


def texts_with_vectors(db: sqlite3.Connection, model: str, kind: str) -> Iterator[TextRow]:
    """Every text of one kind ('q' or 'a') with its vector for ``model``, grouped by pair; streamed."""
    return db.execute(
        "SELECT t.pair_rowid, t.ordinal, t.text, v.vector, t.text_hash FROM texts t"
        " JOIN pairs p ON p.rowid = t.pair_rowid"
        " LEFT JOIN vectors v ON v.model = ? AND v.text_hash = t.text_hash"
        " WHERE t.kind = ? ORDER BY t.pair_rowid, t.ordinal",
        (model, kind),
    )


def answers_in_order(db: sqlite3.Connection) -> list[str]:
    """Every pair's whole answer, in knowledge-base order (what BM25 reads)."""
    return [a for (a,) in db.execute("SELECT answer FROM pairs ORDER BY rowid")]


def stamp_counts(db: sqlite3.Connection) -> tuple[int, int, int, list[str]]:
    """(pairs, largest rowid, texts, content hashes of the 256 newest pairs): what a cache stamp checks."""
    pairs, max_rowid = db.execute("SELECT count(*), coalesce(max(rowid), 0) FROM pairs").fetchone()
    texts = db.execute("SELECT count(*) FROM texts").fetchone()[0]
    newest = [h for (h,) in db.execute("SELECT content_hash FROM pairs ORDER BY rowid DESC LIMIT 256")]
    return int(pairs), int(max_rowid), int(texts), newest


def filter_fields(db: sqlite3.Connection) -> list[tuple[int, str, str, str]]:
    """(pair rowid, metadata as JSON, source, origin) of every pair: what metadata filters match on."""
    return db.execute(
        "SELECT p.rowid, p.metadata, p.source, s.origin FROM pairs p JOIN sources s ON s.id = p.source_id"
    ).fetchall()
