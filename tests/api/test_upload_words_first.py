"""Issue 27: an upload is searchable by its words before its vectors exist (a two-step publish),
and a restart between the steps finishes the second by itself.

Mechanics, with the hash encoder: its passage ``encode`` is held for the upload's texts, so the
first step is seen to publish before any encoder call returns; nothing here is timed.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hash_fixtures import corpus_index, embedder  # noqa: F401 (fixtures)
from test_app import AUTH, TOKEN

from api.app import create_app
from api.job_store import JOBS_FILE, MEANING_FOLLOWS, Job, JobStore
from index.build import prepare_files, write_prepared

WORD = "wisentherd"
NOTE = f"Field note\n\nThe {WORD} in the Zubr reserve counted 412 animals this winter.\n"


class _HeldEncoder:
    """The hash encoder whose passage ``encode`` of texts holding ``WORD`` waits for
    ``released`` (a busy or still-loading model); everything else goes through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.entered = threading.Event()
        self.released = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def encode(self, texts: Any, *args: Any, **kwargs: Any) -> Any:
        if any(WORD in text for text in texts):
            self.entered.set()
            assert self.released.wait(60)
        return self._inner.encode(texts, *args, **kwargs)


@pytest.fixture
def index_copy(tmp_path: Path, corpus_index: Path) -> Path:  # noqa: F811
    """A private copy of the session's corpus index (generations, symlink and all)."""
    shutil.copytree(corpus_index.parent, tmp_path / "copy", symlinks=True)
    return tmp_path / "copy" / corpus_index.name


def _ids_found(client: TestClient, query: str, mode: str = "hybrid") -> list[str]:
    response = client.get("/api/search", params={"q": query, "mode": mode})
    assert response.status_code == 200, response.text
    return [hit["doc_id"] for hit in response.json()["results"]]


def _document(client: TestClient, doc_id: str) -> dict[str, Any] | None:
    listed = client.get("/api/documents").json()["documents"]
    return next((d for d in listed if d["id"] == doc_id), None)


def _wait(check: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not {what} after {timeout} s"
        time.sleep(0.05)


def _job(client: TestClient, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
    return job


def test_an_upload_is_searchable_by_words_while_its_encoder_is_held(
    index_copy: Path,
    embedder: Any,  # noqa: F811
) -> None:
    encoder = _HeldEncoder(embedder)
    app = create_app(index_copy, embedder=encoder, api_token=TOKEN)
    try:
        with TestClient(app) as client:
            sent = client.post(
                "/api/documents", files={"file": ("note.txt", NOTE.encode())}, headers=AUTH
            )
            assert sent.status_code == 202, sent.text
            job_id = sent.json()["id"]
            _wait(lambda: "note" in _ids_found(client, WORD), "searchable by its words")
            # Found by its words with the encoder still held: no vector of it exists.
            assert encoder.entered.is_set() and not encoder.released.is_set()
            job = _job(client, job_id)
            assert job["status"] == "running" and job["searchable"] is True
            assert job["stage"] == "meaning" and job["note"] == MEANING_FOLLOWS
            assert _document(client, "note")["meaning_pending"] is True  # type: ignore[index]
            assert "note" not in _ids_found(client, WORD, "dense")
            hits = client.get("/api/search", params={"q": WORD}).json()["results"]
            assert [h["meaning_pending"] for h in hits] == [h["doc_id"] == "note" for h in hits]
            encoder.released.set()
            _wait(lambda: _job(client, job_id)["status"] == "done", "done")
            done = _job(client, job_id)
            assert done["searchable"] is False and done["note"] is None and not done["warnings"]
            assert _document(client, "note")["meaning_pending"] is False  # type: ignore[index]
            assert "note" in _ids_found(client, f"{WORD} Zubr reserve animals", "dense")
            hits = client.get("/api/search", params={"q": WORD}).json()["results"]
            assert hits and not any(h["meaning_pending"] for h in hits)
    finally:
        encoder.released.set()


def test_a_restart_between_the_steps_finishes_the_second(
    index_copy: Path,
    embedder: Any,  # noqa: F811
) -> None:
    """The state a stop leaves after the words step: the document published without vectors,
    its job running with its meaning to follow. The next start embeds it by itself (the file
    was accepted: this is not the interrupted job issue 24 forbids to start again), while a job
    cut short before it published stays interrupted."""
    uploads = index_copy.parent / "uploads"
    uploads.mkdir()
    note = uploads / "note.txt"
    note.write_text(NOTE, encoding="utf-8")
    (uploads / "cut.txt").write_text("A note whose parse was cut short.\n", encoding="utf-8")
    prepared = prepare_files([note], embedder=embedder, embed=False)
    assert write_prepared(prepared, index_copy, embedder=embedder).published
    store = JobStore(uploads / JOBS_FILE)
    now = time.time()
    for name, follows in (("note", True), ("cut", False)):
        store.save(
            Job(
                id=f"job-{name}",
                kind="add",
                status="running",
                doc_id=name,
                filename=f"{name}.txt",
                error=None,
                created=now - 2,
                finished=None,
                path=str(uploads / f"{name}.txt"),
                meaning_follows=follows,
            )
        )
    store.close()

    app = create_app(index_copy, embedder=embedder, api_token=TOKEN, upload_dir=uploads)
    with TestClient(app) as client:
        _wait(lambda: _job(client, "job-note")["status"] == "done", "done after the restart")
        assert _document(client, "note")["meaning_pending"] is False  # type: ignore[index]
        assert "note" in _ids_found(client, f"{WORD} Zubr reserve animals", "dense")
        assert _job(client, "job-cut")["status"] == "interrupted"
        assert _document(client, "cut") is None
