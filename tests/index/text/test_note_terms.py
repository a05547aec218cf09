"""What a passage's notes are searched by (``index.text.note_terms``), on the notes of a corpus
report: their words without their links' slugs, the domains they link to, each note once."""

from __future__ import annotations

from collections.abc import Callable

from index.records import Citation, ParsedDocument
from index.text.note_terms import (
    domain_key,
    note_terms,
    passage_note_terms,
    url_domains,
)
from index.text.tokenize import tokenize

EXPORTS = "belarus-new-export-markets"


def test_a_link_cites_its_host_and_every_parent_domain() -> None:
    assert url_domains("https://www.belta.by/economics/view/x-1/") == ["belta.by"]
    assert url_domains("http://eng.belta.by:8080/a?b=c") == ["eng.belta.by", "belta.by"]
    assert url_domains("https://news.bbc.co.uk/x") == ["news.bbc.co.uk", "bbc.co.uk", "co.uk"]
    assert url_domains("www.mfa.gov.by") == ["mfa.gov.by", "gov.by"]
    assert url_domains("https://президент.бел/ru") == ["xn--d1abbgf6aiiy.xn--90ais"]
    for not_a_link in ("not a url", "https://localhost/x", "http://10.0.0.1/x", ""):
        assert url_domains(not_a_link) == []


def test_a_cites_value_is_a_domain_only_when_it_looks_like_one() -> None:
    assert domain_key("belta.by") == domain_key("www.BelTA.by") == "belta.by"
    assert domain_key("https://www.belta.by/economics/view/1") == "belta.by"
    assert domain_key("президент.бел") == "xn--d1abbgf6aiiy.xn--90ais"
    for name in ("Pivovar", "World Bank", "U.S.", "2021.05"):
        assert domain_key(name) is None


def test_notes_of_a_report_are_searched_by_words_and_domains(
    parsed_doc: Callable[[str], ParsedDocument],
) -> None:
    notes = parsed_doc(EXPORTS).footnotes
    linked = [n for n in notes if any("belta.by" in u for u in n.urls)]
    assert len(linked) >= 40  # 45 of its 63 notes with a link point to BelTA's news
    for note in linked:
        terms = note_terms(note.note, note.urls)
        assert "belta.by" in terms
        # The link's slug ("belarus-v-i-kvartale-uvelichila...") is no word of the note.
        slug = note.urls[0].rstrip("/").rsplit("/", 1)[-1]
        words = [t for t in tokenize(slug.replace("-", " ")) if not t.isdigit()]
        without_link = tokenize((note.note or "").split("URL:")[0])
        assert [w for w in words if w in terms and w not in without_link] == []
    pivovar = [n for n in notes if "Pivovar" in (n.note or "")]
    assert pivovar and all("pivovar" in note_terms(n.note, n.urls) for n in pivovar)


def test_a_passage_counts_each_note_it_cites_once(
    parsed_doc: Callable[[str], ParsedDocument],
) -> None:
    note = next(n for n in parsed_doc(EXPORTS).footnotes if n.urls)
    once = Citation(note.n, note.note, note.urls, 10)
    again = Citation(note.n, note.note, note.urls, 90)
    assert passage_note_terms([once, again]) == note_terms(note.note, note.urls)
    assert passage_note_terms([]) == []
    lost = Citation(7, None, [], 5)  # a note whose text was lost adds nothing
    assert passage_note_terms([lost, once]) == note_terms(note.note, note.urls)
