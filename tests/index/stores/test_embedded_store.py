"""The embedded store keeps what it is given, finds it both ways, and refuses a wrong index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from index.models.embedder import Embedder
from index.models.passage_vectors import text_hash
from index.stores.base import IndexMismatch, IndexMissing, ModelInfo, PreparedDocument
from index.stores.embedded.manifest import MANIFEST_FILE
from index.stores.embedded.search_state import BM25_DIR, VECTORS_FILE
from index.stores.embedded.sqlite_rows import chunk_text_hash
from index.stores.embedded.store import EmbeddedStore
from index.stores.options import StoreOptions

CORPUS = Path(__file__).resolve().parents[3] / "corpus"
DOCS = (
    "belarus-asia-africa-latin-america-2021",
    "belarus-new-export-markets",
    "pakistan-belarus-foreign-ministers-meeting",
    "pakistan-belarus-relations-akram-2021",
)


@pytest.fixture(scope="module")
def embedder(model_embedder: Embedder) -> Embedder:
    """The session's e5 (this store holds its vectors alone)."""
    return model_embedder.without_second()


@pytest.fixture(scope="module")
def prepared(model_corpus_index: Path) -> dict[str, PreparedDocument]:
    """Four corpus documents as ``build_index`` prepared them with e5 (parsed, chunked, their
    chunks' and sentences' vectors), read back from the session's corpus index: what a store is
    given, without embedding the same texts a second time."""
    out = {}
    with EmbeddedStore.open(model_corpus_index) as corpus:
        for doc_id in DOCS:
            doc = corpus.document_text(doc_id)
            assert doc is not None
            chunks = corpus.chunks_of(doc_id)
            ids = [c.chunk_id for c in chunks]
            sentences = corpus.sentences(ids)
            vectors = corpus.chunk_vectors(ids)
            out[doc_id] = PreparedDocument(doc, chunks, vectors, [sentences[i] for i in ids])
    return out


def model_of(embedder: Embedder) -> ModelInfo:
    return ModelInfo(embedder.model_name, embedder.weights_hash, embedder.dimension)


def make_store(
    directory: Path,
    embedder: Embedder,
    prepared: dict[str, PreparedDocument],
    vector_index: Literal["auto", "flat", "hnsw"] = "auto",
) -> EmbeddedStore:
    options = StoreOptions(vector_index=vector_index)
    store = EmbeddedStore.create(directory, model=model_of(embedder), options=options)
    for p in prepared.values():
        store.add_document(p)
    store.commit()
    return store


def open_store(directory: Path, embedder: Embedder) -> EmbeddedStore:
    return EmbeddedStore.open(
        directory,
        expect_model=embedder.model_name,
        expect_dim=embedder.dimension,
        expect_weights_hash=embedder.weights_hash,
    )


@pytest.fixture(scope="module")
def store_dir(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
    prepared: dict[str, PreparedDocument],
) -> Path:
    directory = tmp_path_factory.mktemp("store") / "index"
    make_store(directory, embedder, prepared).close()
    return directory


def test_round_trip_keeps_documents_chunks_and_footnotes(
    store_dir: Path, embedder: Embedder, prepared: dict[str, PreparedDocument]
) -> None:
    with open_store(store_dir, embedder) as store:
        assert store.chunk_count == sum(len(p.chunks) for p in prepared.values())
        infos = {info.meta.doc_id: info for info in store.documents()}
        assert sorted(infos) == sorted(DOCS)
        for doc_id, p in prepared.items():
            assert infos[doc_id].meta == p.doc.meta
            assert infos[doc_id].chunks == len(p.chunks)
            assert infos[doc_id].footnotes == len(p.doc.footnotes)
            assert infos[doc_id].notes_found == sum(f.note is not None for f in p.doc.footnotes)
            assert store.document_text(doc_id) == p.doc
            assert store.footnotes(doc_id) == sorted(p.doc.footnotes, key=lambda f: f.n)
        # A document with footnotes whose notes were found: the citations come back too.
        export = prepared["belarus-new-export-markets"]
        assert infos["belarus-new-export-markets"].notes_found > 50
        cited = [c for c in export.chunks if c.citations]
        assert store.get_chunks([c.chunk_id for c in cited]) == cited
        assert store.document_text("no-such-doc") is None


