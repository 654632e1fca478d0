"""The SQLite store: one file, WAL mode, numbered migrations, all writes in transactions.

Every SQL statement of oftenasked is in this package. The store is safe to use from many threads
with no lock held by the caller: each thread reads through its own connection (WAL: a reader sees
the last commit, never a write half-done, and never waits for a writer), and writes go one at a
time through the one write connection, under :attr:`Store.write_lock`. A thread inside a write
reads through the write connection, so it sees its own changes.

The ``generation`` counter is bumped by triggers (migration 3) on every change to pairs, their
texts, or a source's origin, so derived state (the search index, cached pairs) is invalidated by
the database itself, whoever made the change: this library, another process, or the sqlite3 shell.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import NotFoundError, OftenaskedError
from ..models import Pair
from .migrations import MIGRATIONS


@dataclass(frozen=True)
class PairRow:
    """A pair ready to be written, with the texts to search and its content hash."""

    pair: Pair
    content_hash: str
    texts: tuple[tuple[str, int, str, str], ...]
    """(kind, ordinal, text, text_hash) for each question phrasing and answer chunk."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """Plain tables that can be inspected with any SQLite tool."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = str(path)
        self.readonly = readonly
        self.write_lock = threading.RLock()
        """Held by every write of this process (one writer at a time); readers never need it."""
        self._writer: int | None = None  # the thread inside transaction(), if any
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        # An in-memory database exists only in its one connection: readers share it (no WAL there).
        self._shared = self.path in ("", ":memory:") or self.path.startswith("file::memory:")
        if not self._shared and not readonly:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._connect(readonly)
            """The write connection (and the reads of a thread inside a write)."""
            if not readonly:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except sqlite3.DatabaseError as exc:
            raise OftenaskedError(f"{self.path}: not an oftenasked knowledge base ({exc})") from None

    def _connect(self, readonly: bool) -> sqlite3.Connection:
        uri = f"file:{self.path}?mode=ro" if readonly else f"file:{self.path}"
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 5000")
        return db

    @property
    def read_db(self) -> sqlite3.Connection:
        """This thread's connection for reading: its own, or the write connection inside a write."""
        if self._shared or self._writer == threading.get_ident():
            return self.db
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                db = self._connect(self.readonly)
                db.execute("PRAGMA query_only = ON")
            except sqlite3.DatabaseError as exc:
                raise OftenaskedError(f"{self.path}: cannot be read ({exc})") from None
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        return db

    def in_write(self) -> bool:
        """Whether this thread is inside :meth:`transaction` (its reads then see uncommitted changes)."""
        return self._writer == threading.get_ident()

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Reads that must agree with each other: one read transaction (one WAL snapshot)."""
        db = self.read_db
        if db.in_transaction:  # inside a write, or an outer snapshot: already consistent
            yield db
            return
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    # -- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise OftenaskedError(
                f"{self.path}: schema version {version} is newer than this oftenasked ({len(MIGRATIONS)})"
            )
        for number in range(version, len(MIGRATIONS)):
            with self.transaction():
                for statement in _split_sql(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: on any exception the knowledge base stays as it was.

        One writer at a time (``write_lock``); a transaction opened inside another joins it.
        """
        with self.write_lock:
            if self._writer == threading.get_ident():
                yield self.db
                return
            self.db.execute("BEGIN IMMEDIATE")
            self._writer = threading.get_ident()
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")
            finally:
                self._writer = None

    def close_readers(self) -> None:
        """Close every thread's read connection (each thread opens a new one when it next reads)."""
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for db in readers:
            db.close()
        self._local = threading.local()

    def close(self) -> None:
        self.close_readers()
        self.db.close()

    def to_single_file(self) -> None:
        """Fold the write-ahead log into the file and leave WAL mode: one self-contained file to copy."""
        self.close_readers()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("PRAGMA journal_mode = DELETE")

    # -- reading ------------------------------------------------------------------------
    def generation(self) -> int:
        """A counter bumped by every change, so derived indexes know when they are stale."""
        return int(self.read_db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def count(self) -> int:
        return int(self.read_db.execute("SELECT count(*) FROM pairs").fetchone()[0])

    def pairs(self, rowids: Sequence[int] | None = None) -> list[Pair]:
        """Pairs in knowledge-base order, or the pairs of the given rowids in that order."""
        sql = _PAIR_SELECT
        if rowids is None:
            rows = self.read_db.execute(sql + " ORDER BY p.rowid").fetchall()
            return [_pair(r) for r in rows]
        wanted = list(rowids)
        by_rowid = self.pairs_by_rowid(wanted)
        return [by_rowid[i] for i in wanted if i in by_rowid]

    def pairs_by_rowid(self, rowids: Sequence[int]) -> dict[int, Pair]:
        out: dict[int, Pair] = {}
        wanted = list(dict.fromkeys(rowids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.read_db.execute(_PAIR_SELECT + f" WHERE p.rowid IN ({','.join('?' * len(chunk))})", chunk)
            out.update((int(r[0]), _pair(r)) for r in rows)
        return out

    def pairs_as_of(self, rowids: Sequence[int], generation: int) -> dict[int, Pair] | None:
        """The pairs of these rowids, read in one snapshot at ``generation``; None at any other."""
        with self.snapshot():
            if self.generation() != generation:
                return None
            pairs = self.pairs_by_rowid(rowids)
        return pairs

    def pairs_page(self, offset: int, limit: int) -> tuple[int, list[Pair]]:
        """How many pairs there are, and ``limit`` of them from ``offset`` in knowledge-base order."""
        with self.snapshot() as db:
            rows = db.execute("SELECT rowid FROM pairs ORDER BY rowid LIMIT ? OFFSET ?", (limit, offset))
            return self.count(), self.pairs([int(r) for (r,) in rows.fetchall()])

    def source_id_of(self, pair_id: str) -> int:
        row = self.read_db.execute("SELECT source_id FROM pairs WHERE id = ?", (pair_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no pair with id {pair_id!r}")
        return int(row[0])

    def pair(self, pair_id: str) -> Pair:
        row = self.read_db.execute(_PAIR_SELECT + " WHERE p.id = ?", (pair_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no pair with id {pair_id!r}")
        return _pair(row)

    def rowid_of(self, pair_id: str) -> int | None:
        row = self.read_db.execute("SELECT rowid FROM pairs WHERE id = ?", (pair_id,)).fetchone()
        return None if row is None else int(row[0])

    def source_hashes(self, origin: str) -> dict[str, str]:
        """Pair id → content hash for the pairs an origin holds now."""
        rows = self.read_db.execute(
            "SELECT p.id, p.content_hash FROM pairs p JOIN sources s ON s.id = p.source_id WHERE s.origin = ?",
            (origin,),
        )
        return dict(rows.fetchall())

    def owners(self, ids: Sequence[str]) -> dict[str, str]:
        """Pair id → origin, for those of ``ids`` that already exist."""
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            rows = self.read_db.execute(
                "SELECT p.id, s.origin FROM pairs p JOIN sources s ON s.id = p.source_id"
                f" WHERE p.id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            out.update(dict(rows.fetchall()))
        return out

    def sources(self) -> list[dict[str, object]]:
        rows = self.read_db.execute(
            "SELECT s.origin, s.format, s.title, s.ingested_at, count(p.rowid) FROM sources s"
            " LEFT JOIN pairs p ON p.source_id = s.id GROUP BY s.id ORDER BY s.id"
        )
        return [
            {"origin": o, "format": f, "title": t, "ingested_at": at, "pairs": n} for o, f, t, at, n in rows
        ]

    def search_texts(self) -> list[tuple[int, str, int, str, str]]:
        """(pair rowid, kind, ordinal, text, text hash) for every searchable text, grouped by pair."""
        return self.read_db.execute(
            "SELECT pair_rowid, kind, ordinal, text, text_hash FROM texts ORDER BY pair_rowid, kind DESC, ordinal"
        ).fetchall()

    def question_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(id, question, alternates as JSON, answer, origin) of every pair, for finding duplicates."""
        return self.read_db.execute(
            "SELECT p.id, p.question, p.alternates, p.answer, s.origin FROM pairs p JOIN sources s ON s.id = p.source_id"
        ).fetchall()

    def meta(self, key: str) -> str | None:
        row = self.read_db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def pair_rows(self) -> list[tuple[int, str, Pair]]:
        """(rowid, content hash, pair) of every pair, in knowledge-base order."""
        rows = self.read_db.execute(_PAIR_SELECT.replace("p.rowid,", "p.rowid, p.content_hash,", 1) + " ORDER BY p.rowid")
        return [(r[0], r[1], _pair((r[0], *r[2:]))) for r in rows]

    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            rows = self.read_db.execute(
                f"SELECT text_hash, vector FROM vectors WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                [model, *chunk],
            )
            for text_hash, blob in rows:
                out[text_hash] = np.frombuffer(blob, dtype=np.float16)
        return out

    # -- writing (call inside transaction()) --------------------------------------------
    def bump_generation(self) -> None:
        """Mark derived state stale by hand (the triggers of migration 3 do it for every change)."""
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO vectors(model, text_hash, vector) VALUES (?, ?, ?)",
            [(model, h, v.astype(np.float16).tobytes()) for h, v in vectors.items()],
        )

    def upsert_source(self, origin: str, fmt: str, title: str | None) -> int:
        self.db.execute(
            "INSERT INTO sources(origin, format, title, ingested_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(origin) DO UPDATE SET format = excluded.format, title = excluded.title,"
            " ingested_at = excluded.ingested_at",
            (origin, fmt, title, now()),
        )
        return int(self.db.execute("SELECT id FROM sources WHERE origin = ?", (origin,)).fetchone()[0])

    def write_pairs(self, source_id: int, rows: Sequence[PairRow]) -> None:
        """Insert new pairs and replace changed ones, keeping their first ingestion time."""
        stamp = now()
        for row in rows:
            p = row.pair
            self.db.execute(
                "INSERT INTO pairs(id, source_id, position, question, answer, source, alternates, metadata,"
                " content_hash, ingested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET source_id = excluded.source_id, position = excluded.position,"
                " question = excluded.question, answer = excluded.answer, source = excluded.source,"
                " alternates = excluded.alternates, metadata = excluded.metadata,"
                " content_hash = excluded.content_hash, updated_at = excluded.updated_at",
                (
                    p.id, source_id, p.position, p.question, p.answer, p.source,
                    json.dumps(list(p.alternates), ensure_ascii=False),
                    json.dumps(p.metadata, ensure_ascii=False, sort_keys=True),
                    row.content_hash, p.ingested_at or stamp, stamp,
                ),
            )
            rowid = self.db.execute("SELECT rowid FROM pairs WHERE id = ?", (p.id,)).fetchone()[0]
            self.db.execute("DELETE FROM texts WHERE pair_rowid = ?", (rowid,))
            self.db.executemany(
                "INSERT INTO texts(pair_rowid, kind, ordinal, text, text_hash) VALUES (?, ?, ?, ?, ?)",
                [(rowid, kind, ordinal, text, h) for kind, ordinal, text, h in row.texts],
            )

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value))

    def replace_texts(self, rowid: int, content_hash: str, texts: Sequence[tuple[str, int, str, str]]) -> None:
        """A pair's derived texts (and so its content hash), its own fields unchanged."""
        self.db.execute("UPDATE pairs SET content_hash = ? WHERE rowid = ?", (content_hash, rowid))
        self.db.execute("DELETE FROM texts WHERE pair_rowid = ?", (rowid,))
        self.db.executemany(
            "INSERT INTO texts(pair_rowid, kind, ordinal, text, text_hash) VALUES (?, ?, ?, ?, ?)",
            [(rowid, kind, ordinal, text, h) for kind, ordinal, text, h in texts],
        )

    def set_positions(self, positions: dict[str, int]) -> None:
        # Only the pairs that moved: an update, even to the same value, bumps the generation.
        self.db.executemany(
            "UPDATE pairs SET position = ? WHERE id = ? AND position IS NOT ?", [(v, k, v) for k, v in positions.items()]
        )

    def delete_pairs(self, ids: Sequence[str]) -> None:
        self.db.executemany("DELETE FROM pairs WHERE id = ?", [(i,) for i in ids])

    def remove_source(self, origin: str) -> int:
        row = self.db.execute("SELECT id FROM sources WHERE origin = ?", (origin,)).fetchone()
        if row is None:
            raise NotFoundError(f"no source {origin!r} in the knowledge base")
        count = self.db.execute("SELECT count(*) FROM pairs WHERE source_id = ?", (row[0],)).fetchone()[0]
        self.db.execute("DELETE FROM sources WHERE id = ?", (row[0],))
        return int(count)


_PAIR_SELECT = (
    "SELECT p.rowid, p.id, p.question, p.answer, p.source, s.origin, p.position, p.alternates,"
    " p.metadata, p.ingested_at FROM pairs p JOIN sources s ON s.id = p.source_id"
)


def _pair(row: tuple) -> Pair:  # type: ignore[type-arg]
    _, pair_id, question, answer, source, origin, position, alternates, metadata, ingested_at = row
    return Pair(
        id=pair_id,
        question=question,
        answer=answer,
        source=source,
        origin=origin,
        position=position,
        alternates=tuple(json.loads(alternates)),
        metadata=json.loads(metadata),
        ingested_at=ingested_at,
    )


def _split_sql(script: str) -> list[str]:
    """Statements of a migration, comments removed (a trigger's body holds ';' of its own)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    statements: list[str] = []
    pending = ""
    for piece in "\n".join(lines).split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    return statements
