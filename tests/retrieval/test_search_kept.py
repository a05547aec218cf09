"""A searcher keeps the passages' rows, stored sentences and shingles it has read (one
generation never changes): a later question reads only passages it has not seen, and its
result is the one a fresh searcher gives."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from index.models.hash_encoder import HashEncoder
from index.records import Chunk, ChunkSentences
from index.stores.base import StoreReader
from retrieval.search import Searcher, SearchOptions, open_searcher

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("Belarusian tractor assembly plant in Pakistan", {}),
    ("Zimbabwe", {"mode": "dense"}),
    ("trade cooperation place:Pakistan", {"mode": "bm25"}),
    ("Лукашенко Имран Хан", {"sort": "date"}),
    ("Which claims cite BelTA?", {"k": 5, "offset": 5}),
]


class CountingStore:
    """A store that records the passages whose rows and sentences are read from it."""

    def __init__(self, store: StoreReader) -> None:
        self.store = store
        self.rows: list[str] = []
        self.sentence_rows: list[str] = []

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        self.rows += chunk_ids
        return self.store.get_chunks(chunk_ids)

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        self.sentence_rows += chunk_ids
        return self.store.sentences(chunk_ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.fixture(scope="module")
def searcher(hash_corpus_index: Path, hash_encoder: HashEncoder) -> Searcher:
    return open_searcher(hash_corpus_index, embedder=hash_encoder)


def _fresh(searcher: Searcher, store: Any = None, *, keep: int | None = None) -> Searcher:
    """A new searcher on the same index; ``keep``: every cache's size (None: the default)."""
    options = searcher.options
    if keep is not None:
        options = dataclasses.replace(
            options, chunk_cache_size=keep, sentence_cache_size=keep, shingle_cache_size=keep
        )
    return Searcher(store or searcher.store, searcher.embedder, options=options)


def _plain(result: Any) -> dict[str, Any]:
    found = dataclasses.asdict(result)
    found.pop("took_ms")
    return found


def test_a_searcher_that_has_answered_others_gives_the_result_of_one_keeping_nothing(
    searcher: Searcher,
) -> None:
    warm = _fresh(searcher)
    for query, kwargs in QUERIES:  # every passage these bring up is kept from now on
        warm.search(query, **kwargs)
    # Keeping nothing (sizes 0) reads every passage from the store for every question.
    bare = _fresh(searcher, keep=0)
    for query, kwargs in reversed(QUERIES):
        assert _plain(warm.search(query, **kwargs)) == _plain(bare.search(query, **kwargs))


def test_a_later_question_reads_only_passages_not_seen_before(searcher: Searcher) -> None:
    store = CountingStore(searcher.store)
    counted = _fresh(searcher, store)
    counted.search("Belarusian tractor assembly plant in Pakistan")
    first_rows, first_sentences = list(store.rows), list(store.sentence_rows)
    assert first_rows and first_sentences
    counted.search("Belarusian tractor assembly plant in Pakistan", k=5)  # passages seen
    assert store.rows[len(first_rows) :] == []
    assert store.sentence_rows[len(first_sentences) :] == []


def test_options_keep_nothing_when_asked() -> None:
    assert SearchOptions(chunk_cache_size=0).chunk_cache_size == 0
    with pytest.raises(ValueError, match="cache sizes"):
        SearchOptions(sentence_cache_size=-1)
