"""Reading the indexed documents: the list, one document's text, its footnotes."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.models import (
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    FootnotesResponse,
    document_detail,
)
from api.routes.dependencies import ERRORS, Reader, find_document

router = APIRouter()


@router.get("/api/documents", response_model=DocumentList, responses=ERRORS, tags=["documents"])
def documents(s: Reader) -> DocumentList:
    """Every indexed document with its page, passage and footnote counts."""
    docs = sorted(s.store.documents(), key=lambda d: d.meta.title.casefold())
    return DocumentList(documents=[DocumentSummary.from_info(d, s.titles) for d in docs])


@router.get(
    "/api/documents/{doc_id}",
    response_model=DocumentDetail,
    responses=ERRORS,
    tags=["documents"],
)
def document(doc_id: str, s: Reader) -> DocumentDetail:
    """A document's metadata and its clean text page by page, mapped to the source text."""
    info = find_document(s, doc_id)
    parsed = s.store.document_text(doc_id)
    if parsed is None:
        raise HTTPException(404, f"No document with id {doc_id!r}.")
    return document_detail(info, parsed, s.titles)


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
