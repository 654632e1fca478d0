"""The bearer token: which requests need it, and the one check both the guard and routes use.

Writes (ingest, pair edits) and the usage statistics (everyone's questions) need the operator's
token. The guard checks it from the headers alone, before a byte of the body is read, so a
client without the token cannot make the server buffer an upload.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from .config import ServerConfig


def needs_token(method: str, path: str) -> bool:
    """True for the requests that only the token's holder may make."""
    if path == "/ingest":
        return method == "POST"
    if path.startswith("/pairs/"):
        return method in ("PUT", "DELETE", "PATCH", "POST")
    return path == "/stats"


def token_refusal(config: ServerConfig, authorization: str, path: str = "") -> tuple[int, str] | None:
    """None when ``authorization`` carries the configured token, else the status and message."""
    if not config.token:
        what = "the usage statistics are private" if path == "/stats" else "writes are disabled"
        return 403, f"{what}: start the server with --token or OFTENASKED_TOKEN"
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), config.token.encode()):
        return 401, "this endpoint needs 'Authorization: Bearer <token>'"
    return None


def header(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> str:
    """The first value of one header in an ASGI scope's header list ('' when absent)."""
    for name, value in headers:
        if name == wanted:
            return value.decode("latin-1")
    return ""
