"""Running the app: uvicorn (httptools, uvloop when installed), under gunicorn for several processes.

One process by default on Windows and with ``workers=1``: plain uvicorn. With more workers on a
Unix system, gunicorn supervises them (uvicorn workers, from the ``uvicorn-worker`` package):
it restarts a worker that dies, stops them all on SIGTERM or Ctrl+C, and on Linux gives each
worker its own SO_REUSEPORT socket (``reuse_port``) so that the kernel shares connections out
evenly; with one shared socket, whichever process woke first took a whole burst and kept-alive
connections then loaded one process while the others idled (8 clients: 246 against 318
requests/s). Each worker opens the same SQLite file (WAL: readers never block); a write in one
bumps the file's generation, so every worker's index and answer cache follow it.

A worker must not outlive its supervisor: killed with ``kill -9``, gunicorn's master cannot stop
them, and they would go on serving with the old settings and keep the port. So each worker asks
Linux to send it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), and on every heartbeat
checks that its parent is still the one that started it (other Unix systems).

Every process serves through api/protocol.py's connection limits and api/guard.py's checks.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import socket
import sys
import threading
from dataclasses import asdict, replace
from typing import Any

from .. import usage
from ..kb import KnowledgeBase
from .config import ServerConfig
from .hosts import ANY_HOST, is_loopback
from .protocol import ConnectionLimits, limited_protocol

_ENVIRONMENT = "OFTENASKED_SERVE_SPEC"
_FILE_LIMIT_WANTED = 65536
_FILES_SPARE = 64
"""File descriptors kept free beyond the connections: the SQLite file, its WAL, the index files."""
_WORKER_TIMEOUT = 120
"""Seconds gunicorn lets a worker go without a heartbeat before it restarts it."""
_LOAD_HEARTBEAT_SECONDS = 5.0


def warm_up(kb: KnowledgeBase) -> None:
    """Build the search index and load the model before the first request, not during it."""
    from ..retrieve.threads import pin_one_blas_thread

    pin_one_blas_thread()  # this process only answers: set the BLAS thread count once, not per query
    with kb.lock:
        usage.prune(kb.store.db, kb.settings.retention_days)  # rows past the retention period go now
    if len(kb):
        kb.search("warm up the index", k=1)
    # What is loaded now (index, model, app) lives as long as the process: keep the garbage
    # collector from walking it again and again while requests wait.
    gc.collect()
    gc.freeze()


def served_config(config: ServerConfig, host: str) -> ServerConfig:
    """The configuration ``serve`` runs with: the Host check always on, connections within the
    file limit."""
    allowed = config.allowed_hosts or ("localhost",)
    return replace(config, allowed_hosts=tuple(dict.fromkeys(allowed)),
                   max_connections=min(config.max_connections, _raise_file_limit() - _FILES_SPARE))


def _raise_file_limit() -> int:
    """Raise this process's soft limit on open files towards the hard one; the limit now."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return _FILE_LIMIT_WANTED
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _FILE_LIMIT_WANTED if hard == resource.RLIM_INFINITY else min(hard, _FILE_LIMIT_WANTED)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return _FILE_LIMIT_WANTED if soft == resource.RLIM_INFINITY else int(soft)


def uvicorn_options(config: ServerConfig) -> dict[str, Any]:
    """uvicorn settings that carry ``config``'s connection limits (for uvicorn.Config or run)."""
    limits = ConnectionLimits(config.max_header_bytes, config.header_timeout, max(1, config.max_connections))
    return {"http": limited_protocol(limits), "timeout_keep_alive": config.keep_alive_timeout,
            "server_header": False, "access_log": False}


