"""The query language and names in any script through the Searcher, on the corpus index."""

from __future__ import annotations

import pytest

from retrieval.search import QueryError, Searcher


def top(searcher: Searcher, query: str, k: int = 10, mode: str = "bm25") -> list[str]:
    return [h.chunk_id for h in searcher.search(query, k=k, mode=mode).hits]  # type: ignore[arg-type]


def test_four_spellings_of_lukashenko_return_the_same_top_10(searcher: Searcher) -> None:
    latin = top(searcher, "Lukashenko")
    assert len(latin) >= 5  # the reports name him in a dozen passages
    for spelling in ("Lukashenka", "Лукашенко", "Лукашэнка"):
        assert top(searcher, spelling) == latin, spelling
    assert top(searcher, "Makey") == top(searcher, "Макей") == top(searcher, "Makei") != []


def test_a_cyrillic_query_finds_the_english_passages(searcher: Searcher) -> None:
    hits = searcher.search("Лукашенко Пакистан", k=3, mode="bm25").hits
    assert hits and all("Pakistan" in h.text and "Lukashenko" in h.text for h in hits[:1])


def test_store_vocabulary_counts_documents_per_term(searcher: Searcher) -> None:
    vocabulary = searcher.store.vocabulary()
    assert vocabulary["lukashenk"] >= 5
    assert vocabulary["tractor"] > vocabulary["lukashenk"]
    assert "" not in vocabulary and "the" not in vocabulary


def test_filters_apply_in_every_mode(searcher: Searcher) -> None:
    for mode in ("bm25", "hybrid", "dense"):
        hits = searcher.search("Pakistan -tractors", k=20, mode=mode).hits  # type: ignore[arg-type]
        assert hits and not any("tractor" in h.text.lower() for h in hits)
    assert top(searcher, '"Great Stone"') != top(searcher, '"Stone Great"')


def test_did_you_mean_keeps_what_was_typed_when_it_finds_plenty(searcher: Searcher) -> None:
    result = searcher.search("Belarus Pakistan trade tractr", mode="bm25")
    assert result.suggestion == "Belarus Pakistan trade tractor"
    assert result.searched_for is None
    assert result.query == "Belarus Pakistan trade tractr"
    with pytest.raises(QueryError, match="unbalanced quote"):
        searcher.search('"Great Stone')
