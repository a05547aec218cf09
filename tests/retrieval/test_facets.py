"""Facets and entity filters through the searcher, on the corpus indexed with the hash encoder
(its entities are real: spaCy's, at index time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.models.hash_encoder import HashEncoder
from index.records import Mention
from retrieval.facets import FacetEntityCache
from retrieval.query import QueryError
from retrieval.search import Searcher, open_searcher


@pytest.fixture(scope="module")
def searcher(hash_corpus_index: Path, hash_encoder: HashEncoder) -> Searcher:
    return open_searcher(hash_corpus_index, embedder=hash_encoder)


def _facet(result, field: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[field]}


def test_facet_counts_agree_with_the_passages_their_filter_gives(searcher: Searcher) -> None:
    result = searcher.search("trade cooperation", k=10, mode="bm25")
    places = _facet(result, "place")
    assert places["Belarus"] >= places.get("Pakistan", 0) > 0
    assert sum(_facet(result, "document").values()) == result.total
    for value in ("Pakistan", "China"):
        narrowed = searcher.search(f"trade cooperation place:{value}", k=10, mode="bm25")
        assert narrowed.total == places[value]
        assert _facet(narrowed, "place")[value] == narrowed.total


def test_spellings_and_scripts_of_a_name_filter_alike(searcher: Searcher) -> None:
    totals = {
        name: searcher.search(f'Belarus person:"{name}"', k=10, mode="bm25").total
        for name in ("Lukashenko", "Lukashenka", "Лукашенко", "President Lukashenko")
    }
    assert len(set(totals.values())) == 1 and totals["Lukashenko"] > 0
    alone = searcher.search('person:"Alexander Lukashenko"', k=10, mode="hybrid")
    assert alone.hits and all("Lukashenk" in h.text for h in alone.hits)
    assert "Alexander Lukashenko" in _facet(alone, "person")


def test_document_facets_filter_by_year_and_type(searcher: Searcher) -> None:
    result = searcher.search("Belarus exports year:2021", k=10, mode="bm25")
    assert set(_facet(result, "year")) == {"2021"} and result.total > 0
    assert set(_facet(searcher.search("Belarus type:txt", mode="bm25"), "type")) == {"txt"}
    with pytest.raises(QueryError, match="no document matches year:1850"):
        searcher.search("Belarus year:1850")


def test_hybrid_search_counts_the_passages_holding_the_words_not_the_collection(
    searcher: Searcher,
) -> None:
    # Issue 26: "Zimbabwe" said "Passages 1-10 of 178" and counted facets over all of them,
    # while two passages hold the word.
    for mode in ("hybrid", "dense"):
        result = searcher.search("Zimbabwe", k=10, mode=mode)
        assert result.with_words == 2 and result.total > 100
        documents = _facet(result, "document")
        assert sum(documents.values()) == result.with_words + result.by_meaning
        assert _facet(result, "place")["Zimbabwe"] == 2
        for hit in result.hits:
            assert (hit.matched == "words") == ("Zimbabwe" in hit.text), hit.text[:80]
    lexical = searcher.search("Zimbabwe", k=10, mode="bm25")
    assert (lexical.total, lexical.with_words, lexical.by_meaning) == (2, 2, 0)


def test_a_filter_name_without_a_colon_is_a_word(searcher: Searcher) -> None:
    # "In which year do ..." was refused: "year: needs a value".
    for question in (
        "In which year did Belarus-Syria trade hit its record?",
        "What place, what type?",
    ):
        assert searcher.search(question, mode="bm25").hits
    with pytest.raises(QueryError, match="year: needs a value"):
        searcher.search("Belarus year:")


def test_facet_entities_are_read_once_per_passage() -> None:
    reads: list[list[str]] = []

    def read(ids: list[str]) -> dict[str, list[Mention]]:
        reads.append(ids)
        return {"a": [Mention("place", "Minsk", 0, 5, "place:minsk", "Minsk")] * 2}

    cache = FacetEntityCache(read, size=2)
    assert cache(["a", "b"]) == {"a": [("place", "place:minsk", "Minsk")], "b": []}
    assert cache(["b", "a", "c"])["c"] == [] and reads == [["a", "b"], ["c"]]
    cache(["a"])  # "a" was the oldest of three kept in two: read again
    assert reads[-1] == ["a"]
