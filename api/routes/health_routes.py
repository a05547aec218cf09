"""``GET /api/health``: whether an index is served, what it holds, and the jobs under way."""

from __future__ import annotations

from fastapi import APIRouter

from api.models import HealthResponse
from api.routes.dependencies import State
from api.routes.upload_routes import Credentials, holds_token
from index.ingest.readers import SUPPORTED_SUFFIXES

router = APIRouter()


@router.get("/api/health", response_model=HealthResponse, tags=["service"])
def health(state: State, credentials: Credentials) -> HealthResponse:
    """Whether an index is loaded, what it holds, and the indexing jobs under way (their file
    names with the token only)."""
    slot = state.slot
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
        uploads_enabled=state.uploads_enabled,
        models_loading=slot.warming,
        formats=sorted(SUPPORTED_SUFFIXES),
        indexing=state.jobs.pending(full=holds_token(state, credentials)),
    )
