"""pgvector in the PostgreSQL store: vectors as ``halfvec``, an HNSW index per model, nearest texts.

Server migration 1 (PostgreSQL only, after the shared numbered migrations of store/migrations.py):
``vectors.vector`` changes from float16 ``bytea`` to pgvector's ``halfvec`` (the same 2 bytes a
dimension, so the same size on disk and the same values), and ``texts`` gets an index on its text
hash (what joins a nearest vector back to its pairs). Whether it is applied is read from the catalog
(the column's type), so a knowledge base made before it, or on a PostgreSQL without pgvector, is
migrated the first time it is opened where pgvector can be loaded; where it cannot, vectors stay
bytes, a log line says so, and search uses the in-process index as before.

The rest of oftenasked reads a vector as little-endian float16 bytes. A binary loader turns
``halfvec`` (big-endian float16 after a 4-byte header) into exactly those bytes, and a binary dumper
does the reverse, so nothing else changes and no text formatting of 384 numbers is ever paid.

The HNSW index is partial and per model (``WHERE model = ...``, on ``vector::halfvec(dim)``): the
column has no fixed dimension, since the vector cache holds every model's vectors.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

log = logging.getLogger("oftenasked")

HNSW_M = 16
"""Neighbours per node (pgvector's default); see bench/pgvector.py for the recall it gives."""
HNSW_EF_CONSTRUCTION = 64
"""Candidates kept while building (pgvector's default)."""
TEXTS = 256
"""Nearest texts asked of PostgreSQL per search (of both kinds; at most twice what the first pass asks
per kind): the latency/recall dial. At 100k pairs, 256 texts: the top 10 answers hold 99.8 % of the
exact top 10 at 4.8 ms median; 512: 99.9 % at 10.6 ms (bench/pgvector.py, bench/RESULTS.md)."""
EF_SEARCH = 600
"""Candidates kept while searching: at least the number of texts asked for (pgvector returns no
more than ``hnsw.ef_search`` rows)."""
MAINTENANCE_MEMORY = "2GB"
"""Memory PostgreSQL may use while it builds the HNSW graph (enough for ~1.5M texts in memory)."""
_BATCH = 5000


class Half:
    """A float16 vector to write as ``halfvec`` (what the dumper below recognises)."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=">f2")


def register(conn: Any) -> int | None:
    """Teach a psycopg connection ``halfvec`` in binary, both ways; its type oid, or None without pgvector."""
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format

    row = conn.execute("SELECT to_regtype('halfvec')::oid").fetchone()
    oid = None if row is None or row[0] is None else int(row[0])
    if oid is None:
        return None

    class HalfDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj: Half) -> bytes:
            return len(obj.values).to_bytes(2, "big") + b"\0\0" + obj.values.tobytes()

    HalfDumper.oid = oid

    class HalfLoader(Loader):
        format = Format.BINARY

        def load(self, data: Any) -> bytes:
            return np.frombuffer(bytes(data)[4:], dtype=">f2").astype("<f2").tobytes()

    class HalfTextLoader(Loader):  # a text-format read (a cursor that is not binary): slower, same bytes
        def load(self, data: Any) -> bytes:
            text = bytes(data).decode()
            return np.array(text.strip("[]").split(","), dtype=np.float32).astype("<f2").tobytes()

    conn.adapters.register_dumper(Half, HalfDumper)
    conn.adapters.register_loader(oid, HalfLoader)
    conn.adapters.register_loader(oid, HalfTextLoader)
    return oid


def column_type(raw: Any) -> str | None:
    """The type of ``vectors.vector`` now ('bytea' or 'halfvec'); None before the vectors table exists."""
    row = raw.execute(
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
        " WHERE a.attrelid = to_regclass('vectors') AND a.attname = 'vector' AND NOT a.attisdropped"
    ).fetchone()
    return None if row is None else str(row[0])


def load_extension(raw: Any) -> str | None:
    """``CREATE EXTENSION vector`` inside the migration's transaction; None, or why it failed."""
    import psycopg

    raw.execute("SAVEPOINT oftenasked_pgvector")
    try:
        raw.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as exc:
        raw.execute("ROLLBACK TO SAVEPOINT oftenasked_pgvector")
        return str(exc).strip().splitlines()[0]
    raw.execute("RELEASE SAVEPOINT oftenasked_pgvector")
    return None


def migrate(raw: Any, url: str) -> bool:
    """Server migration 1, inside the caller's write transaction; whether vectors are ``halfvec`` after it."""
    where = re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)  # (a password in the URL stays out of logs)
    kind = column_type(raw)
    if kind is None:
        return False
    if kind == "halfvec":
        return register(raw) is not None
    failure = load_extension(raw)
    if failure is not None:
        log.warning("%s: pgvector cannot be loaded (%s); vectors stay float16 bytes and search uses the"
                    " in-process index", where, failure)
        return False
    register(raw)
    started = time.perf_counter()
    raw.execute("ALTER TABLE vectors ADD COLUMN vector_half halfvec")
    moved = 0
    with raw.cursor(name="oftenasked_vectors_bytea") as rows:  # streamed: a large cache is not held at once
        rows.execute("SELECT model, text_hash, vector FROM vectors")
        while batch := rows.fetchmany(_BATCH):
            with raw.cursor() as write:
                write.executemany(
                    "UPDATE vectors SET vector_half = %s WHERE model = %s AND text_hash = %s",
                    [(Half(np.frombuffer(blob, dtype="<f2")), model, h) for model, h, blob in batch],
                )
            moved += len(batch)
    raw.execute("ALTER TABLE vectors DROP COLUMN vector")
    raw.execute("ALTER TABLE vectors RENAME COLUMN vector_half TO vector")
    raw.execute("ALTER TABLE vectors ALTER COLUMN vector SET NOT NULL")
    raw.execute("CREATE INDEX IF NOT EXISTS texts_text_hash ON texts(text_hash)")
    log.info("%s: %d vectors moved to pgvector halfvec in %.1f s", where, moved, time.perf_counter() - started)
    return True


