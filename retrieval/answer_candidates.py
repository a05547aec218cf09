"""The sentences that may answer a question: every quotable sentence of the top passages, scored
by ``retrieval.answer.answer_score``, and the few shown when no single one is trusted.

Pure: the searcher hands in the passages, their stored sentences and the question's term counts.
A reader model can later re-score ``rank_candidates``' list behind the same seam.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Chunk, ChunkSentences
from retrieval.answer import (
    answer_score,
    expected_answer_kind,
    holds_answer_kind,
    idf,
    is_fragment,
    lacks_figure,
    term_coverage,
)
from retrieval.answer_types import asked_detail, fits_detail, year_share

# "Possible answers": how many sentences are shown, and how many of them one passage may give.
# Two: the answer is often the sentence after the one that restates the question, in the same
# passage (on the calibration half a candidate held the key for 0.81 of the questions answered,
# against 0.74 with one sentence a passage).
CANDIDATES = 3
CANDIDATES_PER_PASSAGE = 2
# The order candidates are shown in adds to ``answer_score``: the IDF coverage of the sentence
# before (it often restates the question, and the answer follows), the lists (BM25, each model)
# ranking the sentence's passage in their first AGREE_TOP, and a cost for each LONG_WORDS words
# beyond LONG_WORDS (a list or a run-on holds many words of the question and rarely the answer).
# Chosen on the calibration half: a shown sentence held the key for 81 of its 94 answered
# questions, against 79 ordered by ``answer_score`` alone (docs/DECISIONS.md: candidates).
PREVIOUS_WEIGHT = 0.2
AGREE_WEIGHT = 0.06
AGREE_TOP = 5
LONG_WEIGHT = 0.1
LONG_WORDS = 40
# The order also takes DETAIL_WEIGHT from a sentence that lacks what the question asks for
# exactly (``retrieval.answer_types``: the things a "how many" counts, a share, a sum, a reason)
# and adds YEAR_WEIGHT x the share of the question's years it names. Chosen on the calibration
# half: the key shown for 87 of 94 answered questions (82 before) anywhere from 0.2 to 0.5 and
# 0.05 to 0.2, the strong answers unchanged (docs/DECISIONS.md: candidates by what is asked).
DETAIL_WEIGHT = 0.25
YEAR_WEIGHT = 0.1
# "Strong match" also asks the best sentence to stand clear of every other sentence by this much
# answer score: two sentences scored alike are a guess between them, shown as candidates. On the
# calibration half, gaps of 0.19 to 0.23 left no wrong strong answer at any strong threshold
# (0.13 to 0.18 left one or two); 0.2 is inside that range, not at its edge (docs/DECISIONS.md:
# strong gap).
STRONG_GAP = 0.2


@dataclass(frozen=True)
class SentenceCandidate:
    """One sentence of a top passage and how well it answers (``rank``: its passage's, 0 first):
    ``score`` is ``answer_score`` (what the thresholds are calibrated on), ``order`` what the
    candidates are shown by (``score`` and the signals above)."""

    score: float
    chunk: Chunk
    start: int
    end: int
    rank: int
    order: float = 0.0

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]


def rank_candidates(
    question: str,
    passages: Sequence[Chunk],
    sentences: Mapping[str, ChunkSentences],
    term_counts: Mapping[str, int],
    query_vector: np.ndarray,
    passage_count: int,
    agreeing: Mapping[str, int] | None = None,
) -> list[SentenceCandidate]:
    """Every quotable sentence of ``passages`` (best first by rank), scored, in ``order``.

    ``term_counts``: how many of the collection's ``passage_count`` passages hold each of the
    question's terms (empty: the question's words cannot be matched, a Russian question over
    English text); ``agreeing``: passage id -> how many retrievers' lists rank it in their first
    ``AGREE_TOP``. Headings, e-mail headers and scraps are left out (``is_fragment``), and so is
    a passage stored without sentence vectors.
    """
    weights = {t: idf(df, max(passage_count, 1)) for t, df in term_counts.items() if df > 0}
    kind = expected_answer_kind(question)
    asked = asked_detail(question)
    found: list[SentenceCandidate] = []
    for rank, chunk in enumerate(passages):
        stored = sentences[chunk.chunk_id]
        if len(stored.vectors) != len(stored.spans):
            continue
        similarity = stored.vectors.astype(np.float32) @ query_vector
        coverages = [term_coverage(list(term_counts), weights, set(t)) for t in stored.terms]
        agree = AGREE_WEIGHT * (agreeing or {}).get(chunk.chunk_id, 0)
        for i, ((start, end), cosine) in enumerate(zip(stored.spans, similarity, strict=True)):
            text = chunk.text[start:end]
            if is_fragment(text):
                continue
            score = answer_score(
                float(cosine),
                coverages[i] if term_counts else None,
                holds_answer_kind(text, kind),
                rank,
            )
            previous = coverages[i - 1] if i > 0 and term_counts else 0.0
            long = max(0, len(text.split()) - LONG_WORDS) / LONG_WORDS
            order = score + PREVIOUS_WEIGHT * previous + agree - LONG_WEIGHT * long
            order += YEAR_WEIGHT * year_share(asked, text)
            order -= 0.0 if fits_detail(asked, text) else DETAIL_WEIGHT
            found.append(SentenceCandidate(score, chunk, start, end, rank, order))
    # Stable: on a tie the earlier passage, then the earlier sentence, comes first.
    return sorted(found, key=lambda c: -c.order)


def is_decisive(ranked: Sequence[SentenceCandidate], question: str) -> bool:
    """Whether the first of ``ranked`` may be a strong match: the answer score picks it too, it
    holds the figure or date a "how much" or "when" question asks for (``lacks_figure``), and
    no other sentence (another text: the same sentence in another passage is no rival) scores
    within ``STRONG_GAP`` of it.

    >>> chunk = Chunk("c1", "d", 0, "Trade rose 5%. Trade fell.", [], 0, 0, 0, 26)
    >>> first = SentenceCandidate(1.5, chunk, 0, 14, 0)
    >>> is_decisive([first, SentenceCandidate(1.4, chunk, 15, 26, 0)], "How much did trade rise?")
    False
    """
    if not ranked or lacks_figure(question, ranked[0].text):
        return False
    first = ranked[0]
    # One pass, and a sentence's text is read only when its score is close.
    return not any(
        c.score > first.score or (first.score - c.score < STRONG_GAP and c.text != first.text)
        for c in ranked[1:]
    )


def pick_candidates(
    ranked: Sequence[SentenceCandidate],
    limit: int = CANDIDATES,
    per_passage: int = CANDIDATES_PER_PASSAGE,
) -> list[SentenceCandidate]:
    """The best ``limit`` of ``ranked``, at most ``per_passage`` from one passage and each
    sentence's text once (overlapping passages, and a report published twice, repeat sentences:
    a repeat would take the place of another possible answer).

    >>> chunk = Chunk("c1", "d", 0, "One. Two.", [], 0, 0, 0, 9)
    >>> ranked = [SentenceCandidate(2.0, chunk, 0, 4, 0), SentenceCandidate(1.0, chunk, 5, 9, 0)]
    >>> picked = pick_candidates(ranked, per_passage=1)
    >>> [c.text for c in picked]
    ['One.']
    """
    picked: list[SentenceCandidate] = []
    per: dict[str, int] = {}
    texts: set[str] = set()
    for candidate in ranked:
        chunk_id = candidate.chunk.chunk_id
        if per.get(chunk_id, 0) >= per_passage or candidate.text in texts:
            continue
        picked.append(candidate)
        per[chunk_id] = per.get(chunk_id, 0) + 1
        texts.add(candidate.text)
        if len(picked) == limit:
            break
    return picked
