"""A running server serves what another process publishes into its index (no restart)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from test_app import ZUBR_DOC, search

from api.live_index import SearcherSlot
from index.build import build_index
from index.models.embedder import Embedder


def test_a_server_follows_an_index_built_by_someone_else(
    index_copy: Path, make_client: Callable[..., TestClient], embedder: Embedder, tmp_path: Path
) -> None:
    client = make_client(index_copy, api_token=None, follow_seconds=0.2)
    before = client.get("/api/health").json()
    assert before["documents"] == 5

    # `citesearch index` run beside the server: the server is not told, it notices.
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "zubr-census.txt").write_text(ZUBR_DOC, encoding="utf-8")
    report = build_index([folder], index_copy, embedder=embedder, prune=False)
    assert report.added == ["zubr-census"]

    deadline = time.monotonic() + 60
    while (health := client.get("/api/health").json())["documents"] != 6:
        assert time.monotonic() < deadline, "the server never served the new generation"
        time.sleep(0.1)
    assert health["index_version"] == before["index_version"] + 1
    top = search(client, q="How many wisent were counted in the Zubr Lake reserve?")["results"][0]
    assert top["doc_id"] == "zubr-census"


def test_following_can_be_turned_off(
    index_copy: Path, make_client: Callable[..., TestClient], embedder: Embedder, tmp_path: Path
) -> None:
    client = make_client(index_copy, api_token=None, follow_seconds=None)
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "zubr-census.txt").write_text(ZUBR_DOC, encoding="utf-8")
    build_index([folder], index_copy, embedder=embedder, prune=False)
    slot = client.app.state.slot  # type: ignore[attr-defined]
    assert client.get("/api/health").json()["documents"] == 5
    # Asked directly, the slot swaps to what was published.
    assert slot.refresh() is True and slot.refresh() is False
    assert client.get("/api/health").json()["documents"] == 6


def test_the_follower_and_a_jobs_own_reopen_serve_a_generation_once(
    index_copy: Path, embedder: Embedder, tmp_path: Path
) -> None:
    # An upload's job reopens the slot after it publishes; the follower may have moved there
    # first. The second open of the same generation swaps nothing: one version per generation.
    slot = SearcherSlot(index_copy, embedder)
    first = slot.open(strict=True)
    assert first is not None and slot.version == 1
    assert slot.open() is first and slot.version == 1

    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "zubr-census.txt").write_text(ZUBR_DOC, encoding="utf-8")
    build_index([folder], index_copy, embedder=embedder, prune=False)
    assert slot.refresh() is True and slot.version == 2  # what the follower does
    served = slot.open()  # what the job does after its publish
    assert served is not None and served is not first and slot.version == 2
    assert served.store.document_info("zubr-census") is not None
    assert slot.refresh() is False and slot.version == 2
    slot.close()
