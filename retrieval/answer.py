"""The answering sentence: which sentence of a passage best answers the query.

Sentences are scored by their embedding's cosine with the query (meaning) plus the share of the
query's terms they contain (the names and figures reporters ask about). The answer is always a
sentence taken from a document, never generated text; below ``ANSWER_MIN_SCORE`` there is none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.records import Citation
from retrieval.records import Highlight

SIMILARITY_WEIGHT = 0.7
OVERLAP_WEIGHT = 0.3
# Measured on eval/data/qa.jsonl: below this, the best sentence rarely holds the answer.
ANSWER_MIN_SCORE = 0.35


def score_sentences(
    query_terms: frozenset[str],
    query_vector: np.ndarray,
    terms: Sequence[frozenset[str]],
    vectors: np.ndarray | None,
) -> list[float]:
    """One score per sentence: weighted cosine similarity plus query-term coverage.

    ``vectors`` are the sentences' stored vectors (float16 is enough: see ``ChunkSentences``);
    without them only the coverage counts.
    """
    if not terms:
        return []
    similarity = (
        vectors.astype(np.float32) @ query_vector if vectors is not None else np.zeros(len(terms))
    )
    scores = []
    for i, words in enumerate(terms):
        overlap = len(query_terms & words) / len(query_terms) if query_terms else 0.0
        scores.append(SIMILARITY_WEIGHT * float(similarity[i]) + OVERLAP_WEIGHT * overlap)
    return scores


def best_highlight(
    text: str, spans: Sequence[tuple[int, int]], scores: Sequence[float]
) -> Highlight | None:
    """The highest-scoring sentence of a passage, with its offsets in the passage."""
    if not spans:
        return None
    best = max(range(len(spans)), key=lambda i: scores[i])
    start, end = spans[best]
    return Highlight(text=text[start:end], start=start, end=end, score=round(scores[best], 4))


def citations_within(citations: Sequence[Citation], start: int, end: int) -> list[Citation]:
    """Citations whose marker falls in ``start..end``, with offsets relative to ``start``."""
    return [
        Citation(c.n, c.note, list(c.urls), c.offset - start)
        for c in citations
        if start <= c.offset <= end
    ]


_QUOTES = frozenset('"“”«»')


def sentence_citations(
    text: str, citations: Sequence[Citation], start: int, end: int
) -> list[Citation]:
    """The footnotes that source the sentence ``text[start:end]``, offsets relative to ``start``.

    Its own markers first. A sentence without one that sits inside a quotation is sourced by the
    marker that closes the quotation (reports cite a quoted passage once, after its last
    sentence), so the first marker after it in the same paragraph is taken then.
    """
    own = citations_within(citations, start, end)
    if own:
        return own
    paragraph_start = text.rfind("\n\n", 0, start) + 1
    paragraph_end = text.find("\n\n", end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    # A marker closes a quotation, so count quotes since the last marker in the paragraph.
    since = max([c.offset for c in citations if paragraph_start <= c.offset < start], default=-1)
    region_start = max(paragraph_start, since)
    quotes = sum(1 for ch in text[region_start:end] if ch in _QUOTES)
    closes_quote = text[start:end].rstrip(".!? ")[-1:] in _QUOTES
    if quotes % 2 == 0 and not closes_quote:
        return []
    if quotes % 2 == 0:
        # Extraction sometimes drops a marker a word late: 'enterprises". As 109these'.
        paragraph_end = min(paragraph_end, end + 4)
    following = sorted(
        (c for c in citations if end < c.offset <= paragraph_end), key=lambda c: c.offset
    )
    if not following:
        return []
    first = following[0]
    return [Citation(first.n, first.note, list(first.urls), first.offset - start)]
