"""Running the app under uvicorn: one process, httptools and uvloop when installed, warm on start."""

from __future__ import annotations

import sys
from dataclasses import replace

from ..kb import KnowledgeBase
from .config import LOOPBACK_HOSTS, ServerConfig


def warm_up(kb: KnowledgeBase) -> None:
    """Build the search index and load the model before the first request, not during it."""
    if len(kb):
        kb.search("warm up the index", k=1)


def run(kb: KnowledgeBase, config: ServerConfig, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    from . import create_app

    if host in LOOPBACK_HOSTS and not config.allowed_hosts:
        config = replace(config, allowed_hosts=LOOPBACK_HOSTS)
    warm_up(kb)
    app = create_app(kb, config)
    writes = "on (bearer token)" if config.token else "off (no token set)"
    print(f"oftenasked: serving {kb.path} ({len(kb)} pairs) on http://{host}:{port}/", file=sys.stderr)
    print(f"oftenasked: writes {writes}; press Ctrl+C to stop", file=sys.stderr)
    if host not in LOOPBACK_HOSTS:
        print(f"oftenasked: listening on {host}: other machines can reach this server", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
