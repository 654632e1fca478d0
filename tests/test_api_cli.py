"""`oftenasked serve`: safe defaults, and a clear install hint when the server extra is missing."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from oftenasked.cli import cli
from oftenasked.errors import MissingExtraError

from .conftest import SEED
from .conftest_server import free_socket


def test_missing_server_extra_gives_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from oftenasked.api import require_server_extra

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if it were not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'oftenasked\[server\]'"):
        require_server_extra()
    result = CliRunner().invoke(cli, ["serve", "--kb", "unused.sqlite"])
    assert result.exit_code == 1
    assert "pip install 'oftenasked[server]'" in result.output


def test_serve_help_states_the_safe_defaults() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "OFTENASKED_TOKEN" in result.output


@pytest.mark.slow
def test_serve_answers_from_the_real_model_on_loopback(tmp_path: Path) -> None:
    """The command as users run it: a new process, the real model, bound to 127.0.0.1 only."""
    kb = tmp_path / "kb.sqlite"
    env = os.environ | {"OFTENASKED_TOKEN": ""}
    ingest = [sys.executable, "-c", "from oftenasked.cli import main; main()", "ingest", str(SEED), "--kb", str(kb)]
    subprocess.run(ingest, check=True, capture_output=True, env=env)
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    serve = [sys.executable, "-c", "from oftenasked.cli import main; main()", "serve", "--kb", str(kb), "--port", str(port)]
    server = subprocess.Popen(serve, stderr=subprocess.PIPE, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        body = httpx.post(url + "/ask", json={"question": "why does my lower back hurt when I run?"}).json()
        assert body["answered"] is True
        assert "running" in body["answers"][0]["answer"].lower() or "run" in body["answers"][0]["questions"][0].lower()
        assert httpx.delete(url + "/pairs/anything").status_code == 403  # no token: writes refused
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if listening.returncode == 0 and listening.stdout.strip():
            local = {line.split()[3] for line in listening.stdout.splitlines()}
            assert local == {f"127.0.0.1:{port}"}
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    assert server.stderr is not None
    with server.stderr:
        assert b"127.0.0.1" in server.stderr.read()


@pytest.mark.slow
def test_serve_with_two_worker_processes_stays_coherent(tmp_path: Path) -> None:
    """Two processes on one knowledge base file: an edit through one is seen by both."""
    kb = tmp_path / "kb.sqlite"
    env = os.environ | {"OFTENASKED_TOKEN": "s3cret"}
    cli_main = [sys.executable, "-c", "from oftenasked.cli import main; main()"]
    subprocess.run([*cli_main, "ingest", str(SEED), "--kb", str(kb)], check=True, capture_output=True, env=env)
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen(
        [*cli_main, "serve", "--kb", str(kb), "--port", str(port), "--workers", "2"],
        stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    question = {"question": "Why is my back sore from running?", "related": 0, "scoreThreshold": 0.0, "top": 1}
    edit = "Edited in one process: poor running posture and tight hamstrings strain the lower back."
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.post(url + "/ask", json=question).status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        pair_id = httpx.post(url + "/ask", json=question).json()["answers"][0]["id"]
        edited = httpx.put(url + f"/pairs/{pair_id}", json={"answer": edit}, headers={"authorization": "Bearer s3cret"})
        assert edited.status_code == 200, edited.text
        for _ in range(12):  # a new connection each time: both processes answer some
            best = httpx.post(url + "/ask", json=question).json()["answers"][0]
            assert (best["id"], best["answer"]) == (pair_id, edit)
        # The workers gunicorn runs keep the connection limits and the host check.
        assert httpx.get(url + "/health", headers={"x-big": "a" * 40_000}).status_code == 431
        assert httpx.get(url + "/health", headers={"host": "rebind.attacker.example"}).status_code == 400
        assert httpx.get(url + "/stats").status_code == 401
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.mark.slow
def test_kill_9_of_the_supervisor_leaves_no_worker_serving(tmp_path: Path) -> None:
    """gunicorn's master killed with SIGKILL: its workers stop too, and a new server gets the port."""
    kb = tmp_path / "kb.sqlite"
    env = os.environ | {"OFTENASKED_TOKEN": ""}
    cli_main = [sys.executable, "-c", "from oftenasked.cli import main; main()"]
    subprocess.run([*cli_main, "ingest", str(SEED), "--kb", str(kb)], check=True, capture_output=True, env=env)
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    url = f"http://127.0.0.1:{port}"

    log = tmp_path / "serve.log"

    def start() -> subprocess.Popen[bytes]:
        with log.open("ab") as errors:
            server = subprocess.Popen([*cli_main, "serve", "--kb", str(kb), "--port", str(port), "--workers", "2"],
                                      stderr=errors, env=env, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/health").status_code == 200:
                    return server
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)

    server = start()
    try:
        os.kill(server.pid, signal.SIGKILL)  # the supervisor only: its workers are left to themselves
        server.wait()
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(url + "/health", timeout=1)
            except httpx.TransportError:
                break  # nothing serves the port any more
            assert time.monotonic() < deadline, "a worker kept serving after its supervisor was killed"
            time.sleep(0.2)
        again = start()  # and the port is free for a new server
        assert httpx.get(url + "/health").json()["status"] == "ok"
    finally:
        for process in (server, locals().get("again")):
            if isinstance(process, subprocess.Popen) and process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # whatever is left of the first group


@pytest.mark.slow
def test_silent_connections_beyond_the_file_limit_do_not_lock_clients_out(tmp_path: Path) -> None:
    """A server whose process may open 256 files, and 400 connections that never send a byte."""
    import resource

    kb = tmp_path / "kb.sqlite"
    env = os.environ | {"OFTENASKED_TOKEN": ""}
    cli_main = [sys.executable, "-c", "from oftenasked.cli import main; main()"]
    subprocess.run([*cli_main, "ingest", str(SEED), "--kb", str(kb)], check=True, capture_output=True, env=env)
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()

    def small_file_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    server = subprocess.Popen([*cli_main, "serve", "--kb", str(kb), "--port", str(port), "--workers", "1"],
                              stderr=subprocess.DEVNULL, env=env, preexec_fn=small_file_limit)
    url = f"http://127.0.0.1:{port}"
    silent: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        for _ in range(400):
            silent.append(socket.create_connection(("127.0.0.1", port)))
        time.sleep(0.5)
        for _ in range(3):
            assert httpx.get(url + "/health", timeout=5).status_code == 200
    finally:
        for connection in silent:
            connection.close()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_several_processes_run_under_gunicorn_except_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    from oftenasked.api import server

    assert server._gunicorn_available()  # installed with the server extra on Unix
    monkeypatch.setattr(sys, "platform", "win32")
    assert not server._gunicorn_available()  # Windows: `serve` runs one plain uvicorn process
