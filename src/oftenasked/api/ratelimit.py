"""Per-client rate limits for what one client can make the server store (feedback, the query log).

Built on the ``limits`` library's moving window in memory: each server process counts for
itself, so with N processes a client gets at most N times the limit. Clients are told apart
by their IP address (behind a reverse proxy, every client is the proxy: limit there instead).
"""

from __future__ import annotations

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class PerClient:
    """At most ``per_minute`` events a minute for each client key (0: no limit)."""

    def __init__(self, per_minute: int, name: str) -> None:
        self._item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._name = name

    def allow(self, client: str) -> bool:
        """Count one event for ``client``; False when it is over its limit."""
        return self._item is None or self._limiter.hit(self._item, self._name, client)
