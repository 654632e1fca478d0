"""The HTTP API and web page of oftenasked: routes thin over :class:`~oftenasked.KnowledgeBase`.

Needs the ``server`` extra (FastAPI, uvicorn); without it, :func:`create_app` and :func:`serve`
raise :class:`~oftenasked.errors.MissingExtraError` naming the install command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import MissingExtraError
from .config import ServerConfig

if TYPE_CHECKING:
    from ..kb import KnowledgeBase

__all__ = ["ServerConfig", "create_app", "default_workers", "require_server_extra", "serve"]


def require_server_extra() -> None:
    """Fail early, with the install hint, when the server's dependencies are missing."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise MissingExtraError("the HTTP server (oftenasked serve)", "server") from None


def create_app(kb: KnowledgeBase, config: ServerConfig | None = None) -> Any:
    """The ASGI application serving ``kb``: the JSON API, the OpenAPI schema and the web page."""
    require_server_extra()
    from .app import build_app

    return build_app(kb, config or ServerConfig())


def default_workers() -> int:
    """One server process per CPU core, at most 4: Python answers on one core per process."""
    import os

    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def serve(
    kb: KnowledgeBase,
    config: ServerConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
) -> None:
    """Serve ``kb`` until interrupted (uvicorn; ``workers`` processes share the knowledge base file)."""
    require_server_extra()
    from .server import run

    run(kb, config or ServerConfig(), host=host, port=port, workers=workers)
