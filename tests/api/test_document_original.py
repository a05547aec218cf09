"""GET /api/documents/{id}/original: the file a document came from, as a download. Corpus files
are open; uploaded ones need the token; files outside the server's folders are never given."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CORPUS = Path(__file__).resolve().parents[2] / "corpus"
EXPORTS = "belarus-new-export-markets"
ATTACHED = b"Wisent census notes\n\nThe 2023 survey counted 412 wisent near Brest.\n"


def _message() -> bytes:
    msg = EmailMessage()
    msg["Subject"], msg["From"] = "Census notes", "Anna <anna@example.org>"
    msg.set_content("The rangers' notes are attached.")
    msg.add_attachment(ATTACHED, maintype="text", subtype="plain", filename="census notes.txt")
    return bytes(msg)


def _wait_done(client: TestClient, job: dict[str, Any]) -> None:
    for _ in range(600):
        job = client.get(f"/api/jobs/{job['id']}", headers=AUTH).json()
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "done", job["error"]
            return
        time.sleep(0.1)
    raise AssertionError("the upload's job did not end")


def _serve(index_dir: Path, encoder: Any, **options: Any) -> TestClient:
    return TestClient(create_app(index_dir, embedder=encoder, api_token=TOKEN, **options))


@pytest.fixture(scope="module")
def served(
    hash_corpus_index: Path, hash_encoder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, bytes]]:
    """A copy of the corpus index with one e-mail uploaded (it has an attachment)."""
    root = tmp_path_factory.mktemp("original")
    shutil.copytree(hash_corpus_index.parent, root / "index-root", symlinks=True)
    message = _message()
    with _serve(
        root / "index-root" / hash_corpus_index.name, hash_encoder, corpus_dirs=[CORPUS]
    ) as client:
        sent = client.post(
            "/api/documents", files={"file": ("Ranger notes.eml", message)}, headers=AUTH
        )
        assert sent.status_code == 202, sent.text
        _wait_done(client, sent.json())
        yield client, message


def test_a_corpus_file_is_given_to_anyone_as_a_download(served: tuple[TestClient, bytes]) -> None:
    client, _ = served
    response = client.get(f"/api/documents/{EXPORTS}/original")
    assert response.status_code == 200, response.text
    assert response.content == (CORPUS / f"{EXPORTS}.txt").read_bytes()
    assert response.headers["content-disposition"] == (f'attachment; filename="{EXPORTS}.txt"')
    assert "sandbox" in response.headers["content-security-policy"]


def test_an_uploaded_file_needs_the_token(served: tuple[TestClient, bytes]) -> None:
    client, message = served
    refused = client.get("/api/documents/Ranger-notes/original")
    assert refused.status_code == 401
    assert "uploaded" in refused.json()["detail"] and "token" in refused.json()["detail"]
    wrong = client.get(
        "/api/documents/Ranger-notes/original", headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    given = client.get("/api/documents/Ranger-notes/original", headers=AUTH)
    assert given.status_code == 200 and given.content == message
    assert 'filename="Ranger-notes.eml"' in given.headers["content-disposition"]


def test_an_attachment_gives_the_message_it_came_in(served: tuple[TestClient, bytes]) -> None:
    client, message = served
    docs = {d["id"]: d for d in client.get("/api/documents").json()["documents"]}
    attachment = docs["Ranger-notes--census-notes"]
    assert attachment["attachment_of"]["doc_id"] == "Ranger-notes"
    assert attachment["uploaded"] and attachment["file_type"] == "txt"
    assert docs["Ranger-notes"]["file_type"] == "eml"
    assert docs[EXPORTS]["uploaded"] is False and docs[EXPORTS]["file_type"] == "txt"
    assert client.get("/api/documents/Ranger-notes--census-notes/original").status_code == 401
    given = client.get("/api/documents/Ranger-notes--census-notes/original", headers=AUTH)
    assert given.status_code == 200 and given.content == message
    assert given.headers["content-disposition"].endswith('filename="Ranger-notes.eml"')


def test_an_unknown_document_is_404(served: tuple[TestClient, bytes]) -> None:
    client, _ = served
    response = client.get("/api/documents/no-such-doc/original", headers=AUTH)
    assert response.status_code == 404 and "no-such-doc" in response.json()["detail"]
    # A path in the id is not a path: it never reaches the disk.
    escaped = client.get("/api/documents/..%2F..%2Fetc%2Fpasswd/original")
    assert escaped.status_code == 404


def test_a_file_outside_the_servers_folders_is_not_given(
    hash_corpus_index: Path, hash_encoder: Any, tmp_path: Path
) -> None:
    # The same index served without its corpus folder: the index's paths are not trusted alone.
    with _serve(hash_corpus_index, hash_encoder, upload_dir=tmp_path / "uploads") as client:
        response = client.get(f"/api/documents/{EXPORTS}/original")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "not in a folder this server gives files from" in detail
    assert str(CORPUS) not in detail
