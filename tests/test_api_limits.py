"""The server under hostile clients, against a real uvicorn server on loopback: raw sockets where
HTTP clients would be too polite (huge headers, silence, unfinished bodies)."""

from __future__ import annotations

import contextlib
import gzip
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from oftenasked.api import ServerConfig
from oftenasked.api.uploads import check_unpacked
from oftenasked.errors import TooLargeError

from .conftest_server import TOKEN, Running, make_kb, running_server

AUTH = {"authorization": f"Bearer {TOKEN}"}
LIMITS = ServerConfig(
    token=TOKEN, header_timeout=0.5, body_timeout=0.5, max_connections=8, feedback_per_minute=3,
    logged_per_minute=2, max_ingest_unpacked=1024 * 1024, allowed_hosts=("localhost", "faq.example.org"),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    kb = make_kb(tmp_path_factory.mktemp("limits") / "kb.sqlite")
    with running_server(kb, LIMITS) as running:
        yield running
    kb.close()


def connect(server: Running) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    return sock


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_oversized_headers_get_431_and_the_connection_closes(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 40_000)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # (closed while we still send)
            sock.sendall(b"a" * 200_000 + b"\r\n\r\n")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    assert httpx.get(server.url + "/health").status_code == 200  # and the server goes on serving


def test_headers_just_under_the_limit_are_served(server: Running) -> None:
    response = httpx.get(server.url + "/health", headers={"x-padding": "a" * 30_000})
    assert response.status_code == 200


def test_a_connection_that_sends_nothing_is_closed(server: Running) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        assert read_all(sock) == b""  # closed by the server, without a response
        assert time.monotonic() - started < 3


def test_a_slow_loris_is_closed_with_408(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        time.sleep(0.2)
        sock.sendall(b"X-Slow: 1\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")


def test_silent_connections_cannot_lock_other_clients_out(server: Running) -> None:
    silent = [connect(server) for _ in range(3 * LIMITS.max_connections)]
    try:
        for _ in range(5):  # the oldest silent connection makes room for each new one
            assert httpx.get(server.url + "/health").status_code == 200
    finally:
        for sock in silent:
            sock.close()


def test_ingest_without_the_token_is_refused_before_the_body_is_read(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST /ingest?filename=a.jsonl HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\n\r\n")
        answer = read_all(sock)  # not a byte of the 10 MB sent, yet the answer comes
    assert answer.startswith(b"HTTP/1.1 401 ") and b"Bearer" in answer


def test_a_body_too_large_is_refused_from_its_content_length(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST /ingest?filename=a.jsonl HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                     + TOKEN.encode() + b"\r\nContent-Length: 20000000\r\n\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 413 ")


def test_a_body_that_stops_arriving_gets_408(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST /feedback HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"question\"")
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")


def test_a_gzip_bomb_is_refused_by_its_unpacked_size(server: Running) -> None:
    bomb = gzip.compress(b'{"question": "q?", "answer": "' + b"a" * 50_000_000 + b'"}\n')
    assert len(bomb) < 100_000
    started = time.monotonic()
    response = httpx.post(server.url + "/ingest", params={"filename": "bomb.jsonl.gz"}, content=bomb, headers=AUTH)
    assert response.status_code == 413 and "unpacked" in response.json()["error"]["message"]
    assert time.monotonic() - started < 5


def test_unpacked_size_counts_every_gzip_member() -> None:
    one = gzip.compress(b"x" * 600)
    assert check_unpacked(one + one, 1200) == 1200
    with pytest.raises(TooLargeError):
        check_unpacked(one + one, 1000)
    assert check_unpacked(b"plain text", 5) == len(b"plain text")  # plain bodies: the body limit applies


def test_stats_need_the_token(server: Running) -> None:
    assert httpx.get(server.url + "/stats").status_code == 401
    assert httpx.get(server.url + "/stats", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert httpx.get(server.url + "/stats", headers=AUTH).status_code == 200


def test_stats_without_a_token_configured_are_off(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb, ServerConfig()) as running:
        assert httpx.get(running.url + "/stats").status_code == 403
    kb.close()


def test_feedback_from_one_client_is_rate_limited(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb, LIMITS) as running, httpx.Client(base_url=running.url) as c:
        statuses = [c.post("/feedback", json={"question": "reset?", "id": "reset", "helpful": True}).status_code
                    for _ in range(5)]
        assert statuses == [201, 201, 201, 429, 429]
        assert c.get("/stats", headers=AUTH).json()["feedback"]["helpful"] == 3
    kb.close()


def test_the_query_log_takes_a_limited_number_of_questions_from_one_client(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb, LIMITS) as running, httpx.Client(base_url=running.url) as c:
        for n in range(5):
            assert c.post("/ask", json={"question": f"where is my invoice number {n}?"}).status_code == 200
        assert c.get("/stats", headers=AUTH).json()["questions_asked"] == LIMITS.logged_per_minute
    kb.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "127.0.0.2", "[::1]", "localhost", "app.localhost",
                                  "faq.example.org", "192.168.1.20"])
def test_loopback_spellings_addresses_and_allowed_names_are_answered(server: Running, host: str) -> None:
    assert httpx.get(server.url + "/health", headers={"host": f"{host}:8000"}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "faq.example.org.evil"])
def test_other_host_names_are_refused(server: Running, host: str) -> None:
    assert httpx.get(server.url + "/health", headers={"host": host}).status_code == 400


def test_a_local_files_path_is_never_shown_to_visitors(tmp_path: Path) -> None:
    folder = tmp_path / "private-ops" / "faqs"
    folder.mkdir(parents=True)
    faq = folder / "billing.md"
    faq.write_text("# Billing\n\n## Where is my invoice?\n\nUnder Billing, then Invoices.\n")
    kb = make_kb(tmp_path / "kb.sqlite", hostile=False)
    kb.ingest([str(faq)])
    with running_server(kb, LIMITS) as running, httpx.Client(base_url=running.url) as c:
        ask = c.post("/ask", json={"question": "Where is my invoice?", "related": 3}).text
        page = c.get("/page", params={"question": "Where is my invoice?"}).text
        page_json = c.get("/page", params={"question": "Where is my invoice?", "format": "json"}).text
        shared = c.get("/q/Where is my invoice?").text
        pairs = c.get("/pairs").text
        for shown in (ask, page, page_json, shared, pairs):
            assert "private-ops" not in shown and str(tmp_path) not in shown
        assert '"source":"billing.md"' in ask.replace(" ", "")
        assert "billing.md" in page
    kb.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "127.0.0.2", "::1", "0.0.0.0", "192.168.1.20"])
