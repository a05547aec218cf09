"""An upload's job shows its stage and counts while it runs, and /api/health shows the work.

Mechanics (stages, counts, status): the corpus indexed with the session's hash encoder, which the
upload is embedded with too (held at its first progress report until the test has seen the job
embedding its passages, in the meaning step that follows the words step: the hash encoder is
done before a poll could see it); what the real models rank is tested elsewhere.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_app import AUTH, TOKEN, search

CISI = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "cisi"


class _HeldEncoder:
    """The hash encoder, whose passage embedding waits after its first progress report until
    ``seen`` is set (at most 30 s), so that a poll sees the job in its embedding stage."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.seen = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def encode(self, texts: Sequence[str], *args: Any, on_batch: Any = None, **kwargs: Any) -> Any:
        def report(done: int, total: int) -> None:
            if on_batch is not None:
                on_batch(done, total)
            self.seen.wait(timeout=30)

        return self._inner.encode(texts, *args, on_batch=report, **kwargs)


@pytest.fixture(scope="module")
def embedder(hash_encoder):  # type: ignore[no-untyped-def]
    return _HeldEncoder(hash_encoder)


@pytest.fixture(scope="module")
def corpus_index(hash_corpus_index: Path) -> Path:
    return hash_corpus_index


def _fresh_text(abstracts: int = 20) -> str:
    """Real text no index here has embedded before: CISI abstracts, one paragraph each."""
    lines = (CISI / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:abstracts]
    records = [json.loads(line) for line in lines]
    return "\n\n".join(f"{r['title']}\n\n{r['text']}" for r in records) + "\n"


def test_a_running_upload_reports_its_stages_and_health_shows_it(
    index_copy: Path, make_client: Callable[..., TestClient], embedder: _HeldEncoder
) -> None:
    client = make_client(index_copy, api_token=TOKEN)
    before = client.get("/api/health").json()
    assert before["indexing"] == [] and before["uploads_enabled"] is True
    assert ".pdf" in before["formats"] and ".txt" in before["formats"]

    response = client.post(
        "/api/documents",
        files={"file": ("library-science.txt", _fresh_text().encode(), "text/plain")},
        headers=AUTH,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    views: list[dict[str, object]] = []
    listed_in_health = False
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        views.append(job)
        if job["stage"] == "meaning" and job["total"] > 1:  # its passages being embedded
            embedder.seen.set()
        if job["status"] not in ("queued", "running"):
            break
        health = client.get("/api/health").json()
        listed_in_health |= any(j["id"] == job_id for j in health["indexing"])
    assert job["status"] == "done", job["error"]
    assert listed_in_health

    # Published by its words first (searchable meanwhile), then embedded: the meaning step.
    embedding = [v for v in views if v["stage"] == "meaning" and int(str(v["total"])) > 1]
    assert embedding, [v["stage"] for v in views]
    assert all(v["searchable"] for v in embedding)
    done = [int(str(v["done"])) for v in embedding]
    assert done == sorted(done) and all(
        0 <= d <= int(str(v["total"])) for d, v in zip(done, embedding, strict=True)
    )
    assert int(str(embedding[0]["total"])) > 40  # passages and their sentences
    assert job["stage"] is None and job["done"] is None  # progress is only shown while running

    after = client.get("/api/health").json()
    assert after["indexing"] == []
    assert after["index_version"] == before["index_version"] + 2  # its words, then its vectors
    assert after["documents"] == before["documents"] + 1
    assert client.get("/api/jobs").json()["jobs"][0]["id"] == job_id
    top = search(client, q="history of the Dewey Decimal Classification")["results"][0]
    assert top["doc_id"] == "library-science"


def test_health_says_when_uploads_are_disabled(
    corpus_index: Path, make_client: Callable[..., TestClient]
) -> None:
    health = make_client(corpus_index, api_token=None).get("/api/health").json()
    assert health["uploads_enabled"] is False and health["indexing"] == []
    assert health["index_loaded"] is True and health["documents"] == 5


def test_job_list_limit_is_checked(
    corpus_index: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(corpus_index, api_token=None)
    assert client.get("/api/jobs").json() == {"jobs": []}
    refused = client.get("/api/jobs?limit=0")
    assert refused.status_code == 422 and "limit" in refused.json()["detail"]
