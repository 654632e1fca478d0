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

    def body_limit(self, path: str) -> int:
        return self.max_ingest_body if path == "/ingest" else self.max_body
