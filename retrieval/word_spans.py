"""The query's words in a passage, as character spans: what the page marks in every hit.

A word is marked where BM25 matched it: a word of the passage whose term
(``index.text.tokenize``: the same stem, the same name key, any script romanised) is one of the
query's terms, so "tractors" marks "tractor" and "Лукашенко" marks "Lukashenko". Stop words are
no terms, so they are never marked alone; a phrase the query asks for is marked whole where it
stands in the passage, the stop words inside it included ("Ministry of Foreign Affairs").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from index.text.tokenize import TermAt, terms_at
from retrieval.hits import Hit
from retrieval.query import PhraseMatch, QueryPlan


@dataclass(frozen=True)
class PlacedTerms:
    """A passage's terms where they stand (``found``) and each term's spans (``where``)."""

    text: str
    found: tuple[TermAt, ...]
    where: dict[str, list[tuple[int, int]]]


def placed_terms(text: str) -> PlacedTerms:
    """``text``'s terms and their spans: what marking the query's words in it reads (a
    searcher keeps them per passage, as it keeps shingles: tokenizing the ten hits shown was 9 ms
    of a search)."""
    found = tuple(terms_at(text))
    where: dict[str, list[tuple[int, int]]] = {}
    for t in found:
        where.setdefault(t.term, []).append((t.start, t.end))
    return PlacedTerms(text, found, where)


def word_spans(
    text: str,
    terms: Iterable[str],
    phrases: Sequence[PhraseMatch] = (),
    placed: PlacedTerms | None = None,
) -> list[tuple[int, int]]:
    """The ``[start, end)`` spans of the words of ``text`` whose term is one of ``terms`` and of
    each occurrence of the ``phrases``, overlapping and touching spans merged, in order.

    >>> word_spans("Tractors and a tractor plant", ["tractor"])
    [(0, 8), (15, 22)]
    """
    if placed is None or placed.text != text:
        placed = placed_terms(text)
    found, where = placed.found, placed.where
    spans = [span for term in frozenset(terms) for span in where.get(term, ())]
    for phrase in phrases:
        spans += _phrase_spans(found, phrase)
    return _merged(spans)


def _phrase_spans(found: Sequence[TermAt], phrase: PhraseMatch) -> list[tuple[int, int]]:
    """Where the phrase's terms stand at their offsets from its first: its first word's start
    to its last word's end."""
    at = {(t.position, t.term): t for t in found}
    first = phrase.terms[0][1]
    spans = []
    for t in found:
        if t.term != first:
            continue
        words = [at.get((t.position + offset, term)) for offset, term in phrase.terms]
        if all(w is not None for w in words):
            spans.append((t.start, max(w.end for w in words if w is not None)))
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def plan_phrases(plan: QueryPlan) -> list[PhraseMatch]:
    """The phrases a plan requires (each alone, or one of an OR)."""
    return [m for group in plan.required for m in group if isinstance(m, PhraseMatch)]


def mark_words(
    hits: Iterable[Hit], plan: QueryPlan, placed: Mapping[str, PlacedTerms] | None = None
) -> None:
    """Set each hit's ``word_spans``: the plan's words and phrases in its text (``placed``:
    passages' terms already read, by chunk id)."""
    phrases = plan_phrases(plan)
    kept = placed or {}
    for hit in hits:
        hit.word_spans = word_spans(hit.text, plan.bm25_terms, phrases, kept.get(hit.chunk_id))
