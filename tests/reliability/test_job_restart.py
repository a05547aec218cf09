"""A restart does not start a job cut short again by itself (issue 24, finding 2): a hostile file
that took the server down would take it down again at every start. The job that ran says
``interrupted`` and keeps its file for a retry; jobs still queued run; a failed job stays failed.

The records a kill leaves are written here directly (the kill itself: ``test_restart.py``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from reliability_support import AUTH, TOKEN, wait_for_job

from api.app import create_app
from api.job_store import JOBS_FILE, Job, JobStore
from index.models.encoder import Encoder

pytestmark = pytest.mark.unit


def _note(word: str) -> bytes:
    return f"Field note\n\nThe {word} herd in the Zubr reserve was counted this winter.\n".encode()


def _job(uploads: Path, name: str, status: str, created: float) -> Job:
    return Job(
        id=f"job-{Path(name).stem}",
        kind="add",
        status=status,  # type: ignore[arg-type]
        doc_id=Path(name).stem,
        filename=name,
        error="could not be indexed" if status == "failed" else None,
        created=created,
        finished=created + 1 if status == "failed" else None,
        path=str(uploads / name),
    )


def _ids(client: TestClient) -> set[str]:
    return {d["id"] for d in client.get("/api/documents").json()["documents"]}


def test_a_restart_leaves_the_cut_job_interrupted_and_runs_the_queued_ones(
    index_copy: Path, embedder: Encoder
) -> None:
    uploads = index_copy.parent / "uploads"
    uploads.mkdir()
    names = ("hostile.txt", "waiting.txt", "refused.txt", "unrecorded.txt")
    for name in names:
        (uploads / name).write_bytes(_note(Path(name).stem))
    store = JobStore(uploads / JOBS_FILE)
    now = time.time()
    store.save(_job(uploads, "refused.txt", "failed", now - 60))
    store.save(_job(uploads, "hostile.txt", "running", now - 2))
    store.save(_job(uploads, "waiting.txt", "queued", now - 1))
    store.close()

    app = create_app(index_copy, embedder=embedder, api_token=TOKEN, upload_dir=uploads)
    with TestClient(app) as client:
        assert wait_for_job(client, "job-waiting")["status"] == "done"
        cut = client.get("/api/jobs/job-hostile", headers=AUTH).json()
        assert cut["status"] == "interrupted" and cut["finished"] is not None
        assert "not started again" in cut["error"] and "retry" in cut["error"]
        assert client.get("/api/jobs/job-refused", headers=AUTH).json()["status"] == "failed"
        # Saved but never recorded (a stop between the two): indexed as a queued upload would be.
        deadline = time.monotonic() + 120
        while "unrecorded" not in _ids(client):
            assert time.monotonic() < deadline, "the unrecorded upload was not indexed"
            time.sleep(0.05)
        assert not {"hostile", "refused"} & _ids(client)
        assert (uploads / "hostile.txt").is_file() and (uploads / "refused.txt").is_file()

    # A second start changes nothing about them either.
    app = create_app(index_copy, embedder=embedder, api_token=TOKEN, upload_dir=uploads)
    with TestClient(app) as client:
        assert client.get("/api/jobs/job-hostile", headers=AUTH).json()["status"] == "interrupted"
        assert not {"hostile", "refused"} & _ids(client)
        # Asked for, it runs.
        again = client.post("/api/jobs/job-hostile/retry", headers=AUTH)
        assert again.status_code == 202, again.text
        assert wait_for_job(client, again.json()["id"])["status"] == "done"
        assert "hostile" in _ids(client)
        assert client.post("/api/jobs/job-waiting/retry", headers=AUTH).status_code == 409
