"""Embedding on Dask workers gives the single process's vectors, bit for bit, on loopback only.

MiniLM, not e5: the batching that makes the bits identical is the same for both models. ``make
test`` embeds 640 passages (ten batches, so both workers take several); 20,000 (about five
minutes here) run under the ``slow`` mark (``make soak``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest
from distributed import Client, Worker

from bench.passages import short_passages
from index.models.dask_embedder import (
    PLUGIN_NAME,
    DaskEmbedder,
    DaskUnavailable,
    dask_client,
    parse_dask_target,
)
from index.models.embedder import Embedder
from index.models.passage_vectors import embed_chunks
from index.parse import parse_file
from index.text.chunk import chunk_document

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def minilm(embedder: Embedder) -> Embedder:
    """The session's MiniLM (the second model of its e5 embedder: ``Embedder(model="minilm")``)."""
    assert embedder.second is not None and embedder.second.model == "minilm"
    return embedder.second


@pytest.fixture(scope="module")
def local_client() -> Iterator[Client]:
    with dask_client("local:2") as client:
        yield client


@pytest.fixture(scope="module")
def dask_minilm(local_client: Client) -> DaskEmbedder:
    return DaskEmbedder(local_client, model="minilm")


def _listening_addresses(process: psutil.Process) -> set[str]:
    return {
        c.laddr.ip
        for p in [process, *process.children(recursive=True)]
        for c in p.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }


def _loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return (mapped or ip).is_loopback


@pytest.mark.parametrize("count", [640, pytest.param(20_000, marks=pytest.mark.slow)])
def test_passages_get_identical_vectors_on_two_workers(
    count: int, minilm: Embedder, dask_minilm: DaskEmbedder, local_client: Client
) -> None:
    passages = short_passages(count)
    assert dask_minilm.workers == 2
    single = minilm.encode(passages)
    distributed = dask_minilm.encode(passages)
    assert distributed.shape == (count, minilm.dimension)
    assert np.array_equal(single, distributed)
    # Both workers did work: the tasks were spread, not run by one.
    assert all(count > 0 for count in _batches_per_worker(local_client).values())


def _batches_per_worker(client: Client) -> dict[str, int]:
    """Batches each worker's model embedded (one ``encode`` call per batch)."""

    def batches(dask_worker: Worker) -> int:
        embedder = dask_worker.plugins[PLUGIN_NAME].embedder
        return embedder.calls if embedder is not None else 0

    return client.run(batches)  # type: ignore[no-any-return]


def test_chunk_and_sentence_vectors_match_the_single_process(
    minilm: Embedder, dask_minilm: DaskEmbedder, corpus_dir: Path
) -> None:
    doc = parse_file(corpus_dir / "pakistan-belarus-relations-akram-2021.txt")
    chunks = chunk_document(doc, minilm.count_tokens, minilm.passage_tokens)
    single = embed_chunks(chunks, minilm)
    distributed = embed_chunks(chunks, dask_minilm)
    assert np.array_equal(single.vectors, distributed.vectors)
    assert len(single.sentences) == len(distributed.sentences) == len(chunks)
    for a, b in zip(single.sentences, distributed.sentences, strict=True):
        assert a.spans == b.spans
        assert np.array_equal(a.vectors, b.vectors)
    assert distributed.sentences_embedded == single.sentences_embedded > 0


def test_the_local_cluster_listens_on_loopback_only(local_client: Client) -> None:
    addresses = _listening_addresses(psutil.Process())
    assert addresses, "the scheduler and workers should be listening"
    # Every socket this process tree listens on (the test servers too: milvus-lite shows as
    # the IPv4-mapped ::ffff:127.0.0.1) is on loopback.
    assert all(_loopback(a) for a in addresses), addresses
    assert "127.0.0.1" in addresses
    workers = local_client.scheduler_info(n_workers=-1)["workers"]
    assert len(workers) == 2 and all(a.startswith("tcp://127.0.0.1:") for a in workers)
    assert local_client.scheduler.address.startswith("tcp://127.0.0.1:")


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        pytest.raises(
            DaskUnavailable, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"
        ),
        dask_client(f"127.0.0.1:{port}", timeout=1),
    ):
        pass


@pytest.mark.parametrize("text", ["local:0", "local:two", "localhost", "tcp://host:99999", ""])
def test_a_bad_dask_target_says_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="local:N|scheduler address"):
        parse_dask_target(text)
