"""Jobs outlive the server (issue 14, finding 8; issue 24, finding 2): `citesearch serve` is killed
(SIGKILL) while an upload is being indexed and another waits. After a restart the job that ran
says ``interrupted`` and is not started again by itself (its file is kept until it is retried),
the waiting one runs, and a half-saved upload is removed."""

from __future__ import annotations

import random
import time
from pathlib import Path

import httpx
import pytest
from reliability_support import (
    AUTH,
    CORPUS_DIR,
    TOKEN,
    document_ids,
    serve_process,
    wait_for_job,
)

pytestmark = pytest.mark.integration


def _long_report(words: int) -> bytes:
    """Text no index has seen (so every passage needs the model): corpus words reshuffled."""
    vocabulary = (CORPUS_DIR / "belarus-new-export-markets.txt").read_text("utf-8").split()
    rng = random.Random(time.time_ns())
    lines = ["Long report on markets", ""]
    for _ in range(words // 12):
        lines.append(" ".join(rng.choice(vocabulary) for _ in range(12)) + ".")
    return "\n".join(lines).encode()


def test_a_kill_mid_job_leaves_it_interrupted_until_retried_and_the_queued_one_runs(
    index_copy: Path,
) -> None:
    uploads = index_copy.parent / f"{index_copy.name}-uploads"
    with (
        serve_process(index_copy, token=TOKEN) as (base_url, proc),
        httpx.Client(base_url=base_url, timeout=120) as client,
    ):
        running = client.post(
            "/api/documents", files={"file": ("long-report.txt", _long_report(6_000))}, headers=AUTH
        ).json()
        waiting = client.post(
            "/api/documents",
            files={"file": ("short-note.txt", b"A short note on wisent in the Zubr reserve.\n")},
            headers=AUTH,
        ).json()
        deadline = time.monotonic() + 120
        while client.get(f"/api/jobs/{running['id']}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.kill()
        proc.wait()
    assert (uploads / "long-report.txt").is_file() and (uploads / "short-note.txt").is_file()
    half_saved = uploads / ".cut-short.txt.0a1b2c3d.partial"
    half_saved.write_bytes(b"half an upl")

    with (
        serve_process(index_copy, token=TOKEN) as (base_url, _),
        httpx.Client(base_url=base_url, timeout=120) as client,
    ):
        found = client.get(f"/api/jobs/{running['id']}", headers=AUTH)
        assert found.status_code == 200, found.text
        assert found.json()["status"] == "interrupted"
        assert found.json()["finished"] is not None
        assert not half_saved.exists()
        # The same job, queued before the kill, runs now.
        assert wait_for_job(client, waiting["id"], timeout=600)["status"] == "done"
        assert "short-note" in document_ids(client)
        # The interrupted one waits to be asked: still interrupted, its file kept, not indexed.
        time.sleep(1.0)
        assert client.get(f"/api/jobs/{running['id']}").json()["status"] == "interrupted"
        assert "long-report" not in document_ids(client)
        assert (uploads / "long-report.txt").is_file()
        again = client.post(f"/api/jobs/{running['id']}/retry", headers=AUTH)
        assert again.status_code == 202, again.text
        assert wait_for_job(client, again.json()["id"], timeout=600)["status"] == "done"
        assert "long-report" in document_ids(client)
        # Deletable like any upload.
        deleted = client.delete("/api/documents/short-note", headers=AUTH)
        assert wait_for_job(client, deleted.json()["id"])["status"] == "done"
        assert "short-note" not in document_ids(client)
