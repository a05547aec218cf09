"""Which footnotes source one sentence, on passages of the corpus reports (issue 23, item 3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from index.records import Chunk, Citation, ParsedDocument
from index.text.chunk import chunk_document, citations_between
from index.text.sentences import split_sentences
from retrieval.hits import SentenceCitations
from retrieval.sentence_citations import cite_sentence

Parse = Callable[[str], ParsedDocument]
PROSPECTS = "belarus-asia-prospects-for-cooperation"
MARKETS = "belarus-new-export-markets"


def paragraph(doc: ParsedDocument, phrase: str) -> tuple[str, list[Citation]]:
    """The body paragraph holding ``phrase`` and the citations of its markers, as a passage."""
    at = doc.body.index(phrase)
    start = doc.body.rfind("\n\n", 0, at) + 2 if "\n\n" in doc.body[:at] else 0
    end = doc.body.find("\n\n", at)
    end = len(doc.body) if end < 0 else end
    return doc.body[start:end], citations_between(doc, start, end)


def cite(text: str, citations: list[Citation], phrase: str) -> SentenceCitations:
    """The citations of the sentence of ``text`` holding ``phrase``."""
    at = text.index(phrase)
    start, end = next((s, e) for s, e in split_sentences(text) if s <= at < e)
    return cite_sentence(text, citations, start, end)


def numbers(found: SentenceCitations) -> list[int]:
    return [c.n for c in found.citations]


@pytest.fixture(scope="module")
def trade_paragraph(parsed_doc: Parse) -> tuple[str, list[Citation]]:
    # "... rice, wheat and other crops"47. ... exceeded $53 million. At the same time, "export of
    # Belarusian goods amounted to $44.3 million..."48, and the trade surplus ... realistic.
    return paragraph(parsed_doc(PROSPECTS), "exceeded $53 million")


def test_the_53_million_sentence_is_credited_with_48_alone(
    trade_paragraph: tuple[str, list[Citation]],
) -> None:
    text, citations = trade_paragraph
    assert {47, 48} <= {c.n for c in citations}  # the passage has both
    found = cite(text, citations, "exceeded $53 million")
    assert numbers(found) == [48]
    assert found.attribution == "end of paragraph"
    note = found.citations[0].note or ""
    assert note.startswith("Trade and economic relations between the Republic of Belarus")
    # Its offset is past the sentence: the note was taken from the marker after it.
    sentence = text[text.index("It should be reminded") : text.index("$53 million.") + 12]
    assert found.citations[0].offset > len(sentence)


def test_a_marker_in_the_sentence_sources_it_and_only_it(
    trade_paragraph: tuple[str, list[Citation]],
) -> None:
    text, citations = trade_paragraph
    quote = cite(text, citations, "amounted to $44.3 million")
    assert numbers(quote) == [48]
    assert quote.attribution == "in the sentence"
    rice = cite(text, citations, "largest exporters of rice, wheat")
    assert numbers(rice) == [47]  # not 48 as well, though 48 follows in the paragraph
    assert rice.attribution == "in the sentence"
    # The sentence after note 47's has none of its own: 47 is not its source.
    assert 47 not in numbers(cite(text, citations, "The textile industry is also developed"))


def test_sentences_after_the_last_marker_get_no_note(
    trade_paragraph: tuple[str, list[Citation]],
) -> None:
    text, citations = trade_paragraph
    # The paragraph's closing sentences: no marker follows them in it, and the next
    # paragraph's notes ("As for the United Arab Emirates ...") are not theirs.
    for phrase in ("The dynamics of these indices", "plans for their implementation"):
        found = cite(text, citations, phrase)
        assert found == SentenceCitations([], None)


def test_a_marker_displaced_to_the_next_line_stays_with_its_sentence(parsed_doc: Parse) -> None:
    # The PDF text reads "... between Belarus and Tatarstan. \n25In April 2021, ...": the marker
    # lands at the start of the next sentence; it ends the one before.
    text, citations = paragraph(parsed_doc(MARKETS), "In April 2021, the two countries signed")
    marker = next(c for c in citations if c.n == 25)
    assert text[marker.offset : marker.offset + 8] == "In April"
    before = cite(text, citations, "humanitarian cooperation between Belarus and Tatarstan.")
    assert numbers(before) == [25] and before.attribution == "in the sentence"
    assert 25 not in numbers(cite(text, citations, "In April 2021, the two countries signed"))


def test_a_quotation_is_sourced_by_the_marker_that_closes_it(parsed_doc: Parse) -> None:
    # 'It turned out that "dairy products are quite widely used in Jordanian cuisine. The
    # country has its own production ... imported from abroad"6.': one note for the quotation.
    text, citations = paragraph(parsed_doc(MARKETS), "widely used in Jordanian cuisine")
    opening = cite(text, citations, "widely used in Jordanian cuisine")
    assert numbers(opening) == [6]
    assert opening.attribution == "closing the quotation"
    closing = cite(text, citations, "imported from abroad")
    assert numbers(closing) == [6] and closing.attribution == "in the sentence"
    # After the quotation: nothing follows in the paragraph, so no note.
    assert cite(text, citations, "Belarusian producers have tried").citations == []


def test_a_sentence_without_a_marker_takes_the_next_note_of_its_paragraph(
    parsed_doc: Parse,
) -> None:
    # "... the first batch of its products was shipped to Libya. "Several containers ... in
    # April5 ...": note 5 ("Rogachev ICC shipped the first batch of products to Libya") follows.
    text, citations = paragraph(parsed_doc(MARKETS), "was shipped to Libya")
    libya = cite(text, citations, "was shipped to Libya")
    assert numbers(libya) == [5] and libya.attribution == "end of paragraph"
    assert "Libya" in (libya.citations[0].note or "")
    # The paragraph's first sentence is credited the same way, never with a later note too.
    assert numbers(cite(text, citations, "Another enterprise in the Gomel region")) == [5]


def test_a_quotation_cut_by_the_passage_end_is_sourced_by_its_closing_note(
    parsed_doc: Parse,
) -> None:
    # The chunker adds the note of a quotation still open at a passage's end at that end; the
    # passage's last sentences, inside the quotation, are sourced by it.
    # (Word counts stand in for the model's tokens; so sized, a passage ends inside a quotation.)
    chunks = chunk_document(parsed_doc(MARKETS), lambda s: len(s.split()) * 13 // 10)
    chunk: Chunk = next(
        c for c in chunks if c.text.endswith("10 countries in the European region.")
    )
    assert [(c.n, c.offset) for c in chunk.citations if c.offset == len(chunk.text)] == [
        (4, len(chunk.text))
    ]
    for phrase in ("almost twice as much", "shipped to 10 countries"):
        found = cite(chunk.text, chunk.citations, phrase)
        assert numbers(found) == [4] and found.attribution == "closing the quotation"


def test_a_group_of_markers_is_taken_whole_with_its_labels() -> None:
    # "said.[5][*]": two notes cited together (one printed as "*"); the markers, removed from the
    # text, both sit at the full stop. The sentence before is sourced by both.
    text = "Trade grew. It rose again, they said.\n\nNext paragraph."
    end_of_second = text.index("said.") + 5
    cites = [
        Citation(5, "five", [], end_of_second),
        Citation(6, "six", [], end_of_second, "*"),
        Citation(7, "seven", [], len(text)),
    ]
    found = cite_sentence(text, cites, 0, text.index(" It"))
    assert [(c.n, c.label) for c in found.citations] == [(5, ""), (6, "*")]
    assert found.attribution == "end of paragraph"
    own = cite_sentence(text, cites, text.index("It"), end_of_second)
    assert [c.n for c in own.citations] == [5, 6] and own.attribution == "in the sentence"
