"""The notes a hit was found through and ``cites:`` suggestions (``retrieval.cites``), on the notes
of a corpus report. The searcher, the API, the CLI and the page use them in
tests/retrieval/test_search_notes.py and tests/api/test_notes_search.py."""

from __future__ import annotations

from collections.abc import Callable

from index.records import Citation, ParsedDocument
from index.text.note_terms import passage_note_terms
from index.text.tokenize import tokenize
from retrieval.cites import closest_domain, note_for_terms, plan_cite

EXPORTS = "belarus-new-export-markets"


def _notes(parsed_doc: Callable[[str], ParsedDocument]) -> list[Citation]:
    return [Citation(f.n, f.note, f.urls, 10 * f.n, f.label) for f in parsed_doc(EXPORTS).footnotes]


def test_the_note_holding_the_rarest_query_word_is_the_reason(
    parsed_doc: Callable[[str], ParsedDocument],
) -> None:
    notes = _notes(parsed_doc)
    pivovar = next(c for c in notes if "Pivovar" in (c.note or ""))
    others = [c for c in notes if c.n != pivovar.n and c.note][:5]
    terms = set(tokenize("Pivovar Belarus"))
    weights = {"pivovar": 5.0, "belarus": 0.1}
    assert note_for_terms([*others, pivovar], terms, weights) == pivovar
    # No note holds the words: no reason.
    assert note_for_terms(others, tokenize("zebrafish"), weights) is None


def test_an_unknown_domain_gets_the_closest_one_the_notes_link_to(
    parsed_doc: Callable[[str], ParsedDocument],
) -> None:
    vocabulary = set(passage_note_terms(_notes(parsed_doc)))
    assert closest_domain("belta.bz", vocabulary) == "belta.by"
    assert closest_domain("beltaa.by", vocabulary) == "belta.by"
    assert closest_domain("example.org", vocabulary) is None
    planned = plan_cite("belta.by", dict.fromkeys(vocabulary, 1))
    assert planned is not None and planned.known and planned.domain
