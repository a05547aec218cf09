"""Slow work does not block quick work (issue 24): uploads run in a quick and a slow lane, parse
with no index lock held, and one document's jobs keep their order across the lanes.

Mechanics: the corpus indexed with the session's hash encoder; a parse is held mid-way by a gate
on ``ParseWorker.parse_all`` (the one call every build path makes), so nothing here is timed.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi.testclient import TestClient
from test_app import AUTH, TOKEN, search

import api.live_index
from api import job_lanes
from api.job_lanes import QUICK_MAX_BYTES, lane_for_file, pdf_needs_ocr
from index.parse_worker import ParseTimedOut, ParseWorker
from index.records import DocumentMeta, ParsedFile
from index.stores.base import ModelInfo
from index.stores.factory import open_writer
from tests.reliability.reliability_support import wait_for_job, write_pages_pdf

NOTE = b"Field note\n\nThe wisent herd in the Zubr reserve counted 412 animals this winter.\n"


@pytest.fixture(scope="module")
def embedder(hash_encoder):  # type: ignore[no-untyped-def]
    return hash_encoder


@pytest.fixture(scope="module")
def corpus_index(hash_corpus_index: Path) -> Path:
    return hash_corpus_index


def _image_pdf() -> bytes:
    """A one-page PDF that is only an image (a scan): no font, so OCR would read it."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(image).text((20, 40), "Wisent census, scanned", fill=0)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=100)
    return out.getvalue()


def _zip(members: dict[str, int]) -> bytes:
    """A zip whose members hold that many spaces (deflated: a few KB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, size in members.items():
            with package.open(name, "w") as member:
                for start in range(0, size, 1 << 20):
                    member.write(b" " * min(1 << 20, size - start))
    return out.getvalue()


def test_files_likely_to_be_slow_go_to_the_slow_lane(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The zip limits scaled down 1,000 times, so that the packages stay small to write.
    monkeypatch.setattr(job_lanes, "QUICK_MAX_UNPACKED", 50_000)
    monkeypatch.setattr(job_lanes, "MAX_PART_BYTES", 100_000)
    files = {
        "note.txt": (NOTE, "quick"),
        "big.txt": (b"x" * (QUICK_MAX_BYTES + 1), "slow"),
        "scan.pdf": (_image_pdf(), "slow"),
        "report.pdf": (write_pages_pdf(tmp_path / "pages.pdf", 3).read_bytes(), "quick"),
        "notazip.docx": (b"not a zip", "quick"),
        # Declares 60 KB: read in full, slowly. Declares 150 KB in one part: refused unread.
        "large.docx": (_zip({"word/document.xml": 60_000}), "slow"),
        "bomb.docx": (_zip({"word/document.xml": 150_000}), "quick"),
    }
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
    lanes = {name: lane_for_file(tmp_path / name) for name in files}
    assert lanes == {name: lane for name, (_, lane) in files.items()}
    assert lane_for_file(tmp_path / "gone.pdf") == "quick"  # fails at once when run


def test_a_pdf_whose_pages_are_packed_in_object_streams_is_looked_into(shared_pdf: Any) -> None:
    """R-intro.pdf keeps its page dictionaries in compressed object streams; its text layer
    is found there (6 fonts in its raw bytes, 146 inside)."""
    assert not pdf_needs_ocr(shared_pdf("R-intro.pdf").read_bytes())


@pytest.fixture()
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Gate]:
    held = _Gate()

    def parse_all(worker: ParseWorker, path: Path, meta: DocumentMeta | None = None) -> ParsedFile:
        return held.parse(worker, path, meta)

    monkeypatch.setattr(ParseWorker, "parse_all", parse_all)
    yield held
    held.release.set()


class _Gate:
    """Holds the parse of files named in ``names`` until ``release`` is set."""

    original = ParseWorker.parse_all

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.timeouts: list[tuple[str, float | None]] = []
        self.workers: list[tuple[int, int]] = []  # (id of the ParseWorker, children it started)

    def parse(self, worker: ParseWorker, path: Path, meta: DocumentMeta | None) -> ParsedFile:
        self.timeouts.append((path.name, worker.timeout))
        if path.name in self.names:
            self.entered.set()
            assert self.release.wait(60)
        try:
            return _Gate.original(worker, path, meta)
        finally:
            self.workers.append((id(worker), worker.started))


@pytest.fixture()
def served(index_copy: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(index_copy, api_token=TOKEN)


def _upload(client: TestClient, name: str, data: bytes) -> str:
    response = client.post("/api/documents", files={"file": (name, data)}, headers=AUTH)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _ids(client: TestClient) -> set[str]:
    return {d["id"] for d in client.get("/api/documents").json()["documents"]}


def test_a_note_is_searchable_while_a_scan_is_held_mid_parse_with_no_lock_held(
    served: TestClient, index_copy: Path, gate: _Gate, embedder: Any
) -> None:
    """Finding 5: a one-line .txt queued behind a 500-page scan started after 304 s. Here the
    scan's parse is held; the note goes through the quick lane meanwhile, and the index's
    lock is free while the scan is parsed (another writer could open it)."""
    gate.names.add("scan.pdf")
    scan = _upload(served, "scan.pdf", _image_pdf())
    assert gate.entered.wait(60)
    with open_writer(index_copy, model=ModelInfo.of(embedder)):
        pass  # IndexLocked if the scan's build held the lock while parsing
    note = _upload(served, "note.txt", NOTE)
    assert wait_for_job(served, note, timeout=60)["status"] == "done"
    hits = search(served, q="wisent herd 412 animals", k=3)["results"]
    assert hits and hits[0]["doc_id"] == "note"
    held = served.get(f"/api/jobs/{scan}", headers=AUTH).json()
    assert held["status"] == "running" and held["stage"] == "parsing"
    gate.release.set()
    assert wait_for_job(served, scan)["status"] in ("done", "failed")


def test_a_deletion_queued_behind_its_documents_upload_runs_after_it(
    served: TestClient, gate: _Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deletion of a document whose upload is still in the slow lane: run first (in the quick
    lane) it would find nothing to remove and take the file, and the upload would then fail.
    It follows the upload into its lane instead, and runs after it."""
    monkeypatch.setattr(api.live_index, "lane_for_file", lambda path: "slow")
    gate.names.add("zubr.txt")
    add = _upload(served, "zubr.txt", NOTE)
    assert gate.entered.wait(60)
    jobs = served.app.state.citesearch.jobs  # type: ignore[attr-defined]
    path = jobs.upload_dir / "zubr.txt"
    delete = jobs.delete_upload("zubr", path)
    gate.release.set()
    added, deleted = wait_for_job(served, add), wait_for_job(served, delete.id)
    assert added["status"] == deleted["status"] == "done", (added, deleted)
    assert deleted["finished"] > added["finished"]
    assert "zubr" not in _ids(served) and not path.exists()


