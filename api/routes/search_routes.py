"""``GET /api/search``: ranked passages, the answering sentence and their footnotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.routes.dependencies import ERRORS, Reader
from api.schema import SearchResponse
from retrieval.hits import Fusion, Mode
from retrieval.search import MAX_K, MAX_OFFSET, MAX_QUERY_CHARS

router = APIRouter()


@router.get("/api/search", response_model=SearchResponse, responses=ERRORS, tags=["search"])
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
