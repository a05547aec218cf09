"""Writes through the HTTP API never lose or break anything (issue 14).

Each test runs a real uvicorn server on loopback (``running_server``, in this process so that a
full disk or a slow job can be injected) and talks to it over HTTP: a delete removes exactly the
document asked for; searches never fail while uploads and deletes swap the index; names in any
script get their own id; a full disk is a 507 or a failed job that changed nothing; the job queue
is bounded and never forgets a running job.
"""

from __future__ import annotations

import errno
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_support import AUTH, CORPUS_DIR, SOAK, TOKEN, document_ids, wait_for_job

import api.live_index
import api.uploads
from api.app import create_app
from api.local_server import running_server
from index.build import build_index
from index.models.encoder import Encoder
from index.stores.embedded.store import EmbeddedStore
from retrieval.search import Searcher

pytestmark = pytest.mark.integration

CORPUS_IDS = {p.stem for p in CORPUS_DIR.glob("*.txt")}
NOTE = b"Field note: the Pripyat marshes hold 412 pairs of aquatic warblers this spring.\n"


def _doc(topic: str) -> bytes:
    return (
        f"Report on {topic}\n\nThe survey of {topic} near Brest counted 412 sites in 2023; "
        f"the rangers describe {topic} as stable after two mild winters.\n"
    ).encode()


@contextmanager
def _served(
    index_dir: Path, uploads: Path, embedder: Encoder, **options: Any
) -> Iterator[httpx.Client]:
    app = create_app(index_dir, embedder=embedder, api_token=TOKEN, upload_dir=uploads, **options)
    with running_server(app) as base_url, httpx.Client(base_url=base_url, timeout=300) as client:
        yield client


def _upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("/api/documents", files={"file": (name, data)}, headers=AUTH)


# ---- 1: a delete removes exactly one document ---------------------------------------------------


