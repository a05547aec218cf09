"""Reading the indexed documents: the list, one document's text, its footnotes, its file."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from api.annotation_view import annotate_documents
from api.live_index import is_uploaded
from api.models import (
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    FootnotesResponse,
    document_detail,
)
from api.routes.dependencies import ERRORS, AppState, Reader, State, find_document
from api.routes.upload_routes import Credentials, holds_token
from index.stores.base import DocumentInfo

router = APIRouter()

# The original is a download, as plain bytes (an HTML file is never rendered as a page of this
# site); even opened directly, it runs nothing and loads nothing.
_DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'"
}


@router.get("/api/documents", response_model=DocumentList, responses=ERRORS, tags=["documents"])
def documents(s: Reader, state: State, request: Request) -> DocumentList:
    """Every indexed document with its metadata, page, passage and footnote counts, whether
    it was uploaded, and the reader's tags, star and note on it."""
    docs = sorted(s.store.documents(), key=lambda d: d.meta.title.casefold())
    listed = DocumentList(
        documents=[
            DocumentSummary.from_info(d, s.titles, uploaded=is_uploaded(d, state.upload_dir))
            for d in docs
        ]
    )
    annotate_documents(listed.documents, request.app.state.annotations)
    return listed


@router.get(
    "/api/documents/{doc_id}",
    response_model=DocumentDetail,
    responses=ERRORS,
    tags=["documents"],
)
def document(doc_id: str, s: Reader, state: State) -> DocumentDetail:
    """A document's metadata and its clean text page by page, mapped to the source text."""
    info = find_document(s, doc_id)
    parsed = s.store.document_text(doc_id)
    if parsed is None:
        raise HTTPException(404, f"No document with id {doc_id!r}.")
    return document_detail(info, parsed, s.titles, uploaded=is_uploaded(info, state.upload_dir))


@router.get(
    "/api/documents/{doc_id}/footnotes",
    response_model=FootnotesResponse,
    responses=ERRORS,
    tags=["documents"],
)
def footnotes(doc_id: str, s: Reader) -> FootnotesResponse:
    """A document's footnotes: number, note text (null when lost), links, marker places."""
    find_document(s, doc_id)
    return FootnotesResponse.from_footnotes(doc_id, s.store.footnotes(doc_id))


@router.get(
    "/api/documents/{doc_id}/original",
    response_class=FileResponse,
    responses={
        **ERRORS,
        200: {"content": {"application/octet-stream": {}}, "description": "The file."},
        401: ERRORS[404],
        403: ERRORS[404],
    },
    tags=["documents"],
)
def original(doc_id: str, s: Reader, state: State, credentials: Credentials) -> FileResponse:
    """The file a document was indexed from, as a download.

    A corpus file is open to all; an uploaded file needs the server's token (401 without it),
    as its name does in the job listings. An e-mail attachment gives the message it came in
    (.eml or .msg: its attachments are inside). 404 when the file is gone, or lies outside the
    corpus folders the server was given (``citesearch serve --corpus``) and its upload folder.
    """
    info = find_document(s, doc_id)
    # Asked first: without the token, nothing about an uploaded file is said.
    if is_uploaded(info, state.upload_dir) and not holds_token(state, credentials):
        raise _token_refusal(state)
    path = _servable_file(info, state)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=path.name,
        headers=_DOWNLOAD_HEADERS,
    )


def _servable_file(info: DocumentInfo, state: AppState) -> Path:
    """The document's file when it is a file inside the upload folder or a corpus folder."""
    doc_id = info.meta.doc_id
    if not info.meta.path:
        raise HTTPException(404, f"The index keeps no file for {doc_id!r}.")
    path = Path(info.meta.path).resolve()
    roots = [state.upload_dir.resolve(), *(d.resolve() for d in state.corpus_dirs)]
    if not any(root in path.parents for root in roots):
        raise HTTPException(
            404,
            f"The file of {doc_id!r} is not in a folder this server gives files from "
            "(its corpus folders and uploads).",
        )
    if not path.is_file():
        raise HTTPException(404, f"The file of {doc_id!r} is no longer on the server.")
    return path


def _token_refusal(state: AppState) -> HTTPException:
    if not state.uploads_enabled:
        return HTTPException(
            403,
            "This document was uploaded: its file is given only with the server's token, and "
            "this server was started without one.",
        )
    return HTTPException(
        401,
        "This document was uploaded: its file is given only with the server's token "
        "(Authorization: Bearer <token>).",
        headers={"WWW-Authenticate": "Bearer"},
    )
