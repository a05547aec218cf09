"""The HTTP API and the web page: FastAPI over one Searcher, swapped whole when the index changes.

Reads are open. Writes (upload, delete) are refused unless the server was given a token
(``CITESEARCH_API_TOKEN``), and then need ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import glob
import hmac
import logging
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles

from api.guard import WRITE_METHODS, RequestGuard
from api.live_index import (
    DISK_FULL,
    MAX_JOBS_KEPT,
    IndexJobs,
    IndexUnavailable,
    QueueFull,
    SearcherSlot,
    is_disk_full,
    is_uploaded,
)
from api.models import (
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    ErrorResponse,
    FootnotesResponse,
    HealthResponse,
    JobList,
    JobModel,
    document_detail,
)
from api.schema import SearchResponse
from api.uploads import (
    MAX_UPLOAD_BYTES,
    UploadRejected,
    clean_title,
    megabytes,
    safe_filename,
    save_upload,
)
from index.ingest.readers import SUPPORTED_SUFFIXES
from index.models.embedder import Embedder
from index.stores.base import DocumentInfo
from index.stores.factory import Location, as_location
from retrieval.hits import Fusion, Mode
from retrieval.search import MAX_K, MAX_OFFSET, MAX_QUERY_CHARS, QueryError, Searcher

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
TOKEN_ENV = "CITESEARCH_API_TOKEN"

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
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 422, 503)
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 415, 422, 429, 507)
}
# Room an upload must leave on the disk (besides itself) for the index generation it makes.
MIN_FREE_BYTES = 64 * 1024 * 1024
# How often a running server checks for a generation published by another process.
FOLLOW_SECONDS = 2.0

_bearer = HTTPBearer(auto_error=False, description=f"The token set in {TOKEN_ENV}.")


def _current_searcher(request: Request) -> Iterator[Searcher]:
    slot: SearcherSlot = request.app.state.slot
    with slot.lease() as searcher:
        yield searcher


# The Searcher serving this request: taken once, so a swap mid-request cannot mix two indexes,
# and leased, so a swap cannot close it under the request either.
Reader = Annotated[Searcher, Depends(_current_searcher)]


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
    embedder: Embedder | None = None,
    api_token: str | None = _FROM_ENV,
    upload_dir: Path | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    require_index: bool = True,
    min_free_bytes: int = MIN_FREE_BYTES,
    max_pending_jobs: int | None = None,
    follow_seconds: float | None = FOLLOW_SECONDS,
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
    """
    location = as_location(index_dir)
    token = os.environ.get(TOKEN_ENV) if api_token is _FROM_ENV else api_token
    uploads = Path(upload_dir) if upload_dir is not None else default_upload_dir(location.directory)
    slot = SearcherSlot(location, embedder)
    slot.open(strict=require_index)
    jobs = IndexJobs(slot, uploads, max_pending=max_pending_jobs)
    jobs.recover()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if follow_seconds is not None:
            slot.follow(follow_seconds)
        yield
        jobs.shutdown()
        slot.close()

    app = FastAPI(
        title="citesearch",
        summary="Search long reports: the best passages, the answering sentence, their footnotes.",
        version="0.1.0",
        # Swagger UI and ReDoc load scripts from a CDN: they break offline and under our CSP.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.slot = slot
    app.state.jobs = jobs
    _install_handlers(app)
    # Outermost: the token and the size cap are checked before anything reads the body.
    app.add_middleware(
        RequestGuard,
        check_writer=lambda authorization: writer_refusal(token, authorization),
        is_write=_is_write,
        # Room for the multipart form's framing and a title around the file.
        max_body_bytes=max_upload_bytes + 64 * 1024,
        too_large=f"The file is too large (over {megabytes(max_upload_bytes)}).",
        headers=SECURITY_HEADERS,
    )

    def require_writer(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        # RequestGuard has refused the request already; this says so in the OpenAPI schema.
        given = f"Bearer {credentials.credentials}" if credentials is not None else None
        refusal = writer_refusal(token, given)
        if refusal is not None:
            status, detail, headers = refusal
            raise HTTPException(status, detail, headers=headers or None)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/api/search", response_model=SearchResponse, responses=_ERRORS, tags=["search"])
    def search(
        s: Reader,
        q: Annotated[
            str, Query(description=f"The question or keywords (at most {MAX_QUERY_CHARS} chars).")
        ] = "",
        k: Annotated[int, Query(ge=1, le=MAX_K, description="Passages per page.")] = 10,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Passages to skip.")] = 0,
        mode: Annotated[
            Mode | None, Query(description="Which retrievers rank the passages (default hybrid).")
        ] = None,
        fusion: Annotated[Fusion | None, Query(description="How hybrid mode fuses.")] = None,
        doc: Annotated[list[str] | None, Query(description="Only these documents.")] = None,
    ) -> SearchResponse:
        """Rank passages for a query; the best sentence among them is the answer."""
        result = s.search(q, k=k, offset=offset, mode=mode, fusion=fusion, doc_ids=doc)
        return SearchResponse.from_result(result)

    @app.get("/api/documents", response_model=DocumentList, responses=_ERRORS, tags=["documents"])
    def documents(s: Reader) -> DocumentList:
        """Every indexed document with its page, passage and footnote counts."""
        docs = sorted(s.store.documents(), key=lambda d: d.meta.title.casefold())
        return DocumentList(documents=[DocumentSummary.from_info(d, s.titles) for d in docs])

    @app.get(
        "/api/documents/{doc_id}",
        response_model=DocumentDetail,
        responses=_ERRORS,
        tags=["documents"],
    )
    def document(doc_id: str, s: Reader) -> DocumentDetail:
        """A document's metadata and its clean text page by page, mapped to the source text."""
        info = _find(s, doc_id)
        parsed = s.store.document_text(doc_id)
        if parsed is None:
            raise HTTPException(404, f"No document with id {doc_id!r}.")
        return document_detail(info, parsed, s.titles)

    @app.get(
        "/api/documents/{doc_id}/footnotes",
        response_model=FootnotesResponse,
        responses=_ERRORS,
        tags=["documents"],
    )
    def footnotes(doc_id: str, s: Reader) -> FootnotesResponse:
        """A document's footnotes: number, note text (null when lost), links, marker places."""
        _find(s, doc_id)
        return FootnotesResponse.from_footnotes(doc_id, s.store.footnotes(doc_id))

    @app.get("/api/health", response_model=HealthResponse, tags=["service"])
    def health() -> HealthResponse:
        """Whether an index is loaded, what it holds, and the indexing jobs under way."""
        with slot.lease_loaded() as current:
            documents, chunks = (
                (current.document_count, current.passage_count) if current is not None else (0, 0)
            )
            model = current.embedder.model_name if current is not None else None
            second = current.store.model.second if current is not None else None
            # Named when it is searched: the index holds its vectors and the searcher its model.
            searched = current is not None and current.fuses_second
        return HealthResponse(
            index_loaded=current is not None,
            documents=documents,
            chunks=chunks,
            model=model,
            second_model=second.name if second is not None and searched else None,
            detail=slot.error if current is None else None,
            index_version=slot.version,
            uploads_enabled=bool(token),
            formats=sorted(SUPPORTED_SUFFIXES),
            indexing=jobs.pending(),
        )

    @app.post(
        "/api/documents",
        status_code=202,
        response_model=JobModel,
        responses=_WRITE_ERRORS,
        tags=["documents"],
        dependencies=[Depends(require_writer)],
    )
    async def upload(
        file: Annotated[UploadFile, File(description="A .txt, .md or .pdf file.")],
        title: Annotated[
            str | None, Form(description="The title to show (default: from the file).")
        ] = None,
    ) -> JSONResponse:
        """Save an uploaded file and index it in the background; poll the job it returns.

        The document id is the file name's stem, transliterated to ASCII. An id already taken
        (by an earlier upload, one being indexed, or the server's own corpus) is refused with
        409: delete the earlier document first, or rename the file. 429 (with Retry-After)
        while too many jobs wait; 507 when the disk is too full to take the file.
        """
        name = safe_filename(file.filename)
        shown_title = clean_title(title)
        doc_id = Path(name).stem
        jobs.check_room()
        _check_free_space(uploads, file.size or 0, min_free_bytes)
        with slot.lease_loaded() as current:
            taken = _lookup(current, doc_id) if current is not None else None
        if taken is not None and not is_uploaded(taken, uploads):
            raise HTTPException(
                409,
                f"A document with id {doc_id!r} is already indexed from the server's "
                "corpus: rename the file to upload it.",
            )
        if taken is not None:
            raise HTTPException(
                409,
                f"A document with id {doc_id!r} was already uploaded: delete it first "
                f"(DELETE /api/documents/{doc_id}) or rename the file.",
            )
        if any(
            p.suffix.lower() in SUPPORTED_SUFFIXES for p in uploads.glob(f"{glob.escape(doc_id)}.*")
        ):
            raise HTTPException(
                409,
                f"An upload with id {doc_id!r} is being indexed: wait for its job, or rename "
                "the file.",
            )
        path = await save_upload(file, uploads / name, max_upload_bytes)
        try:
            job = jobs.add_file(path, shown_title)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _accepted(job.model())

    @app.get("/api/jobs/{job_id}", response_model=JobModel, responses=_ERRORS, tags=["documents"])
    def job(job_id: str) -> JobModel:
        """The state of an upload or deletion job, with its stage and counts while it runs."""
        found = jobs.describe(job_id)
        if found is None:
            raise HTTPException(404, f"No job with id {job_id!r}.")
        return found

    @app.get("/api/jobs", response_model=JobList, responses=_ERRORS, tags=["documents"])
    def job_list(
        limit: Annotated[int, Query(ge=1, le=MAX_JOBS_KEPT, description="How many.")] = 20,
    ) -> JobList:
        """The latest upload and deletion jobs, newest first."""
        return JobList(jobs=jobs.recent(limit))

    @app.delete(
        "/api/documents/{doc_id}",
        status_code=202,
        response_model=JobModel,
        responses=_WRITE_ERRORS,
        tags=["documents"],
        dependencies=[Depends(require_writer)],
    )
    def delete(doc_id: str, s: Reader) -> JSONResponse:
        """Remove an uploaded document in the background; poll the job it returns.

        Documents of the server's own corpus are managed with ``citesearch index`` (409 here).
        """
        info = _find(s, doc_id)
        if info.meta.parent:
            raise HTTPException(
                409,
                f"{doc_id!r} is an attachment of the e-mail {info.meta.parent!r}: delete the "
                "message, and its attachments go with it.",
            )
        if not is_uploaded(info, uploads):
            raise HTTPException(
                409,
                f"{doc_id!r} comes from the server's corpus folder, not from an upload: remove its "
                "file there and run `citesearch index` again.",
            )
        job = jobs.delete_upload(doc_id, Path(info.meta.path))
        return _accepted(job.model())

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _accepted(job: JobModel) -> JSONResponse:
    return JSONResponse(
        job.model_dump(), status_code=202, headers={"Location": f"/api/jobs/{job.id}"}
    )


def default_upload_dir(index_dir: Path) -> Path:
    """Where uploads are kept: beside the index, so an index rebuild does not lose them."""
    return index_dir.parent / f"{index_dir.name}-uploads"


def _lookup(s: Searcher, doc_id: str) -> DocumentInfo | None:
    return s.store.document_info(doc_id)


def _find(s: Searcher, doc_id: str) -> DocumentInfo:
    info = _lookup(s, doc_id)
    if info is None:
        raise HTTPException(404, f"No document with id {doc_id!r}.")
    return info


def _check_free_space(folder: Path, size: int, min_free: int) -> None:
    """507 when saving ``size`` bytes would leave less than ``min_free`` on the disk."""
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < size + min_free:
        raise UploadRejected(
            f"The server's disk is too full to take this file ({megabytes(free)} free): "
            "nothing was saved; free some space and upload again.",
            507,
        )


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
