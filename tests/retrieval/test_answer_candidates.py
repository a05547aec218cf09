"""The order candidates are shown in, and when the first is a strong match (pure: vectors made
here, no model)."""

from __future__ import annotations

import numpy as np

from index.records import Chunk, ChunkSentences
from index.text.tokenize import tokenize
from retrieval.answer import (
    MISSING_OVERRIDE,
    MISSING_SHARE,
    STRONG_MATCH,
    answer_state,
    lacks_figure,
)
from retrieval.answer_candidates import (
    STRONG_GAP,
    SentenceCandidate,
    is_decisive,
    pick_candidates,
    rank_candidates,
)

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


# Sentences as the reports print them, with the answer scores the searcher gave them.
EXPO = "Prime Minister Golovchenko took part in the World Expo 2020 on November 21-22 in Dubai."
MINISTER = (
    "Only the information about Golovchenko’s meeting with UAE Minister of Tolerance Sheikh "
    "Nahyan bin Mubarak Al Nahya, head of the UAE Ministry of Culture, Youth, and Social "
    "Development, is available."
)
PAKISTAN = (
    "The Islamic Republic of Pakistan is one of the states in South Asia, in relations with "
    "which the Republic of Belarus has created the necessary legal and infrastructure framework."
)
TREATIES = (
    'Joint efforts resulted in "77 memorandums of understanding and agreements signed by the '
    "parties by early 2021."
)


def _sentences(doc: str, rank: int, *scored: tuple[str, float]) -> list[SentenceCandidate]:
    """One passage of ``doc`` holding the sentences, each with its answer score."""
    text = " ".join(sentence for sentence, _ in scored)
    chunk = Chunk(f"{doc}#{rank}", doc, rank, text, [], 1, 1, 0, len(text))
    found, start = [], 0
    for sentence, score in scored:
        found.append(SentenceCandidate(score, chunk, start, start + len(sentence), rank, score))
        start += len(sentence) + 1
    return found


def test_a_strong_match_stands_clear_of_the_next_sentence() -> None:
    question = "Which UAE official did Golovchenko meet at the Expo in Dubai?"
    close = _sentences("africa", 0, (EXPO, 1.431), (MINISTER, 1.269))
    # The Expo sentence scores best, but the minister's (the answer) is 0.16 behind it.
    assert not is_decisive(close, question)
    clear = _sentences("africa", 0, (EXPO, 1.431), (MINISTER, 1.42 - STRONG_GAP))
    assert is_decisive(clear, question)
    assert not is_decisive([], question)


def test_a_sentence_repeated_in_another_report_is_no_rival_and_shown_once() -> None:
    first = _sentences("export-markets", 0, (PAKISTAN, 1.65))
    again = _sentences("asia-prospects", 1, (PAKISTAN, 1.60))
    other = _sentences("export-markets", 2, (TREATIES, 1.366))
    ranked = [*first, *again, *other]
    # The same sentence printed in another report does not make the first one a guess ...
    assert is_decisive([*first, *again], "Which states are in South Asia?")
    # ... and a possible answer takes its place among the candidates.
    shown = [c.text for c in pick_candidates(ranked)]
    assert shown == [PAKISTAN, TREATIES]


def test_missing_words_outweigh_a_low_strong_threshold() -> None:
    # A question some of whose words no passage holds is not answered below MISSING_OVERRIDE,
    # even where the strong threshold is lower.
    assert answer_state(MISSING_OVERRIDE - 0.06, MISSING_SHARE, strong=1.22) is None
    assert answer_state(MISSING_OVERRIDE, MISSING_SHARE, strong=1.22) == "strong"
