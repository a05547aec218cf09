"""The answering sentence: highlights, the kind of answer asked for, confidence and abstention."""

from __future__ import annotations

import pytest

from index.records import Citation
from index.text.sentences import sentence_spans
from retrieval.answer import (
    ANSWER_THRESHOLD,
    MISSING_OVERRIDE,
    MISSING_SHARE,
    MISSING_SHARE_ALWAYS,
    STRONG_MATCH,
    answer_score,
    answer_state,
    best_highlight,
    expected_answer_kind,
    holds_answer_kind,
    is_fragment,
    is_run_on,
    missing_names,
    missing_share,
)


def test_best_highlight_is_a_whole_sentence() -> None:
    text = "First sentence here. Second one answers. Third."
    spans = sentence_spans(text)
    # Note 4's marker ends the first sentence: it is not the highlighted one's; note 5's is.
    cites = [Citation(4, "four", [], text.index(" Second")), Citation(5, "five", [], 40)]
    highlight = best_highlight(text, spans, [0.1, 0.9, 0.2], cites)
    assert highlight is not None
    assert highlight.text == "Second one answers."
    assert text[highlight.start : highlight.end] == highlight.text
    assert [(c.n, c.offset) for c in highlight.citations] == [(5, len(highlight.text))]
    assert highlight.attribution == "in the sentence"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When were diplomatic relations between Belarus and Pakistan established?", "date"),
        ("In what year did the embassy open?", "date"),
        ("According to the report, how much did trade grow in 2021?", "number"),
        ("What share of exports went to Asia?", "number"),
        ("Who met Imran Khan in Dushanbe?", "person"),
        ("Which countries joined the forum?", "place"),
        ("Сколько тракторов собирают в Пакистане?", "number"),
        ("Когда открылось посольство?", "date"),
        ("What is special about the Smart Windows?", "other"),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str) -> None:
    assert expected_answer_kind(question) == kind


def test_headings_titles_and_scraps_are_never_answers() -> None:
    assert is_fragment("Prospects for effective cooperation")
    assert is_fragment("BELARUS AND PAKISTAN")
    assert is_fragment("See p. 12.")
    assert not is_fragment("In 2021, the figure was 508.4%.")
    assert not is_fragment("Lukashenko met with Pakistani Prime Minister Imran Khan in Dushanbe.")


def test_a_sentence_holds_the_kind_asked_for() -> None:
    sentence = "On 31 December 1991, Pakistan recognized the Republic of Belarus."
    assert holds_answer_kind(sentence, "date")
    assert holds_answer_kind(sentence, "number")
    assert holds_answer_kind(sentence, "place")
    assert not holds_answer_kind("the trade grew and grew.", "number")


def test_answer_states_strong_candidates_and_not_found() -> None:
    assert answer_state(STRONG_MATCH, 0.0) == "strong"
    assert answer_state(1.40, 0.0, strong=1.42) == "candidates"
    assert answer_state(ANSWER_THRESHOLD, 0.0, agreed=False) == "candidates"
    assert answer_state(ANSWER_THRESHOLD - 0.01, 0.0) is None
    # A run-on sentence (a list, a heading glued on) is never the one strong answer.
    assert answer_state(STRONG_MATCH + 0.2, 0.0, run_on=True) == "candidates"
    # A word no passage holds decides, unless the rest matches strongly.
    assert answer_state(ANSWER_THRESHOLD + 0.05, MISSING_SHARE) is None
    assert answer_state(MISSING_OVERRIDE, MISSING_SHARE, agreed=False) == "candidates"
    assert answer_state(MISSING_OVERRIDE, MISSING_SHARE) == "strong"
    # Most of the question's weight in words no passage holds: no answer, however strong.
    assert answer_state(STRONG_MATCH + 1.0, MISSING_SHARE_ALWAYS) is None
    assert missing_share({"brazil": 0, "belarus": 200, "sell": 10}, 300) > MISSING_SHARE
    assert missing_share({"belarus": 200}, 300) == 0.0
    # A name no passage holds decides however strong the rest is.
    assert answer_state(STRONG_MATCH + 1.0, 0.0, name_missing=True) is None


def test_a_sentence_of_sixty_words_or_more_is_a_run_on() -> None:
    assert not is_run_on("Lukashenko met with Imran Khan in Dushanbe on 17 September 2021.")
    assert is_run_on(" ".join(["word"] * 61) + ".")


def test_e_mail_headers_are_never_answers_nor_highlights() -> None:
    header = "Date: Tue, 31 May 2022 10:00:00 +0000 Hi desk, the ship left Klaipeda on 30 May."
    assert is_fragment(header)
    assert is_fragment("Subject: Potash shipments to Brazil are due in June this year.")
    assert is_fragment("Attachments: bill-of-lading.txt")
    text = f"{header}\n\nThe ship left Klaipeda on 30 May 2022 with potash."
    spans = sentence_spans(text)
    # The header line scores best and is still not the highlight: the passage has a sentence.
    highlight = best_highlight(text, spans, [0.9, 0.1], [])
    assert highlight is not None and highlight.text.startswith("The ship left")


def test_a_figure_is_a_quantity_not_a_year() -> None:
    assert not holds_answer_kind("In June 2021 the plan was adopted.", "number")
    assert holds_answer_kind("Trade stood at USD92.6 million in 2021.", "number")
    assert holds_answer_kind("Shipments increased nearly fourfold.", "number")
    # A year before a comma or at a sentence's end is still a year; a figure with a comma is not.
    assert not holds_answer_kind("In 2021, engagement with Iran and Oman grew.", "number")
    assert not holds_answer_kind("The plan was adopted in 2021.", "number")
    assert holds_answer_kind("Exports reached 2,021,000 tonnes.", "number")
    assert expected_answer_kind("Какую долю экспорта составляет продовольствие?") == "number"


def test_a_number_word_in_the_plural_is_a_quantity() -> None:
    # "How large is Afghanistan's need for tractors?" is answered by this sentence.
    sentence = (
        "The Afghan side wants the tractors back, the need is estimated at thousands of units."
    )
    assert holds_answer_kind(sentence, "number")
    assert holds_answer_kind("Hundreds of trucks were shipped to the island.", "number")
    assert holds_answer_kind("Dozens of companies took part.", "number")
    assert not holds_answer_kind("The trucks were shipped to the island.", "number")


def test_missing_names_are_capitalised_words_after_the_first() -> None:
    question = "Which firm bought tractors in Lebanon, according to Reuters?"
    assert missing_names(question, ["Which", "bought", "Lebanon", "Reuters"]) == [
        "Lebanon",
        "Reuters",
    ]
    assert missing_names(question, ["bought"]) == []


def test_the_first_passage_sentences_get_the_rank_prior() -> None:
    # Equal sentences: the one from the passage ranked first wins, by a margin that fades.
    first, second, fifth = (answer_score(0.8, 0.5, True, rank) for rank in (0, 1, 4))
    assert first > second > fifth
    assert first - fifth < 0.15
