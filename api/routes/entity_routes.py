"""Entity pages: ``GET /api/entities?name=`` finds an entity by any of its names,
``GET /api/entities/{key}`` lists every passage that mentions it, across documents, by date,
with the entities mentioned most often beside it (``retrieval.entity_page``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from api.entity_schema import (
    EntityListResponse,
    EntityPageResponse,
    entity_page_response,
    found_entity_model,
)
from api.routes.dependencies import ERRORS, Reader, State
from retrieval.entity_page import PAGE_KINDS, EntityCatalog

router = APIRouter()

MAX_NAME_CHARS = 200
MAX_PASSAGES = 100

Kind = Literal["person", "org", "place"]


@router.get("/api/entities", response_model=EntityListResponse, responses=ERRORS, tags=["entities"])
def find_entities(
    s: Reader,
    state: State,
    name: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_NAME_CHARS,
            description="A name in any spelling or script (Lukashenka, Лукашенко, Belarusian).",
        ),
    ],
    kind: Annotated[Kind | None, Query(description="Only people, organisations or places.")] = None,
) -> EntityListResponse:
    """The entities a name names, each with its page key and how many passages mention it."""
    if not name.strip():
        raise HTTPException(400, "Give a name to look for.")
    found = state.entity_catalogs.of(s.store).find(name, kind)
    return EntityListResponse(name=name, entities=[found_entity_model(f) for f in found])


@router.get(
    "/api/entities/{key:path}",
    response_model=EntityPageResponse,
    responses=ERRORS,
    tags=["entities"],
)
def entity_page(
    key: str,
    s: Reader,
    state: State,
    offset: Annotated[int, Query(ge=0, description="Passages to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PASSAGES, description="Passages to list.")] = 20,
) -> EntityPageResponse:
    """Every passage that mentions the entity ``key`` (as ``/api/entities`` gives it, or
    ``person:<name>``), newest document first, with the entities most often beside it."""
    catalog = state.entity_catalogs.of(s.store)
    page_key = _page_key(catalog, key)
    page = catalog.page(s.store, page_key, offset, limit) if page_key else None
    if page is None:
        raise HTTPException(404, f"No passage mentions {key!r}.")
    return entity_page_response(page, s.page_labels.of)


def _page_key(catalog: EntityCatalog, key: str) -> str | None:
    """The page of a canonical key (a full name's may be its surname's page), else of the
    entity a ``kind:name`` names."""
    kind, _, value = key.partition(":")
    if kind not in PAGE_KINDS or not value.strip():
        return None
    page = catalog.page_of(kind, key)
    if page is not None:
        return page
    named = catalog.named(value, kind)
    return named[0] if named else None
