"""The storage contract (``index.stores.base``), run against every backend the factory knows.

Each test gets a fresh, empty location of one backend (``store_location``) and real documents of
the corpus, chunked and embedded once with MiniLM (the model does not matter here, only that the
vectors are real). A backend joins the suite with one entry in ``LOCATIONS``: a function that
yields a fresh ``StoreLocation`` and cleans up after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from index.ingest.metadata import load_manifest
from index.models.embedder import Embedder
from index.models.passage_vectors import embed_chunks, text_hash
from index.parse import parse_file
from index.records import Chunk, Citation
from index.stores.base import (
    FileFingerprint,
    IndexLocked,
    IndexMismatch,
    IndexMissing,
    ModelInfo,
    PreparedDocument,
    StoreReader,
    StoreWriter,
)
from index.stores.factory import Location, open_reader, open_writer, recorded_model
from index.text.chunk import chunk_document
from index.text.entities import tag_chunks
from index.text.entity_names import query_key
from index.text.tokenize import tokenize

CORPUS = Path(__file__).resolve().parents[3] / "corpus"
MEETING = "pakistan-belarus-foreign-ministers-meeting"
AKRAM = "pakistan-belarus-relations-akram-2021"
MARKETS = "belarus-asia-africa-latin-america-2021"
DOCS = (MARKETS, MEETING, AKRAM)  # the three smallest documents of the corpus
# A passage only the meeting report holds (its subtitle), asked in the words of a reader.
MEETING_QUERY = "Kushnarenko demand for Belarusian agricultural machinery in Pakistan"


@dataclass
class StoreLocation:
    """A fresh location of one backend, and the model every store there holds vectors of."""

    backend: str
    location: Location
    model: ModelInfo

    def writer(self, *, fresh: bool = False) -> StoreWriter:
        return open_writer(self.location, model=self.model, fresh=fresh)

    def reader(self) -> StoreReader:
        return open_reader(self.location, model=self.model)


def _embedded(
    request: pytest.FixtureRequest, tmp_path: Path, model: ModelInfo
) -> Iterator[StoreLocation]:
    yield StoreLocation("embedded", Location(tmp_path / "index"), model)


def _milvus(
    request: pytest.FixtureRequest, tmp_path: Path, model: ModelInfo
) -> Iterator[StoreLocation]:
    """A new index name on the session's Milvus and PostgreSQL (tests/index/conftest.py);
    its schema and collections are dropped afterwards."""
    from milvus_support import drop_index  # pymilvus and psycopg: only when this backend runs

    milvus = request.getfixturevalue("milvus_server")
    postgres = request.getfixturevalue("postgres_server")
    location = Location(tmp_path / tmp_path.name, milvus.uri, postgres.url)
    yield StoreLocation("milvus", location, model)
    drop_index(milvus.uri, postgres.url, location.name)


LocationMaker = Callable[[pytest.FixtureRequest, Path, ModelInfo], Iterator[StoreLocation]]
LOCATIONS: dict[str, LocationMaker] = {"embedded": _embedded, "milvus": _milvus}


@pytest.fixture(scope="module")
def minilm(model_embedder: Embedder) -> Embedder:
    """The session's MiniLM (``Embedder()``'s second model is ``Embedder(model="minilm")``)."""
    assert model_embedder.second is not None
    return model_embedder.second


@pytest.fixture(scope="module")
def prepared(minilm: Embedder) -> dict[str, PreparedDocument]:
    metas = load_manifest(CORPUS)
    out = {}
    for doc_id in DOCS:
        path = CORPUS / f"{doc_id}.txt"
        doc = parse_file(path, metas.get(doc_id))
        chunks = chunk_document(doc, minilm.count_tokens, minilm.passage_tokens)
        tag_chunks(chunks)
        embedded = embed_chunks(chunks, minilm)
        source = FileFingerprint(
            str(path), text_hash(path.read_text(encoding="utf-8")), path.stat().st_size
        )
        out[doc_id] = PreparedDocument(doc, chunks, embedded.vectors, embedded.sentences, source)
    return out


@pytest.fixture(params=sorted(LOCATIONS))
def store_location(
    request: pytest.FixtureRequest, tmp_path: Path, minilm: Embedder
) -> Iterator[StoreLocation]:
    """A fresh, empty location of each backend in turn."""
    yield from LOCATIONS[request.param](request, tmp_path, ModelInfo.of(minilm))


def _publish_all(where: StoreLocation, prepared: dict[str, PreparedDocument]) -> str:
    with where.writer() as writer:
        for p in prepared.values():
            writer.add_document(p)
        return writer.publish()


def _doc_of(reader: StoreReader, chunk_ids: list[str]) -> list[str]:
    return [c.doc_id for c in reader.get_chunks(chunk_ids)]


def test_an_empty_location_has_no_index_and_an_empty_writer(
    store_location: StoreLocation,
) -> None:
    with pytest.raises(IndexMissing, match="citesearch index"):
        store_location.reader()
    assert recorded_model(store_location.location) is None
    with store_location.writer() as writer:
        assert writer.documents() == []
        assert writer.sources() == {}
        assert writer.chunk_count == 0
        assert writer.get_cached_embeddings([text_hash("anything")]) == {}


def test_published_documents_read_back_as_stored(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument]
) -> None:
    _publish_all(store_location, prepared)
    assert recorded_model(store_location.location) == store_location.model
    with store_location.reader() as reader:
        assert reader.model == store_location.model
        assert reader.chunk_count == sum(len(p.chunks) for p in prepared.values())
        assert [d.meta.doc_id for d in reader.documents()] == sorted(DOCS)
        for doc_id, p in prepared.items():
            info = reader.document_info(doc_id)
            assert info is not None
            assert info.meta == p.doc.meta
            assert (info.chunks, info.pages) == (len(p.chunks), len(p.doc.pages))
            assert info.footnotes == len(p.doc.footnotes)
            assert reader.document_text(doc_id) == p.doc
            assert reader.footnotes(doc_id) == sorted(p.doc.footnotes, key=lambda f: f.n)
            assert reader.chunks_of(doc_id) == p.chunks
        meeting = prepared[MEETING].chunks
        asked = [meeting[-1].chunk_id, "no-such-chunk", meeting[0].chunk_id]
        assert reader.get_chunks(asked) == [meeting[-1], meeting[0]]
        stored = reader.sentences([meeting[0].chunk_id, "no-such-chunk"])
        assert list(stored) == [meeting[0].chunk_id]
        expected = prepared[MEETING].sentences[0]
        assert stored[meeting[0].chunk_id].spans == expected.spans
        assert stored[meeting[0].chunk_id].terms == expected.terms
        # Sentence vectors are kept at float16 precision at least.
        np.testing.assert_allclose(stored[meeting[0].chunk_id].vectors, expected.vectors, atol=1e-3)


def test_both_searches_find_a_known_passage_and_filter_by_document(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument], minilm: Embedder
) -> None:
    _publish_all(store_location, prepared)
    vector = minilm.encode_query(MEETING_QUERY)
    with store_location.reader() as reader:
        bm25 = reader.bm25_search(MEETING_QUERY, 5)
        assert _doc_of(reader, [bm25[0].chunk_id]) == [MEETING]
        assert [s.score for s in bm25] == sorted((s.score for s in bm25), reverse=True)
        assert reader.bm25_search(tokenize(MEETING_QUERY), 5) == bm25  # planned terms
        dense = reader.vector_search(vector, 5)
        assert _doc_of(reader, [dense[0].chunk_id]) == [MEETING]
        assert [s.score for s in dense] == sorted((s.score for s in dense), reverse=True)

        others = [AKRAM, MARKETS]
        for hits in (
            reader.bm25_search(MEETING_QUERY, 5, doc_ids=others),
            reader.vector_search(vector, 5, doc_ids=others),
        ):
            assert hits and set(_doc_of(reader, [h.chunk_id for h in hits])) <= set(others)
        assert reader.bm25_search(MEETING_QUERY, 5, doc_ids=["no-such-doc"]) == []
        assert reader.vector_search(vector, 5, doc_ids=["no-such-doc"]) == []
        assert reader.bm25_search(MEETING_QUERY, 5, doc_ids=[MEETING, "no-such-doc"])[0] == bm25[0]
        with pytest.raises(ValueError, match="values"):
            reader.vector_search(np.ones(7, dtype=np.float32), 5)

        [term] = tokenize("Kushnarenko")
        assert reader.vocabulary()[term] == reader.term_counts([term])[term] >= 1
        assert reader.term_counts(["zzzunknownzzz"]) == {"zzzunknownzzz": 0}


def test_unknown_ids_are_absent_not_errors(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument]
) -> None:
    _publish_all(store_location, prepared)
    with store_location.reader() as reader:
        assert reader.document_info("no-such-doc") is None
        assert reader.document_text("no-such-doc") is None
        assert reader.chunks_of("no-such-doc") == []
        assert reader.footnotes("no-such-doc") == []
        assert reader.get_chunks(["no-such-chunk"]) == []
        assert reader.sentences(["no-such-chunk"]) == {}
    with store_location.writer() as writer:
        writer.remove_document("no-such-doc")
        assert len(writer.documents()) == len(DOCS)


def test_a_reader_keeps_its_generation_until_reopened(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument]
) -> None:
    first = _publish_all(store_location, prepared)
    with store_location.reader() as before:
        assert before.generation == first
        with store_location.writer() as writer:
            writer.remove_document(MEETING)
            # Not published yet: a reader opened now still reads the first generation.
            with store_location.reader() as meanwhile:
                assert meanwhile.generation == first
                assert meanwhile.document_info(MEETING) is not None
            second = writer.publish()
        assert second != first
        # The reader opened before the publication reads the old generation, all of it.
        assert before.generation == first
        assert before.document_info(MEETING) is not None
        assert before.document_text(MEETING) == prepared[MEETING].doc
        hits = before.bm25_search(MEETING_QUERY, 3)
        assert _doc_of(before, [hits[0].chunk_id]) == [MEETING]
        with store_location.reader() as after:
            assert after.generation == second
            assert after.document_info(MEETING) is None
            assert [d.meta.doc_id for d in after.documents()] == sorted([AKRAM, MARKETS])


def test_removing_a_document_leaves_the_others_intact(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument], minilm: Embedder
) -> None:
    _publish_all(store_location, prepared)
    with store_location.writer() as writer:
        writer.remove_document(MEETING)
        assert writer.chunk_count == len(prepared[AKRAM].chunks) + len(prepared[MARKETS].chunks)
        writer.publish()
    with store_location.reader() as reader:
        assert reader.chunk_count == len(prepared[AKRAM].chunks) + len(prepared[MARKETS].chunks)
        for doc_id in (AKRAM, MARKETS):
            assert reader.document_text(doc_id) == prepared[doc_id].doc
            assert reader.chunks_of(doc_id) == prepared[doc_id].chunks
        gone = {c.chunk_id for c in prepared[MEETING].chunks}
        assert reader.get_chunks(sorted(gone)) == []
        assert reader.sentences(sorted(gone)) == {}
        vector = minilm.encode_query(MEETING_QUERY)
        for hits in (reader.bm25_search(MEETING_QUERY, 50), reader.vector_search(vector, 50)):
            assert hits and not gone & {h.chunk_id for h in hits}
        # Another document's own passage is still found first.
        question = "Belarus emerged as a sovereign state after the disintegration of the USSR"
        top = reader.bm25_search(question, 1) + reader.vector_search(
            minilm.encode_query(question), 1
        )
        assert _doc_of(reader, [h.chunk_id for h in top]) == [AKRAM, AKRAM]


def test_an_update_on_top_of_a_generation_knows_its_sources_and_vectors(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument]
) -> None:
    _publish_all(store_location, prepared)
    akram = prepared[AKRAM]
    with store_location.writer() as writer:
        assert writer.sources() == {d: p.source for d, p in prepared.items()}
        assert [d.meta.doc_id for d in writer.documents()] == sorted(DOCS)
        hashes = [text_hash(c.text) for c in akram.chunks]
        cached = writer.get_cached_embeddings([*hashes, text_hash("never embedded")])
        assert set(cached) == set(hashes)
        for h, vector in zip(hashes, akram.vectors, strict=True):
            np.testing.assert_allclose(cached[h], vector, atol=1e-6)
        # The new version of a document replaces the old one, whatever it held.
        shorter = akram.chunks[:2]
        writer.add_document(
            PreparedDocument(akram.doc, shorter, akram.vectors[:2], source=akram.source)
        )
        assert writer.chunk_count == sum(len(p.chunks) for p in prepared.values()) - (
            len(akram.chunks) - 2
        )
        writer.publish()
    with store_location.reader() as reader:
        assert reader.chunks_of(AKRAM) == shorter
        assert reader.sentences([c.chunk_id for c in shorter]) == {}


def test_an_update_not_published_changes_nothing(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument]
) -> None:
    first = _publish_all(store_location, prepared)
    with store_location.writer() as writer:
        writer.remove_document(MEETING)
        writer.remove_document(AKRAM)
        writer.commit()  # complete where it is staged, still not published
    with store_location.reader() as reader:
        assert reader.generation == first
        assert [d.meta.doc_id for d in reader.documents()] == sorted(DOCS)
    with pytest.raises(RuntimeError, match="boom"), store_location.writer() as writer:
        writer.remove_document(MEETING)
        raise RuntimeError("boom")
    with store_location.reader() as reader:
        assert reader.generation == first
        assert reader.document_info(MEETING) is not None


def test_bad_vectors_are_refused_and_leave_the_update_unchanged(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument]
) -> None:
    meeting = prepared[MEETING]
    with store_location.writer() as writer:
        with pytest.raises(ValueError, match="shape"):
            writer.add_document(PreparedDocument(meeting.doc, meeting.chunks, meeting.vectors[:1]))
        with pytest.raises(ValueError, match="unit-length"):
            writer.add_document(PreparedDocument(meeting.doc, meeting.chunks, meeting.vectors * 2))
        assert writer.documents() == [] and writer.chunk_count == 0


def test_one_writer_at_a_time(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument]
) -> None:
    with store_location.writer(), pytest.raises(IndexLocked):
        store_location.writer()
    with store_location.writer() as writer:  # the lock went with the first writer
        writer.add_document(prepared[MEETING])
        writer.publish()
    with store_location.writer() as writer:
        assert [d.meta.doc_id for d in writer.documents()] == [MEETING]
    with store_location.writer(fresh=True) as writer:  # a rebuild starts from empty
        assert writer.documents() == []


@pytest.fixture(scope="module")
def e5_alone(model_embedder: Embedder) -> Embedder:
    """The session's e5 without its second model."""
    return model_embedder.without_second()


