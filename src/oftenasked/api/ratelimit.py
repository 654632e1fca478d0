"""Per-client rate limits for what one client can make the server store (feedback, the query log).

A sliding window per client: the times of its last ``per_minute`` events; a new event is allowed
when the oldest of them is more than a minute old. Each server process counts for itself, so
with N processes a client gets at most N times the limit. Clients are told apart by their IP
address (behind a reverse proxy every client is the proxy: limit there instead).

Not the ``limits`` library: its in-memory storage starts a timer thread every 10 ms while in
use, which then wakes to compete for the GIL with the thread that answers (the server's CPU per
request rose from 5.9 to 6.6 ms at 64 clients in bench/http_load.py). This needs no thread.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

_WINDOW_SECONDS = 60.0
_MOST_CLIENTS = 10_000
"""Clients remembered at once; the least recently seen are forgotten first (memory stays bounded)."""


class PerClient:
    """At most ``per_minute`` events a minute for each client key (0: no limit)."""

    def __init__(self, per_minute: int, name: str = "") -> None:
        self.per_minute = per_minute
        self.name = name
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # (routes run in the event loop and in worker threads)

    def allow(self, client: str, now: float | None = None) -> bool:
        """Count one event for ``client``; False (and not counted) when it is over its limit."""
        if self.per_minute <= 0:
            return True
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.get(client)
            if times is None:
                times = self._seen[client] = deque(maxlen=self.per_minute)
                if len(self._seen) > _MOST_CLIENTS:
                    self._seen.popitem(last=False)
            else:
                self._seen.move_to_end(client)
            if len(times) == self.per_minute and now - times[0] < _WINDOW_SECONDS:
                return False
            times.append(now)
            return True
