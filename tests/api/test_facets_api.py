"""Facets and their filters through GET /api/search, on the corpus indexed with the hash encoder
(its entities are real: spaCy's, at index time): the count of passages holding the words, facet
counts that agree with the passages their filter gives, the filter parameters, plain 400s; the
searched words marked in every hit, and results sorted by date (API and ``citesearch search``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hash_fixtures import corpus_index, embedder  # noqa: F401 (fixtures)

import retrieval.search
from api.app import create_app
from api.cli import main


@pytest.fixture(scope="module")
def api(corpus_index: Path, embedder: Any) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(corpus_index, embedder=embedder, api_token=None)) as client:
        yield client


def _search(api: TestClient, **params: Any) -> dict[str, Any]:
    response = api.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _counts(data: dict[str, Any], field: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in data["facets"][field]}


def test_hybrid_search_says_how_many_passages_hold_the_words(api: TestClient) -> None:
    data = _search(api, q="Zimbabwe", mode="hybrid")
    assert data["with_words"] == 2 and data["total"] > 100
    assert sum(_counts(data, "document").values()) == data["with_words"] + data["by_meaning"]
    assert {h["matched"] for h in data["results"]} >= {"words", None}


def test_a_facet_count_is_what_its_filter_parameter_gives(api: TestClient) -> None:
    data = _search(api, q="tractors", mode="hybrid")
    for field in ("place", "org", "person", "document"):
        value, count = next(iter(_counts(data, field).items()))
        param = {"doc": value} if field == "document" else {field: value}
        narrowed = _search(api, q="tractors", mode="hybrid", **param)
        assert narrowed["with_words"] == count, (field, value)
        assert _counts(narrowed, field)[value] == count


def test_a_filter_that_matches_no_document_is_a_plain_400(api: TestClient) -> None:
    response = api.get("/api/search", params={"q": "Belarus", "year": "1850"})
    assert response.status_code == 400
    assert "year:1850" in response.json()["detail"] and "/" not in response.json()["detail"]


def _marked(hit: dict[str, Any]) -> list[str]:
    return [hit["text"][a:b] for a, b in hit["word_spans"]]


def test_each_hit_carries_the_spans_of_the_searched_words(api: TestClient) -> None:
    data = _search(api, q="the tractors", mode="hybrid", k=20)
    holding = [h for h in data["results"] if h["matched"] == "words"]
    assert holding and all(_marked(h) for h in holding if "tractor" in h["text"].lower())
    marked = {word.lower() for h in data["results"] for word in _marked(h)}
    assert "tractor" in marked and "tractors" in marked and "the" not in marked
    # A passage ranked without the words has nothing to mark.
    assert all(not h["word_spans"] for h in data["results"] if h["matched"] is None)
    russian = _search(api, q="Лукашенко", mode="bm25")
    assert {w for h in russian["results"] for w in _marked(h)} <= {"Lukashenko", "Lukashenka"}
    assert all(_marked(h) for h in russian["results"])


def _dates(api: TestClient) -> dict[str, str | None]:
    listed = api.get("/api/documents").json()["documents"]
    return {d["id"]: d["published"] for d in listed}


def _order_is_newest_first(hits: list[dict[str, Any]], dates: dict[str, str | None]) -> None:
    published = [dates[h["doc_id"]] for h in hits]
    dated = [p for p in published if p]
    assert published == dated + [None] * (len(published) - len(dated)), published
    assert dated == sorted(dated, reverse=True)


def test_sort_by_date_lists_the_matching_passages_newest_first(api: TestClient) -> None:
    dates = _dates(api)
    by_relevance = _search(api, q="tractors", mode="hybrid", k=100)
    data = _search(api, q="tractors", mode="hybrid", k=100, sort="date")
    assert data["sort"] == "date" and by_relevance["sort"] == "relevance"
    # The matching passages, not the whole ranked collection: those the relevance order counts.
    matching = by_relevance["with_words"] + by_relevance["by_meaning"]
    assert data["total"] == len(data["results"]) == matching < by_relevance["total"]
    assert all(h["matched"] for h in data["results"])
    relevant = {h["chunk_id"] for h in by_relevance["results"] if h["matched"]}
    assert relevant <= {h["chunk_id"] for h in data["results"]}
    _order_is_newest_first(data["results"], dates)
    assert len({dates[h["doc_id"]] for h in data["results"]}) > 1  # the order says something
    # Ties keep their order by relevance.
    rank = {h["chunk_id"]: h["rank"] for h in by_relevance["results"]}
    pairs = zip(data["results"], data["results"][1:], strict=False)
    ties = [
        (rank[a["chunk_id"]], rank[b["chunk_id"]])
        for a, b in pairs
        if dates[a["doc_id"]] == dates[b["doc_id"]] and {a["chunk_id"], b["chunk_id"]} <= set(rank)
    ]
    assert ties and all(x < y for x, y in ties)
    page_two = _search(api, q="tractors", mode="hybrid", k=3, offset=3, sort="date")
    assert [h["chunk_id"] for h in page_two["results"]] == [
        h["chunk_id"] for h in data["results"][3:6]
    ]


def test_an_unknown_sort_is_a_4xx(api: TestClient) -> None:
    response = api.get("/api/search", params={"q": "tractors", "sort": "oldest"})
    assert 400 <= response.status_code < 500


def test_the_command_line_sorts_by_date(
    corpus_index: Path,  # noqa: F811
    embedder: Any,  # noqa: F811
    api: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    searcher = retrieval.search.open_searcher(corpus_index, embedder=embedder)
    monkeypatch.setattr(retrieval.search, "open_searcher", lambda *a, **kw: searcher)
    args = ["search", "tractors", "--json", "-k", "50", "--index-dir", str(corpus_index)]
    assert main([*args, "--sort", "date", "--mode", "bm25"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sort"] == "date" and data["results"]
    _order_is_newest_first(data["results"], _dates(api))