@pytest.fixture(scope="module")
def e5_vectors(prepared: dict[str, PreparedDocument], e5_alone: Embedder) -> dict[str, np.ndarray]:
    """e5's vectors of the prepared chunks, embedded once for every backend."""
    return {d: e5_alone.encode([c.text for c in p.chunks]) for d, p in prepared.items()}


def test_a_second_models_vectors_are_required_stored_and_searched(
    store_location: StoreLocation,
    prepared: dict[str, PreparedDocument],
    minilm: Embedder,
    e5_alone: Embedder,
    e5_vectors: dict[str, np.ndarray],
) -> None:
    first, second = store_location.model, ModelInfo.of(e5_alone)
    both = ModelInfo(first.name, first.weights_hash, first.dimension, second)
    where = StoreLocation(store_location.backend, store_location.location, both)
    seconds = e5_vectors
    meeting = prepared[MEETING]
    with where.writer() as writer:
        with pytest.raises(ValueError, match="second model"):
            writer.add_document(meeting)  # without the second model's vectors
        with pytest.raises(ValueError, match="shape"):
            writer.add_document(
                PreparedDocument(
                    meeting.doc,
                    meeting.chunks,
                    meeting.vectors,
                    second_vectors=seconds[MEETING][:1],
                )
            )
        assert writer.chunk_count == 0
        for doc_id, p in prepared.items():
            writer.add_document(
                PreparedDocument(
                    p.doc,
                    p.chunks,
                    p.vectors,
                    sentences=p.sentences,
                    second_vectors=seconds[doc_id],
                )
            )
        hashes = [text_hash(c.text) for c in meeting.chunks]
        cached = writer.get_cached_embeddings(hashes, second=True)
        for h, vector in zip(hashes, seconds[MEETING], strict=True):
            np.testing.assert_allclose(cached[h], vector, atol=1e-6)
        writer.publish()
    assert recorded_model(where.location) == both
    with where.reader() as reader:
        assert reader.model == both
        query = e5_alone.encode_query(MEETING_QUERY)
        hits = reader.second_vector_search(query, 5)
        assert _doc_of(reader, [hits[0].chunk_id]) == [MEETING]
        assert [s.score for s in hits] == sorted((s.score for s in hits), reverse=True)
        # The first model's list is its own: the same chunks, ranked by the other vectors.
        assert reader.vector_search(minilm.encode_query(MEETING_QUERY), 5) != hits
        others = reader.second_vector_search(query, 5, doc_ids=[AKRAM])
        assert others and set(_doc_of(reader, [h.chunk_id for h in others])) == {AKRAM}
        # Each model's stored vectors read back by chunk id, in the order asked (feedback).
        ids = [c.chunk_id for c in meeting.chunks]
        asked = [ids[-1], "no-such-chunk", ids[0]]
        last = len(ids) - 1
        np.testing.assert_allclose(
            reader.chunk_vectors(asked), meeting.vectors[[last, 0]], atol=1e-6
        )
        np.testing.assert_allclose(
            reader.chunk_vectors(asked, second=True), seconds[MEETING][[last, 0]], atol=1e-6
        )
        assert reader.chunk_vectors([]).shape == (0, first.dimension)
    # An update on top keeps the second model's vectors of the documents it leaves alone.
    with where.writer() as writer:
        writer.remove_document(MEETING)
        writer.publish()
    with where.reader() as reader:
        hits = reader.second_vector_search(e5_alone.encode_query(MEETING_QUERY), 50)
        assert len(hits) == len(prepared[AKRAM].chunks) + len(prepared[MARKETS].chunks)
        assert set(_doc_of(reader, [h.chunk_id for h in hits])) == {AKRAM, MARKETS}
    # An update on top needs the same second model; a fresh one may drop it.
    with pytest.raises(IndexMismatch, match="second model|vectors of"):
        store_location.writer()
    with store_location.writer(fresh=True) as writer:
        writer.add_document(meeting)
        writer.publish()
    with store_location.reader() as reader:
        assert reader.model.second is None
        with pytest.raises(ValueError, match="second model"):
            reader.second_vector_search(query, 5)
        with pytest.raises(ValueError, match="second model"):
            reader.chunk_vectors([meeting.chunks[0].chunk_id], second=True)
    with store_location.writer() as writer, pytest.raises(ValueError, match="second model"):
        writer.add_document(
            PreparedDocument(
                meeting.doc, meeting.chunks, meeting.vectors, second_vectors=seconds[MEETING]
            )
        )