def test_sentences_come_back_with_their_vectors(
    store_dir: Path, embedder: Embedder, prepared: dict[str, PreparedDocument]
) -> None:
    chunks = prepared["belarus-new-export-markets"].chunks[:6]
    with open_store(store_dir, embedder) as store:
        found = store.sentences([c.chunk_id for c in chunks] + ["nope#1"])
    assert sorted(found) == sorted(c.chunk_id for c in chunks)
    for chunk in chunks:
        sentences = found[chunk.chunk_id]
        assert len(sentences.spans) == len(sentences.terms) == len(sentences.vectors) >= 1
        assert sentences.vectors.dtype == np.float16
        texts = [chunk.text[a:b] for a, b in sentences.spans]
        # Sentences cover the passage in order, and their stored vectors are the model's
        # (float16 moves a cosine by well under 1e-3).
        assert all(t.strip() for t in texts)
        assert [a for a, _ in sentences.spans] == sorted(a for a, _ in sentences.spans)
        fresh = embedder.encode(texts)
        cosines = np.sum(fresh * sentences.vectors.astype(np.float32), axis=1)
        assert cosines.min() > 0.999


def test_get_chunks_keeps_the_order_asked_and_drops_unknown_ids(
    store_dir: Path, embedder: Embedder, prepared: dict[str, PreparedDocument]
) -> None:
    chunks = prepared["pakistan-belarus-relations-akram-2021"].chunks
    asked = [chunks[3].chunk_id, "nope#1", chunks[0].chunk_id, chunks[3].chunk_id]
    with open_store(store_dir, embedder) as store:
        assert store.get_chunks(asked) == [chunks[3], chunks[0], chunks[3]]


def test_both_searches_find_the_passage(store_dir: Path, embedder: Embedder) -> None:
    with open_store(store_dir, embedder) as store:
        hits = store.bm25_search("foreign ministers pledge bilateral ties", 5)
        assert hits[0].chunk_id.startswith("pakistan-belarus-foreign-ministers-meeting")
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        query = embedder.encode_query("When did Pakistan first recognise Belarus as a country?")
        hits = store.vector_search(query, 5)
        top3 = store.get_chunks([h.chunk_id for h in hits[:3]])
        assert any("Pakistan recognized the Republic of Belarus" in c.text for c in top3)
        assert all(-1.0 <= h.score <= 1.0 for h in hits)
        assert store.bm25_search("zzzzqqq", 5) == []
        assert store.bm25_search("the of and", 5) == []  # only stop words


def test_filtered_search_is_exact_within_the_documents(
    store_dir: Path, embedder: Embedder, prepared: dict[str, PreparedDocument]
) -> None:
    wanted = ["pakistan-belarus-relations-akram-2021", "belarus-asia-africa-latin-america-2021"]
    with open_store(store_dir, embedder) as store:
        # BM25: the filtered top-k is the unfiltered ranking with other documents struck out.
        everything = store.bm25_search("trade cooperation with Pakistan", store.chunk_count)
        expected = [h for h in everything if h.chunk_id.split("#")[0] in wanted][:5]
        got = store.bm25_search("trade cooperation with Pakistan", 5, doc_ids=wanted)
        assert [h.chunk_id for h in got] == [h.chunk_id for h in expected]
        # Vectors: the filtered top-k is the exact ranking by inner product within the documents.
        query = embedder.encode_query("agricultural machinery supplies")
        pool = [
            (c.chunk_id, float(v @ query))
            for d in wanted
            for c, v in zip(prepared[d].chunks, prepared[d].vectors, strict=True)
        ]
        pool.sort(key=lambda x: -x[1])
        got = store.vector_search(query, 5, doc_ids=wanted)
        assert [h.chunk_id for h in got] == [c for c, _ in pool[:5]]
        np.testing.assert_allclose([h.score for h in got], [s for _, s in pool[:5]], atol=1e-5)
        assert store.vector_search(query, 5, doc_ids=["unknown"]) == []
        assert store.bm25_search("Pakistan", 5, doc_ids=[]) == []


def test_hnsw_option_finds_what_flat_finds(
    tmp_path: Path, store_dir: Path, embedder: Embedder, prepared: dict[str, PreparedDocument]
) -> None:
    make_store(tmp_path / "hnsw", embedder, prepared, vector_index="hnsw").close()
    queries = ["potash fertiliser exports", "visit of the foreign minister", "students in Minsk"]
    with open_store(tmp_path / "hnsw", embedder) as hnsw, open_store(store_dir, embedder) as flat:
        assert hnsw.manifest is not None and hnsw.manifest["vector_index"] == "hnsw"
        for text in queries:
            query = embedder.encode_query(text)
            assert [h.chunk_id for h in hnsw.vector_search(query, 5)] == [
                h.chunk_id for h in flat.vector_search(query, 5)
            ]
            only = ["belarus-new-export-markets"]
            assert [h.chunk_id for h in hnsw.vector_search(query, 5, only)] == [
                h.chunk_id for h in flat.vector_search(query, 5, only)
            ]


