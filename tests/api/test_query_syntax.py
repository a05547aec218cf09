"""The query language through GET /api/search, on the corpus index: each form does what the help
says in the exact (bm25) and hybrid modes, malformed queries get a 400 saying what to fix, and a
query with misspelt words gets "did you mean" and the suggestion's results."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

EXPORTS = "belarus-new-export-markets"
MODES = ["bm25", "hybrid"]


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params={"k": 20, **params})
    assert response.status_code == 200, response.text
    return response.json()


def texts(data: dict[str, Any]) -> list[str]:
    return [" ".join(h["text"].lower().split()) for h in data["results"]]


@pytest.mark.parametrize("mode", MODES)
def test_a_phrase_keeps_its_word_order(client: TestClient, mode: str) -> None:
    great_stone = search(client, q='"Great Stone"', mode=mode)
    stone_great = search(client, q='"Stone Great"', mode=mode)
    assert great_stone["results"]
    assert all("great stone" in t for t in texts(great_stone))
    # No report says "Stone Great": the reversed phrase finds nothing, not the same passages.
    assert stone_great["results"] == []
    assert stone_great["total"] == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", ["Pakistan -tractors", "Pakistan NOT tractors"])
def test_an_excluded_word_leaves_out_every_form_of_it(
    client: TestClient, mode: str, query: str
) -> None:
    plain = search(client, q="Pakistan tractors", mode=mode)
    assert any("tractor" in t for t in texts(plain))
    excluded = search(client, q=query, mode=mode)
    assert excluded["results"]
    assert not any("tractor" in t for t in texts(excluded))  # "tractors" and "tractor" alike
    assert all("pakistan" in t for t in texts(excluded)) or mode == "hybrid"


@pytest.mark.parametrize("mode", MODES)
def test_or_with_a_phrase_requires_one_of_them(client: TestClient, mode: str) -> None:
    data = search(client, q='"Great Stone" OR Vietnam', mode=mode, k=50)
    found = texts(data)
    assert all("great stone" in t or "vietnam" in t for t in found)
    assert any("great stone" in t for t in found) and any("vietnam" in t for t in found)


@pytest.mark.parametrize("mode", MODES)
def test_a_prefix_finds_words_that_start_with_it(client: TestClient, mode: str) -> None:
    data = search(client, q="tract*", mode=mode)
    assert data["results"]  # it found nothing in the exact mode before the query language
    if mode == "bm25":
        assert all(re.search(r"\btract", t) for t in texts(data))
    assert re.search(r"\btractor", texts(data)[0])


@pytest.mark.parametrize("mode", MODES)
def test_a_fuzzy_word_finds_close_spellings(client: TestClient, mode: str) -> None:
    data = search(client, q="tractr~ Pakistan", mode=mode)
    assert "tractor" in texts(data)[0]
    assert search(client, q="tractr~1", mode="bm25")["results"]


@pytest.mark.parametrize("mode", MODES)
def test_doc_filter_in_the_query(client: TestClient, mode: str) -> None:
    only = search(client, q=f"tractors doc:{EXPORTS}", mode=mode)
    assert only["results"] and {h["doc_id"] for h in only["results"]} == {EXPORTS}
    without = search(client, q=f"tractors -doc:{EXPORTS}", mode=mode)
    assert without["results"] and EXPORTS not in {h["doc_id"] for h in without["results"]}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ('"Great Stone', "unbalanced quote"),
        ("Pakistan OR", "OR at the end"),
        ("OR Pakistan", "OR needs a word"),
        ("Pakistan - tractors", "lone '-'"),
        ("Pakistan NOT", "NOT or - at the end"),
        ("*", "'*' alone"),
        ("tractors doc:no-such-report", "unknown document in doc:no-such-report"),
        ("-tractors", "only excludes"),
    ],
)
def test_malformed_queries_get_a_400_that_says_what_to_fix(
    client: TestClient, query: str, words: str
) -> None:
    for mode in MODES:
        response = client.get("/api/search", params={"q": query, "mode": mode})
        assert response.status_code == 400
        assert words in response.json()["detail"]


def test_did_you_mean_searches_the_suggestion(client: TestClient) -> None:
    for mode in MODES:
        data = search(client, q="tractr exports afrika", mode=mode)
        assert data["query"] == "tractr exports afrika"
        assert data["suggestion"] == "tractor exports africa"
        assert data["searched_for"] == "tractor exports africa"
        top = texts(data)[:3]
        assert any("tractor" in t and "africa" in t for t in top)
    known = search(client, q="tractor exports africa")
    assert known["suggestion"] is None and known["searched_for"] is None


def test_names_in_any_script_find_the_same_passages(client: TestClient) -> None:
    spellings = ["Lukashenko", "Lukashenka", "Лукашенко", "Лукашэнка"]
    tops = [
        [h["chunk_id"] for h in search(client, q=name, mode="bm25", k=10)["results"]]
        for name in spellings
    ]
    assert tops[0] and all(top == tops[0] for top in tops)
    mixed = search(client, q="Лукашенко Пакистан", mode="bm25", k=5)
    assert all("pakistan" in t or "lukashenko" in t for t in texts(mixed))
    assert "lukashenko" in texts(mixed)[0] and "pakistan" in texts(mixed)[0]


def test_openapi_documents_the_suggestion(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["SearchResponse"]
    assert {"suggestion", "searched_for"} <= set(schema["properties"])
