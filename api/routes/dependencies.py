"""What the route modules share: the app's state and the request's Searcher as FastAPI
dependencies, the document lookup that answers 404, and the errors the routes document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from api.guard import WriterCheck
from api.live_index import IndexJobs, SearcherSlot
from api.models import ErrorResponse
from api.search_gate import SearchGate
from index.stores.base import DocumentInfo
from retrieval.entity_page import EntityCatalogs
from retrieval.search import Searcher

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 422, 503)
}
SEARCH_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 422, 429, 503)
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 415, 422, 429, 507)
}


@dataclass(frozen=True)
class AppState:
    """What the routes work on, made once by ``create_app`` and kept in ``app.state.citesearch``."""

    slot: SearcherSlot
    jobs: IndexJobs
    upload_dir: Path
    max_upload_bytes: int
    min_free_bytes: int
    # The same check the RequestGuard middleware makes, so the token itself stays in create_app.
    check_writer: WriterCheck
    uploads_enabled: bool
    # The folders whose indexed files may be downloaded besides uploads (``GET .../original``).
    corpus_dirs: tuple[Path, ...] = ()
    # Searches per client address, and the lane of expensive queries (``api.search_gate``).
    search_gate: SearchGate = field(default_factory=SearchGate)
    # Each served generation's entity catalog, read on the first entity request and dropped
    # with its store (``retrieval.entity_page``).
    entity_catalogs: EntityCatalogs = field(default_factory=EntityCatalogs)


def app_state(request: Request) -> AppState:
    """The ``AppState`` of the app serving ``request``."""
    state: AppState = request.app.state.citesearch
    return state


State = Annotated[AppState, Depends(app_state)]


def _current_searcher(state: State) -> Iterator[Searcher]:
    with state.slot.lease() as searcher:
        yield searcher


# The Searcher serving this request: taken once, so a swap mid-request cannot mix two indexes,
# and leased, so a swap cannot close it under the request either.
Reader = Annotated[Searcher, Depends(_current_searcher)]


def lookup_document(s: Searcher, doc_id: str) -> DocumentInfo | None:
    """The stored document ``doc_id``, or None."""
    return s.store.document_info(doc_id)


def find_document(s: Searcher, doc_id: str) -> DocumentInfo:
    """The stored document ``doc_id``; 404 when there is none."""
    info = lookup_document(s, doc_id)
    if info is None:
        raise HTTPException(404, f"No document with id {doc_id!r}.")
    return info