def run(
    kb: KnowledgeBase, config: ServerConfig, host: str = "127.0.0.1", port: int = 8000, workers: int = 1
) -> None:
    import uvicorn

    from . import create_app

    config = served_config(config, host)
    supervised = workers > 1 and _gunicorn_available()
    writes = "on (bearer token)" if config.token else "off (no token set)"
    processes = f", {workers} processes" if supervised else ""
    print(f"oftenasked: serving {kb.path} ({len(kb)} pairs) on http://{_bind(host, port)}/{processes}",
          file=sys.stderr)
    print(f"oftenasked: writes {writes}; press Ctrl+C to stop", file=sys.stderr)
    if not is_loopback(host):
        print(f"oftenasked: listening on {host}: other machines can reach this server", file=sys.stderr)
        if ANY_HOST not in config.allowed_hosts:
            names = ", ".join(n for n in config.allowed_hosts if n != "localhost") or "none given"
            print(f"oftenasked: answering to IP addresses and these host names: {names}"
                  " (add --allowed-host NAME for each name clients use)", file=sys.stderr)
    if workers > 1 and not supervised:
        print("oftenasked: one process (several need gunicorn, Unix only)", file=sys.stderr)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", **uvicorn_options(config)}
    if supervised:
        # Each worker process opens the knowledge base itself (see app_from_environment).
        os.environ[_ENVIRONMENT] = json.dumps({"kb": kb.path, "config": asdict(config)})
        # The cores are shared out: a model running on every core in every process only contends.
        os.environ.setdefault("OFTENASKED_MODEL_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
        _run_gunicorn(host, _claim_port(host, port), workers, config)
        return
    warm_up(kb)
    uvicorn.run(create_app(kb, config), **options)


def _gunicorn_available() -> bool:
    if sys.platform == "win32":
        return False
    try:
        import gunicorn  # noqa: F401
        import uvicorn_worker  # noqa: F401
    except ImportError:
        return False
    return True


def _claim_port(host: str, port: int) -> int:
    """Fail now if the port is taken (even by another oftenasked: SO_REUSEPORT would silently
    share it); port 0 picks one free port for every worker."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"oftenasked: cannot listen on {host}:{port}: {exc.strerror}") from None
        return int(probe.getsockname()[1])


def _run_gunicorn(host: str, port: int, workers: int, config: ServerConfig) -> None:
    from gunicorn.app.base import BaseApplication

    settings = {
        "bind": [_bind(host, port)],
        "workers": workers,
        "worker_class": "oftenasked.api.server.Worker",
        "reuse_port": sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT"),
        "keepalive": config.keep_alive_timeout,
        "timeout": _WORKER_TIMEOUT,
        "graceful_timeout": 10,
        "loglevel": "warning",
        "accesslog": None,
        "proc_name": "oftenasked",
    }

    class Supervisor(BaseApplication):  # type: ignore[misc]  # (gunicorn has no type hints)
        def load_config(self) -> None:
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            return app_from_environment()

    try:
        Supervisor().run()
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise SystemExit(f"oftenasked: a server process failed (exit code {stop.code})") from None


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _spec_config() -> tuple[str, ServerConfig]:
    spec = json.loads(os.environ[_ENVIRONMENT])
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["config"].items()}
    return str(spec["kb"]), ServerConfig(**values)


def app_from_environment() -> Any:
    """The app of one worker process: its own KnowledgeBase on the shared file, warmed up."""
    from . import create_app

    path, config = _spec_config()
    kb = KnowledgeBase.open(path)
    warm_up(kb)
    return create_app(kb, config)


def _die_with_parent(parent: int) -> None:
    """Ask Linux for SIGTERM when the parent process dies; stop now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


try:
    from uvicorn_worker import UvicornWorker
except ImportError:  # no gunicorn (Windows, or the server extra without it): one process only
    pass
else:

    class Worker(UvicornWorker):  # type: ignore[misc]  # (gunicorn has no type hints)
        """gunicorn's uvicorn worker with oftenasked's connection limits, dying with its master."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            _, config = _spec_config()
            self.CONFIG_KWARGS = {"loop": "auto", **uvicorn_options(config)}
            super().__init__(*args, **kwargs)

        def init_process(self) -> None:
            _die_with_parent(self.ppid)
            super().init_process()

        def load_wsgi(self) -> None:
            # Opening the knowledge base and building its index can outlast gunicorn's worker
            # timeout (minutes at a million pairs without a cache): beat while loading, so that
            # the master does not take the loading worker for a stuck one and restart it forever.
            loaded = threading.Event()

            def beat() -> None:
                while not loaded.wait(_LOAD_HEARTBEAT_SECONDS):
                    self.notify()

            threading.Thread(target=beat, name="oftenasked-loading", daemon=True).start()
            try:
                super().load_wsgi()
            finally:
                loaded.set()

        async def callback_notify(self) -> None:
            if os.getppid() != self.ppid:  # the master is gone (where no death signal exists)
                os.kill(os.getpid(), signal.SIGTERM)
            self.notify()
