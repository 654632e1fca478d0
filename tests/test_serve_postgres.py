"""Two `oftenasked serve` processes over one PostgreSQL knowledge base: an edit through one is answered by both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from .conftest import SEED
from .conftest_server import free_socket

TOKEN = "test-token-for-two-servers"
CLI = [sys.executable, "-c", "from oftenasked.cli import main; main()"]


@contextmanager
def serving(kb_url: str) -> Iterator[str]:
    """`oftenasked serve` as users run it, one process, on a free loopback port; its URL once healthy."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = os.environ | {"OFTENASKED_TOKEN": TOKEN, "OFTENASKED_KB": kb_url}
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "1"], stderr=subprocess.PIPE, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        if server.stderr:
            server.stderr.close()


@pytest.mark.slow
def test_an_edit_through_one_server_is_answered_by_both_within_a_second(pg_url: str) -> None:
    subprocess.run([*CLI, "ingest", str(SEED), "--kb", pg_url], check=True, capture_output=True)
    with serving(pg_url) as first, serving(pg_url) as second:
        question = "Why does my lower back hurt when I run?"
        before = httpx.post(first + "/ask", json={"question": question}).json()
        assert before["answered"]
        pair_id = before["answers"][0]["id"]
        assert httpx.post(second + "/ask", json={"question": question}).json()["answers"][0]["id"] == pair_id

        # Questions keep going to both servers, from two clients each, while the edit is made.
        stop = threading.Event()
        failures: list[str] = []
        answered = [0]

        def ask_again(url: str) -> None:
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    response = client.post(url + "/ask", json={"question": question})
                    if response.status_code != 200:
                        failures.append(f"{url}: {response.status_code} {response.text[:200]}")
                    answered[0] += 1

        clients = [threading.Thread(target=ask_again, args=(url,)) for url in (first, second, first, second)]
        for client in clients:
            client.start()
        time.sleep(0.5)
        edited = before["answers"][0]["answer"] + "\n\nEdited through the first server."  # still the best answer
        response = httpx.put(first + f"/pairs/{pair_id}", json={"answer": edited},
                             headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        changed_at = time.monotonic()
        seen: dict[str, float] = {}
        while len(seen) < 2 and time.monotonic() - changed_at < 5:
            for url in (first, second):
                if url not in seen:
                    body = httpx.post(url + "/ask", json={"question": question}).json()
                    if any(a["id"] == pair_id and a["answer"] == edited for a in body["answers"]):
                        seen[url] = time.monotonic() - changed_at
        time.sleep(0.5)
        stop.set()
        for client in clients:
            client.join(15)
    print(f"edit visible after {seen} s; {answered[0]} requests during the change, {len(failures)} failed")
    assert not failures, failures[:3]
    assert answered[0] > 20
    assert set(seen) == {first, second}, seen
    assert max(seen.values()) <= 1.0, seen
