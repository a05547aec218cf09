"""What a question asks for exactly, checked on sentences of the reports, and the candidates it
brings into the answer box (pure: vectors made here, no model)."""

from __future__ import annotations

import numpy as np

from index.records import Chunk, ChunkSentences
from index.text.tokenize import tokenize
from retrieval.answer_candidates import pick_candidates, rank_candidates
from retrieval.answer_types import asked_detail, fits_detail, year_share


def test_how_many_asks_for_a_figure_of_the_things_counted() -> None:
    asked = asked_detail(
        "How many Belarusian projects underpin the development of the Changchun technopark?"
    )
    assert fits_detail(
        asked,
        'But the main thing is that here "the development is based, among other things, on a '
        'fund of 80 Belarusian projects".',
    )
    assert not fits_detail(
        asked,
        "And it has already received its first three residents: The Sino-Belarusian Center of "
        "researches and developments of precision medical equipment.",
    )
    # An ordinal counts nothing.
    assert not fits_detail(asked, "The 30th Belarusian projects fair opened in Changchun.")


def test_how_large_was_trade_asks_for_a_sum() -> None:
    asked = asked_detail("How large was Belarus-Vietnam trade in 2021?")
    assert fits_detail(
        asked,
        "Recall also that in 2021 the trade turnover between the two countries exceeded 200 "
        "million dollars.",
    )
    assert not fits_detail(
        asked,
        "The year 2022 marks the 30th anniversary of the establishment of diplomatic relations "
        "between Belarus and Vietnam.",
    )


def test_a_share_asks_for_a_percentage_in_either_language() -> None:
    asked = asked_detail(
        "Какую долю белорусского экспорта в Китай составляют продовольствие и сельхозпродукция?"
    )
    assert fits_detail(
        asked, "The share of foods and farm products reached 40%, outstripping the fertilizers."
    )
    assert not fits_detail(
        asked,
        "Traditionally, the post-Soviet republics account for most of the exports, and now a "
        "significant part goes to China.",
    )


def test_why_asks_for_a_reason() -> None:
    asked = asked_detail("Why does the Belarus-China working group see services as key to trade?")
    assert fits_detail(
        asked,
        "Facilitation of trade in services is the basis for active trade at this stage, since "
        'modern merchandise consists of services by 80%".',
    )
    assert not fits_detail(
        asked,
        "A working group comprising experts from the Chinese Ministry of Commerce and the "
        "Belarusian Ministry of Economy was set up.",
    )


def test_other_questions_ask_nothing_a_sentence_may_lack() -> None:
    asked = asked_detail("Which Chinese city became Mogilev's twin in July 2014?")
    assert not asked.asks
    assert fits_detail(asked, "The weather was fine.")
    # "When" is answered by a date, which the answer score already looks for.
    assert not asked_detail("When did Pakistan open its embassy in Minsk?").asks


def test_the_years_a_question_names() -> None:
    asked = asked_detail("What did Belarus mainly sell to Oman in 2020?")
    assert year_share(asked, "However, in 2020 the trade turnover amounted to USD 1.15 million.")
    assert year_share(asked, "The highest level was registered in 2012.") == 0.0
    assert year_share(asked_detail("What did Belarus sell?"), "In 2020 it sold potash.") == 0.0


def _one_passage(texts: list[str], cosines: list[float]) -> tuple[Chunk, dict[str, ChunkSentences]]:
    text = " ".join(texts)
    spans, start = [], 0
    for sentence in texts:
        spans.append((start, start + len(sentence)))
        start += len(sentence) + 1
    vectors = np.array([[c, float(np.sqrt(1 - c * c))] for c in cosines], dtype=np.float16)
    chunk = Chunk("c1", "report", 0, text, [], 1, 1, 0, len(text))
    return chunk, {"c1": ChunkSentences(spans, [tokenize(s) for s in texts], vectors)}


# One passage of the Vietnam report: the sum asked for is in its third sentence, which the
# question's words and meaning rank below two sentences about the same countries.
VIETNAM = [
    "The year 2022 marks the 30th anniversary of the establishment of diplomatic relations "
    "between Belarus and Vietnam.",
    "This Southeast Asian country is among those with which Belarus is developing large-scale "
    "interaction in all areas of bilateral cooperation.",
    "Recall also that in 2021 the trade turnover between the two countries exceeded 200 million "
    "dollars.",
]


def test_the_sum_asked_for_is_among_the_candidates_shown() -> None:
    chunk, sentences = _one_passage(VIETNAM, [0.85, 0.80, 0.65])
    question = "How large was Belarus-Vietnam trade in 2021?"
    counts = {t: 20 for t in tokenize(question)}
    query = np.array([1.0, 0.0], dtype=np.float32)
    ranked = rank_candidates(question, [chunk], sentences, counts, query, 200)
    shown = [c.text for c in pick_candidates(ranked)]
    assert VIETNAM[2] in shown


OMAN = [
    'We should remind that "the highest level of the trade turnover between Belarus and Oman '
    'was registered in 2012".',
    "However, in 2020 the trade turnover between the countries amounted to only USD 1.15 "
    "million, the basis of which was formed by potash fertilizers and foodstuffs.",
]


def test_the_year_asked_about_comes_before_another_year() -> None:
    # The sentence about 2012 means more like the question; the one about 2020 answers it.
    chunk, sentences = _one_passage(OMAN, [0.85, 0.80])
    question = "What did Belarus mainly sell to Oman in 2020?"
    counts = {t: 20 for t in tokenize(question)}
    query = np.array([1.0, 0.0], dtype=np.float32)
    ranked = rank_candidates(question, [chunk], sentences, counts, query, 200)
    assert ranked[0].text == OMAN[1]
