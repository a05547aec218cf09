"""The soak's hostile mix (issue 24): the six hostile files uploaded at once to a real
``citesearch serve``, then a one-line note, while two clients search.

Checked, without timing anything: the note is searchable before the slow files are done (the
quick lane did not wait), the server's own memory stays under 2.5 GB (sampled; its parse
children apart), every hostile file ends with a plain message, no search fails, the queue
drains, the next uploads and deletions go through, and no process is left behind. OCR is held
to 20 pages and 40 s here, so the run takes about two minutes; ``bench/hostile_uploads.py``
runs the full limits and measures the seconds. Soak only (``CITESEARCH_SOAK=1``, ``make soak``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from reliability_support import SOAK

from bench.hostile_uploads import (
    AUTH,
    NOTE,
    NOTE_NAME,
    RSS_BOUND_MB,
    MemorySampler,
    Served,
    hostile_files,
    left_once_idle,
    note_searchable,
    plain_words,
    upload_all,
    wait_jobs,
)
from index.ingest.ocr import ocr_languages

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not SOAK, reason="soak only: CITESEARCH_SOAK=1 (make soak)"),
]

SETTINGS = {"CITESEARCH_OCR_MAX_PAGES": "20", "CITESEARCH_OCR_SECONDS": "40"}
# What each hostile file must end as, and words its message (error or a warning) must hold.
EXPECTED = {
    "bomb.docx": ("failed", "unpacks to more than"),
    "notazip.docx": ("failed", "not a zip"),
    "broken-attachment.eml": ("done", "attachment 'contract.docx' not indexed"),
    "nested-20.eml": ("done", "nested more than 10 deep are not read"),
    "scan-500.pdf": ("done", "OCR stopped after "),  # 20 pages, or 40 s on a loaded machine
    "giant-page.pdf": ("failed", "nothing to index"),
}


def _search_until(url: str, stop: threading.Event, errors: list[str], served: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        while not stop.is_set():
            try:
                response = client.get("/api/search", params={"q": "Belarus exports", "k": 5})
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            served.append(response.status_code)
            if response.status_code not in (200, 429):
                errors.append(f"HTTP {response.status_code}: {response.text[:200]}")


def test_hostile_uploads_neither_stall_the_queue_nor_exhaust_the_server(
    index_copy: Path, tmp_path: Path
) -> None:
    if ocr_languages() is None:
        pytest.skip("tesseract-ocr (with eng) is not installed")
    folder = tmp_path / "files"
    folder.mkdir()
    files = hostile_files(folder)
    note = folder / NOTE_NAME
    note.write_bytes(NOTE)
    server = Served(index_copy, tmp_path / "server.log", env=SETTINGS)
    sampler = MemorySampler(server.process.pid).start()
    stop, errors, answered = threading.Event(), [], []  # type: ignore[var-annotated]
    searchers = [
        threading.Thread(target=_search_until, args=(server.url, stop, errors, answered))
        for _ in range(2)
    ]
    try:
        for thread in searchers:
            thread.start()
        with httpx.Client(base_url=server.url, timeout=120) as client:
            sent = upload_all(client, files, note)
            note_id, note_end = sent["note"]
            note_searchable(client, note_end)
            ids = {name: job_id for name, (job_id, _) in sent["hostile"].items()}
            scan = client.get(f"/api/jobs/{ids['scan-500.pdf']}", headers=AUTH).json()
            # The note went by while the scan was still being read.
            assert scan["status"] in ("queued", "running"), scan
            jobs = wait_jobs(client, ids | {NOTE_NAME: note_id}, timeout=600)
            # The queue has drained, and takes the next upload and deletion.
            assert client.get("/api/health").json()["indexing"] == []
            again = client.post(
                "/api/documents", files={"file": ("after.txt", b"After the storm.\n")}, headers=AUTH
            ).json()
            assert wait_jobs(client, {"after": again["id"]}, 120)["after"]["status"] == "done"
            gone = client.delete("/api/documents/after", headers=AUTH).json()
            assert wait_jobs(client, {"gone": gone["id"]}, 120)["gone"]["status"] == "done"
            left = left_once_idle(server.process.pid)
    finally:
        stop.set()
        for thread in searchers:
            thread.join(120)
        sampler.stop()
        server.stop()
    print(
        f"\nhostile mix: server peak {sampler.server_peak_mb:.0f} MB, children peak "
        f"{sampler.children_peak_mb:.0f} MB, {len(answered)} searches, {len(errors)} errors"
    )
    assert jobs[NOTE_NAME]["status"] == "done"
    for name, (status, words) in EXPECTED.items():
        job = jobs[name]
        said = " ".join([job.get("error") or "", *job.get("warnings", [])])
        assert job["status"] == status and words in said, (name, job)
        assert plain_words(job, str(tmp_path)), (name, said)
    assert sampler.server_peak_mb < RSS_BOUND_MB
    assert left == []
    assert errors == [] and answered
