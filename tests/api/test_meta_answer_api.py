"""GET /api/search answers "who wrote <title>?" from the document's record (the corpus indexed
with the hash encoder: the answer comes from the record, not from vectors)."""

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


def test_the_author_question_is_answered_through_the_api(api: TestClient) -> None:
    q = "Who is the author of Reinvigorating Pakistan-Belarus Relations?"
    response = api.get("/api/search", params={"q": q})
    assert response.status_code == 200, response.text
    answer = response.json()["answer"]
    assert answer["state"] == "strong" and answer["confidence"] == "strong match"
    assert answer["text"].endswith("is by Khalid Taimur Akram (document metadata).")
    assert answer["doc_id"] == "pakistan-belarus-relations-akram-2021"
    assert answer["chunk_id"] and answer["char_start"] >= 0 and answer["page_label"]