def test_deleting_an_upload_keeps_documents_whose_source_folder_moved_away(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    """Finding 1: the corpus was indexed from a folder since moved away; deleting one upload
    removed all six documents (the delete rebuilt with pruning on)."""
    source = tmp_path / "elsewhere" / "corpus"
    shutil.copytree(CORPUS_DIR, source)
    # The copy's paths replace the repository's (the vectors come from the cache).
    build_index([source], index_copy, embedder=embedder, prune=True)
    shutil.move(source.parent, tmp_path / "moved")
    with _served(index_copy, tmp_path / "uploads", embedder) as client:
        assert document_ids(client) == CORPUS_IDS
        job = wait_for_job(client, _upload(client, "note.txt", NOTE).json()["id"])
        assert job["status"] == "done", job["error"]
        assert document_ids(client) == CORPUS_IDS | {"note"}

        deleted = client.delete("/api/documents/note", headers=AUTH)
        assert deleted.status_code == 202
        job = wait_for_job(client, deleted.json()["id"])
        assert job["status"] == "done", job["error"]
        assert document_ids(client) == CORPUS_IDS
        hits = client.get("/api/search", params={"q": "Belarus exports to Pakistan"}).json()
        assert hits["results"]
    assert not (tmp_path / "uploads" / "note.txt").exists()


# ---- 2: readers are never broken by writers -----------------------------------------------------


def test_a_search_outlives_two_index_swaps(
    index_copy: Path, tmp_path: Path, embedder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 2: the Searcher from two swaps ago was closed under a request still using it
    ("Cannot operate on a closed database", a 500)."""
    entered, release = threading.Event(), threading.Event()
    original = Searcher.search

    def slow_search(self: Searcher, query: str, **kwargs: Any) -> Any:
        if query == "hold this search":
            entered.set()
            assert release.wait(120)
        return original(self, query, **kwargs)

    monkeypatch.setattr(Searcher, "search", slow_search)
    with _served(index_copy, tmp_path / "uploads", embedder) as client:
        held: dict[str, httpx.Response] = {}
        thread = threading.Thread(
            target=lambda: held.update(
                r=client.get("/api/search", params={"q": "hold this search", "mode": "hybrid"})
            )
        )
        thread.start()
        assert entered.wait(60)
        for name in ("first.txt", "second.txt"):  # two swaps while the search is held
            job = wait_for_job(client, _upload(client, name, _doc(name[:-4])).json()["id"])
            assert job["status"] == "done", job["error"]
        release.set()
        thread.join(120)
        assert held["r"].status_code == 200, held["r"].text


def test_searches_never_fail_while_uploads_and_deletes_alternate(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    """Finding 2 under load: 8 clients search while uploads and deletes alternate (5 each here,
    50 each in the soak run): no error, and after every job exactly the documents expected."""
    rounds = 50 if SOAK else 5
    stop = threading.Event()
    errors: list[str] = []
    served = [0]
    lock = threading.Lock()
    with _served(index_copy, tmp_path / "uploads", embedder) as client:
        base_url = str(client.base_url)

        def search_until_stopped(seed: int) -> None:
            questions = ["Belarus exports to Pakistan", "survey near Brest", "tractor assembly"]
            with httpx.Client(base_url=base_url, timeout=120) as own:
                i = seed
                while not stop.is_set():
                    i += 1
                    try:
                        r = own.get("/api/search", params={"q": questions[i % 3], "k": 5})
                        status = r.status_code
                        d = own.get("/api/documents").status_code if i % 4 == 0 else 200
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}")
                        continue
                    with lock:
                        served[0] += 1
                        if status != 200 or d != 200:
                            errors.append(f"HTTP {status}/{d}: {r.text[:200]}")

        threads = [threading.Thread(target=search_until_stopped, args=(s,)) for s in range(8)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        try:
            previous: str | None = None
            for n in range(rounds + 1):  # upload one, then delete the one before it
                name = f"survey-{n}" if n < rounds else None
                if name is not None:
                    response = _upload(client, f"{name}.txt", _doc(name))
                    job = wait_for_job(client, response.json()["id"])
                    assert job["status"] == "done", job["error"]
                if previous is not None:
                    response = client.delete(f"/api/documents/{previous}", headers=AUTH)
                    job = wait_for_job(client, response.json()["id"])
                    assert job["status"] == "done", job["error"]
                previous = name
                assert document_ids(client) == CORPUS_IDS | ({name} if name else set())
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        elapsed = time.monotonic() - started
    print(
        f"\n{rounds} uploads and {rounds} deletes in {elapsed:.0f} s while 8 clients "
        f"searched: {served[0]} answered, {len(errors)} errors"
    )
    assert errors == []
    assert served[0] > 0


# ---- 5: names in any script ---------------------------------------------------------------------


def test_non_latin_names_get_their_own_ids_and_a_taken_id_is_refused(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    """Finding 5: two Russian names both became `upload` (the second silently replacing the
    first); `доклад.txt` and `报告.txt` were refused as type '(none)'."""
    expected = {
        "Отчёт о тракторах.txt": "Otchet-o-traktorakh",
        "Доклад о калии.txt": "Doklad-o-kalii",
        "доклад.txt": "doklad",
        "报告.txt": "BaoGao",
        "отчёт-2021.txt": "otchet-2021",
    }
    with _served(index_copy, tmp_path / "uploads", embedder) as client:
        for name, doc_id in expected.items():
            response = _upload(client, name, _doc(doc_id))
            assert response.status_code == 202, (name, response.text)
            job = response.json()
            assert job["doc_id"] == doc_id
            again = _upload(client, name, b"Another text under the same name.")
            assert again.status_code == 409, (name, again.text)
            assert "rename" in again.json()["detail"]
            assert wait_for_job(client, job["id"])["status"] == "done"
        assert document_ids(client) == CORPUS_IDS | set(expected.values())
        # Once indexed, the same name is still refused: delete first, never replaced silently.
        again = _upload(client, "Доклад о калии.txt", b"A replacement.")
        assert again.status_code == 409 and "delete it first" in again.json()["detail"]
        top = client.get("/api/search", params={"q": "survey of Doklad-o-kalii", "mode": "bm25"})
        assert top.json()["results"][0]["doc_id"] == "Doklad-o-kalii"


# ---- 6: a full disk -----------------------------------------------------------------------------


def _disk_full(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_refuses_the_upload_with_507_and_changes_nothing(
    index_copy: Path, tmp_path: Path, embedder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 6: uploads on a full disk got raw errors and a 500, and left files behind."""
    uploads = tmp_path / "uploads"
    with _served(index_copy, uploads, embedder) as client:
        before = document_ids(client)
        # The upload's own bytes cannot be written.
        with monkeypatch.context() as patch:
            patch.setattr(api.uploads, "_write", _disk_full)
            refused = _upload(client, "zubr.txt", _doc("wisent"))
        assert refused.status_code == 507, refused.text
        assert "disk is full" in refused.json()["detail"]
        assert [p.name for p in uploads.iterdir() if not p.name.startswith(".jobs")] == []

        # Too little room left: refused before anything is written.
        with monkeypatch.context() as patch:
            patch.setattr(
                api.uploads.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(1, 1, 0)
            )  # type: ignore[attr-defined]
            refused = _upload(client, "zubr.txt", _doc("wisent"))
        assert refused.status_code == 507 and "too full" in refused.json()["detail"]

        # The file is saved but the new index generation cannot be written.
        with monkeypatch.context() as patch:
            patch.setattr(EmbeddedStore, "commit", _disk_full)
            job = wait_for_job(client, _upload(client, "zubr.txt", _doc("wisent")).json()["id"])
        assert job["status"] == "failed" and "disk is full" in job["error"]
        assert (uploads / "zubr.txt").is_file()  # kept for a retry (issue 24)
        assert document_ids(client) == before
        assert list(index_copy.parent.glob(".*staging*")) == []

        # Room again: the same upload goes through (no 500; it replaces the failed one's file).
        job = wait_for_job(client, _upload(client, "zubr.txt", _doc("wisent")).json()["id"])
        assert job["status"] == "done", job["error"]
        assert document_ids(client) == before | {"zubr"}


def test_a_delete_on_a_full_disk_is_all_or_nothing(
    index_copy: Path, tmp_path: Path, embedder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 6: a DELETE on a full disk removed the file but left the document indexed."""
    uploads = tmp_path / "uploads"
    with _served(index_copy, uploads, embedder) as client:
        job = wait_for_job(client, _upload(client, "zubr.txt", _doc("wisent")).json()["id"])
        assert job["status"] == "done", job["error"]
        with monkeypatch.context() as patch:
            patch.setattr(EmbeddedStore, "commit", _disk_full)
            deleted = client.delete("/api/documents/zubr", headers=AUTH)
            assert deleted.status_code == 202
            job = wait_for_job(client, deleted.json()["id"])
        assert job["status"] == "failed" and "disk is full" in job["error"]
        assert "zubr" in document_ids(client)
        assert (uploads / "zubr.txt").is_file()  # still deletable
        job = wait_for_job(client, client.delete("/api/documents/zubr", headers=AUTH).json()["id"])
        assert job["status"] == "done", job["error"]
        assert "zubr" not in document_ids(client)
        assert not (uploads / "zubr.txt").exists()


# ---- 7: a bounded job queue ---------------------------------------------------------------------


def test_a_full_job_queue_answers_429_and_never_forgets_the_running_job(
    index_copy: Path, tmp_path: Path, embedder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 7: 700 uploads in 10 s were all accepted, and the running job was then
    forgotten (404) once 500 newer records had been kept."""
    release = threading.Event()
    original = api.live_index.prepare_files

    def held_build(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(300)
        return original(*args, **kwargs)

    monkeypatch.setattr(api.live_index, "prepare_files", held_build)
    monkeypatch.setattr(api.live_index, "MAX_PENDING_JOBS", 4, raising=False)
    monkeypatch.setattr(api.live_index, "MAX_JOBS_KEPT", 2)
    with _served(index_copy, tmp_path / "uploads", embedder) as client:
        accepted: list[str] = []
        refused: httpx.Response | None = None
        for n in range(60):
            response = _upload(client, f"queued-{n}.txt", _doc(f"queued {n}"))
            if response.status_code == 429:
                refused = response
                break
            assert response.status_code == 202, response.text
            accepted.append(response.json()["id"])
        assert refused is not None, f"{len(accepted)} jobs accepted, none refused"
        assert int(refused.headers["retry-after"]) >= 1
        assert "try again" in refused.json()["detail"]
        # The oldest job is still running and still known, however many were queued after it.
        first = client.get(f"/api/jobs/{accepted[0]}")
        assert first.status_code == 200 and first.json()["status"] == "running"
        assert not list((tmp_path / "uploads").glob(f"queued-{len(accepted)}.*"))
        release.set()
        for job_id in accepted:
            assert wait_for_job(client, job_id)["status"] == "done"
        # Room again; and finished records beyond the limit are dropped, oldest first.
        latest = _upload(client, "latest.txt", _doc("latest"))
        assert latest.status_code == 202
        assert wait_for_job(client, latest.json()["id"])["status"] == "done"
        assert client.get(f"/api/jobs/{accepted[0]}").status_code == 404
        assert client.get(f"/api/jobs/{accepted[-1]}").status_code == 200
    print(f"\nqueue: {len(accepted)} jobs accepted, the next one refused with 429")
