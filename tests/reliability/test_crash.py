"""Crashes during indexing lose nothing: the index before still loads and answers, the next
build completes, and a damaged index directory is refused with a clear message, never served.

An indexer is run in a subprocess and SIGKILLed at chosen stages: the driver script wraps one
function of the build so that it announces the stage and waits there; the test then kills it from
outside, as the kernel's OOM killer or a power cut would. The slow variant adds more stages and
kills at fixed times after the build starts.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from reliability_support import CORPUS_DIR, REPO_ROOT

from api.app import create_app
from index.build import build_index
from index.models.encoder import Encoder
from index.stores.base import IndexMismatch
from index.stores.embedded.lock import IndexLock
from index.stores.embedded.manifest import MANIFEST_FILE
from index.stores.embedded.search_state import VECTORS_FILE
from index.stores.embedded.sqlite_rows import DB_FILE
from index.stores.embedded.store import EmbeddedStore
from retrieval.search import open_searcher

pytestmark = pytest.mark.integration

QUESTION = "Belarus exports to Pakistan"
NEW_TEXT = (
    "Wisent census in the Zubr Lake reserve\n\n"
    "The 2023 survey counted 412 wisent in the Zubr Lake reserve near Brest, the highest number "
    "since records began. Rangers attributed the growth to mild winters and new feeding grounds.\n"
)

# The driver: wrap the function of the chosen stage so that it says where it is and waits there
# (to be killed); "timed" runs straight through and is killed after a delay.
DRIVER = r"""
import sys, time
from pathlib import Path
import index.build as build
import index.stores.embedded.generations as generations
import index.stores.embedded.store as store
import index.stores.embedded.staging as writer
from index.models.hash_encoder import HashEncoder

stage, index_dir, paths = sys.argv[1], Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
calls = {}

def stop_at(name, real, nth=1):
    def wrapper(*args, **kwargs):
        calls[name] = calls.get(name, 0) + 1
        if name == stage and calls[name] == nth:
            print("at", name, flush=True)
            time.sleep(3600)
        return real(*args, **kwargs)
    return wrapper

build.ParseWorker.parse_all = stop_at("parse", build.ParseWorker.parse_all, nth=2)
HashEncoder.encode = stop_at("embed", HashEncoder.encode)
store.EmbeddedStore.add_document = stop_at("write", store.EmbeddedStore.add_document)
store.fsync_tree = stop_at("commit", store.fsync_tree)
writer.publish = stop_at("publish", writer.publish)
generations._point = stop_at("swap", generations._point)
generations._remove_old = stop_at("cleanup", generations._remove_old)
embedder = HashEncoder.with_second()  # the encoder of the index it updates (conftest.py)
print("ready", flush=True)
report = build.build_index(paths, index_dir, embedder=embedder)
print("done", report.published, flush=True)
"""

FAST_STAGES = ["parse", "embed", "commit", "swap"]
SLOW_STAGES = ["write", "publish", "cleanup"]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found |= {int(c) for c in (task / "children").read_text().split()}
    except OSError:
        pass
    return found


def _gone(pid: int, timeout: float = 30.0) -> bool:
    """Whether a process has ended (a zombie counts: it runs no more)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def _run_and_kill(stage: str, index_dir: Path, files: list[Path], delay: float = 0.0) -> str:
    """Start the driver and SIGKILL it at ``stage`` (or ``delay`` s after it is ready).

    Returns what it printed after that point (``"done ..."`` if a timed run finished first).
    """
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, stage, str(index_dir), *map(str, files)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        if stage == "timed":
            time.sleep(delay)
        else:
            line = proc.stdout.readline().strip()
            assert line == f"at {stage}", f"the build never reached {stage}: {line!r}"
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)  # nothing happens if a timed run has already ended
        proc.wait(timeout=60)
        # Its parse worker dies with it (the kernel's parent-death signal), even mid-file.
        assert all(_gone(pid) for pid in workers), workers
        return proc.stdout.read().strip()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _served_documents(index_dir: Path, embedder: Encoder) -> set[str]:
    """Open the index as a server would, ask the corpus question, return the documents held."""
    searcher = open_searcher(index_dir, embedder=embedder)
    assert isinstance(searcher.store, EmbeddedStore)
    try:
        result = searcher.search(QUESTION, k=5)
        # Every hit's highlight is read from the stored sentence vectors: a generation that lost
        # them would show none (whether an answer clears its threshold is the model's business).
        assert result.hits and all(h.highlight is not None for h in result.hits)
        docs = searcher.store.documents()
        assert searcher.store.chunk_count == sum(d.chunks for d in docs)
        return {d.meta.doc_id for d in docs}
    finally:
        searcher.store.close()


def _new_files(folder: Path, shared_pdf: Callable[[str], Path]) -> list[Path]:
    folder.mkdir()
    wisent = folder / "wisent-census.txt"
    wisent.write_text(NEW_TEXT, encoding="utf-8")
    pdf = folder / "mdwtools-footnote.pdf"
    pdf.write_bytes(shared_pdf("mdwtools-footnote.pdf").read_bytes())
    return [pdf, wisent]


def _assert_recovers(
    index_dir: Path, files: list[Path], embedder: Encoder, old: set[str], new: set[str]
) -> None:
    with IndexLock(index_dir):
        pass  # the kernel released the dead indexer's lock
    report = build_index(files, index_dir, embedder=embedder, prune=False)
    assert not report.skipped
    assert _served_documents(index_dir, embedder) == new
    leftovers = [p.name for p in index_dir.parent.iterdir() if p.name.endswith(".staging")]
    assert leftovers == []
    assert old < new


