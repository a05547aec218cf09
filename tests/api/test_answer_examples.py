"""The answers issue's examples through the API, on the corpus with the real models: a name in
Cyrillic finds what its Latin spelling finds in hybrid mode, and a wrong sentence is never a
"strong match"."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

MEETING = "Lukashenko met with Pakistani Prime Minister Imran Khan"


def _search(client: TestClient, q: str) -> dict[str, Any]:
    response = client.get("/api/search", params={"q": q, "k": 10})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_a_cyrillic_name_question_finds_the_meeting_in_hybrid_mode(client: TestClient) -> None:
    latin = _search(client, "Lukashenko Imran Khan")
    cyrillic = _search(client, "Лукашенко Имран Хан")
    assert cyrillic["mode"] == "hybrid"
    assert MEETING in latin["results"][0]["text"]
    assert cyrillic["results"][0]["chunk_id"] == latin["results"][0]["chunk_id"]
    # Its BM25 list (of the names) took part: the first hit has a BM25 rank.
    assert cyrillic["results"][0]["scores"]["bm25"]["rank"] is not None


@pytest.mark.parametrize(
    ("question", "right"),
    [
        ("How much was trade between Belarus and Pakistan in 2021?", "92.6"),
        ("What does Belarus export to Africa?", None),
        ("How many residents are in the Great Stone industrial park?", None),
    ],
)
def test_a_wrong_sentence_is_no_strong_match(
    client: TestClient, question: str, right: str | None
) -> None:
    answer = _search(client, question)["answer"]
    if answer is not None and answer["state"] == "strong":
        assert right is not None and right in answer["text"], answer["text"]


def test_the_diplomatic_relations_answer_is_its_passages_highlight(client: TestClient) -> None:
    data = _search(
        client, "When were diplomatic relations between Belarus and Pakistan established?"
    )
    answer = data["answer"]
    assert answer is not None and "3 February 1994" in answer["text"]
    hit = next(h for h in data["results"] if h["chunk_id"] == answer["chunk_id"])
    assert hit["highlight"]["text"] == answer["text"]
