"""URLs are fetched politely and within bounds from a real server on loopback; standard input is read too."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from oftenasked.cli import cli
from oftenasked.errors import IngestError
from oftenasked.ingest.fetch import fetch

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


class _Handler(BaseHTTPRequestHandler):
    agents: list[str] = []

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, code: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", headers.pop("length", str(len(body))))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.agents.append(self.headers.get("User-Agent", ""))
        path = self.path.split("?", 1)[0]
        if path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/faq/help-centre-details.html" if left == 0 else f"/hop/{left - 1}"
            self._send(302, b"", Location=target)
        elif path == "/to-file":
            self._send(302, b"", Location="file:///etc/passwd")
        elif path == "/huge":
            self._send(200, b"x" * 10, length=str(50 * 1024 * 1024))
        elif path == "/cut":
            self._send(200, b"<h2>Q?</h2>", length="5000")  # the connection closes long before
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, b"<p>late</p>")
        elif path == "/latin1":
            body = "<h2>Où est la gare ?</h2><p>À gauche, après le café.</p>".encode("latin-1")
            self._send(200, body, "text/html; charset=iso-8859-1")
        elif path.startswith("/faq/") and (FIXTURES / path[5:]).is_file():
            self._send(200, (FIXTURES / path[5:]).read_bytes())
        else:
            self._send(404, b"not here")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_sends_our_user_agent(server):
    page = fetch(f"{server}/faq/wordpress-yoast.html")
    assert page.format == "html" and page.data.startswith(b"<!DOCTYPE html>")
    assert _Handler.agents[-1].startswith("oftenasked/")


def test_redirects_are_followed_up_to_five(server):
    assert fetch(f"{server}/hop/4").url.endswith("/faq/help-centre-details.html")
    with pytest.raises(IngestError, match="more than 5 redirects"):
        fetch(f"{server}/hop/5")
    with pytest.raises(IngestError, match="not http"):
        fetch(f"{server}/to-file")


def test_size_limit_timeout_and_http_errors(server):
    with pytest.raises(IngestError, match="too large"):
        fetch(f"{server}/huge")
    with pytest.raises(IngestError, match="too large"):
        fetch(f"{server}/faq/wordpress-yoast.html", max_bytes=1000)
    with pytest.raises(IngestError, match="timed out"):
        fetch(f"{server}/slow", timeout=0.3)
    with pytest.raises(IngestError, match="cannot be fetched"):
        fetch(f"{server}/cut")
    with pytest.raises(IngestError, match="HTTP 404"):
        fetch(f"{server}/nothing")
    with pytest.raises(IngestError, match="not an http"):
        fetch("file:///etc/passwd")


def test_declared_charset_is_honoured(server):
    assert "Où est la gare ?" in fetch(f"{server}/latin1").data.decode("utf-8")


def test_kb_ingests_urls_beside_files_with_the_url_as_origin(server, hash_kb):
    url = f"{server}/faq/help-centre-details.html"
    report = hash_kb.ingest([url, FIXTURES / "dl-faq.html", f"{server}/missing.html"])
    by_origin = {s.origin: s for s in report.sources}
    assert by_origin[url].kept == 4 and by_origin[url].format == "html"
    assert "HTTP 404" in by_origin[f"{server}/missing.html"].error
    assert by_origin[str((FIXTURES / "dl-faq.html").resolve())].kept == 3
    pairs = {p.question: p for p in hash_kb.pairs()}
    card = pairs["How do I change the card I pay with?"]
    assert card.source == url and card.origin == url
    assert f"[Account > Billing]({server}/account/billing)" in card.answer  # relative link made absolute
    assert [s["origin"] for s in hash_kb.sources()].count(url) == 1


@pytest.mark.slow
def test_cli_ingests_a_url_and_standard_input(server, tmp_path):
    kb_path = tmp_path / "kb.sqlite"
    runner = CliRunner()
    url = f"{server}/faq/elementor-accordion.html"
    result = runner.invoke(cli, ["ingest", url, "--kb", str(kb_path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"kept": 3' in result.output
    markdown = (FIXTURES / "help.md").read_bytes()
    result = runner.invoke(cli, ["ingest", "-", "--kb", str(kb_path), "--report"], input=markdown)
    assert result.exit_code == 0, result.output
    assert "<stdin>: 5 pairs" in result.output
    assert "dropped line 39: 'Share on Facebook' (share button)" in result.output
