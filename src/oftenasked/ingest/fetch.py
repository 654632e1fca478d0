"""Fetch a FAQ page over HTTP(S) with a bounded, polite client (standard library only).

Bounded: a timeout on connecting and on each read, and one on the whole fetch (a server sending one
byte a second can't hold an ingest: a watchdog shuts the connection at the deadline, whatever phase
it is in), a size limit (10 MB) enforced while reading, at most 5 redirects, and only
``http``/``https`` URLs, redirects included (never ``file:`` or
``ftp:``). Polite: one request at a time, a ``User-Agent: oftenasked/<version>`` that names us.
Every failure is an :class:`IngestError` naming the URL.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from importlib import metadata
from urllib.parse import urlsplit

from ..errors import IngestError

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT_S = 15.0
TOTAL_TIMEOUT_S = 60.0
_CHUNK = 64 * 1024
_FORMATS = {
    "text/html": "html", "application/xhtml+xml": "html", "application/json": "json", "application/ld+json": "json",
    "text/csv": "csv", "text/tab-separated-values": "tsv", "text/markdown": "markdown", "text/x-markdown": "markdown",
    "application/xml": "xml", "text/xml": "xml", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
}


def is_url(text: str) -> bool:
    """True for the strings that ``ingest`` fetches instead of opening as files."""
    return text.startswith(("http://", "https://"))


def user_agent() -> str:
    try:
        version = metadata.version("oftenasked")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "0"
    return f"oftenasked/{version} (+https://github.com/oftenasked/oftenasked)"


@dataclass(frozen=True)
class Fetched:
    """A fetched page: its final URL (after redirects), body as UTF-8 bytes, and its format if the server said."""

    url: str
    data: bytes
    format: str | None
    content_type: str


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            fp.close()
            raise IngestError(req.full_url, f"redirected to a URL that is not http(s): {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Watchdog:
    """Shuts every connection of one fetch down at its deadline, so that the fetch ends then."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            self._shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _watched(base: type[http.client.HTTPConnection], watchdog: _Watchdog) -> type[http.client.HTTPConnection]:
    class Watched(base):  # type: ignore[valid-type,misc]
        def connect(self) -> None:
            super().connect()
            watchdog.watch(self.sock)

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self.watchdog = watchdog

    def http_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_watched(http.client.HTTPConnection, self.watchdog), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self.watchdog = watchdog

    def https_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_watched(http.client.HTTPSConnection, self.watchdog), req,
                            context=self._context)  # type: ignore[attr-defined]


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    # No proxy handler from the environment's defaults beyond urllib's own, no file:/ftp: handlers.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), _HTTPHandler(watchdog), _HTTPSHandler(watchdog),
                    urllib.request.HTTPDefaultErrorHandler(), _Redirects(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _utf8(data: bytes, headers: Message) -> bytes:
    charset = headers.get_content_charset()
    if not charset or charset.lower().replace("_", "-") in ("utf-8", "utf8", "us-ascii", "ascii"):
        return data
    try:
        return data.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data  # the reader's own decoding takes over


def fetch(
    url: str, *, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES, total_timeout: float | None = None
) -> Fetched:
    """GET ``url``; raises :class:`IngestError` on any failure, with the reason.

    ``timeout`` bounds connecting and each read; ``total_timeout`` (default ``TOTAL_TIMEOUT_S``) the whole fetch.
    """
    total = TOTAL_TIMEOUT_S if total_timeout is None else total_timeout
    watchdog = _Watchdog(total)
    try:
        return _fetch(url, timeout, max_bytes, watchdog, total)
    finally:
        watchdog.cancel()


def _fetch(url: str, timeout: float, max_bytes: int, watchdog: _Watchdog, total: float) -> Fetched:
    if not is_url(url) or not urlsplit(url).hostname:
        raise IngestError(url, "not an http(s) URL")
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent(), "Accept": "text/html,application/xhtml+xml,application/json,"
                      "application/ld+json,text/csv,text/markdown,text/plain;q=0.9,*/*;q=0.5"}
    )
    try:
        started = time.monotonic()
        with _opener(watchdog).open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise IngestError(url, f"too large ({int(length)} bytes; the limit is {max_bytes})")
            chunks: list[bytes] = []
            size = 0
            while True:
                # read1: what has come, not a full chunk, so that a slow server can't hold one read forever.
                chunk = response.read1(_CHUNK)
                if watchdog.fired:
                    raise TimeoutError
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise IngestError(url, f"too large (over {max_bytes} bytes)")
                chunks.append(chunk)
            if watchdog.fired or time.monotonic() - started > total:
                raise TimeoutError
            if length and length.isdigit() and size < int(length):
                raise IngestError(url, f"cannot be fetched (the connection closed after {size} of {length} bytes)")
            headers = response.headers
            final = response.geturl()
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (301, 302, 303, 307, 308) and "not allowed" in str(exc.msg):
            raise IngestError(url, f"redirected to a URL that is not http(s): {exc.filename}") from None
        if exc.code in (301, 302, 303, 307, 308):
            raise IngestError(url, f"more than {MAX_REDIRECTS} redirects") from None
        raise IngestError(url, f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if watchdog.fired:
            raise IngestError(url, f"timed out: not fetched in {total:g} s in all") from None
        if isinstance(reason, TimeoutError):
            raise IngestError(url, f"timed out after {timeout:g} s") from None
        raise IngestError(url, f"cannot be fetched ({reason})") from None
    except TimeoutError:
        if watchdog.fired:
            raise IngestError(url, f"timed out: not fetched in {total:g} s in all") from None
        raise IngestError(url, f"timed out after {timeout:g} s") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, cut short, malformed response
        if watchdog.fired:
            raise IngestError(url, f"timed out: not fetched in {total:g} s in all") from None
        raise IngestError(url, f"cannot be fetched ({type(exc).__name__}: {exc})") from None
    content_type = headers.get_content_type()
    return Fetched(url=final, data=_utf8(b"".join(chunks), headers), format=_FORMATS.get(content_type),
                   content_type=content_type)
