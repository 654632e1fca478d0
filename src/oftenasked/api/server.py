"""Running the app under uvicorn (httptools and uvloop when installed), warm on start.

One process by default; with ``workers`` > 1, uvicorn starts that many processes on one port,
each with its own KnowledgeBase on the same SQLite file (WAL: readers never block). A write in
one process bumps the file's generation, so every process's index and answer cache follow it.
"""

from __future__ import annotations

import json
import os
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
        uvicorn.run("oftenasked.api.server:app_from_environment", factory=True, workers=workers, **options)
        return
    warm_up(kb)
    uvicorn.run(create_app(kb, config), **options)


def app_from_environment() -> Any:
    """The app of one worker process: its own KnowledgeBase on the shared file, warmed up."""
    from . import create_app

    spec = json.loads(os.environ[_ENVIRONMENT])
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["config"].items()}
    kb = KnowledgeBase.open(spec["kb"])
    warm_up(kb)
    return create_app(kb, ServerConfig(**values))
