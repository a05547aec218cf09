"""Saved web pages: footnotes linked from the markup (MediaWiki, pandoc, EPUB 3, WordPress, a
plain superscript link), markers at the reference, notes kept where main-text extraction drops
their section, and no digit of a word taken for a marker."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
import trafilatura

from index.ingest.readers import read_source
from index.parse import parse_file
from index.records import Footnote, ParsedDocument
from tests.index.ingest.notes_support import dev_file, marked


def by_label(doc: ParsedDocument) -> dict[str, Footnote]:
    return {f.shown: f for f in doc.footnotes}


@pytest.fixture(scope="module")
def new_zealand() -> ParsedDocument:
    return parse_file(dev_file("html_wikipedia_new-zealand.html"))


def test_wikipedia_keeps_every_reference_list_entry(new_zealand: ParsedDocument) -> None:
    root = lxml.html.parse(str(dev_file("html_wikipedia_new-zealand.html"))).getroot()
    entries = root.xpath('//ol[contains(@class, "references")]/li[starts-with(@id, "cite_note")]')
    assert len(new_zealand.footnotes) == len(entries) == 379
    assert all(f.note for f in new_zealand.footnotes)
    assert new_zealand.warnings == []
    # The note text is the page's, without its backlinks ("^", "a b") and out of the body.
    ethnicity = by_label(new_zealand)["n 3"]
    assert ethnicity.note == (
        "Ethnicity figures add to more than 100% as people could choose more than one ethnic group."
    )
    assert "could choose more than one ethnic group" not in new_zealand.body


def test_wikipedia_links_every_reference_the_main_text_keeps(new_zealand: ParsedDocument) -> None:
    """Counted apart: each sup.reference outside the reference lists replaced by a word of its
    own, the page given to trafilatura as the reader does; the words that come back are the
    references in the main text. Those it drops sit in image captions and infobox lists."""
    root = lxml.html.parse(str(dev_file("html_wikipedia_new-zealand.html"))).getroot()
    refs = [
        sup
        for sup in root.xpath('//sup[contains(concat(" ", @class, " "), " reference ")]')
        if not sup.xpath('ancestor::ol[contains(@class, "references")]')
    ]
    in_captions_or_infobox = {
        i
        for i, sup in enumerate(refs)
        if sup.xpath('ancestor::div[contains(@class, "thumbcaption")]')
        or sup.xpath('ancestor::table[contains(@class, "infobox")]//li')
    }
    for i, sup in enumerate(refs):
        sup.tail = f" wrefw{i}w " + (sup.tail or "")
        sup.drop_tree()
    for ol in root.xpath('//ol[contains(@class, "references")]'):
        ol.drop_tree()
    text = trafilatura.extract(
        lxml.html.tostring(root, encoding="unicode"), include_tables=True, favor_recall=True
    )
    kept = {int(n) for n in re.findall(r"wrefw(\d+)w", text or "")}
    assert len(refs) == 438
    assert set(range(len(refs))) - kept <= in_captions_or_infobox
    assert len(new_zealand.marker_positions) == len(kept) == 431
    # Every marker is a bracketed label the page shows, never digits of a word.
    source = new_zealand.source_text
    shown = {source[m.char_start : m.char_end] for _, m in new_zealand.marker_positions}
    assert all(re.fullmatch(r"\[(?:n )?\d+\]", s) for s in shown)


def test_wikipedia_markers_sit_at_the_reference(new_zealand: ParsedDocument) -> None:
    before, notes = marked(new_zealand, 50), by_label(new_zealand)
    rugby = notes["124"]
    assert before[rugby.n] == ["n regional public holidays and sporting rivalries."]
    assert rugby.note is not None and rugby.note.startswith('"Overview – regional rugby".')
    assert rugby.urls == ["http://www.nzhistory.net.nz/culture/regional-rugby/overview"]
    boer = notes["117"]
    assert before[boer.n] == ["d wars, New Zealand fought in the Second Boer War,"]
    assert boer.urls == ["http://www.nzhistory.net.nz/war/the-south-african-boer-war/introduction"]
    # One note cited twice: both places, one note (its backlinks "a b" are not its text).
    cuisine = notes["363"]
    assert [b[-20:] for b in before[cuisine.n]] == [" Polynesia and Asia.", "ed a national dish)."]
    assert cuisine.note is not None and cuisine.note.startswith('"New Zealand Cuisine".')
    clock = notes["5"]
    assert clock.urls == ["http://www.stats.govt.nz/tools_and_services/population_clock.aspx"]
    assert clock.note is not None and clock.note.endswith("on the date shown in the citation.")
    assert any(b.endswith("an estimated 4,933,210.") for b in before[clock.n])
    # An explanatory note of the "n" group, linked in the article's text.
    assert before[notes["n 7"].n] == [" and the Ross Dependency are New Zealand citizens."]


def test_pandoc_notes_of_several_paragraphs() -> None:
    doc = parse_file(dev_file("html_pandoc_writer-testsuite.html"))
    notes = {f.n: f for f in doc.footnotes}
    assert sorted(notes) == [1, 2, 3, 4, 5] and all(f.kind == "endnote" for f in doc.footnotes)
    long_note = notes[2].note or ""
    assert long_note.startswith("Here’s the long note. This one contains multiple blocks.")
    assert "Subsequent blocks are indented to show that they belong to the footnote" in long_note
    assert "{ <code> }" in long_note
    assert long_note.endswith("just indent the first line of each block.")  # no "↩︎"
    assert notes[3].urls == ["http://google.com"]
    before = marked(doc, 50)
    assert before[1][0].endswith("Here is a footnote reference,")
    assert before[2][0].endswith("and another.")
    assert before[3][0].endswith("Here is an inline note.")
    assert before[4][0].endswith("Notes can go in quotes.")
    assert before[5][0].endswith("And in list items.")
    assert "because it contains a space.[^my note]" in doc.body  # not a note in HTML either
    assert "Here is the footnote." not in doc.body


def test_epub3_rearnotes_with_star_markers() -> None:
    path = dev_file("xhtml_epub3_waste-land_rearnotes.xhtml")
    assert read_source(path).notes is not None  # .xhtml is read as a web page
    doc = parse_file(path)
    assert len(doc.footnotes) == 20
    assert all(f.shown == "*" and f.kind == "endnote" and f.markers for f in doc.footnotes)
    before = marked(doc, 50)
    assert before[1][0].endswith("Son of man,")
    assert doc.footnotes[0].note == "Line 20. Cf. Ezekiel 2:1."  # the link to the line is text
    assert before[20][0].endswith("waiting for a knock upon the door.")
    assert doc.footnotes[19].note == "138. Cf. the game of chess in Middleton's Women beware Women."
    assert "Cf. Ezekiel" not in doc.body
    assert "*" not in doc.body  # the markers are out of the clean text


def test_wordpress_footnotes_and_soft_hyphens() -> None:
    doc = parse_file(dev_file("html_wordpress_de_steinzeitwissen-werkzeuge.html"))
    assert len(doc.footnotes) == 13
    first = doc.footnotes[0]
    assert first.note == (
        "Lutz Fiedler/ G. und W. Rosendahl, Altsteinzeit von A bis Z, Publikationen der "
        "Reiss-Engelhorn-Museen, Band 44, WBG, Darmstadt, 2011, S. 13"
    )
    before = marked(doc, 50)
    assert before[5] == ["tücke auf, die morphologisch Schabern entsprechen."]
    # The page cites note 9 twice and never note 10: note 10 is kept all the same.
    assert len(before[9]) == 2 and 10 not in before
    assert (doc.footnotes[9].note or "").startswith("Joachim Hahn, 1991, S. 177")
    assert "\u00ad" not in doc.source_text and "Schaber sind zwar typisch" in doc.body


PHONES = """<html><head><title>Phones of 2012</title></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Phones of 2012</h1>
<p>The first phones with HTML5 video ran on ARMv7 cores and sold 12 million units in 2012.<sup>
<a href="#note-1">1</a></sup> Their batteries lasted a day at most, as the tests of the year
showed.<sup>[<a href="#note-2">2</a>]</sup></p>
<p>See the <sup><a href="#methods">methods</a></sup>, which all the labs that took part in the
study agreed upon in that year before the first phones were tested.</p>
<h2 id="methods">Methods</h2><p>Each lab tested ten phones of each model for a week and reported
the hours of use per charge.</p>
<h2>Notes</h2>
<ol><li id="note-1">Sales figures: <a href="https://example.org/sales-2012">Example Research</a>,
2013. <a href="#top">^</a></li><li id="note-2">Battery tests, https://example.org/battery.</li></ol>
</article></body></html>"""


def test_a_plain_superscript_link_to_a_list_item_is_a_note(tmp_path: Path) -> None:
    page = tmp_path / "phones.html"
    page.write_text(PHONES, encoding="utf-8")
    doc = parse_file(page)
    assert [(f.n, f.note) for f in doc.footnotes] == [
        (1, "Sales figures: Example Research, 2013."),
        (2, "Battery tests, https://example.org/battery."),
    ]
    assert doc.footnotes[0].urls == ["https://example.org/sales-2012"]
    assert doc.footnotes[1].urls == ["https://example.org/battery"]
    before = marked(doc, 50)
    assert before[1][0].endswith("sold 12 million units in 2012.")
    assert before[2][0].endswith("as the tests of the year showed.")
    assert len(doc.marker_positions) == 2  # not the 5 of HTML5, the 7 of ARMv7, nor "methods"
    assert "HTML5 video ran on ARMv7 cores" in doc.body and "[]" not in doc.body
    assert "Each lab tested ten phones" in doc.body  # a link to a heading is no note
    assert doc.body.endswith("the hours of use per charge.")  # the notes' labels are not body


def test_a_page_without_notes_leaves_them_to_text_detection(tmp_path: Path) -> None:
    page = tmp_path / "phones.html"
    page.write_text(re.sub(r"<sup>.*?</sup>", "", PHONES, flags=re.DOTALL), encoding="utf-8")
    assert read_source(page).notes is None


# Notes as other tools write them (their documented output), each with a backlink or a label
# that is not note text.
GENERATORS = {
    "markdown-it": (
        '<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>',
        '<hr class="footnotes-sep"><section class="footnotes"><ol class="footnotes-list">'
        '<li id="fn1" class="footnote-item"><p>Minutes of the council, '
        '<a href="https://example.org/minutes">online</a>. '
        '<a href="#fnref1" class="footnote-backref">↩︎</a></p></li></ol></section>',
    ),
    "kramdown": (
        '<sup id="fnref:1" role="doc-noteref"><a href="#fn:1" class="footnote">1</a></sup>',
        '<div class="footnotes" role="doc-endnotes"><ol><li id="fn:1" role="doc-endnote">'
        "<p>Minutes of the council, online. "
        '<a href="#fnref:1" class="reversefootnote" role="doc-backlink">&#8617;</a></p></li>'
        "</ol></div>",
    ),
    "python-markdown": (
        '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>',
        '<div class="footnote"><hr /><ol><li id="fn:1"><p>Minutes of the council, online.&#160;'
        '<a class="footnote-backref" href="#fnref:1" title="Jump back">&#8617;</a></p></li></ol>'
        "</div>",
    ),
    "github": (
        '<sup><a href="#user-content-fn-1" id="user-content-fnref-1" data-footnote-ref="">1</a>'
        "</sup>",
        '<section data-footnotes="" class="footnotes"><h2 id="footnote-label">Footnotes</h2><ol>'
        '<li id="user-content-fn-1"><p>Minutes of the council, online. '
        '<a href="#user-content-fnref-1" data-footnote-backref="">↩</a></p></li></ol></section>',
    ),
    "htmlbook": (
        '<sup><a data-type="noteref" id="n1-marker" href="#n1">1</a></sup>',
        '<div data-type="footnotes"><p data-type="footnote" id="n1">'
        '<sup><a href="#n1-marker">1</a></sup>Minutes of the council, online.</p></div>',
    ),
    "epub-aside": (
        '<a epub:type="noteref" href="#n1">1</a>',
        '<aside epub:type="footnote" id="n1"><p>Minutes of the council, online.</p></aside>',
    ),
    "named-anchor": (
        '<sup><a href="#fn1">1</a></sup>',
        '<p><a name="fn1"></a>1. Minutes of the council, online.</p>',
    ),
}
COUNCIL = (
    "<p>The council met on Monday and agreed on the budget for the coming year after a long "
    "debate among its members.{ref} The meeting then closed, and the members went home after a "
    "long day of talks about roads, schools and the new library.</p>"
)


@pytest.mark.parametrize("tool", sorted(GENERATORS))
def test_notes_as_other_tools_write_them(tmp_path: Path, tool: str) -> None:
    ref, notes = GENERATORS[tool]
    page = tmp_path / "council.html"
    page.write_text(
        f"<html><head><title>Council</title></head><body><article><h1>Council</h1>"
        f"{COUNCIL.format(ref=ref)}{COUNCIL.format(ref='')}{notes}</article></body></html>",
        encoding="utf-8",
    )
    doc = parse_file(page)
    assert [f.note for f in doc.footnotes] == ["Minutes of the council, online."]
    if tool == "markdown-it":
        assert doc.footnotes[0].urls == ["https://example.org/minutes"]
    assert [m.n for _, m in doc.marker_positions] == [1]
    assert marked(doc, 50)[1][0].endswith("after a long debate among its members.")
    assert "Minutes of the council" not in doc.body