# ---- notes: searched, and filtered on by what they cite -------------------------------------

EXPORTS = "belarus-new-export-markets"  # 109 notes, most of them BelTA's, 2 by E. Pivovar


@pytest.fixture(scope="module")
def exports(minilm: Embedder) -> PreparedDocument:
    """A corpus report with notes, cut to its passages that cite Pivovar and its first twenty
    (embedding all of it would only slow the suite)."""
    path = CORPUS / f"{EXPORTS}.txt"
    doc = parse_file(path, load_manifest(CORPUS).get(EXPORTS))
    chunks = chunk_document(doc, minilm.count_tokens, minilm.passage_tokens)
    kept = [
        c
        for i, c in enumerate(chunks)
        if i < 20 or any("Pivovar" in (n.note or "") for n in c.citations)
    ]
    embedded = embed_chunks(kept, minilm)
    return PreparedDocument(doc, kept, embedded.vectors, embedded.sentences)


def _citing(chunks: list[Chunk], test: Callable[[Citation], bool]) -> set[str]:
    return {c.chunk_id for c in chunks if any(test(n) for n in c.citations)}


def _belta(note: Citation) -> bool:
    return any("belta.by" in url for url in note.urls)


def _pivovar(note: Citation) -> bool:
    return "pivovar" in (note.note or "").lower()


