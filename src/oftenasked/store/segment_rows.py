"""What a live index's delta segment is built from: some pairs copied, rowids kept, into another store.

retrieve/segments.py builds a small search index over just the pairs changed since its main index
was built; the index reads a store, so those pairs are copied into an in-memory one. The copy is
column for column (``SELECT *`` into the same tables: both stores ran the same migrations), so
rowids, content hashes and texts are the source's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

CHANGE_LOG_VERSION = 5
"""The schema version from which the change log exists (store/migrations.py)."""


def last_change(db: sqlite3.Connection) -> int:
    """The newest entry of the change log (0 when it is empty)."""
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM pair_changes").fetchone()[0])


def change_at(db: sqlite3.Connection, seq: int) -> int | None:
    """The rowid of the pair that change ``seq`` logged; None when it is not (or no longer) logged."""
    row = db.execute("SELECT pair_rowid FROM pair_changes WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else int(row[0])


def pair_count(db: sqlite3.Connection) -> int:
    """How many pairs there are (a full build of the search index holds them all)."""
    return int(db.execute("SELECT count(*) FROM pairs").fetchone()[0])


def changes_since(db: sqlite3.Connection, seq: int) -> tuple[int, set[int]] | None:
    """(newest entry, rowids of the pairs changed after entry ``seq``); None when that is not known
    (its entries after ``seq`` have been pruned away, or renumbered by hand)."""
    newest = last_change(db)
    if newest < seq:
        return None
    oldest = int(db.execute("SELECT coalesce(min(seq), 0) FROM pair_changes").fetchone()[0])
    if newest > seq and oldest > seq + 1:
        return None
    rows = db.execute("SELECT DISTINCT pair_rowid FROM pair_changes WHERE seq > ?", (seq,))
    return newest, {int(r) for (r,) in rows}


def content_hashes_of(db: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, str]:
    """The content hash of those of ``rowids`` that are pairs now."""
    out: dict[int, str] = {}
    wanted = list(rowids)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = db.execute(f"SELECT rowid, content_hash FROM pairs WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)
        out.update((int(r), str(h)) for r, h in rows)
    return out


def copy_pairs(src: sqlite3.Connection, dst: sqlite3.Connection, rowids: Sequence[int]) -> list[str]:
    """Copy the pairs of ``rowids`` with their sources and texts from ``src`` (one snapshot) into
    ``dst`` (inside a write); the text hashes of the texts copied, whose vectors the copy needs."""
    hashes: list[str] = []
    wanted = list(rowids)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        pairs = src.execute(f"SELECT * FROM pairs WHERE rowid IN ({marks})", chunk).fetchall()
        for source_id in {row[2] for row in pairs}:  # (pairs.source_id)
            row = src.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
            dst.execute(f"INSERT OR IGNORE INTO sources VALUES ({','.join('?' * len(row))})", tuple(row))
        for row in pairs:
            dst.execute(f"INSERT INTO pairs VALUES ({','.join('?' * len(row))})", tuple(row))
        texts = src.execute(f"SELECT * FROM texts WHERE pair_rowid IN ({marks})", chunk).fetchall()
        if texts:
            dst.executemany(f"INSERT INTO texts VALUES ({','.join('?' * len(texts[0]))})", [tuple(t) for t in texts])
        hashes += [str(t[4]) for t in texts]  # (texts.text_hash)
    return hashes
