"""Fetch a FAQ page over HTTP(S) with a bounded, polite client (standard library only).

Bounded: a timeout on connecting and on each read, a size limit (10 MB) enforced while reading,
at most 5 redirects, and only ``http``/``https`` URLs, redirects included (never ``file:`` or
``ftp:``). Polite: one request at a time, a ``User-Agent: oftenasked/<version>`` that names us.
Every failure is an :class:`IngestError` naming the URL.
"""

from __future__ import annotations

import http.client
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


def _opener() -> urllib.request.OpenerDirector:
    # No proxy handler from the environment's defaults beyond urllib's own, no file:/ftp: handlers.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
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


def fetch(url: str, *, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES) -> Fetched:
    """GET ``url``; raises :class:`IngestError` on any failure, with the reason."""
    if not is_url(url) or not urlsplit(url).hostname:
        raise IngestError(url, "not an http(s) URL")
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent(), "Accept": "text/html,application/xhtml+xml,application/json,"
                      "application/ld+json,text/csv,text/markdown,text/plain;q=0.9,*/*;q=0.5"}
    )
    try:
        with _opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise IngestError(url, f"too large ({int(length)} bytes; the limit is {max_bytes})")
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise IngestError(url, f"too large (over {max_bytes} bytes)")
                chunks.append(chunk)
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
        if isinstance(reason, TimeoutError):
            raise IngestError(url, f"timed out after {timeout:g} s") from None
        raise IngestError(url, f"cannot be fetched ({reason})") from None
    except TimeoutError:
        raise IngestError(url, f"timed out after {timeout:g} s") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, cut short, malformed response
        raise IngestError(url, f"cannot be fetched ({type(exc).__name__}: {exc})") from None
    content_type = headers.get_content_type()
    return Fetched(url=final, data=_utf8(b"".join(chunks), headers), format=_FORMATS.get(content_type),
                   content_type=content_type)