def index_name(model: str, dim: int) -> str:
    return f"vectors_hnsw_{hashlib.sha1(model.encode()).hexdigest()[:10]}_{dim}"


def index_exists(raw: Any, model: str, dim: int) -> bool:
    row = raw.execute("SELECT to_regclass(%s)", (index_name(model, dim),)).fetchone()
    return row is not None and row[0] is not None


def ensure_index(raw: Any, model: str, dim: int) -> float:
    """The HNSW index of one model's vectors (built now if missing, inside the caller's write
    transaction); seconds spent building it (0 when it was there)."""
    from psycopg import sql

    name = index_name(model, dim)
    if index_exists(raw, model, dim):
        return 0.0
    started = time.perf_counter()
    # The graph is built in memory when it fits maintenance_work_mem, many times faster than on disk
    # (about 1.2 KB a vector here); for this transaction only.
    raw.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_MEMORY}'")
    raw.execute(
        sql.SQL(
            "CREATE INDEX {} ON vectors USING hnsw ((vector::halfvec({})) halfvec_cosine_ops)"
            " WITH (m = {}, ef_construction = {}) WHERE model = {}"
        ).format(sql.Identifier(name), sql.Literal(dim), sql.Literal(HNSW_M), sql.Literal(HNSW_EF_CONSTRUCTION),
                 sql.Literal(model))
    )
    spent = time.perf_counter() - started
    log.info("HNSW index %s built in %.1f s", name, spent)
    return spent


def nearest_texts(raw: Any, lock: Any, model: str, vector: np.ndarray, k: int) -> list[tuple[str, int, float]]:
    """(kind, pair rowid, cosine) of the texts whose vectors are among the ``k`` nearest to ``vector``
    by the model's HNSW index (approximate), best first. Vectors no text uses any more (the cache
    keeps them) are among the ``k`` but join nothing."""
    from psycopg import sql

    dim = len(vector)
    query = sql.SQL(
        "SELECT t.kind, t.pair_rowid, 1 - n.distance FROM ("
        " SELECT text_hash, vector::halfvec({dim}) <=> %s AS distance FROM vectors WHERE model = {model}"
        " ORDER BY vector::halfvec({dim}) <=> %s LIMIT %s) n JOIN texts t ON t.text_hash = n.text_hash"
        " ORDER BY n.distance"
    ).format(dim=sql.Literal(dim), model=sql.Literal(model))  # literals: the partial index must match
    half = Half(vector)
    with lock:
        return [(kind, int(rowid), float(score)) for kind, rowid, score in raw.execute(query, (half, half, k))]


class ServerFirstPass:
    """The first pass of a search (candidate texts) from the knowledge base's HNSW index in
    PostgreSQL, in the shape of the in-process approximate index (``retrieve/ann.py``): one object
    for question texts, one for answer texts, each with ``search(vector, k)`` giving text positions
    of the search index. One round trip answers both: the ``2k`` nearest texts of either kind."""

    def __init__(self, raw: Any, lock: Any, model: str, rowids: np.ndarray, q_owners: np.ndarray,
                 a_owners: np.ndarray) -> None:
        self._raw, self._lock, self._model = raw, lock, model
        self._rowids = np.asarray(rowids, dtype=np.int64)
        self._owners = {"q": np.asarray(q_owners, dtype=np.int64), "a": np.asarray(a_owners, dtype=np.int64)}
        self._last: tuple[bytes, dict[str, tuple[np.ndarray, np.ndarray]]] | None = None
        self._last_lock = threading.Lock()
        self.questions = _Kind(self, "q")
        self.answers = _Kind(self, "a")

    def nearest(self, vector: np.ndarray, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        key = np.asarray(vector, dtype=np.float32).tobytes() + k.to_bytes(4, "little")
        with self._last_lock:
            if self._last is not None and self._last[0] == key:
                return self._last[1]
        found = nearest_texts(self._raw, self._lock, self._model, vector, min(2 * k, TEXTS))
        out = {kind: self._positions(kind, [(r, s) for t, r, s in found if t == kind]) for kind in ("q", "a")}
        with self._last_lock:
            self._last = (key, out)
        return out

    def _positions(self, kind: str, hits: Sequence[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Rowids as text positions of this index (a text of that pair: the first pass only needs
        its owner); pairs the index does not hold (written since it was built) are left out."""
        if not hits:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rowids = np.array([r for r, _ in hits], dtype=np.int64)
        scores = np.array([s for _, s in hits], dtype=np.float32)
        at = np.searchsorted(self._rowids, rowids)
        known = (at < len(self._rowids)) & (self._rowids[np.minimum(at, len(self._rowids) - 1)] == rowids)
        owners = self._owners[kind]
        texts = np.searchsorted(owners, at[known])
        held = (texts < len(owners)) & (owners[np.minimum(texts, len(owners) - 1)] == at[known])
        return texts[held].astype(np.int64), scores[known][held]


class NearestTexts(Protocol):
    """What a search's first pass asks of an approximate index: the texts nearest a query vector."""

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...


class _Kind:
    def __init__(self, parent: ServerFirstPass, kind: str) -> None:
        self._parent, self._kind = parent, kind

    @property
    def size(self) -> int:
        return len(self._parent._owners[self._kind])

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(text positions, cosines) of about the ``k`` nearest texts of this kind, best first."""
        return self._parent.nearest(query, k)[self._kind]