def test_remove_document_then_reopen(
    tmp_path: Path, embedder: Embedder, prepared: dict[str, PreparedDocument]
) -> None:
    directory = tmp_path / "index"
    store = make_store(directory, embedder, prepared)
    gone = prepared["pakistan-belarus-foreign-ministers-meeting"]
    hashes = [chunk_text_hash(c.text) for c in gone.chunks]
    sentence_hashes = [
        text_hash(c.text[a:b])
        for c in gone.chunks
        for a, b in store.sentences([c.chunk_id])[c.chunk_id].spans
    ]
    assert len(store.get_cached_embeddings(hashes)) == len(set(hashes))
    assert len(store.get_cached_embeddings(sentence_hashes)) == len(set(sentence_hashes))
    store.remove_document(gone.doc.meta.doc_id)
    # A writable store searches its current contents before any commit.
    assert all(
        not h.chunk_id.startswith(gone.doc.meta.doc_id)
        for h in store.bm25_search("foreign ministers pledge bilateral ties", 50)
    )
    store.commit()
    store.close()
    with open_store(directory, embedder) as reopened:
        assert gone.doc.meta.doc_id not in {i.meta.doc_id for i in reopened.documents()}
        assert reopened.get_chunks([c.chunk_id for c in gone.chunks]) == []
        assert reopened.footnotes(gone.doc.meta.doc_id) == []
        assert reopened.get_cached_embeddings(hashes) == {}  # dropped with the document
        assert reopened.get_cached_embeddings(sentence_hashes) == {}
        assert reopened.sentences([c.chunk_id for c in gone.chunks]) == {}
        assert reopened.chunk_count == sum(len(p.chunks) for p in prepared.values()) - len(
            gone.chunks
        )
        with pytest.raises(PermissionError):
            reopened.remove_document("belarus-new-export-markets")


def test_vectors_must_fit_the_model(
    tmp_path: Path, embedder: Embedder, prepared: dict[str, PreparedDocument]
) -> None:
    store = EmbeddedStore.create(tmp_path / "index", model=model_of(embedder))
    p = prepared["pakistan-belarus-foreign-ministers-meeting"]
    with pytest.raises(ValueError, match="unit-length"):
        store.add_document(PreparedDocument(p.doc, p.chunks, p.vectors * 2))
    with pytest.raises(ValueError, match="shape"):
        store.add_document(PreparedDocument(p.doc, p.chunks, p.vectors[:, :100]))


def copy_store(store_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(store_dir, target)
    return target


def edit_manifest(directory: Path, **changes: object) -> None:
    path = directory / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_open_refuses_another_model(store_dir: Path, embedder: Embedder) -> None:
    for kwargs, words in (
        ({"expect_model": "sentence-transformers/all-mpnet-base-v2"}, "all-mpnet-base-v2"),
        ({"expect_dim": 768}, "dimension 384, expected 768"),
        ({"expect_weights_hash": "0" * 64}, "model weights"),
    ):
        with pytest.raises(IndexMismatch, match=words) as refused:
            EmbeddedStore.open(store_dir, **kwargs)
        assert "citesearch index --rebuild" in str(refused.value)


def test_open_refuses_other_versions(store_dir: Path, tmp_path: Path, embedder: Embedder) -> None:
    directory = copy_store(store_dir, tmp_path)
    edit_manifest(directory, format_version=0)
    with pytest.raises(IndexMismatch, match="format version 0.*--rebuild"):
        open_store(directory, embedder)
    edit_manifest(directory, format_version=1, libraries={"faiss": "1.7.0", "bm25s": "0.1.0"})
    with pytest.raises(IndexMismatch, match="faiss 1.7.0, installed"):
        open_store(directory, embedder)


def test_open_refuses_damaged_or_missing_files(
    store_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    directory = copy_store(store_dir, tmp_path)
    with (directory / VECTORS_FILE).open("r+b") as f:
        f.seek(200)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(IndexMismatch, match="vectors.faiss.*damaged.*--rebuild"):
        open_store(directory, embedder)

    shutil.rmtree(directory)
    directory = copy_store(store_dir, tmp_path)
    next(p for p in (directory / BM25_DIR).iterdir() if p.suffix == ".npy").unlink()
    with pytest.raises(IndexMismatch, match="missing bm25/"):
        open_store(directory, embedder)

    (directory / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(IndexMismatch, match="unreadable"):
        open_store(directory, embedder)

    (directory / MANIFEST_FILE).unlink()
    with pytest.raises(IndexMismatch, match="never completed"):
        open_store(directory, embedder)

    with pytest.raises(IndexMissing, match="no index"):
        open_store(tmp_path / "nothing-here", embedder)
