"""How the server behaves: the write token, CORS, and the limits that keep it safe by default."""

from __future__ import annotations

from dataclasses import dataclass

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

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
    allowed_hosts: tuple[str, ...] = ()
    """Host names the server answers to (empty: any). Bound to loopback, ``serve`` allows only the
    loopback names, so a web page cannot reach it through DNS rebinding."""
    answer_cache: int = 4096
    """Rendered answers kept for repeated questions (0 turns the cache off); writes invalidate it."""
    serialize: bool = True
    """Answer questions one at a time on the event loop (when the index is ready); False answers
    them in worker threads side by side. Correct either way (the knowledge base owns its
    concurrency); on a small machine one at a time is faster than threads fighting over the GIL
    (bench/http_load.py measures both)."""

    def body_limit(self, path: str) -> int:
        return self.max_ingest_body if path == "/ingest" else self.max_body
