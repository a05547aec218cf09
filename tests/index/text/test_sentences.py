"""Sentence splitting of the corpus's clean text: abbreviations, initials, decimals, elisions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from index.records import ParsedDocument
from index.text.sentences import split_sentences

Parsed = Callable[[str], ParsedDocument]

PROSPECTS = "belarus-asia-prospects-for-cooperation"
EXPORT = "belarus-new-export-markets"
CORPUS = [
    PROSPECTS,
    EXPORT,
    "belarus-asia-africa-latin-america-2021",
    "pakistan-belarus-relations-akram-2021",
    "pakistan-belarus-foreign-ministers-meeting",
]


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def sentence_with(doc: ParsedDocument, words: str) -> str:
    found = [s for s in sentences(doc.body) if words in s]
    assert len(found) == 1, (words, found)
    return found[0]


@pytest.mark.parametrize("stem", CORPUS)
def test_spans_are_ordered_trimmed_and_cover_all_text(parsed_doc: Parsed, stem: str) -> None:
    body = parsed_doc(stem).body
    spans = split_sentences(body)
    assert len(spans) > 20
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start and body[end:start].strip() == ""
    assert body[: spans[0][0]].strip() == "" and body[spans[-1][1] :].strip() == ""
    for start, end in spans:
        assert body[start:end] == body[start:end].strip() != ""
        assert "\n\n" not in body[start:end]  # a paragraph always ends a sentence


@pytest.mark.parametrize(
    ("stem", "words", "whole"),
    [
        # An initial is not a sentence end.
        (
            EXPORT,
            "V. Orban",
            "For example, at the tenth meeting of the Intergovernmental Belarusian-Hungarian "
            "Commission for Economic Cooperation, which was held in May 2020, discussions focused "
            'primarily on "pressing issues of trade cooperation, as well as the status of '
            "partnerships in agriculture, pharmaceuticals, energy, transport, science, education, "
            "and tourism, economic engagement was the focus of a visit to Belarus by Hungarian "
            "Prime Minister V. Orban.",
        ),
        # Decimals and "No." neither.
        (PROSPECTS, "$1.25 billion", None),
        (PROSPECTS, 'Directive No. 9 "On the Development', None),
        (PROSPECTS, "Y. Kupala Streets", None),
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_sentences(
    parsed_doc: Parsed, stem: str, words: str, whole: str | None
) -> None:
    sentence = sentence_with(parsed_doc(stem), words)
    if whole is not None:
        assert sentence == whole
    assert sentence.endswith((".", '."', '".', ".”", "”."))


def test_a_dotted_acronym_does_not_end_a_sentence() -> None:
    text = "Who signed it? It was ratified by the U.S. Senate in 1999. The U.K. did not."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Who signed it?",
        "It was ratified by the U.S. Senate in 1999.",
        "The U.K. did not.",
    ]


def test_an_elision_before_a_full_stop_ends_the_sentence(parsed_doc: Parsed) -> None:
    found = sentences(parsed_doc(EXPORT).body)
    (i,) = [i for i, s in enumerate(found) if "exports of goods increased by 24.9%" in s]
    assert found[i].endswith('"exports of goods increased by 24.9% to $8.023 billion <...>.')
    assert found[i + 1] == "Services exports increased by 3.8% to $2.287 billion."


def test_a_quotation_closing_after_the_full_stop_stays_with_its_sentence() -> None:
    text = (
        'He said, "There are boundless opportunities for us there." The ministry agreed. '
        "Trade grew 9.7% (from USD 2.1 billion). Exports rose (see p. 5) again!"
    )
    assert sentences(text) == [
        'He said, "There are boundless opportunities for us there."',
        "The ministry agreed.",
        "Trade grew 9.7% (from USD 2.1 billion).",
        "Exports rose (see p. 5) again!",
    ]
