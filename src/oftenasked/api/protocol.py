"""uvicorn's httptools protocol with the connection limits uvicorn leaves to a proxy in front.

uvicorn (0.54) bounds neither the size of a request's headers nor the time a client may take to
send them, and counts connections only once their headers have arrived: a 128 MiB header held
a worker's event loop for seconds, and a thousand connections that never sent a byte used up
the process's file descriptors so that every other client was reset. What the servers offer
falls short: ``h11_max_incomplete_event_size`` bounds headers with h11 only (and answers 400),
httptools has no limit; ``limit_concurrency`` is checked when headers are complete, so silent
connections still hold their descriptors; ``timeout_keep_alive`` starts after a first response;
gunicorn's ``limit_request_*`` settings apply to its own parser, not to uvicorn workers. This subclass adds, per
connection, at the socket level (before any ASGI code runs):

- the request line and headers must fit in ``max_header_bytes``, else ``431`` and the
  connection is closed;
- they must arrive within ``header_timeout`` seconds of the connection opening (or of the
  previous response on a kept-alive connection), else the connection is closed (``408`` when
  something had been sent): a silent or slow-loris client holds a slot for seconds, not forever;
- at most ``max_connections`` connections per process: at the limit, the oldest connection that
  is still waiting for its headers is closed to make room, and only when none is waiting does
  the new connection get ``503`` (or, past twice the limit, is closed at once).

Idle kept-alive connections are closed by uvicorn's own ``timeout_keep_alive``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .responses import error_body

_HEAD_END = b"\r\n\r\n"
_LINGER_SECONDS = 1.0


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int
    header_timeout: float
    max_connections: int


def _raw_response(status: int, reason: str, message: str) -> bytes:
    body = to_json(error_body(status, message))
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def limited_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """An httptools protocol class for uvicorn's ``http`` option that enforces ``limits``."""
    too_large = _raw_response(
        431, "Request Header Fields Too Large",
        f"the request headers are too large (the limit is {limits.max_header_bytes} bytes)",
    )
    too_slow = _raw_response(408, "Request Timeout", "the request headers did not arrive in time")
    busy = _raw_response(503, "Service Unavailable", "too many connections; try again in a moment")

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        _head_bytes = 0
        _head_since = 0.0
        _in_head = False
        _head_timer: asyncio.TimerHandle | None = None
        _draining = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections and not self._evict_one_waiting():
                if len(self.connections) > 2 * limits.max_connections:
                    transport.abort()  # a flood: no lingering to say so, the file descriptor back now
                else:
                    self._give_up(busy)
                return
            self._await_head()
            self._start_head_timer()

        def _idle(self) -> bool:
            """Waiting for a request's headers, with no request of its own being answered."""
            return self._in_head and not self._draining and (self.cycle is None or self.cycle.response_complete)

        def _evict_one_waiting(self) -> bool:
            """Close the connection that has waited longest for its headers, to make room."""
            others: list[Any] = [c for c in self.connections if c is not self]
            waiting = [c for c in others if isinstance(c, LimitedHttpToolsProtocol) and c._idle()]
            if not waiting:
                return False
            min(waiting, key=lambda c: c._head_since)._give_up(b"")
            return True

        def _await_head(self) -> None:
            self._in_head = True
            self._head_bytes = 0
            self._head_since = time.monotonic()

        def _start_head_timer(self) -> None:
            self._cancel_head_timer()
            self._head_timer = self.loop.call_later(limits.header_timeout, self._head_timed_out)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self._in_head:
                self._give_up(too_slow if self._head_bytes else b"")

        def _give_up(self, response: bytes) -> None:
            self._in_head = False
            self._cancel_head_timer()
            if self.transport.is_closing() or self._draining:
                return
            if not response:
                self.transport.close()
                return
            # Closing with the client's bytes unread would reset the connection and lose the
            # response: send it, close our side, and drop whatever still comes for a moment.
            self.transport.write(response)
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self._draining = True
            self.loop.call_later(_LINGER_SECONDS, self.transport.close)

        def data_received(self, data: bytes) -> None:
            if self._draining or self.transport.is_closing():
                return  # refused or timed out: nothing more is parsed
            if self._in_head:
                end = data.find(_HEAD_END)
                head_part = len(data) if end < 0 else end + len(_HEAD_END)
                if self._head_bytes + head_part > limits.max_header_bytes:
                    self._give_up(too_large)
                    return
                self._head_bytes += len(data)
            super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if not self._in_head:  # a pipelined request begins while another is answered
                self._await_head()
            if self._head_timer is None:  # (on a kept-alive connection: its first bytes start the clock)
                self._start_head_timer()

        def on_headers_complete(self) -> None:
            self._in_head = False
            self._cancel_head_timer()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.pipeline and not self.transport.is_closing():
                # Kept alive, waiting for the next request: uvicorn's keep-alive timer closes the
                # connection if it stays silent; its headers are counted from here.
                self._await_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._in_head = False
            self._cancel_head_timer()
            super().connection_lost(exc)

    return LimitedHttpToolsProtocol
