"""The query's words marked in a passage as BM25 matched them (pure; real corpus sentences)."""

from __future__ import annotations

from retrieval.query import Vocabulary, parse_query, plan_query
from retrieval.word_spans import plan_phrases, word_spans

AFRICA = (
    "The preparation for the construction of a tractor plant in one of the African countries "
    "was mentioned in early 2021.11"
)
SCO = (
    "President Lukashenko attended the session of the SCO heads of state on September 17 in "
    "Dushanbe, and, on November 25, Prime Minister Golovchenko took part in the session."
)
PARK = (
    'enterprises within the framework of the Industrial Park "Great Stone", the main '
    "China-Belarus Industrial Park Great Stone, as well as over twenty more"
)


def marked(text: str, query: str) -> list[str]:
    """The words of ``text`` a search for ``query`` marks."""
    plan = plan_query(parse_query(query), Vocabulary({}), [])
    return [text[a:b] for a, b in word_spans(text, plan.bm25_terms, plan_phrases(plan))]


def test_a_stem_marks_the_word_in_another_form() -> None:
    assert marked(AFRICA, "tractors in Africa") == ["tractor"]
    assert marked(AFRICA, "African tractor plants") == ["tractor", "plant", "African"]


def test_a_cyrillic_name_marks_its_romanised_form() -> None:
    assert marked(SCO, "Лукашенко в Душанбе") == ["Lukashenko", "Dushanbe"]
    assert marked(SCO, "Лукашэнка") == ["Lukashenko"]  # Belarusian spelling, same name key


def test_stop_words_are_never_marked() -> None:
    # "the", "of", "on", "in" are in the query and all over the sentence: no term, no mark.
    assert marked(SCO, "the session of the heads of state in September") == [
        "session",
        "heads",
        "state",
        "September",
        "session",
    ]


def test_a_phrase_is_marked_whole_and_only_where_it_stands() -> None:
    spans = marked(PARK, '"Industrial Park Great Stone"')
    # Each occurrence of the phrase is one mark; its words elsewhere match BM25 too.
    assert "Industrial Park Great Stone" in spans
    assert marked(SCO, '"heads of state"') == ["heads of state"]
    # Words out of the phrase's order are no phrase: each is marked alone.
    assert marked("state of heads", '"heads of state"') == ["state", "heads"]


def test_excluded_words_are_not_marked() -> None:
    assert marked(AFRICA, "plant -tractors") == ["plant"]