def test_notes_are_searched_and_filter_by_what_they_cite(
    store_location: StoreLocation,
    prepared: dict[str, PreparedDocument],
    exports: PreparedDocument,
    minilm: Embedder,
) -> None:
    with store_location.writer() as writer:
        writer.add_document(prepared[MEETING])
        writer.add_document(exports)
        writer.publish()
    chunks = exports.chunks
    pivovar, belta = _citing(chunks, _pivovar), _citing(chunks, _belta)
    assert pivovar and belta and len(belta) < len(chunks)  # the test can tell them apart
    with store_location.reader() as reader:
        # The author is named in notes only: the passages do not say it, their notes do.
        assert reader.bm25_search("Pivovar", 50) == []
        found = reader.note_search("Pivovar", 50)
        assert {h.chunk_id for h in found} == pivovar
        assert [h.score for h in found] == sorted((h.score for h in found), reverse=True)
        assert reader.note_search(tokenize("Pivovar"), 50) == found  # planned terms
        assert reader.note_search("Pivovar", 50, doc_ids=[MEETING]) == []
        [term] = tokenize("Pivovar")
        vocabulary = reader.note_vocabulary()
        assert vocabulary[term] == len(pivovar) and vocabulary["belta.by"] == len(belta)
        assert "zzzunknownzzz" not in vocabulary and all(n > 0 for n in vocabulary.values())
        assert "www.belta.by" not in vocabulary  # www. is no part of a domain key

        # cites: narrows every search to the passages whose notes hold every key.
        vector = minilm.encode_query("Belarusian exports grew")
        everything = len(chunks) + len(prepared[MEETING].chunks)
        for search in (
            lambda **f: reader.bm25_search("exports Belarus", everything, **f),
            lambda **f: reader.vector_search(vector, everything, **f),
            lambda **f: reader.note_search("Belarus", everything, **f),
        ):
            unfiltered = search()
            narrowed = search(cites=["belta.by"])
            assert narrowed and {h.chunk_id for h in narrowed} <= belta
            # The filter is exact: the same passages, in the same order, as filtering after.
            assert [h.chunk_id for h in narrowed] == [
                h.chunk_id for h in unfiltered if h.chunk_id in belta
            ]
            both = search(cites=["belta.by", term])
            assert {h.chunk_id for h in both} <= belta & pivovar
            assert search(cites=["belta.bz"]) == []
            assert search(cites=["belta.by"], doc_ids=[MEETING]) == []
        assert {h.chunk_id for h in reader.vector_search(vector, everything, cites=[])} == {
            c.chunk_id for c in chunks
        } | {c.chunk_id for c in prepared[MEETING].chunks}  # no key: no filter

    # Notes go with their document, as everything else does.
    with store_location.writer() as writer:
        writer.remove_document(EXPORTS)
        writer.publish()
    with store_location.reader() as reader:
        assert reader.note_search("Pivovar", 50) == []
        assert "belta.by" not in reader.note_vocabulary()
        assert reader.vector_search(vector, 50, cites=["belta.by"]) == []


