"""The order candidates are shown in, and when the first is a strong match (pure: vectors made
here, no model)."""

from __future__ import annotations

import numpy as np

from index.records import Chunk, ChunkSentences
from index.text.tokenize import tokenize
from retrieval.answer import STRONG_MATCH, answer_state, lacks_figure
from retrieval.answer_candidates import rank_candidates

QUESTION = "When were diplomatic relations between Belarus and Pakistan established?"
TEXT = (
    "Diplomatic relations between Belarus and Pakistan have a long history of visits. "
    "They were established on 3 February 1994 by an exchange of notes."
)


def _passage(cosines: list[float]) -> tuple[Chunk, dict[str, ChunkSentences]]:
    split = TEXT.index("They")
    spans = [(0, split - 1), (split, len(TEXT))]
    query = np.zeros(4, dtype=np.float32)
    query[0] = 1.0
    vectors = np.array([[c, float(np.sqrt(1 - c * c)), 0, 0] for c in cosines], dtype=np.float16)
    terms = [tokenize(TEXT[a:b]) for a, b in spans]
    chunk = Chunk("c1", "d", 0, TEXT, [], 1, 1, 0, len(TEXT))
    return chunk, {"c1": ChunkSentences(spans, terms, vectors)}


def test_the_sentence_after_a_restated_question_comes_first() -> None:
    chunk, sentences = _passage([0.8, 0.9])
    counts = {t: 5 for t in tokenize(QUESTION)}
    query = np.array([1.0, 0, 0, 0], dtype=np.float32)
    ranked = rank_candidates(QUESTION, [chunk], sentences, counts, query, 100)
    # The first sentence says more of the question's words and scores higher ...
    assert ranked[0].text.startswith("They") and ranked[1].score > ranked[0].score
    # ... but the second, after it, holds the date asked for: it is shown first.
    assert "3 February 1994" in ranked[0].text


def test_agreeing_lists_lift_a_passage() -> None:
    chunk, sentences = _passage([0.8, 0.78])
    query = np.array([1.0, 0, 0, 0], dtype=np.float32)
    alone = rank_candidates(QUESTION, [chunk], sentences, {}, query, 100)
    agreed = rank_candidates(QUESTION, [chunk], sentences, {}, query, 100, {"c1": 3})
    assert [c.order for c in agreed] > [c.order for c in alone]
    assert [c.score for c in agreed] == [c.score for c in alone]  # what thresholds read


def test_a_strong_match_needs_the_order_and_the_figure_to_agree() -> None:
    assert answer_state(STRONG_MATCH + 0.1, 0.0) == "strong"
    assert answer_state(STRONG_MATCH + 0.1, 0.0, agreed=False) == "candidates"
    assert lacks_figure(
        "How much was trade between Belarus and Pakistan in 2021?",
        "In addition, in 2021, the engagement with Iran, Pakistan and Oman became more active.",
    )
    assert not lacks_figure(
        "How much was trade between Belarus and Pakistan in 2021?",
        "In 2021, trade between Belarus and Pakistan amounted to USD92.6 million, up 77%.",
    )
    assert not lacks_figure("Who met Imran Khan?", "Lukashenko met him in Dushanbe.")
