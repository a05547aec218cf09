"""The Milvus + PostgreSQL backend against real servers (milvus-lite's, PostgreSQL's) on 127.0.0.1.

The session's corpus index (embedded backend) is copied into Milvus through the writer protocol,
so both backends hold the same chunks and vectors; the tests then compare what users would see.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from milvus_support import copy_documents, model_of
from server_support import MilvusServer, PostgresServer

from eval.qa import load_questions
from eval.query_vectors import QueryVectors
from eval.results import RunConfig
from eval.runner import run_qa
from index.build import build_index
from index.models.passage_vectors import text_hash
from index.stores.base import IndexLocked, IndexMissing, StoreReader
from index.stores.embedded.store import EmbeddedStore
from index.stores.factory import Location, open_reader, open_writer
from index.stores.milvus import passage_collection
from index.stores.milvus.reader import MilvusReader
from index.stores.milvus.writer import MilvusWriter
from index.stores.options import StoreOptions
from index.text.tokenize import tokenize
from retrieval.search import Searcher

REPO_ROOT = Path(__file__).resolve().parents[4]
_names = itertools.count()


@pytest.fixture(scope="module")
def new_location(
    milvus_server: MilvusServer,
    postgres_server: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[], Location]:
    """A fresh, empty index location on the session's servers (a new index name each call)."""
    base = tmp_path_factory.mktemp("milvus-locations")

    def make() -> Location:
        return Location(base / f"idx{next(_names)}", milvus_server.uri, postgres_server.url)

    return make


