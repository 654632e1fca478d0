"""HTTP routes for learning from use: the log, often asked needs, gaps, suggestions and decisions.

Everything here shows what people typed or changes the knowledge base, so all of it needs the
operator's bearer token: reading (``/log``, ``/often``, ``/gaps``, ``/suggestions``) like
``/stats``, and accepting, rejecting and reverting suggestions like any other write. The review
page (``/review``) is a static page that asks for the token and calls these routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Request
from starlette.responses import Response

from ..kb import KnowledgeBase
from .responses import JSON

Since = Annotated[str | None, Query(max_length=20, description="A span back from now: 30m, 12h, 7d, 4w.")]
Top = Annotated[int, Query(ge=1, le=200)]
SuggestionId = Annotated[int, Path(ge=1, le=2**62)]
Check = Callable[[Request], None]


def add_usage_routes(app: FastAPI, kb: KnowledgeBase, editor: Check, writer: Check) -> None:
    """Register the routes on ``app``. ``editor`` is the app's token check (api/auth.py, as for
    ``/stats``: reading what people asked needs the token, it is theirs even redacted); ``writer``
    its check for write endpoints. The guard has checked the token already, before any body."""

    Editor = Depends(editor)
    Writer = Depends(writer)

    @app.get("/log", tags=["usage"], dependencies=[Editor])
    def log(since: Since = None, unanswered: bool = False, limit: Annotated[int, Query(ge=1, le=10_000)] = 1000
            ) -> Response:
        """The query log, newest first: question, pair answered, confidence, feedback. Needs the token."""
        return JSON({"log": [e.to_dict() for e in kb.query_log(since=since, unanswered=unanswered, limit=limit)]})

    @app.get("/often", tags=["usage"], dependencies=[Editor])
    def often(since: Since = "30d", top: Top = 20) -> Response:
        """The most asked needs (logged questions grouped by meaning). Needs the token."""
        return JSON({"needs": [n.to_dict() for n in kb.often(since=since, top=top)]})

    @app.get("/gaps", tags=["usage"], dependencies=[Editor])
    def gaps(since: Since = None, top: Top = 20) -> Response:
        """Needs asked repeatedly without a good answer, most people affected first. Needs the token."""
        return JSON({"gaps": [n.to_dict() for n in kb.gaps(since=since, top=top)]})

    @app.get("/suggestions", tags=["usage"], dependencies=[Editor])
    def suggestions(status: Annotated[str, Query(pattern="^(open|accepted|rejected|reverted|all)$")] = "open"
                    ) -> Response:
        """Suggestions learnt from use, with their evidence. Needs the token."""
        items = kb.suggestions(status=None if status == "all" else status)
        return JSON({"suggestions": [s.to_dict() for s in items]})

    def decision(name: str, doc: str) -> None:
        def decide(suggestion_id: SuggestionId) -> Response:
            done = getattr(kb, name)(suggestion_id)
            return JSON(done.to_dict())

        decide.__doc__ = doc
        app.add_api_route(f"/suggestions/{{suggestion_id}}/{name}", decide, methods=["POST"], tags=["write"],
                          dependencies=[Writer], name=f"{name}_suggestion")

    decision("accept", "Apply a suggestion (an alternate question is added to its pair). Needs the write token.")
    decision("reject", "Discard a suggestion; it is not made again. Needs the write token.")
    decision("revert", "Undo an accepted suggestion. Needs the write token.")


