"""The HTTP API and the web page: FastAPI over one Searcher, swapped whole when the index changes.

Reads are open. Writes (upload, delete) are refused unless the server was given a token
(``CITESEARCH_API_TOKEN``), and then need ``Authorization: Bearer <token>``.

The routes are in ``api.routes``, one router per resource; this module assembles them, makes the
``AppState`` they read, checks the token and turns errors into plain words.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from api.guard import WRITE_METHODS, RequestGuard, WriterCheck
from api.live_index import (
    DISK_FULL,
    IndexJobs,
    IndexUnavailable,
    QueueFull,
    SearcherSlot,
    is_disk_full,
)
from api.routes import (
    annotation_routes,
    document_routes,
    entity_routes,
    health_routes,
    page_routes,
    search_routes,
    upload_routes,
)
from api.routes.dependencies import AppState
from api.routes.page_routes import STATIC_DIR
from api.routes.upload_routes import TOKEN_ENV
from api.uploads import MAX_UPLOAD_BYTES, UploadRejected, megabytes
from index.models.encoder import Encoder
from index.stores.annotations import AnnotationStore, open_annotations
from index.stores.factory import Location, as_location
from retrieval.search import QueryError

log = logging.getLogger(__name__)

# The page loads only its own script and style; nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

_FROM_ENV: Any = object()
# Room an upload must leave on the disk (besides itself) for the index generation it makes.
MIN_FREE_BYTES = 64 * 1024 * 1024
# How often a running server checks for a generation published by another process.
FOLLOW_SECONDS = 2.0
# Included in this order, which is the order of the paths in the OpenAPI schema.
ROUTERS = (
    page_routes.router,
    search_routes.router,
    document_routes.router,
    entity_routes.router,
    health_routes.router,
    upload_routes.router,
    annotation_routes.router,
)


def writer_refusal(
    token: str | None, authorization: str | None
) -> tuple[int, str, dict[str, str]] | None:
    """Why a write is refused (status, message, headers), or None when the token is right."""
    if not token:
        return (
            403,
            f"Uploads and deletions are disabled on this server: set {TOKEN_ENV} to allow them.",
            {},
        )
    scheme, _, given = (authorization or "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        return (
            401,
            "A valid token is needed: send 'Authorization: Bearer <token>'.",
            {"WWW-Authenticate": "Bearer"},
        )
    return None


def _is_write(method: str, path: str) -> bool:
    return method in WRITE_METHODS and path.startswith("/api/documents")


def create_app(
    index_dir: Path | Location,
    *,
    embedder: Encoder | None = None,
    api_token: str | None = _FROM_ENV,
    upload_dir: Path | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    require_index: bool = True,
    min_free_bytes: int = MIN_FREE_BYTES,
    max_pending_jobs: int | None = None,
    follow_seconds: float | None = FOLLOW_SECONDS,
    corpus_dirs: Sequence[Path] = (),
) -> FastAPI:
    """The citesearch app serving the index in ``index_dir`` (a directory or a ``Location``).

    ``embedder`` is reused for every Searcher the app opens (load it once per process).
    ``api_token`` defaults to the ``CITESEARCH_API_TOKEN`` environment variable; without a token
    uploads and deletions are refused. Uploads are saved in ``upload_dir`` (default:
    ``<index_dir>-uploads`` beside the index, which index generations never touch).

    Raises ``IndexMismatch`` (``IndexMissing`` when there is none) if the index cannot be served,
    unless ``require_index`` is False: the app then starts empty, says why in ``/api/health``,
    answers searches with 503, and serves the first index an upload builds.

    An upload is refused with 507 when it would leave less than ``min_free_bytes`` free, and
    with 429 while ``max_pending_jobs`` jobs wait. Jobs a stop cut short are marked
    ``interrupted`` and their work queued again at once.

    While the app runs it checks every ``follow_seconds`` for a generation another process
    published (`citesearch index`, another server sharing a Milvus + PostgreSQL) and serves it;
    None turns that off.

    ``corpus_dirs``: the folders whose indexed files are given as downloads, besides uploads.
    """
    location = as_location(index_dir)
    token = os.environ.get(TOKEN_ENV) if api_token is _FROM_ENV else api_token
    check_writer: WriterCheck = functools.partial(writer_refusal, token)
    uploads = Path(upload_dir) if upload_dir is not None else default_upload_dir(location.directory)
    slot = SearcherSlot(location, embedder)
    slot.open(strict=require_index)
    jobs = IndexJobs(slot, uploads, max_pending=max_pending_jobs)
    jobs.recover()

    app = FastAPI(
        title="citesearch",
        summary="Search long reports: the best passages, the answering sentence, their footnotes.",
        version="0.1.0",
        # Swagger UI and ReDoc load scripts from a CDN: they break offline and under our CSP.
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(slot, jobs, follow_seconds, warm=bool(token)),
    )
    app.state.citesearch = AppState(
        slot=slot,
        jobs=jobs,
        upload_dir=uploads,
        max_upload_bytes=max_upload_bytes,
        min_free_bytes=min_free_bytes,
        check_writer=check_writer,
        uploads_enabled=bool(token),
        corpus_dirs=tuple(Path(d) for d in corpus_dirs),
    )
    # Tests and tools reach the served index and its jobs here; the routes, the annotations.
    app.state.slot, app.state.jobs = slot, jobs
    app.state.annotations = _annotations(location)
    _install_handlers(app)
    # Outermost: the token and the size cap are checked before anything reads the body.
    app.add_middleware(
        RequestGuard,
        check_writer=check_writer,
        is_write=_is_write,
        # Room for the multipart form's framing and a title around the file.
        max_body_bytes=max_upload_bytes + 64 * 1024,
        too_large=f"The file is too large (over {megabytes(max_upload_bytes)}).",
        headers=SECURITY_HEADERS,
    )
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _lifespan(
    slot: SearcherSlot, jobs: IndexJobs, follow_seconds: float | None, *, warm: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Follow other processes' generations while the app runs; stop the jobs and close after.
    A server that takes uploads (``warm``) loads its passage models as it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            slot.warm()
        if follow_seconds is not None:
            slot.follow(follow_seconds)
        yield
        jobs.shutdown()
        slot.close()
        if app.state.annotations is not None:
            app.state.annotations.close()

    return lifespan


def _annotations(location: Location) -> AnnotationStore | None:
    """The index's tags, stars and notes (None, said in the log, when unreachable: the page
    works without them)."""
    try:
        return open_annotations(location)
    except ConnectionError as exc:
        log.warning("annotations unavailable: %s", exc)
        return None


def default_upload_dir(index_dir: Path) -> Path:
    """Where uploads are kept: beside the index, so an index rebuild does not lose them."""
    return index_dir.parent / f"{index_dir.name}-uploads"


def _install_handlers(app: FastAPI) -> None:
    """Plain-words JSON errors for users' mistakes; a logged 500 only for real bugs."""

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _plain_validation_message(exc)}, status_code=422)

    @app.exception_handler(QueryError)
    async def bad_query(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(UploadRejected)
    async def bad_upload(_: Request, exc: UploadRejected) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(QueueFull)
    async def queue_full(_: Request, exc: QueueFull) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)}
        )

    @app.exception_handler(OSError)
    async def disk_full(request: Request, exc: OSError) -> JSONResponse:
        if is_disk_full(exc):
            log.warning("disk full on %s %s: %s", request.method, request.url.path, exc)
            return JSONResponse({"detail": f"Not saved: {DISK_FULL}."}, status_code=507)
        return await bug(request, exc)

    @app.exception_handler(IndexUnavailable)
    async def no_index(_: Request, exc: IndexUnavailable) -> JSONResponse:
        return JSONResponse({"detail": f"No index is loaded: {exc}"}, status_code=503)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "Internal error: the server could not answer; see its log."},
            status_code=500,
            headers=SECURITY_HEADERS,
        )


def _plain_validation_message(exc: RequestValidationError) -> str:
    """One line per bad parameter, e.g. ``k: Input should be less than or equal to 100``."""
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path")]
        name = ".".join(loc) or "request"
        parts.append(f"{name}: {error.get('msg', 'invalid value')}")
    return "; ".join(parts) or "Invalid request."