@pytest.fixture(scope="module")
def embedded(corpus_index: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore.open(corpus_index) as store:
        yield store


@pytest.fixture(scope="module")
def corpus_location(embedded: EmbeddedStore, new_location: Callable[[], Location]) -> Location:
    """The corpus index copied into Milvus + PostgreSQL and published."""
    location = new_location()
    with open_writer(location, model=model_of(embedded), fresh=True) as writer:
        copy_documents(embedded, writer)
        writer.publish()
    return location


@pytest.fixture(scope="module")
def milvus_reader(corpus_location: Location) -> Iterator[StoreReader]:
    with open_reader(corpus_location) as reader:
        yield reader


def _overlap(a: list[str], b: list[str]) -> float:
    if not a and not b:
        return 1.0  # both found nothing: they agree
    return len(set(a) & set(b)) / max(len(a), len(b))


def _top(ranking: dict[str, float], k: int) -> list[str]:
    return sorted(ranking, key=lambda chunk_id: -ranking[chunk_id])[:k]


def test_milvus_top10_and_eval_figures_match_the_embedded_backend(
    embedded: EmbeddedStore,
    milvus_reader: StoreReader,
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    """Every question of the set in four modes on both backends: the same top 10 (mean overlap
    at least 0.95) and the same figures (within 0.01). A question is embedded once for both
    backends and all modes (the backends are compared on the same query vectors)."""
    questions = load_questions(REPO_ROOT / "eval" / "data" / "qa.jsonl")
    configs = [
        RunConfig("bm25", "bm25"),
        RunConfig("dense", "dense"),
        RunConfig("hybrid", "hybrid", fusion="weighted"),  # the default: feedback, two models
        RunConfig("hybrid-rrf", "hybrid", fusion="rrf", rrf_k=60),
    ]
    # Every figure of the question set is taken within the top 10.
    vectors = QueryVectors(embedder)
    figures_embedded = run_qa(Searcher(embedded, vectors), questions, configs, k=10)
    figures_milvus = run_qa(Searcher(milvus_reader, vectors), questions, configs, k=10)
    for a, b in zip(figures_embedded.results, figures_milvus.results, strict=True):
        overlaps = [_overlap(_top(a.run[q], 10), _top(b.run.get(q, {}), 10)) for q in a.run]
        name = a.config.name
        print(f"{name}: mean top-10 overlap {np.mean(overlaps):.4f}, lowest {min(overlaps):.2f}")
        assert len(overlaps) == len(questions)
        assert np.mean(overlaps) >= 0.95, (name, np.mean(overlaps))
        for metric, value in a.metrics.items():
            if not metric.startswith("latency"):
                print(f"{name} {metric}: {value:.4f} embedded, {b.metrics[metric]:.4f} Milvus")
                assert abs(value - b.metrics[metric]) <= 0.01, (name, metric)


def test_bm25_scores_and_records_are_the_embedded_backends(
    embedded: EmbeddedStore, milvus_reader: StoreReader
) -> None:
    # Same terms, lengths and document frequencies: same BM25 scores (Lucene's formula).
    for query in ("Belarus export markets in Africa", "Pakistan foreign minister visit Minsk"):
        a, b = embedded.bm25_search(query, 10), milvus_reader.bm25_search(query, 10)
        assert [x.chunk_id for x in a] == [x.chunk_id for x in b]
        assert np.allclose([x.score for x in a], [x.score for x in b], rtol=1e-4)
    assert milvus_reader.vocabulary() == embedded.vocabulary()
    assert milvus_reader.chunk_count == embedded.chunk_count
    assert milvus_reader.documents() == embedded.documents()
    for info in embedded.documents():
        doc_id = info.meta.doc_id
        assert milvus_reader.document_info(doc_id) == info
        assert milvus_reader.document_text(doc_id) == embedded.document_text(doc_id)
        assert milvus_reader.footnotes(doc_id) == embedded.footnotes(doc_id)
        chunks = embedded.chunks_of(doc_id)
        assert milvus_reader.chunks_of(doc_id) == chunks
        ids = [c.chunk_id for c in chunks]
        assert milvus_reader.get_chunks(ids[::-1]) == chunks[::-1]
        mine, theirs = milvus_reader.sentences(ids), embedded.sentences(ids)
        assert mine.keys() == theirs.keys()
        for chunk_id, sentences in theirs.items():
            assert mine[chunk_id].spans == sentences.spans
            assert np.array_equal(mine[chunk_id].vectors, sentences.vectors)


def test_document_filters_and_unknown_ids(
    embedded: EmbeddedStore, milvus_reader: StoreReader
) -> None:
    doc_id = "pakistan-belarus-relations-akram-2021"
    hits = milvus_reader.bm25_search("Belarus Pakistan trade", 50, doc_ids=[doc_id, "no-such-doc"])
    assert hits and all(h.chunk_id.startswith(doc_id) for h in hits)
    expected = embedded.bm25_search("Belarus Pakistan trade", 50, doc_ids=[doc_id])
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in expected]
    vector = np.zeros(milvus_reader.model.dimension, dtype=np.float32)
    vector[0] = 1.0
    dense = milvus_reader.vector_search(vector, 5, doc_ids=[doc_id])
    assert dense and all(h.chunk_id.startswith(doc_id) for h in dense)
    assert milvus_reader.bm25_search("Belarus", 5, doc_ids=[]) == []
    assert milvus_reader.vector_search(vector, 5, doc_ids=["no-such-doc"]) == []
    assert milvus_reader.get_chunks(["no-such-chunk"]) == []
    assert milvus_reader.document_info("no-such-doc") is None
    assert milvus_reader.document_text("no-such-doc") is None
    assert milvus_reader.chunks_of("no-such-doc") == []
    assert milvus_reader.footnotes("no-such-doc") == []
    with pytest.raises(ValueError, match="values"):
        milvus_reader.vector_search(np.ones(7, dtype=np.float32), 5)


def test_readers_keep_their_generation_until_they_reopen(
    embedded: EmbeddedStore, new_location: Callable[[], Location]
) -> None:
    location = new_location()
    with pytest.raises(IndexMissing):
        open_reader(location)
    keep = ["pakistan-belarus-foreign-ministers-meeting", "pakistan-belarus-relations-akram-2021"]
    with open_writer(location, model=model_of(embedded)) as writer:
        copy_documents(embedded, writer, keep)
        first = writer.publish()
    before = open_reader(location)
    try:
        assert before.generation == first
        writer = open_writer(location, model=model_of(embedded))
        try:
            with pytest.raises(IndexLocked):
                open_writer(location, model=model_of(embedded))
            writer.remove_document(keep[0])
            assert [d.meta.doc_id for d in writer.documents()] == keep[1:]
            writer.commit()
            with open_reader(location) as during:  # committed, not published: invisible
                assert during.generation == first
                assert [d.meta.doc_id for d in during.documents()] == keep
            second = writer.publish()
        finally:
            writer.close()
        assert second != first
        # The reader opened before the swap still reads the first generation, searches included.
        assert [d.meta.doc_id for d in before.documents()] == keep
        assert {
            h.chunk_id.split("#")[0] for h in before.bm25_search("Pakistan Belarus", 50)
        } == set(keep)
        with open_reader(location) as after:
            assert after.generation == second
            assert [d.meta.doc_id for d in after.documents()] == keep[1:]
            # The new generation's vocabulary counts its own passages only.
            kept = [c for doc_id in keep[1:] for c in embedded.chunks_of(doc_id)]
            assert after.vocabulary() == Counter(t for c in kept for t in set(tokenize(c.text)))
            assert {
                h.chunk_id.split("#")[0] for h in after.bm25_search("Pakistan Belarus", 50)
            } == set(keep[1:])
    finally:
        before.close()


def test_an_update_closed_without_publish_is_discarded(
    embedded: EmbeddedStore, new_location: Callable[[], Location]
) -> None:
    location = new_location()
    with open_writer(location, model=model_of(embedded)) as writer:
        copy_documents(embedded, writer, ["pakistan-belarus-foreign-ministers-meeting"])
        writer.publish()
    with open_writer(location, model=model_of(embedded)) as writer:
        writer.remove_document("pakistan-belarus-foreign-ministers-meeting")
        writer.commit()
    with open_reader(location) as reader:
        assert [d.meta.doc_id for d in reader.documents()] == [
            "pakistan-belarus-foreign-ministers-meeting"
        ]


def test_sigkill_during_a_build_leaves_readers_on_the_previous_generation(
    embedded: EmbeddedStore, corpus_index: Path, new_location: Callable[[], Location]
) -> None:
    location = new_location()
    small = ["pakistan-belarus-foreign-ministers-meeting"]
    with open_writer(location, model=model_of(embedded)) as writer:
        copy_documents(embedded, writer, small)
        published = writer.publish()
    support = Path(__file__).resolve().parents[2] / "milvus_support.py"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(support.parent)])}
    child = subprocess.Popen(
        [sys.executable, str(support), str(corpus_index), location.milvus_uri or "",
         location.postgres_url or "", location.name],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    line = child.stdout.readline()  # "copied": every document is in PG, the commit begins
    assert line.startswith("copied"), line
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    with open_reader(location) as reader:
        assert reader.generation == published
        assert [d.meta.doc_id for d in reader.documents()] == small
        assert reader.bm25_search("Pakistan", 5)
    # The next build takes the lock the dead writer held, discards its leftovers and completes.
    with open_writer(location, model=model_of(embedded)) as writer:
        copy_documents(embedded, writer)
        latest = writer.publish()
    with open_reader(location) as reader:
        assert reader.generation == latest
        assert reader.chunk_count == embedded.chunk_count


def test_build_index_writes_through_the_factory_into_milvus(
    hash_encoder,
    corpus_dir: Path,
    new_location: Callable[[], Location],  # type: ignore[no-untyped-def]
) -> None:
    """Mechanics (the factory, the writer, the publish; a BM25 search): the hash encoder."""
    location = new_location()
    report = build_index(
        [corpus_dir / "pakistan-belarus-foreign-ministers-meeting.txt"],
        location,
        embedder=hash_encoder,
    )
    assert report.published and not report.skipped
    with open_reader(location) as reader:
        assert isinstance(reader, MilvusReader)
        hits = reader.bm25_search("Pakistan Belarus foreign ministers", 3)
        assert hits and hits[0].chunk_id.startswith("pakistan-belarus-foreign-ministers-meeting")
    with open_writer(location, model=reader.model) as writer:
        assert isinstance(writer, MilvusWriter)
        assert [d.meta.doc_id for d in writer.documents()] == [
            "pakistan-belarus-foreign-ministers-meeting"
        ]


def test_milvus_older_than_2_5_is_refused() -> None:
    with pytest.raises(passage_collection.MilvusTooOld, match="2.5 or newer"):
        passage_collection.require_version("v2.4.13", "http://127.0.0.1:19530")
    passage_collection.require_version("v2.5.1", "http://127.0.0.1:19530")
    passage_collection.require_version("2.6.0", "http://127.0.0.1:19530")


def test_an_approximate_vector_index_is_selectable(
    embedded: EmbeddedStore, new_location: Callable[[], Location]
) -> None:
    # HNSW where the server has it, IVF_FLAT on milvus-lite; at this size both find the same top 10.
    location = new_location()
    docs = ["pakistan-belarus-relations-akram-2021", "belarus-asia-africa-latin-america-2021"]
    options = StoreOptions(vector_index="hnsw")
    with open_writer(location, model=model_of(embedded), options=options) as writer:
        copy_documents(embedded, writer, docs)
        writer.publish()
    with open_reader(location) as reader:
        client = passage_collection.connect(location.milvus_uri or "")
        collection = passage_collection.collection_name(location.name, reader.generation)
        kind = client.describe_index(collection, "dense")["index_type"]
        client.close()
        assert kind in ("HNSW", "IVF_FLAT")
        chunk = embedded.chunks_of(docs[0])[3]
        [vector] = embedded.get_cached_embeddings([text_hash(chunk.text)]).values()
        hits = reader.vector_search(vector, 10)
        assert hits[0].chunk_id == chunk.chunk_id
        expected = embedded.vector_search(vector, 10, doc_ids=docs)
        assert [h.chunk_id for h in hits] == [h.chunk_id for h in expected]