@pytest.mark.parametrize(
    "stage",
    FAST_STAGES + [pytest.param(s, marks=pytest.mark.slow) for s in SLOW_STAGES],
)
def test_a_killed_indexer_leaves_the_index_whole(
    stage: str,
    index_copy: Path,
    tmp_path: Path,
    embedder: Encoder,
    shared_pdf: Callable[[str], Path],
) -> None:
    files = _new_files(tmp_path / "new", shared_pdf)
    old = _served_documents(index_copy, embedder)
    new = old | {f.stem for f in files}

    _run_and_kill(stage, index_copy, files)

    # Killed before the symlink swap: the old index; after it: the new one, whole.
    assert _served_documents(index_copy, embedder) == (new if stage == "cleanup" else old)
    _assert_recovers(index_copy, files, embedder, old, new)


@pytest.mark.slow
def test_kills_at_any_moment_leave_the_index_whole(
    index_copy: Path, tmp_path: Path, embedder: Encoder, shared_pdf: Callable[[str], Path]
) -> None:
    """Kill the build 0.2 s, 0.5 s, 1 s ... after it starts, until one run finishes first."""
    files = _new_files(tmp_path / "new", shared_pdf)
    old = _served_documents(index_copy, embedder)
    new = old | {f.stem for f in files}
    kills = 0
    for delay in (0.2, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 20.0, 40.0):
        output = _run_and_kill("timed", index_copy, files, delay=delay)
        served = _served_documents(index_copy, embedder)
        assert served in (old, new), delay
        if output.startswith("done"):
            break
        kills += 1
    else:
        pytest.fail("no run finished within 40 s: the kill points did not span the build")
    print(f"\n{kills} builds killed at 0.2-{delay:g} s, the index whole after each")
    assert kills >= 3
    _assert_recovers(index_copy, files, embedder, old, new)


# ---- damaged index directories ----------------------------------------------------------------


def _damage(index_dir: Path, how: str) -> None:
    generation = index_dir.resolve()
    if how == "truncated vectors":
        path = generation / VECTORS_FILE
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "no manifest":
        (generation / MANIFEST_FILE).unlink()
    elif how == "garbage in sqlite":
        with (generation / DB_FILE).open("r+b") as f:
            f.seek(4096)
            f.write(os.urandom(8192))
    elif how == "garbage in sqlite, manifest vouching for it":
        # A damaged store whose manifest was rewritten to match (by hand, or by a buggy tool):
        # the size and checksum pass, reading it must still fail.
        with (generation / DB_FILE).open("r+b") as f:
            f.write(b"not a database" * 8)
        manifest = json.loads((generation / MANIFEST_FILE).read_text())
        for entry in manifest["files"]:
            if entry["name"] == DB_FILE:
                entry["sha256"] = hashlib.sha256((generation / DB_FILE).read_bytes()).hexdigest()
        (generation / MANIFEST_FILE).write_text(json.dumps(manifest))
    elif how == "half-written directory":
        # As a writer killed early leaves it: part of the database, nothing else.
        (generation / MANIFEST_FILE).unlink()
        (generation / VECTORS_FILE).unlink()
        (generation / DB_FILE).write_bytes((generation / DB_FILE).read_bytes()[:8192])
    else:
        raise ValueError(how)


DAMAGE = {
    "truncated vectors": "vectors.faiss .* bytes, the manifest says .*damaged",
    "no manifest": "never completed \\(no manifest\\)",
    "garbage in sqlite": "store.sqlite .* differs from the manifest \\(checksum\\).*damaged",
    "garbage in sqlite, manifest vouching for it": "cannot be read",
    "half-written directory": "never completed",
}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_index_is_refused_with_the_reason(
    how: str, index_copy: Path, embedder: Encoder
) -> None:
    _damage(index_copy, how)
    with pytest.raises(IndexMismatch, match=DAMAGE[how]) as refused:
        open_searcher(index_copy, embedder=embedder)
    assert "citesearch index --rebuild" in str(refused.value)
    # The server refuses to start on it; started anyway, it says why and serves no results.
    with pytest.raises(IndexMismatch):
        create_app(index_copy, embedder=embedder, api_token=None)
    app = create_app(index_copy, embedder=embedder, api_token=None, require_index=False)
    with TestClient(app) as client:
        health = client.get("/api/health").json()
        assert health["index_loaded"] is False and "rebuild" in health["detail"]
        assert client.get("/api/search", params={"q": QUESTION}).status_code == 503


def test_a_server_keeps_its_index_when_the_new_one_is_damaged(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    """A new generation damaged on disk is not swapped in; the one being served goes on."""
    app = create_app(index_copy, embedder=embedder, api_token=None)
    with TestClient(app) as client:
        serving = app.state.slot.loaded()
        before = client.get("/api/search", params={"q": QUESTION}).json()
        extra = tmp_path / "wisent-census.txt"
        extra.write_text(NEW_TEXT, encoding="utf-8")
        assert build_index([extra], index_copy, embedder=embedder, prune=False).published
        _damage(index_copy, "truncated vectors")
        assert app.state.slot.open() is None  # what a finished upload job does
        assert app.state.slot.loaded() is serving
        after = client.get("/api/search", params={"q": QUESTION})
        assert after.status_code == 200 and after.json()["results"] == before["results"]
        assert len(client.get("/api/documents").json()["documents"]) == len(
            list(CORPUS_DIR.glob("*.txt"))
        )
