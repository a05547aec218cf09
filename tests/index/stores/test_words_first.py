"""A document published by its words before its vectors (``StoreWriter.words_first``): found by
its words at once, absent from the dense lists until ``index.build.write_meaning`` adds its vectors, and no
part of a search (dense lists, feedback, answers, facets) breaks on it meanwhile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.build import (
    build_index,
    embed_pending,
    pending_documents,
    prepare_files,
    write_meaning,
    write_prepared,
)
from index.stores.base import ModelInfo, WordsFirstUnsupported
from index.stores.factory import open_reader, publishes_words_first
from retrieval.search import open_searcher

WORD = "quokkaridge"
TEXT = (
    f"The {WORD} ledger records grain shipments from Minsk to Gdansk in March. "
    "Officials in Islamabad confirmed the second contract a week later."
)


@pytest.fixture(scope="module")
def words_first_index(tmp_path_factory: pytest.TempPathFactory, hash_encoder) -> Path:  # type: ignore[no-untyped-def]
    """A two-document index, then a third document published by its words alone."""
    root = tmp_path_factory.mktemp("words-first")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "alpha.txt").write_text(
        "Trade between Minsk and Islamabad grew in spring. The ministry cited new contracts.",
        encoding="utf-8",
    )
    (corpus / "beta.txt").write_text(
        "Grain prices fell after the harvest. Exporters in Gdansk waited for ships.",
        encoding="utf-8",
    )
    index = root / "index"
    build_index([corpus], index, embedder=hash_encoder)
    upload = root / "uploads" / "ledger.txt"
    upload.parent.mkdir()
    upload.write_text(TEXT, encoding="utf-8")
    prepared = prepare_files([upload], embedder=hash_encoder, embed=False)
    assert prepared.embedded is None
    report = write_prepared(prepared, index, embedder=hash_encoder)
    assert report.published and report.added == ["ledger"]
    return index


def test_words_first_document_is_found_by_words_not_by_meaning(
    words_first_index: Path, hash_encoder
) -> None:  # type: ignore[no-untyped-def]
    assert publishes_words_first(words_first_index)
    with open_reader(words_first_index, model=ModelInfo.of(hash_encoder)) as reader:
        hits = reader.bm25_search(WORD, 5)
        assert [reader.get_chunks([h.chunk_id])[0].doc_id for h in hits] == ["ledger"]
        ledger = [c.chunk_id for c in reader.chunks_of("ledger")]
        pending = {info.meta.doc_id: info.meaning_pending for info in reader.documents()}
        assert pending == {"alpha": False, "beta": False, "ledger": True}
        assert reader.document_info("ledger").meaning_pending  # type: ignore[union-attr]
        # The passage's own text as the query: with a vector it would come first.
        for search, model in (
            (reader.vector_search, hash_encoder),
            (reader.second_vector_search, hash_encoder.second),
        ):
            query = model.encode([TEXT])[0]
            found = {s.chunk_id for s in search(query, 10)}
            assert found and not found & set(ledger)
            assert not {s.chunk_id for s in search(query, 10, ["ledger"])}
        assert reader.chunk_vectors(ledger).shape == (0, hash_encoder.dimension)
        assert reader.sentences(ledger) == {}


def test_search_and_answer_tolerate_a_passage_without_vectors(
    words_first_index: Path, hash_encoder
) -> None:  # type: ignore[no-untyped-def]
    searcher = open_searcher(words_first_index, embedder=hash_encoder)
    try:
        for mode in ("hybrid", "dense", "bm25"):
            result = searcher.search(f"{WORD} grain shipments", mode=mode)  # type: ignore[arg-type]
            docs = [hit.doc_id for hit in result.hits]
            assert ("ledger" in docs) == (mode != "dense"), (mode, docs)
        result = searcher.search(f"where did the {WORD} ledger ship grain?")
        # In no dense list, it is fused over the lists that can hold it (retrieval/words_only.py):
        # first by its own words. The answer is chosen among the passages ranked first, its
        # own included, whose sentences have no stored vectors yet.
        assert result.hits[0].doc_id == "ledger"
        # Each hit says whether it waits for its vectors (the page and the API show it).
        assert [h.meaning_pending for h in result.hits] == [
            h.doc_id == "ledger" for h in result.hits
        ]
        assert "ledger" in [hit.doc_id for hit in searcher.search(f"{WORD} type:txt").hits]
    finally:
        searcher.store.close()


def test_meaning_step_adds_the_vectors_as_a_later_generation(
    tmp_path: Path, words_first_index: Path, hash_encoder
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    shutil.copytree(words_first_index.parent, tmp_path / "copy", symlinks=True)
    index = tmp_path / "copy" / "index"
    model = ModelInfo.of(hash_encoder)
    assert pending_documents(index, model) == ["ledger"]
    with open_reader(index, model=model) as reader:
        before = reader.generation
    pending = embed_pending(index, hash_encoder)
    assert pending.doc_ids == ["ledger"] and pending.embedded is not None
    assert write_meaning(pending, index, embedder=hash_encoder) == ["ledger"]
    assert pending_documents(index, model) == []
    with open_reader(index, model=model) as reader:
        assert reader.generation != before
        ledger = [c.chunk_id for c in reader.chunks_of("ledger")]
        query = hash_encoder.encode([TEXT])[0]
        assert reader.vector_search(query, 1)[0].chunk_id in ledger
        assert set(reader.sentences(ledger)) == set(ledger)
        assert reader.chunk_vectors(ledger).shape == (len(ledger), hash_encoder.dimension)
    # Asked again, nothing waits and nothing is published.
    assert write_meaning(embed_pending(index, hash_encoder), index, embedder=hash_encoder) == []


def test_meaning_skips_a_document_replaced_meanwhile(
    tmp_path: Path, words_first_index: Path, hash_encoder
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    shutil.copytree(words_first_index.parent, tmp_path / "copy", symlinks=True)
    index = tmp_path / "copy" / "index"
    pending = embed_pending(index, hash_encoder)
    replaced = tmp_path / "ledger.txt"
    replaced.write_text("A different ledger text about timber from Riga.", encoding="utf-8")
    write_prepared(
        prepare_files([replaced], embedder=hash_encoder, embed=False), index, embedder=hash_encoder
    )
    assert write_meaning(pending, index, embedder=hash_encoder) == []
    assert pending_documents(index, ModelInfo.of(hash_encoder)) == ["ledger"]


def test_writer_refuses_vectors_missing_in_a_one_step_backend() -> None:
    """A backend that is not words first (Milvus) says so in plain words."""
    from index.stores.base import checked_vectors

    model = ModelInfo("m", "h", 4)
    with pytest.raises(WordsFirstUnsupported, match="with its vectors"):
        checked_vectors("doc", None, 1, model)
    assert checked_vectors("doc", np.eye(1, 4, dtype=np.float32), 1, model).shape == (1, 4)
