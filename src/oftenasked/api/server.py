"""Running the app under uvicorn (httptools and uvloop when installed), warm on start.

One process by default; with ``workers`` > 1, that many processes serve one port, each with its
own KnowledgeBase on the same SQLite file (WAL: readers never block). A write in one process bumps
the file's generation, so every process's index and answer cache follow it.

On Linux each process listens on its own socket (SO_REUSEPORT) and the kernel shares the incoming
connections out among them. With one shared socket (uvicorn's workers, used elsewhere), whichever
process wakes first accepts a whole burst of connections, and kept-alive connections then load one
process while the other idles: 8 clients got 246 requests/s that way, against 64 clients' 318.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import signal
import socket
import sys
from dataclasses import asdict, replace
from typing import Any

from ..kb import KnowledgeBase
from .config import LOOPBACK_HOSTS, ServerConfig


def warm_up(kb: KnowledgeBase) -> None:
    """Build the search index and load the model before the first request, not during it."""
    from ..retrieve.threads import pin_one_blas_thread

    pin_one_blas_thread()  # this process only answers: set the BLAS thread count once, not per query
    if len(kb):
        kb.search("warm up the index", k=1)
    # What is loaded now (index, model, app) lives as long as the process: keep the garbage
    # collector from walking it again and again while requests wait.
    gc.collect()
    gc.freeze()


_ENVIRONMENT = "OFTENASKED_SERVE_SPEC"


def run(
    kb: KnowledgeBase, config: ServerConfig, host: str = "127.0.0.1", port: int = 8000, workers: int = 1
) -> None:
    import uvicorn

    from . import create_app

    if host in LOOPBACK_HOSTS and not config.allowed_hosts:
        config = replace(config, allowed_hosts=LOOPBACK_HOSTS)
    writes = "on (bearer token)" if config.token else "off (no token set)"
    processes = f", {workers} processes" if workers > 1 else ""
    print(f"oftenasked: serving {kb.path} ({len(kb)} pairs) on http://{host}:{port}/{processes}", file=sys.stderr)
    print(f"oftenasked: writes {writes}; press Ctrl+C to stop", file=sys.stderr)
    if host not in LOOPBACK_HOSTS:
        print(f"oftenasked: listening on {host}: other machines can reach this server", file=sys.stderr)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "access_log": False,
                               "server_header": False}
    if workers > 1:
        # Each worker process opens the knowledge base itself (see app_from_environment).
        os.environ[_ENVIRONMENT] = json.dumps({"kb": kb.path, "config": asdict(config)})
        # The cores are shared out: a model running on every core in every process only contends.
        os.environ.setdefault("OFTENASKED_MODEL_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
        if hasattr(socket, "SO_REUSEPORT") and sys.platform == "linux":
            _run_processes(host, port, workers, options)
        else:
            uvicorn.run("oftenasked.api.server:app_from_environment", factory=True, workers=workers, **options)
        return
    warm_up(kb)
    uvicorn.run(create_app(kb, config), **options)


def _run_processes(host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    """``workers`` processes, each on its own SO_REUSEPORT socket; stops them all when one fails."""
    # Claim the port as a plain socket would first: a port already in use (even by another
    # oftenasked) is an error, not silently shared. Port 0 picks one free port for all processes.
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"oftenasked: cannot listen on {host}:{port}: {exc.strerror}") from None
        port = probe.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_serve_one, args=(host, port, options), name=f"oftenasked-{i}")
                 for i in range(workers)]
    for process in processes:
        process.start()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill`, a service manager: stop the processes too, not just this one

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.is_alive() for p in processes):
            processes[0].join(timeout=0.5)
    except KeyboardInterrupt:
        pass  # Ctrl+C reaches every process of the group: each shuts down by itself
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()
    failed = [p.exitcode for p in processes if p.exitcode not in (0, None, -signal.SIGTERM)]
    if failed:
        raise SystemExit(f"oftenasked: a server process failed (exit code {failed[0]})")


def _serve_one(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise SystemExit(f"oftenasked: cannot listen on {host}:{port}: {exc.strerror}") from None
    config = uvicorn.Config("oftenasked.api.server:app_from_environment", factory=True, **options)
    uvicorn.Server(config).run(sockets=[sock])


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def app_from_environment() -> Any:
    """The app of one worker process: its own KnowledgeBase on the shared file, warmed up."""
    from . import create_app

    spec = json.loads(os.environ[_ENVIRONMENT])
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["config"].items()}
    kb = KnowledgeBase.open(spec["kb"])
    warm_up(kb)
    return create_app(kb, ServerConfig(**values))
