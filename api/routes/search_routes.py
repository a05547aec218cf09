"""``GET /api/search``: ranked passages, the answering sentence and their footnotes.

A query longer than its limit (500 characters, runs of spaces counted as one) is refused with 400
naming its length and the limit, never searched cut; a query over its budget
(``retrieval.query_budget``) is refused with 400; a client with too many searches in flight, or
an expensive query finding its lane full, gets 429 (``api.search_gate``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.annotation_view import annotate_hits
from api.routes.dependencies import SEARCH_ERRORS, Reader, State
from api.schema import SearchResponse
from api.search_gate import SearchRefused
from retrieval.hits import Fusion, Mode, Sort
from retrieval.query import QueryError, parse_query, plain_query
from retrieval.query_budget import QueryCost, check_budget, query_cost
from retrieval.search import MAX_K, MAX_OFFSET, MAX_QUERY_CHARS, Searcher

router = APIRouter()


@router.get("/api/search", response_model=SearchResponse, responses=SEARCH_ERRORS, tags=["search"])
async def search(
    s: Reader,
    state: State,
    request: Request,
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
    person: Annotated[list[str] | None, Query(description="Only passages naming them.")] = None,
    place: Annotated[list[str] | None, Query(description="Only passages naming them.")] = None,
    org: Annotated[list[str] | None, Query(description="Only passages naming them.")] = None,
    type: Annotated[list[str] | None, Query(description="Only files of this type.")] = None,
    year: Annotated[list[str] | None, Query(description="Only documents of this year.")] = None,
    language: Annotated[list[str] | None, Query(description="Only this language.")] = None,
    tag: Annotated[
        list[str] | None, Query(description="Only passages tagged so, or in documents tagged so.")
    ] = None,
    starred: Annotated[bool, Query(description="Only starred passages and documents.")] = False,
    sort: Annotated[
        Sort,
        Query(
            description="relevance: the ranking; date: the matching passages, newest document "
            "first, those without a date last (ties by relevance)."
        ),
    ] = "relevance",
) -> SearchResponse:
    """Rank passages for a query; the best sentence among them is the answer.

    At most 12 fuzzy (~) or prefix (*) words and 12 phrases per query (400 beyond). An address
    runs 4 searches at once, the next wait in line; 429 with Retry-After when its line is full
    or the server's expensive queries fill their lane.
    """
    filters = {"person": person, "place": place, "org": org}
    q = with_filters(q, {**filters, "type": type, "year": year, "language": language})
    q = with_filters(q, {"tag": tag, "starred": ["yes"] if starred else None})
    notes = request.app.state.annotations
    cost = _cost(s, q)
    client = request.client.host if request.client is not None else "unknown"
    try:
        async with state.search_gate.admit(client, cost.units):
            result = await run_in_threadpool(
                s.search,
                q,
                k=k,
                offset=offset,
                mode=mode,
                fusion=fusion,
                doc_ids=doc,
                sort=sort,
                annotations=notes,
            )
    except SearchRefused as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    response = SearchResponse.from_result(result)
    annotate_hits(response.results, notes)
    return response


def with_filters(q: str, filters: dict[str, list[str] | None]) -> str:
    """The query with each filter parameter written as the query language's clause, so the
    API's filters and the typed ones are one (``person=Imran Khan`` -> ``person:"Imran Khan"``).

    >>> with_filters("trade", {"person": ["Imran Khan"], "year": ["2021"]})
    'trade person:"Imran Khan" year:"2021"'
    """
    clauses = [
        f'{field}:"{" ".join(value.replace(chr(34), " ").split())}"'
        for field, values in filters.items()
        for value in values or []
        if value.strip()
    ]
    return " ".join([q, *clauses]).strip()


def _cost(s: Searcher, q: str) -> QueryCost:
    """The query's cost; QueryError (400) for a query too long, a syntax error or one over the
    budget. The length is checked first, so a long query is told its length, never costed cut."""
    text = " ".join(q.split())
    limit = s.options.max_query_chars
    if len(text) > limit:
        raise QueryError(
            f"the query is too long: {len(text)} characters, at most {limit}; shorten it"
        )
    parsed = parse_query(text) if s.options.syntax else plain_query(text)
    cost = query_cost(parsed)
    check_budget(cost)
    return cost