def test_the_same_name_uploaded_while_its_first_upload_is_held_is_refused(
    served: TestClient, gate: _Gate
) -> None:
    gate.names.add("twice.txt")
    first = _upload(served, "twice.txt", NOTE)
    assert gate.entered.wait(60)
    again = served.post("/api/documents", files={"file": ("twice.txt", NOTE)}, headers=AUTH)
    assert again.status_code == 409 and "being indexed" in again.json()["detail"]
    gate.release.set()
    assert wait_for_job(served, first)["status"] == "done"
    assert "twice" in _ids(served)


def test_a_quick_lane_parse_past_its_budget_moves_to_the_slow_lane(
    served: TestClient, monkeypatch: pytest.MonkeyPatch, gate: _Gate
) -> None:
    """A file the lane guess took for quick, whose parse runs past ``QUICK_PARSE_SECONDS``,
    is parsed again in the slow lane with the full time limit (and indexed), instead of
    failing or holding the quick lane."""
    monkeypatch.setattr(api.live_index, "QUICK_PARSE_SECONDS", 7.5)

    def timed(worker: ParseWorker, path: Path, meta: DocumentMeta | None = None) -> ParsedFile:
        gate.timeouts.append((path.name, worker.timeout))
        if worker.timeout == 7.5:
            raise ParseTimedOut("took longer than 7.5 s to read and parse")
        return _Gate.original(worker, path, meta)

    monkeypatch.setattr(ParseWorker, "parse_all", timed)
    job = wait_for_job(served, _upload(served, "slowish.txt", NOTE))
    assert job["status"] == "done", job
    assert gate.timeouts == [("slowish.txt", 7.5), ("slowish.txt", 300.0)]
    assert "slowish" in _ids(served)


def test_uploads_queued_in_the_quick_lane_share_one_parse_child_closed_when_idle(
    served: TestClient, gate: _Gate
) -> None:
    """Starting a parse child takes seconds on a busy machine: five of them made a note wait
    16 s behind four small hostile files. Uploads waiting in the quick lane are parsed by one
    child, which is stopped once none waits."""
    gate.names.add("first.txt")
    first = _upload(served, "first.txt", NOTE)
    assert gate.entered.wait(60)
    second = _upload(served, "second.txt", NOTE.replace(b"412", b"413"))
    gate.release.set()
    assert wait_for_job(served, first)["status"] == "done"
    assert wait_for_job(served, second)["status"] == "done"
    assert len(gate.workers) == 2 and gate.workers[0] == gate.workers[1], gate.workers
    children = psutil.Process().children(recursive=True)
    assert not [c for c in children if "index.parse_worker" in " ".join(c.cmdline())]
