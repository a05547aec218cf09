"""Writes and their jobs: upload a document, delete an uploaded one, poll the jobs that index them,
retry or discard a job that failed or was interrupted.

Writes need the server's token (``CITESEARCH_API_TOKEN``) as ``Authorization: Bearer <token>``;
the ``RequestGuard`` middleware refuses uploads and deletions before their bodies are read, and
``require_writer`` says so in the OpenAPI schema. Job listings are open, but without the token
they show states and counts only: file names, document ids and errors name a newsroom's sources.
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.live_index import MAX_JOBS_KEPT, JobConflict, is_uploaded
from api.models import JobList, JobModel
from api.routes.dependencies import (
    ERRORS,
    WRITE_ERRORS,
    AppState,
    Reader,
    State,
    find_document,
    lookup_document,
)
from api.uploads import check_free_space, clean_title, safe_filename, save_upload
from index.ingest.readers import SUPPORTED_SUFFIXES

TOKEN_ENV = "CITESEARCH_API_TOKEN"

_bearer = HTTPBearer(auto_error=False, description=f"The token set in {TOKEN_ENV}.")


def require_writer(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """403/401 unless the request carries the server's token."""
    # RequestGuard has refused the request already; this says so in the OpenAPI schema.
    given = f"Bearer {credentials.credentials}" if credentials is not None else None
    refusal = state.check_writer(given)
    if refusal is not None:
        status, detail, headers = refusal
        raise HTTPException(status, detail, headers=headers or None)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def holds_token(state: AppState, credentials: HTTPAuthorizationCredentials | None) -> bool:
    """Whether the request carries the server's token (never, when the server has none)."""
    given = f"Bearer {credentials.credentials}" if credentials is not None else None
    return state.check_writer(given) is None


router = APIRouter()
_Route = TypeVar("_Route", bound=Callable[..., Any])
_T = TypeVar("_T")


def _write_route(
    method: str, path: str, status_code: int, response_model: Any = None
) -> Callable[[_Route], _Route]:
    """A route that changes something: the token is required and its errors are documented."""
    return router.api_route(
        path,
        methods=[method],
        status_code=status_code,
        response_model=response_model,
        responses=WRITE_ERRORS,
        tags=["documents"],
        dependencies=[Depends(require_writer)],
    )


@_write_route("POST", "/api/documents", 202, JobModel)
async def upload(
    state: State,
    file: Annotated[
        UploadFile, File(description="A file of a supported type (GET /api/health lists them).")
    ],
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
    state.jobs.check_room()
    check_free_space(state.upload_dir, file.size or 0, state.min_free_bytes)
    _check_id_free(state, doc_id)
    path = await save_upload(file, state.upload_dir / name, state.max_upload_bytes)
    try:
        job = state.jobs.add_file(path, shown_title)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _accepted(job.model())


def _check_id_free(state: AppState, doc_id: str) -> None:
    """409 when ``doc_id`` is indexed already (from the corpus or an upload) or being indexed."""
    uploads = state.upload_dir
    with state.slot.lease_loaded() as current:
        taken = lookup_document(current, doc_id) if current is not None else None
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
    # A file only a failed or interrupted job holds is replaced by the new upload.
    if any(
        p.suffix.lower() in SUPPORTED_SUFFIXES for p in uploads.glob(f"{glob.escape(doc_id)}.*")
    ) and not state.jobs.release_kept(doc_id):
        raise HTTPException(
            409,
            f"An upload with id {doc_id!r} is being indexed: wait for its job, or rename the file.",
        )


@router.get("/api/jobs/{job_id}", response_model=JobModel, responses=ERRORS, tags=["documents"])
def job(job_id: str, state: State, credentials: Credentials) -> JobModel:
    """The state of an upload or deletion job, with its stage and counts while it runs; its
    file name, document id, error and warnings with the token only."""
    found = state.jobs.describe(job_id, full=holds_token(state, credentials))
    if found is None:
        raise HTTPException(404, f"No job with id {job_id!r}.")
    return found


@router.get("/api/jobs", response_model=JobList, responses=ERRORS, tags=["documents"])
def job_list(
    state: State,
    credentials: Credentials,
    limit: Annotated[int, Query(ge=1, le=MAX_JOBS_KEPT, description="How many.")] = 20,
) -> JobList:
    """The latest upload and deletion jobs, newest first (names and errors with the token)."""
    return JobList(jobs=state.jobs.recent(limit, full=holds_token(state, credentials)))


@_write_route("POST", "/api/jobs/{job_id}/retry", 202, JobModel)
def retry(job_id: str, state: State) -> JSONResponse:
    """Run a failed or interrupted job's work again, as a new job; poll the job it returns.

    A job is never started again by itself: one cut short by a stop, or that failed, waits here
    with its file kept. 409 when the job did not fail, its file is gone, or a newer upload of
    the same name replaced it.
    """
    return _accepted(_on_ended_job(state.jobs.retry, job_id).model())


@_write_route("DELETE", "/api/jobs/{job_id}", 204)
def discard(job_id: str, state: State) -> None:
    """Forget a failed or interrupted job and remove the file it kept (a document indexed stays:
    delete it with DELETE /api/documents/{doc_id}). 409 for a job that did not fail."""
    _on_ended_job(state.jobs.discard, job_id)


def _on_ended_job(action: Callable[[str], _T], job_id: str) -> _T:
    """``action`` on a failed or interrupted job: 404 for an unknown job, 409 with the reason
    when it cannot be done."""
    try:
        return action(job_id)
    except KeyError:
        raise HTTPException(404, f"No job with id {job_id!r}.") from None
    except JobConflict as exc:
        raise HTTPException(409, str(exc)) from None


@_write_route("DELETE", "/api/documents/{doc_id}", 202, JobModel)
def delete(doc_id: str, s: Reader, state: State) -> JSONResponse:
    """Remove an uploaded document in the background; poll the job it returns.

    Documents of the server's own corpus are managed with ``citesearch index`` (409 here).
    """
    info = find_document(s, doc_id)
    if info.meta.parent:
        raise HTTPException(
            409,
            f"{doc_id!r} is an attachment of the e-mail {info.meta.parent!r}: delete the "
            "message, and its attachments go with it.",
        )
    if not is_uploaded(info, state.upload_dir):
        raise HTTPException(
            409,
            f"{doc_id!r} comes from the server's corpus folder, not from an upload: remove its "
            "file there and run `citesearch index` again.",
        )
    job = state.jobs.delete_upload(doc_id, Path(info.meta.path))
    return _accepted(job.model())


def _accepted(job: JobModel) -> JSONResponse:
    return JSONResponse(
        job.model_dump(), status_code=202, headers={"Location": f"/api/jobs/{job.id}"}
    )
