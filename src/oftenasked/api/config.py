"""How the server behaves: the write token, CORS, and the limits that keep it safe by default.

The defaults, help texts and ``OFTENASKED_*`` variables are those of the one settings table
(``oftenasked/settings.py``, scope ``server``); the answer limits are the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from ..settings import LIMITS, default, from_environment

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

KB = 1024


@dataclass(frozen=True)
class ServerConfig:
    """Server settings. The defaults are the safe ones: no writes, no CORS, small bodies."""

    token: str | None = default("token")
    """Bearer token that write endpoints (ingest, pair edit/delete) require; None refuses all writes."""
    cors_origins: tuple[str, ...] = default("cors_origins")
    """Origins allowed to call the API from a browser; empty turns CORS off."""
    max_body: int = default("max_body")
    """Largest request body, in bytes, except for ingest."""
    max_ingest_body: int = default("max_ingest_body")
    """Largest body for POST /ingest, in bytes."""
    max_top: int = int(LIMITS["top"][1])
    """Most answers or related questions one request may ask for."""
    allowed_hosts: tuple[str, ...] = default("allowed_hosts")
    """Host names the server answers to (empty: any). Bound to loopback, ``serve`` allows only the
    loopback names, so a web page cannot reach it through DNS rebinding."""
    answer_cache: int = default("answer_cache")
    """Rendered answers kept for repeated questions (0 turns the cache off); writes invalidate it."""
    serialize: bool = default("serialize")
    """Answer questions one at a time on the event loop (when the index is ready); False answers
    them in worker threads side by side. Correct either way (the knowledge base owns its
    concurrency); on a small machine one at a time is faster than threads fighting over the GIL
    (bench/http_load.py measures both)."""

    def body_limit(self, path: str) -> int:
        return self.max_ingest_body if path == "/ingest" else self.max_body

    @classmethod
    def load(cls, environ: dict[str, str] | None = None, **overrides: Any) -> ServerConfig:
        """Defaults, then ``OFTENASKED_*`` variables, then explicit overrides (None: not given)."""
        values = from_environment("server", environ)
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: v for k, v in values.items() if k in known})
