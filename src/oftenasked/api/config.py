"""How the server behaves: the write token, CORS, and the limits that keep it safe by default."""

from __future__ import annotations

from dataclasses import dataclass

KB = 1024


@dataclass(frozen=True)
class ServerConfig:
    """Server settings. The defaults are the safe ones: no writes, no CORS, small bodies."""

    token: str | None = None
    """Bearer token that write endpoints (ingest, pair edit/delete) require; None refuses all writes."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed to call the API from a browser; empty turns CORS off."""
    max_body: int = 64 * KB
    """Largest request body, in bytes, except for ingest."""
    max_ingest_body: int = 10 * KB * KB
    """Largest body for POST /ingest, in bytes."""
    max_top: int = 50
    """Most answers or related questions one request may ask for."""
    max_ingest_unpacked: int = 10 * KB * KB
    """Largest upload once unpacked (a gzip body), in bytes: a small gzip cannot carry a huge file."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the server answers to, besides IP addresses and ``localhost`` (``*``: any name).
    Empty: no check. ``serve`` always checks (see api/hosts.py), so a web page cannot reach the
    server through DNS rebinding."""
    max_header_bytes: int = 32 * KB
    """Largest request line and headers, in bytes; larger gets 431."""
    header_timeout: float = 10.0
    """Seconds a connection may take to send its request line and headers before it is closed."""
    body_timeout: float = 30.0
    """Seconds a request may take to send its body (408 after that)."""
    keep_alive_timeout: int = 5
    """Seconds an idle kept-alive connection stays open."""
    max_connections: int = 1000
    """Open connections per server process (kept below the process's file limit)."""
    feedback_per_minute: int = 20
    """Feedback requests one client (IP address) may send a minute; more get 429."""
    logged_per_minute: int = 60
    """Questions of one client (IP address) written to the query log a minute; more are answered
    but not logged, so one client cannot flood the log or the often-asked counts."""
    answer_cache: int = 4096
    """Rendered answers kept for repeated questions (0 turns the cache off); writes invalidate it."""
    serialize: bool = True
    """Run knowledge-base calls one at a time, under the knowledge base's own lock.

    Reads then never see a write half-done, and on a small machine one search at a time is
    faster than many threads fighting over the same cores (bench/http_load.py measures both).
    """

    def body_limit(self, path: str) -> int:
        return self.max_ingest_body if path == "/ingest" else self.max_body
