"""An e-mail uploaded through the API: its attachment is a document linked to it in the JSON,
and deleting the message deletes the attachment with it."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from fastapi.testclient import TestClient

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOTES = (
    b"Wisent census notes\n\nThe 2023 survey counted 412 wisent in the Zubr Lake reserve near "
    b"Brest, the highest number since records began.\n"
)


def wait_done(client: TestClient, response_json: dict[str, str]) -> None:
    for _ in range(900):
        job = client.get(f"/api/jobs/{response_json['id']}").json()
        if job["status"] in ("done", "failed"):
            assert job["status"] == "done", job["error"]
            return
        time.sleep(0.2)
    raise AssertionError("the job did not end")


def test_an_uploaded_eml_and_its_attachment_are_linked_and_deleted_together(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(tmp_path / "index", api_token=TOKEN, require_index=False)
    msg = EmailMessage()
    msg["Subject"], msg["From"] = "Census notes from the reserve", "Anna <anna@example.org>"
    msg["Date"] = "Tue, 01 Dec 2026 09:30:00 +0000"
    msg.set_content("The rangers' notes on this year's count are attached.")
    msg.add_attachment(NOTES, maintype="text", subtype="plain", filename="census notes.txt")
    response = client.post(
        "/api/documents", files={"file": ("Доклад.eml", bytes(msg), "message/rfc822")}, headers=AUTH
    )
    assert response.status_code == 202, response.text
    wait_done(client, response.json())

    docs = {d["id"]: d for d in client.get("/api/documents").json()["documents"]}
    assert set(docs) == {"Doklad", "Doklad--census-notes"}
    message, attachment = docs["Doklad"], docs["Doklad--census-notes"]
    assert message["authors"] == ["Anna <anna@example.org>"] and message["kind"] == "e-mail"
    assert message["attachments"] == [
        {"doc_id": "Doklad--census-notes", "title": "census notes.txt"}
    ]
    link = {"doc_id": "Doklad", "title": "Census notes from the reserve"}
    assert attachment["attachment_of"] == link
    assert client.get("/api/documents/Doklad--census-notes").json()["attachment_of"] == link

    found = client.get("/api/search", params={"q": "How many wisent were counted?"}).json()
    top = found["results"][0]
    assert top["doc_id"] == "Doklad--census-notes" and top["attachment_of"] == link

    refused = client.delete("/api/documents/Doklad--census-notes", headers=AUTH)
    assert refused.status_code == 409 and "delete the message" in refused.json()["detail"]
    deleted = client.delete("/api/documents/Doklad", headers=AUTH)
    assert deleted.status_code == 202
    wait_done(client, deleted.json())
    assert client.get("/api/documents").json()["documents"] == []
