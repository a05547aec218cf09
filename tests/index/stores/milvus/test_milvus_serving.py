"""Two API servers on one Milvus + PostgreSQL answer alike while a third process publishes.

Mechanics, not ranking: the index is the session's corpus index of the hash encoder
(``hash_corpus_index``), so the two servers and the indexer, each a process of its own, load no
model; what is compared is what each server serves, generation by generation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from milvus_support import copy_documents, drop_index, model_of
from server_support import MilvusServer, PostgresServer, free_port

from index.stores.embedded.store import EmbeddedStore
from index.stores.factory import Location, open_reader, open_writer

REPO_ROOT = Path(__file__).resolve().parents[4]
SUPPORT = Path(__file__).resolve().parents[2] / "milvus_support.py"
QUESTIONS = (
    "Which dairy shipped its first products to Libya?",
    "What did the foreign ministers of Pakistan and Belarus discuss?",
    "agricultural machinery",
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(SUPPORT.parent)])}


def _serve(location: Location) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--index-dir", str(location.directory), "--milvus", location.milvus_uri or "",
         "--postgres", location.postgres_url or ""],
        cwd=REPO_ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, "the API server exited"
        try:
            if httpx.get(f"{url}/api/health", timeout=5).json().get("index_loaded"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the API server at {url} did not come up")


def _answers(url: str) -> list[list[object]]:
    out = []
    for question in QUESTIONS:
        response = httpx.get(f"{url}/api/search", params={"q": question, "k": 5}, timeout=60)
        assert response.status_code == 200, response.text
        body = response.json()
        answer = body["answer"]["text"] if body["answer"] else None
        out.append([answer, *((h["chunk_id"], round(h["score"], 6)) for h in body["results"])])
    return out


def _documents(url: str) -> int:
    return int(httpx.get(f"{url}/api/health", timeout=30).json()["documents"])


@pytest.fixture
def served(
    hash_corpus_index: Path,
    milvus_server: MilvusServer,
    postgres_server: PostgresServer,
    tmp_path: Path,
) -> Iterator[tuple[Location, list[str]]]:
    location = Location(tmp_path / "served", milvus_server.uri, postgres_server.url)
    with (
        EmbeddedStore.open(hash_corpus_index) as source,
        open_writer(location, model=model_of(source)) as writer,
    ):
        copy_documents(
            source,
            writer,
            ["pakistan-belarus-foreign-ministers-meeting", "belarus-new-export-markets"],
        )
        writer.publish()
    servers = [_serve(location) for _ in range(2)]
    try:
        for process, url in servers:
            _wait_ready(process, url)
        yield location, [url for _, url in servers]
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(30)
        drop_index(milvus_server.uri, postgres_server.url, location.name)


def test_two_servers_answer_identically_while_a_third_process_publishes(
    served: tuple[Location, list[str]], hash_corpus_index: Path
) -> None:
    location, (first, second) = served
    with open_reader(location) as reader:
        before = reader.generation
    expected = _answers(first)
    assert all(expected) and _answers(second) == expected
    indexer = subprocess.Popen(
        [sys.executable, str(SUPPORT), str(hash_corpus_index), location.milvus_uri or "",
         location.postgres_url or "", location.name],
        env=_env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    rounds = 0
    while indexer.poll() is None or rounds == 0:
        # Each server answers from the generation it serves: the old one's answers, whatever the
        # indexer is at, until the server has moved to the published one (never back).
        for url in (first, second):
            if _answers(url) != expected:
                assert _documents(url) == 5
        rounds += 1
    assert indexer.returncode == 0
    with open_reader(location) as reader:
        assert reader.generation != before
        assert len(reader.documents()) == 5
    # After the swap both servers serve the new generation (they check for it every 2 s).
    deadline = time.monotonic() + 60
    while not all(_documents(url) == 5 for url in (first, second)):
        assert time.monotonic() < deadline, "a server still serves the old generation"
        time.sleep(0.5)
    after = _answers(first)
    assert _answers(second) == after and after != expected
