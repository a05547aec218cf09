"""Which ranked passages match a query: those holding its words, and those close in meaning.

Hybrid and meaning (dense) search rank every passage of the collection, since the dense list has
no end; "Passages 1-10 of 178" for "Zimbabwe" would then say nothing about how many passages
match. A passage matches when it holds one of the query's words (it is on the lexical list: BM25
of its text, or of the notes it cites, after every filter) or, without any of them, when one of
its sentences is as close to the query as an answer must be: ``answer_score`` with no coverage of
the query's words reaches the threshold below which the answer box says "not found"
(``retrieval.answer.ANSWER_THRESHOLD``). Facets count the matching passages.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Chunk, ChunkSentences
from retrieval.answer import answer_score
from retrieval.facets import ENTITY_KINDS, FacetValue, facet_counts
from retrieval.hits import SearchResult


@dataclass
class Matching:
    """The ranked passages (each group's first) that match: ``with_words`` hold one of the
    query's words, ``by_meaning`` hold none but are close in meaning; both in ranking order."""

    with_words: list[str]
    by_meaning: list[str]

    @property
    def ids(self) -> list[str]:
        """Every matching passage, those with the words first."""
        return self.with_words + self.by_meaning


def close_in_meaning(
    sentences: ChunkSentences,
    query_vector: np.ndarray,
    rank: int,
    threshold: float,
    *,
    words_comparable: bool = True,
) -> bool:
    """Whether a passage holding none of the query's words has a sentence that scores as an
    answer would need to (``answer_score`` at its ``rank``, 0 first, with none of the words
    covered; ``words_comparable`` False: a question whose words cannot be compared with the
    collection's, Russian over English, scored as the answer logic scores it).

    >>> s = ChunkSentences([(0, 5)], [["a"]], np.array([[1.0, 0.0]], dtype=np.float16))
    >>> close_in_meaning(s, np.array([1.0, 0.0], dtype=np.float32), 9, 1.22)
    False
    >>> close_in_meaning(s, np.array([1.0, 0.0], dtype=np.float32), 9, 0.9)
    True
    """
    if len(sentences.vectors) == 0 or len(sentences.vectors) != len(sentences.spans):
        return False  # no sentence vectors stored: nothing to compare by meaning
    best = float(np.max(sentences.vectors.astype(np.float32) @ query_vector))
    return _score(best, rank, words_comparable) >= threshold


def _score(similarity: float, rank: int, words_comparable: bool) -> float:
    return answer_score(similarity, 0.0 if words_comparable else None, False, rank)


def matching_passages(
    ranked: Sequence[str],
    lexical: Collection[str],
    sentences_of: Callable[[list[str]], Mapping[str, ChunkSentences]],
    query_vector: np.ndarray,
    threshold: float,
    *,
    words_comparable: bool = True,
) -> Matching:
    """Split ``ranked`` (each group's first passage, best first) into those on the ``lexical``
    list and those off it but ``close_in_meaning``; ``sentences_of`` reads stored sentences (one
    stored without them is not close in meaning). Only passages ranked where even a sentence
    identical to the query would clear ``threshold`` are read: with the answer score's weights,
    none for a question whose words are comparable (``retrieval.answer``: an English sentence
    holding none of the question's words is never an answer)."""
    with_words = [cid for cid in ranked if cid in lexical]
    reachable = [
        (rank, cid)
        for rank, cid in enumerate(ranked)
        if cid not in lexical and _score(1.0, rank, words_comparable) >= threshold
    ]
    sentences = sentences_of([cid for _, cid in reachable]) if reachable else {}
    by_meaning = [
        cid
        for rank, cid in reachable
        if cid in sentences
        and close_in_meaning(
            sentences[cid], query_vector, rank, threshold, words_comparable=words_comparable
        )
    ]
    return Matching(with_words, by_meaning)


def with_matching(
    result: SearchResult,
    matching: Matching,
    chunks: Mapping[str, Chunk],
    facets_of: Mapping[str, Mapping[str, str]],
    entity_counts: Callable[[list[str]], Mapping[str, list[FacetValue]]],
) -> SearchResult:
    """The result with its counts of matching passages, each hit's ``matched`` (its words,
    its meaning, or neither: only ranked) and the facets of the matching passages, whose
    people, organisations and places ``entity_counts`` counts
    (``retrieval.facets.FacetEntityCache.entity_counts``)."""
    words, meaning = set(matching.with_words), set(matching.by_meaning)
    result.with_words, result.by_meaning = len(words), len(meaning)
    for hit in result.hits:
        hit.matched = (
            "words" if hit.chunk_id in words else "meaning" if hit.chunk_id in meaning else None
        )
    ids = matching.ids
    entities = entity_counts(ids) if ids else {kind: [] for kind in ENTITY_KINDS}
    result.facets = facet_counts([chunks[cid].doc_id for cid in ids], facets_of, entities)
    return result