def test_entities_are_stored_and_filter_every_search(
    store_location: StoreLocation, prepared: dict[str, PreparedDocument], minilm: Embedder
) -> None:
    _publish_all(store_location, prepared)
    chunks = [c for p in prepared.values() for c in p.chunks]
    lukashenko = {c.chunk_id for c in chunks if "Lukashenko" in c.text}
    pakistan = {c.chunk_id for c in chunks if any(m.key == "place:PK" for m in c.entities)}
    assert lukashenko and pakistan and len(pakistan) < len(chunks)  # the test can tell
    person, place = query_key("person", "Lukashenka"), query_key("place", "Пакистан")
    assert person and place
    vector = minilm.encode_query("Belarus and Pakistan trade")
    with store_location.reader() as reader:
        stored = reader.chunk_entities([*sorted(lukashenko), "no-such-chunk"])
        assert set(stored) == lukashenko  # the mentions, read for the chunks asked
        assert all(m.key for mentions in stored.values() for m in mentions)
        everything = len(chunks)
        for search in (
            lambda **f: reader.bm25_search("Belarus Pakistan", everything, **f),
            lambda **f: reader.vector_search(vector, everything, **f),
        ):
            unfiltered = search()
            narrowed = search(cites=[place])
            # Exact: the passages mentioning Pakistan, in the order of the unfiltered search.
            assert [h.chunk_id for h in narrowed] == [
                h.chunk_id for h in unfiltered if h.chunk_id in pakistan
            ]
            assert {h.chunk_id for h in search(cites=[person])} <= lukashenko
            assert search(cites=["@person:nobodyknown"]) == []
            assert {h.chunk_id for h in search(cites=[person, place])} <= lukashenko & pakistan


def test_footnotes_keep_their_printed_label_and_kind(
    store_location: StoreLocation, exports: PreparedDocument
) -> None:
    first, *rest = exports.doc.footnotes
    doc = replace(exports.doc, footnotes=[replace(first, label="*", kind="endnote"), *rest])
    with store_location.writer() as writer:
        writer.add_document(replace(exports, doc=doc))
        writer.publish()
    with store_location.reader() as reader:
        stored = reader.footnotes(EXPORTS)
        assert (stored[0].label, stored[0].kind, stored[0].shown) == ("*", "endnote", "*")
        assert {(f.label, f.kind) for f in stored[1:]} == {("", "footnote")}
        assert reader.document_text(EXPORTS) == doc
