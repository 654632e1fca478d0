"""The query log's batching: asked questions are taken at once and written a moment later, in bulk.

A write per question made the processes that share a file wait on each other's write lock, and a
write on the caller's thread would stall the HTTP server's event loop behind an ingest. So
:meth:`QueryLog.record` only appends to a list; a thread of the log's own writes the list at most
``seconds`` later (sooner when ``batch`` entries wait). ``flush`` writes in the caller's thread,
for ``close`` and for ``stats``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from ..store import Store
from .querylog import QueryRow, write_queries

log = logging.getLogger("oftenasked")


class QueryLog:
    """Pending query-log entries of one knowledge base, and the thread that writes them."""

    def __init__(
        self, store: Store, *, keep_days: float | None = None, seconds: float = 1.0, batch: int = 256,
        max_pending: int = 10_000,
    ) -> None:
        self.store = store
        self.keep_days = keep_days
        """Rows older than this many days are deleted as new ones are written (the retention setting)."""
        self.seconds = seconds
        self.batch = batch
        self.max_pending = max_pending
        self._pending: list[QueryRow] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one write of the log at a time, keeping entries in order
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def record(self, row: QueryRow) -> None:
        """Take an entry; never writes, never waits for the file."""
        with self._lock:
            self._pending.append(row)
            if len(self._pending) == 1 or len(self._pending) >= self.batch:
                self._wake.set()
            if self._thread is None and not self._closing.is_set():
                self._thread = threading.Thread(target=self._run, name="oftenasked-query-log", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._closing.is_set():
            self._wake.wait()
            self._wake.clear()
            if self.pending < self.batch:
                self._closing.wait(self.seconds)  # a quiet moment still writes within the second
            self.flush()

    def flush(self) -> bool:
        """Write what is pending. Best effort: when the file stays locked by another process past the
        busy timeout, the entries wait for the next write (the oldest are dropped past ``max_pending``)
        and False is returned; answering never fails for the log."""
        with self._flushing:
            with self._lock:
                rows, self._pending = self._pending, []
            if not rows:
                return True
            try:
                with self.store.write_lock:  # the one write connection, one writer at a time
                    write_queries(self.store.db, rows, self.keep_days)
                return True
            except sqlite3.OperationalError as exc:
                log.warning("query log entries kept for later: %s", exc)
            with self._lock:
                self._pending[:0] = rows
                del self._pending[: max(0, len(self._pending) - self.max_pending)]
            return False

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._closing.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self.flush()
