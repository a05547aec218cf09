"""Facets and their filters through GET /api/search, on the corpus indexed with the hash encoder
(its entities are real: spaCy's, at index time): the count of passages holding the words, facet
counts that agree with the passages their filter gives, the filter parameters, plain 400s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hash_fixtures import corpus_index, embedder  # noqa: F401 (fixtures)

from api.app import create_app


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
