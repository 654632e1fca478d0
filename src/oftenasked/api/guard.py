"""An ASGI middleware that checks a request before its body is read, bounds the body, and adds
security headers to every response.

Pure ASGI (no BaseHTTPMiddleware), so it costs microseconds per request. In order: the Host
name (DNS rebinding, api/hosts.py), the token of the requests that need one (api/auth.py), the
announced ``Content-Length``; only then is the body read, up to the limit (a larger one gets 413
whether it announced its length or came chunked) and within ``body_timeout`` (else 408).
Limits below HTTP (header size, silent connections, connection count) are api/protocol.py's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pydantic_core import to_json

from .auth import header, needs_token, token_refusal
from .config import ServerConfig
from .hosts import host_allowed
from .responses import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# No inline script anywhere: the page's JavaScript is one same-origin file. JSON-LD data blocks
# are not scripts that run, so they need no exception.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class Guard:
    """Body-size limits and security headers around the application."""

    def __init__(self, app: ASGIApp, config: ServerConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        headers = scope.get("headers", [])
        host = header(headers, b"host")  # (HTTP/1.0 without a Host header: nothing to rebind)
        if self.config.allowed_hosts and host and not host_allowed(host, self.config.allowed_hosts):
            await _refuse(send_with_headers, 400, "this server does not answer to that Host name")
            return
        if needs_token(scope["method"], scope["path"]):
            refused = token_refusal(self.config, header(headers, b"authorization"), scope["path"])
            if refused is not None:
                await _refuse(send_with_headers, *refused)
                return
        limit = self.config.body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send_with_headers, limit)
            return
        try:
            body = await asyncio.wait_for(_read_body(receive, limit), self.config.body_timeout)
        except asyncio.TimeoutError:  # (TimeoutError itself only from Python 3.11)
            await _refuse(send_with_headers, 408, f"the request body did not arrive within {self.config.body_timeout:g} s")
            return
        if body is None:  # the client went away
            return
        if len(body) > limit:
            await _too_large(send_with_headers, limit)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)


async def _read_body(receive: Receive, limit: int) -> bytearray | None:
    """The whole body, or its first ``limit`` + 1 bytes; None when the client disconnects."""
    body = bytearray()
    more = True
    while more and len(body) <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, 413, f"the request body is too large (the limit is {limit} bytes)")


async def _refuse(send: Send, status: int, message: str) -> None:
    body = to_json(error_body(status, message))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"), *([(b"www-authenticate", b"Bearer")] if status == 401 else [])],
        }
    )
    await send({"type": "http.response.body", "body": body})
