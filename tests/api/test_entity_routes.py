"""Entity pages through the API (``GET /api/entities``, ``/api/entities/{key}``) over the corpus
indexed with the hash encoder (its entities are spaCy's, found at index time): Lukashenko's
spellings in both scripts are one key and one page, the passages listed all name him, the
entities beside him are counted as the passages say, and bad requests are 4xx in plain words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hash_fixtures import corpus_index, embedder  # noqa: F401 (fixtures)

from api.app import create_app

LUKASHENKO = "person:lukashenk"


@pytest.fixture(scope="module")
def client(corpus_index: Path, embedder: Any) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(corpus_index, embedder=embedder, api_token=None)) as test_client:
        yield test_client


def _all_passages(client: TestClient, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The page's first answer and every passage on it, read page by page."""
    first = client.get(f"/api/entities/{key}", params={"limit": 4}).json()
    passages = list(first["passages"])
    while len(passages) < first["total"]:
        more = client.get(f"/api/entities/{key}", params={"limit": 4, "offset": len(passages)})
        assert more.status_code == 200 and more.json()["passages"]
        passages += more.json()["passages"]
    return first, passages


def test_the_spellings_of_lukashenko_are_one_key_and_one_page(client: TestClient) -> None:
    for name in ("Lukashenko", "Lukashenka", "Лукашенко", "President Lukashenko"):
        found = client.get("/api/entities", params={"name": name}).json()["entities"]
        assert [(f["key"], f["name"]) for f in found] == [(LUKASHENKO, "Alexander Lukashenko")]
    # The full name's key and a name in the query language's form open the same page.
    for key in ("person:lukashenk/a", "person:Lukashenka", "person:Лукашенко"):
        got = client.get(f"/api/entities/{key}", params={"limit": 1})
        assert got.status_code == 200 and got.json()["entity"]["key"] == LUKASHENKO


def test_the_page_lists_every_passage_naming_him_and_counts_whats_beside(
    client: TestClient,
) -> None:
    page, passages = _all_passages(client, LUKASHENKO)
    assert page["total"] == len(passages) == len({p["chunk_id"] for p in passages}) > 3
    assert page["documents"] == len({p["doc_id"] for p in passages}) > 1
    for p in passages:
        named = [p["text"][a:b] for a, b in p["spans"]]
        assert named and all("Lukashenk" in n or "Лукашенк" in n for n in named), named
        assert LUKASHENKO in {e["key"] for e in p["entities"]}
    # Newest document first, undated last.
    dates = [p["published"] or "" for p in passages]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True) and dates == dated + [""] * (
        len(dates) - len(dated)
    )
    # The filter finds the same passages: every one of them, and no other.
    search = client.get("/api/search", params={"q": "person:Lukashenko", "mode": "bm25", "k": 100})
    assert {h["chunk_id"] for h in search.json()["results"]} == {p["chunk_id"] for p in passages}
    # Beside him: each entity's count is the number of his passages that name it.
    counted = Counter(e["key"] for p in passages for e in p["entities"] if e["key"] != LUKASHENKO)
    beside = page["beside"]
    assert beside and {b["key"]: b["passages"] for b in beside} == {
        b["key"]: counted[b["key"]] for b in beside
    }
    assert [b["passages"] for b in beside] == sorted((b["passages"] for b in beside), reverse=True)
    assert beside[0]["passages"] == max(counted.values())
    # A passage carries its document, printed pages and notes as a hit does.
    assert all(p["title"] and p["page_label_start"] for p in passages)
    assert any(p["citations"] for p in _all_passages(client, "place:BY")[1])


@pytest.mark.parametrize(
    ("path", "params", "status", "said"),
    [
        ("/api/entities/person:nobody-at-all", {}, 404, "No passage mentions"),
        ("/api/entities/nothing", {}, 404, "No passage mentions"),
        ("/api/entities", {"name": "   "}, 400, "Give a name"),
        ("/api/entities", {"name": "x" * 201}, 422, ""),
        ("/api/entities/place:BY", {"limit": 1000}, 422, ""),
        ("/api/entities", {"name": "Belarus", "kind": "planet"}, 422, ""),
    ],
)
def test_bad_requests_are_told_in_plain_words(
    client: TestClient, path: str, params: dict[str, Any], status: int, said: str
) -> None:
    got = client.get(path, params=params)
    assert got.status_code == status
    detail = str(got.json()["detail"])
    assert said in detail and "Traceback" not in detail and "/work/" not in detail