def test_serve_always_checks_the_host_name(host: str) -> None:
    """`--host 127.1` used to turn the check off: every bind address now gets it."""
    from oftenasked.api.hosts import host_allowed
    from oftenasked.api.server import served_config

    config = served_config(ServerConfig(), host)
    assert config.allowed_hosts == ("localhost",)
    assert not host_allowed("rebind.attacker.example", config.allowed_hosts)
    assert host_allowed(f"{host}:8000" if ":" not in host else f"[{host}]:8000", config.allowed_hosts)
    named = served_config(ServerConfig(allowed_hosts=("faq.example.org",)), host)
    assert host_allowed("faq.example.org", named.allowed_hosts) and host_allowed("localhost:80", named.allowed_hosts)
    assert 0 < config.max_connections <= ServerConfig().max_connections


def test_the_rate_limit_is_a_sliding_minute_per_client() -> None:
    from oftenasked.api.ratelimit import PerClient

    limit = PerClient(2)
    assert [limit.allow("a", now=t) for t in (0.0, 1.0, 2.0, 59.0)] == [True, True, False, False]
    assert limit.allow("b", now=2.0)  # another client has its own count
    assert limit.allow("a", now=60.5) and not limit.allow("a", now=60.6)  # the first left the window
    assert all(PerClient(0).allow("a", now=0.0) for _ in range(100))  # 0: no limit


def test_at_the_limit_with_every_connection_busy_a_new_one_gets_503(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb, ServerConfig(token=TOKEN, max_connections=3, body_timeout=5)) as running:
        busy = [connect(running) for _ in range(3)]
        try:
            for sock in busy:  # each waits for a body that does not come: not idle, not evicted
                sock.sendall(b"POST /feedback HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100\r\n\r\n")
            time.sleep(0.3)
            with connect(running) as extra:
                extra.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                assert read_all(extra).startswith(b"HTTP/1.1 503 ")
        finally:
            for sock in busy:
                sock.close()
        time.sleep(0.3)
        assert httpx.get(running.url + "/health").status_code == 200  # room again once they are gone
    kb.close()
