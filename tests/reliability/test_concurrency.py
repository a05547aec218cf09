"""Concurrent use: searches go on through a re-index, answered by the old index until the swap;
a second indexer is refused by the lock with a message that says who holds it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_support import REPO_ROOT

from api.app import create_app
from api.local_server import running_server
from index.models.encoder import Encoder

pytestmark = pytest.mark.integration

TOKEN = "reliability-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW_ID = "wisent-census"
NEW_DOC = (
    "Wisent census in the Zubr Lake reserve\n\n"
    "The 2023 survey counted 412 wisent in the Zubr Lake reserve near Brest, the highest number "
    "since records began. Rangers attributed the growth to mild winters and new feeding grounds.\n"
)
QUERY = "wisent census Zubr Lake reserve"
SEARCHERS = 6


def _wait_for_job(client: httpx.Client, job_id: str, timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        # With the token: a job's error is shown to its holder only.
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after {timeout} s"
        time.sleep(0.2)


def test_searches_during_a_reindex_all_succeed_from_the_old_index_until_the_swap(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    app = create_app(index_copy, embedder=embedder, api_token=TOKEN, upload_dir=tmp_path / "up")
    stop = threading.Event()
    # Per thread, in order: (started, finished, status, the new document among the results?)
    seen: list[list[tuple[float, float, int, bool]]] = [[] for _ in range(SEARCHERS)]

    with running_server(app) as base_url:

        def search_until_stopped(i: int) -> None:
            with httpx.Client(base_url=base_url, timeout=120) as client:
                while not stop.is_set():
                    started = time.monotonic()
                    response = client.get("/api/search", params={"q": QUERY, "k": 5})
                    ok = response.status_code == 200
                    new = ok and any(h["doc_id"] == NEW_ID for h in response.json()["results"])
                    seen[i].append((started, time.monotonic(), response.status_code, new))

        threads = [
            threading.Thread(target=search_until_stopped, args=(i,)) for i in range(SEARCHERS)
        ]
        for thread in threads:
            thread.start()
        try:
            with httpx.Client(base_url=base_url, timeout=120) as client:
                while not all(seen):  # every searcher has been answered by the old index
                    time.sleep(0.05)
                submitted = time.monotonic()
                response = client.post(
                    "/api/documents",
                    files={"file": (f"{NEW_ID}.txt", NEW_DOC.encode())},
                    headers=AUTH,
                )
                assert response.status_code == 202, response.text
                job = _wait_for_job(client, response.json()["id"])
                finished = time.monotonic()
                assert job["status"] == "done", job["error"]
                # Each searcher gets at least one answer that started after the swap.
                while not all(any(s[0] > finished for s in runs) for runs in seen):
                    time.sleep(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join()

    runs = [s for per_thread in seen for s in per_thread]
    assert {status for _, _, status, _ in runs} == {200}, "every search was answered"
    during = [s for s in runs if s[0] > submitted and s[1] < finished]
    assert during, "searches ran while the index was rebuilt"
    for per_thread in seen:
        flags = [new for _, _, _, new in per_thread]
        # Old index first; once the new one answered, never the old one again.
        assert flags[0] is False and flags[-1] is True
        assert flags == sorted(flags)
    print(
        f"\n{len(runs)} searches by {SEARCHERS} threads, {len(during)} during the re-index, "
        "no error"
    )


@contextmanager
def _lock_held_elsewhere(index_dir: Path) -> Iterator[int]:
    """Another process holding the index lock (as a running `citesearch index` does)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from index.stores.embedded.lock import IndexLock\n"
            "with IndexLock(pathlib.Path(sys.argv[1])):\n"
            "    print('locked', flush=True); sys.stdin.read()",
            str(index_dir),
        ],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.communicate("")


def test_a_second_citesearch_index_is_refused_by_the_lock(index_copy: Path, tmp_path: Path) -> None:
    extra = tmp_path / f"{NEW_ID}.txt"
    extra.write_text(NEW_DOC, encoding="utf-8")
    generation = index_copy.resolve()
    with _lock_held_elsewhere(index_copy) as pid:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "api.cli",
                "index",
                "--no-prune",
                "--index-dir",
                str(index_copy),
                str(extra),
            ],
            cwd=REPO_ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert run.returncode == 1
    assert f"another citesearch indexer (pid {pid}) is writing" in run.stderr
    assert "wait for it to finish" in run.stderr
    assert index_copy.resolve() == generation  # nothing was published


def test_an_upload_while_another_indexer_runs_fails_in_plain_words(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    app = create_app(index_copy, embedder=embedder, api_token=TOKEN, upload_dir=tmp_path / "up")
    with running_server(app) as base_url, httpx.Client(base_url=base_url, timeout=120) as client:
        with _lock_held_elsewhere(index_copy) as pid:
            response = client.post(
                "/api/documents", files={"file": (f"{NEW_ID}.txt", NEW_DOC.encode())}, headers=AUTH
            )
            assert response.status_code == 202
            job = _wait_for_job(client, response.json()["id"])
            assert job["status"] == "failed"
            assert f"another citesearch indexer (pid {pid})" in job["error"]
            assert client.get("/api/search", params={"q": QUERY}).status_code == 200
        # Once the other indexer is done, the same upload goes through.
        response = client.post(
            "/api/documents", files={"file": (f"{NEW_ID}.txt", NEW_DOC.encode())}, headers=AUTH
        )
        assert _wait_for_job(client, response.json()["id"])["status"] == "done"
        top = client.get("/api/search", params={"q": QUERY}).json()["results"][0]
        assert top["doc_id"] == NEW_ID
