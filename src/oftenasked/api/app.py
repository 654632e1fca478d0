"""The FastAPI application: routes thin over KnowledgeBase, one error shape, the web page.

Route functions are plain ``def``: FastAPI runs them in its thread pool, so a slow call never
blocks the event loop. The KnowledgeBase is shared by every request and owns its concurrency
(a read connection per thread, one snapshot per question, one writer): no lock is taken here,
and a read never waits for a write. Repeated questions are answered from a cache stamped with
the knowledge base's generation, so any write invalidates it. Nothing here writes on the event
loop: the query log is written by its own thread. tests/test_api_concurrency.py checks answers
under concurrent load; bench/http_load.py measures it.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from .. import __version__
from ..answer.page import markdown_to_html
from ..errors import AccessError, IndexNotReady, InputError, OftenaskedError, RateLimitError
from ..kb import MAX_QUESTION_CHARS, KnowledgeBase
from ..models import Answer
from . import schemas, shapes
from .auth import token_refusal
from .cache import GenerationCache
from .config import ServerConfig
from .guard import Guard
from .public import public_page
from .ratelimit import PerClient
from .responses import JSON, error
from .uploads import check_unpacked
from .usage import add_usage_routes

log = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": schemas.ErrorBody, "description": "A bad request, in the one error shape"},
    "5XX": {"model": schemas.ErrorBody, "description": "A server error, in the one error shape"},
}
Question = Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question asked.")]


def build_app(kb: KnowledgeBase, config: ServerConfig) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # The questions of the last second, before the process ends (a write: not on the event loop).
        await run_in_threadpool(kb.flush_query_log)

    app = FastAPI(
        lifespan=lifespan,
        title="oftenasked",
        version=__version__,
        summary="Answers to frequently asked questions, with a calibrated confidence and related questions.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        responses=ERRORS,
    )
    _errors(app)
    _static(app)

    def token_holder(request: Request) -> None:
        """The operator's bearer token (the guard checked it already, before the body: again here
        so that the routes stay safe behind any middleware)."""
        refused = token_refusal(config, request.headers.get("authorization", ""), request.url.path)
        if refused is not None:
            status, message = refused
            raise AccessError(message, status)

    def writer(request: Request) -> None:
        """Write endpoints need the operator's bearer token; with none configured, writes are off."""
        token_holder(request)
        if _is_starter(kb.path):
            raise AccessError(
                "the bundled starter knowledge base is read-only: serve your own with --kb FILE to edit it", 403
            )

    Writer = Depends(writer)
    TokenHolder = Depends(token_holder)
    feedback_limit = PerClient(config.feedback_per_minute, "feedback")
    logging_limit = PerClient(config.logged_per_minute, "query-log")

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "-"

    answers: GenerationCache[tuple[Answer, bytes]] = GenerationCache(config.answer_cache)

    @app.get("/health", response_model=schemas.Health, tags=["service"])
    def health() -> Response:
        """Liveness and the size of the knowledge base."""
        return JSON({"status": "ok", "version": __version__, "pairs": len(kb)})

    def answer(body: schemas.AskRequest, logged: bool) -> Response:
        filters: dict[str, list[str]] = {}
        for item in body.strictFilters:
            filters.setdefault(item.name, []).append(item.value)
        chosen = tuple(sorted((name, tuple(values)) for name, values in filters.items()))
        key = (body.question.strip(), body.top, body.scoreThreshold, chosen, body.strictFiltersCompoundOperationType,
               body.related)
        # A write between here and the search only makes this entry stale: the next get recomputes it.
        generation = kb.generation()
        cached = answers.get(key, generation)
        if cached is not None:
            if logged:
                kb.record_query(cached[0], body.session)
            return Response(cached[1], media_type="application/json")
        found = kb.ask(
            body.question,
            top=body.top,
            threshold=body.scoreThreshold,
            filters=filters or None,
            mode="or" if body.strictFiltersCompoundOperationType == "OR" else "and",
            record=False,  # logged below, with the session, whether answered now or from the cache
        )
        related = kb.related(body.question, top=body.related) if body.related else ()
        if logged:
            kb.record_query(found, body.session)  # (taken, not written: the log's own thread writes it)
        cached = (found, to_json(shapes.ask_response(found, related)))
        answers.put(key, generation, cached)
        return Response(cached[1], media_type="application/json")

    @app.post("/ask", response_model=schemas.AskResponse, tags=["answer"])
    async def ask(body: schemas.AskRequest, request: Request) -> Response:
        """The best answers to a question (QnA Maker generateAnswer shape), with related questions."""
        # Answering is CPU-bound Python: it runs right here, on the event loop's thread. Handing it
        # to a worker thread cost a hand-off and the two threads' fight for the GIL (8 clients,
        # every question new: 370 -> 480 requests/s, p99 55 -> 30 ms). A read never waits for a
        # write (its own connection, its own snapshot), so only rebuilding the index after a write
        # (seconds) is left to a worker thread, and the server keeps serving meanwhile.
        # One client's flood of questions is answered but not all logged (often-asked counts stay honest).
        logged = logging_limit.allow(client_of(request))
        if config.serialize and kb.index_ready():
            try:
                with kb.retrieval.ready_only():  # live segments catch up here; a full build: in a worker thread
                    return answer(body, logged)
            except IndexNotReady:
                pass
        return await run_in_threadpool(answer, body, logged)

    @app.get("/related", response_model=schemas.RelatedResponse, tags=["answer"])
    def related(question: Question, top: Annotated[int, Query(ge=0, le=config.max_top)] = 5) -> Response:
        """Questions people also ask about the same need, each with its answer."""
        items = kb.related(question, top=top)
        return JSON({"question": question.strip(), "related": [shapes.related_item(r) for r in items]})

    @app.get(
        "/page",
        tags=["answer"],
        responses={200: {"content": {"text/markdown": {}, "text/html": {}, "application/json": {}}}},
    )
    def page(
        question: Question,
        format: Annotated[schemas.Format, Query()] = "html",  # noqa: A002 (the query parameter's name)
        related: Annotated[int, Query(ge=0, le=config.max_top)] = 5,
    ) -> Response:
        """The "Often asked" page for a question: Markdown, HTML (with FAQPage JSON-LD) or JSON."""
        result = public_page(kb.page(question, related=related))
        if format == "md":
            return Response(result.to_markdown(), media_type="text/markdown; charset=utf-8")
        if format == "json":
            return JSON(result.to_dict())
        return Response(_styled(result.to_html()), media_type="text/html; charset=utf-8")

    @app.get("/q/{question:path}", include_in_schema=False)
    def often_asked(question: Annotated[str, Path(min_length=1, max_length=MAX_QUESTION_CHARS)]) -> Response:
        """The "Often asked" page at a stable, shareable URL."""
        result = public_page(kb.page(question))
        return Response(_styled(result.to_html()), media_type="text/html; charset=utf-8")

    @app.post("/ingest", tags=["write"], dependencies=[Writer], status_code=201, openapi_extra=_INGEST_BODY)
    async def ingest(
        request: Request,
        filename: Annotated[str | None, Query(max_length=200, description="Name of the uploaded file.")] = None,
        format: Annotated[str | None, Query(max_length=20)] = None,  # noqa: A002
    ) -> Response:
        """Upload a file as the body (with ``?filename=``), or JSON ``{"origin", "pairs": [...]}``.

        Re-sending the same file name or origin updates its pairs in place. Needs the write token.
        """
        raw = await request.body()
        await run_in_threadpool(check_unpacked, raw, config.max_ingest_unpacked)
        if filename is not None:
            name = PurePosixPath(filename.replace("\\", "/")).name
            if not name or name in {".", ".."}:
                raise InputError("the filename is empty")
            origin, data, fmt = f"upload:{name}", raw, format
        else:
            if "json" not in request.headers.get("content-type", ""):
                raise InputError("send a file with ?filename=NAME, or JSON {\"pairs\": [...]}")
            try:
                parsed = schemas.IngestPairs.model_validate_json(raw)
            except ValidationError as exc:
                raise RequestValidationError(exc.errors()) from None
            origin = f"api:{parsed.origin}"
            data = b"\n".join(to_json(p.model_dump(exclude_none=True)) for p in parsed.pairs)
            fmt = "jsonl"
        report = await run_in_threadpool(kb.ingest_bytes, data, origin, fmt)
        return JSON(report.to_dict(), status_code=201)

    @app.get("/pairs", response_model=schemas.PairList, tags=["pairs"])
    def pairs(
        offset: Annotated[int, Query(ge=0, le=2**31)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> Response:
        """Pairs in knowledge-base order, a page at a time."""
        total, shown = kb.pairs_page(offset, limit)
        return JSON({"total": total, "offset": offset, "pairs": [shapes.pair_out(p) for p in shown]})

    PairId = Annotated[str, Path(min_length=1, max_length=200)]

    @app.get("/pairs/{pair_id:path}", response_model=schemas.PairOut, tags=["pairs"])
    def get_pair(pair_id: PairId) -> Response:
        """One pair by id."""
        return JSON(shapes.pair_out(kb.pair(pair_id)))

    @app.put("/pairs/{pair_id:path}", response_model=schemas.PairOut, tags=["write"], dependencies=[Writer])
    def put_pair(pair_id: PairId, body: schemas.PairUpdate) -> Response:
        """Edit a pair; fields left out keep their value. Needs the write token."""
        updated = kb.update_pair(pair_id, **body.model_dump(exclude_unset=True, exclude_none=True))
        return JSON(shapes.pair_out(updated))

    @app.delete("/pairs/{pair_id:path}", response_model=schemas.PairOut, tags=["write"], dependencies=[Writer])
    def delete_pair(pair_id: PairId) -> Response:
        """Delete a pair (re-ingesting its source brings it back). Needs the write token."""
        return JSON(shapes.pair_out(kb.delete_pair(pair_id)))

    @app.post("/feedback", response_model=schemas.FeedbackOut, status_code=201, tags=["usage"])
    def feedback(body: schemas.FeedbackIn, request: Request) -> Response:
        """Was the answer helpful? Or which other answer was right (``better_id``)."""
        if not feedback_limit.allow(client_of(request)):
            raise RateLimitError(f"too much feedback from one client (at most {config.feedback_per_minute} a minute)")
        recorded = kb.record_feedback(
            body.question, body.id, helpful=body.helpful, better_id=body.better_id, session=body.session
        )
        return JSON({"ok": True, "feedback": recorded.to_dict()}, status_code=201)

    @app.get("/stats", response_model=schemas.StatsOut, tags=["usage"], dependencies=[TokenHolder])
    def stats() -> Response:
        """Pairs, sources, questions asked, unanswered questions, feedback totals. Needs the token:
        it shows what other people asked."""
        return JSON(kb.stats())

    add_usage_routes(app, kb, token_holder, writer)

    # Imported here so that the markdown renderer is warm before the first request.
    markdown_to_html("warm-up")
    guarded: Any = Guard(app, config)
    if config.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        guarded = CORSMiddleware(
            guarded, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["authorization", "content-type"],
        )
    guarded.fastapi = app  # so tests and tools can reach the app behind the middleware
    return guarded


def _is_starter(path: str) -> bool:
    """Whether ``path`` is the bundled starter knowledge base (a cache file, rebuilt at will)."""
    from ..starter import is_starter

    return is_starter(path)


def _ingest_body() -> dict[str, Any]:
    """The two bodies POST /ingest accepts, for the OpenAPI schema (the route reads the raw body)."""
    pairs = schemas.IngestPairs.model_json_schema()
    definitions = pairs.pop("$defs", {})
    pairs["properties"]["pairs"]["items"] = definitions["PairIn"]
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": pairs},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


_INGEST_BODY = _ingest_body()


def _errors(app: FastAPI) -> None:
    """Every failure, ours or the framework's, leaves in the one error shape."""

    @app.exception_handler(OftenaskedError)
    async def ours(request: Request, exc: OftenaskedError) -> Response:
        if exc.status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc.message)
        headers = {"www-authenticate": "Bearer"} if exc.status == 401 else None
        return error(exc.status, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error(400, _validation_message(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"no such endpoint: {request.method} {request.url.path}"
        return error(exc.status_code, message, dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        return error(500, "internal server error")


def _validation_message(errors: Any) -> str:
    parts = []
    for item in list(errors)[:5]:
        loc = [str(x) for x in item.get("loc", ()) if x not in ("body", "query", "path")]
        where = ".".join(loc) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def _styled(html_page: str) -> str:
    """The page's HTML with the site's stylesheet and a way back to the search box."""
    return html_page.replace(
        "</head>", '<link rel="stylesheet" href="/static/app.css"></head>', 1
    ).replace("<main>", '<main class="page"><p><a href="/">← Ask another question</a></p>', 1)


def _static(app: FastAPI) -> None:
    """The web page: three files read once, served with their types; no build step."""
    folder = resources.files("oftenasked") / "web"
    files = {
        "/": ("index.html", "text/html; charset=utf-8"),
        "/static/app.css": ("app.css", "text/css; charset=utf-8"),
        "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
        "/review": ("review.html", "text/html; charset=utf-8"),
        "/static/review.js": ("review.js", "text/javascript; charset=utf-8"),
    }
    for route, (name, media_type) in files.items():
        content = folder.joinpath(name).read_bytes()

        def serve(content: bytes = content, media_type: str = media_type) -> Response:
            return Response(content, media_type=media_type, headers={"cache-control": "no-cache"})

        app.add_api_route(route, serve, methods=["GET", "HEAD"], include_in_schema=False)
