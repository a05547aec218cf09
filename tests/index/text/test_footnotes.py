"""Footnotes on the real corpus and PDFs: which numbers are markers, which notes they link to.

Expected values were read off the source files by hand: marker shapes such as ``cooperation"1 .``
or ``IN 202031.``, the note blocks at page bottoms, and which notes extraction lost.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pytest

from index.records import Footnote, Marker, Page, ParsedDocument
from index.text.footnotes import (
    MEDIUM,
    STRONG,
    extract_urls,
    find_pdf_note_block,
    join_note_lines,
    marker_candidates,
    parse_note_block,
    repair_urls,
)

Parsed = Callable[[str], ParsedDocument]

PROSPECTS = "belarus-asia-prospects-for-cooperation"
EXPORT = "belarus-new-export-markets"
DOC_2021 = "belarus-asia-africa-latin-america-2021"
PAKISTAN = ("pakistan-belarus-foreign-ministers-meeting", "pakistan-belarus-relations-akram-2021")

# Notes whose text is not in the file (checked line by line in the source).
LOST = {
    PROSPECTS: [64, 65, *range(95, 104), *range(107, 143)],
    EXPORT: [64, 65, *range(68, 73), 74, 75, *range(77, 85), 99, 100, 105, 106, 107],
}


def markers(doc: ParsedDocument) -> list[Marker]:
    return [marker for _, marker in doc.marker_positions]


def note(doc: ParsedDocument, n: int, page: int | None = None) -> Footnote:
    """The note printed as ``n`` (on ``page``): a PDF read by layout numbers its notes 1, 2, ...
    through the document and keeps the printed number as the label (``shown``)."""
    found = [f for f in doc.footnotes if f.shown == str(n) and (page is None or f.page == page)]
    assert len(found) == 1, (n, page, found)
    return found[0]


def text_of(doc: ParsedDocument, n: int, page: int | None = None) -> str:
    found = note(doc, n, page).note
    assert found is not None, n
    return found


def find(text: str, pattern: str) -> re.Match[str]:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, pattern
    return match


# --- which numbers are markers -------------------------------------------------------------


@pytest.mark.parametrize(("stem", "last"), [(PROSPECTS, 142), (EXPORT, 109), (DOC_2021, 12)])
def test_markers_run_from_one_to_the_last_note(parsed_doc: Parsed, stem: str, last: int) -> None:
    doc = parsed_doc(stem)
    assert [m.n for m in markers(doc)] == list(range(1, last + 1))
    for marker in markers(doc):
        assert doc.source_text[marker.char_start : marker.char_end] == str(marker.n)
        assert doc.page_of(marker.char_start) == marker.page


@pytest.mark.parametrize("stem", PAKISTAN)
def test_articles_without_footnotes_have_none(parsed_doc: Parsed, stem: str) -> None:
    doc = parsed_doc(stem)
    assert doc.footnotes == [] and doc.marker_positions == []
    assert doc.warnings == []


@pytest.mark.parametrize(
    ("stem", "pattern", "n"),
    [
        (PROSPECTS, r'bilateral cooperation"(1) \.', 1),
        (PROSPECTS, r'China became the second largest trade partner of Belarus\."(3) \.', 3),
        (PROSPECTS, r"\n(58)As for the", 58),
        (EXPORT, r'markets"(1)\. This is evidenced', 1),
        (EXPORT, r"in the previous year(3)\$25 million", 3),
        (EXPORT, r"products(108)Kazakhstan shows", 108),
        (EXPORT, r'enterprises"\. As (109)these areas', 109),
        (EXPORT, r"USD 12\.2 \n\nMILLION IN 2020(31)\. Nevertheless", 31),
        (EXPORT, r'colleagues(22)"23\.', 22),
        (EXPORT, r'colleagues22"(23)\.', 23),
        (EXPORT, r'within the EAEU" (106) \n', 106),
        (DOC_2021, r"efforts were yet to be consolidated\.(1)\n", 1),
        (DOC_2021, r"mentioned in early 2021\.(11) From May 31", 11),
    ],
)
def test_hard_markers_are_found_where_they_are(
    parsed_doc: Parsed, stem: str, pattern: str, n: int
) -> None:
    doc = parsed_doc(stem)
    match = find(doc.source_text, pattern)
    assert Marker(n, doc.page_of(match.start(1)), match.start(1), match.end(1)) in markers(doc)


@pytest.mark.parametrize(
    ("stem", "pattern"),
    [
        (PROSPECTS, r"amounted to \$(1\.25) billion"),
        (PROSPECTS, r"^(18) $"),  # a page number at the top of a page
        (PROSPECTS, r"^(44) $"),
        (PROSPECTS, r"at least (200) BELARUS tractors"),
        (EXPORT, r"increased (13)\(!\) times"),
        (EXPORT, r"School No(71)"),
        (EXPORT, r"^ (15) $"),
        (EXPORT, r"Bryansk (1) - Bryansk (2) Protective Dam"),
        (EXPORT, r"\((1)st stage\)"),
        (DOC_2021, r"stood at USD(92\.6) million"),
        (DOC_2021, r"surplus of USD(63\.6) million"),
        (DOC_2021, r"by (170\.4)% and (18\.8)%"),
        (DOC_2021, r"From May (31) to June"),
    ],
)
def test_numbers_that_are_not_markers_stay_text(
    parsed_doc: Parsed, stem: str, pattern: str
) -> None:
    doc = parsed_doc(stem)
    match = find(doc.source_text, pattern)
    spans = [(match.start(g), match.end(g)) for g in range(1, (match.lastindex or 0) + 1)]
    for marker in markers(doc):
        for start, end in spans:
            assert not (start <= marker.char_start < end), (pattern, marker)


@pytest.mark.parametrize("stem", [PROSPECTS, EXPORT, DOC_2021])
def test_no_year_is_taken_for_a_marker(parsed_doc: Parsed, stem: str) -> None:
    doc = parsed_doc(stem)
    years = [m.span() for m in re.finditer(r"(?<!\d)(?:19|20)\d\d(?!\d)", doc.source_text)]
    assert len(years) > 10
    starts = {m.char_start for m in markers(doc)}
    assert not any(start <= s < end for start, end in years for s in starts)


def test_candidates_are_graded_by_shape(parsed_doc: Parsed) -> None:
    source = parsed_doc(EXPORT).source_text
    glued_year = find(source, r"IN 2020(31)\.")
    found = marker_candidates(source, glued_year.start(), glued_year.end())
    assert [(c.value, c.start, c.strength) for c in found] == [(31, glued_year.start(1), MEDIUM)]
    glued_word = find(source, r"products(108)Kazakhstan")
    found = marker_candidates(source, glued_word.start(), glued_word.end())
    assert [(c.value, c.strength) for c in found] == [(108, STRONG)]
    prospects = parsed_doc(PROSPECTS).source_text
    for text, label in (
        (source, r"School No71"),
        (source, r"13\(!\) times"),
        (prospects, r"\$1\.25 billion"),
    ):
        at = find(text, label)
        assert marker_candidates(text, at.start(), at.end()) == [], label


# --- which markers have notes ---------------------------------------------------------------


@pytest.mark.parametrize(("stem", "with_notes"), [(PROSPECTS, 95), (EXPORT, 87)])
def test_notes_found_and_lost(parsed_doc: Parsed, stem: str, with_notes: int) -> None:
    doc = parsed_doc(stem)
    assert sorted(f.n for f in doc.footnotes) == [m.n for m in markers(doc)]
    assert sum(f.note is not None for f in doc.footnotes) == with_notes
    assert sorted(f.n for f in doc.footnotes if f.note is None) == LOST[stem]
    assert f"{len(LOST[stem])} footnote(s) cited without their note" in " ".join(doc.warnings)


@pytest.mark.parametrize("stem", [PROSPECTS, EXPORT])
def test_lost_notes_are_really_absent_from_the_file(parsed_doc: Parsed, stem: str) -> None:
    source = parsed_doc(stem).source_text
    for n in LOST[stem]:
        # A note line is its number, white space, then text; none exists for a lost note.
        assert not re.search(rf"(?m)^ ?{n}[ \t]+\S", source), n


@pytest.mark.parametrize("stem", [PROSPECTS, EXPORT])
def test_each_note_found_is_the_one_printed_under_its_number(parsed_doc: Parsed, stem: str) -> None:
    doc = parsed_doc(stem)
    pages = {page.number: page for page in doc.pages}
    for footnote in doc.footnotes:
        if footnote.note is None:
            assert footnote.page is None and footnote.urls == []
            continue
        assert footnote.page is not None
        page = pages[footnote.page]
        block = doc.source_text[page.body_end : page.end]
        head = re.escape(footnote.note[:30]).replace(r"\ ", r"\s+")
        assert re.search(rf"(?m)^ ?{footnote.n}\s+{head}", block), footnote.n
        # Notes print at the bottom of the page that cites them.
        assert [m.page for m in footnote.markers] == [footnote.page]


def test_the_2021_chapter_has_endnote_markers_without_notes(parsed_doc: Parsed) -> None:
    doc = parsed_doc(DOC_2021)
    assert [(f.n, f.note, f.urls) for f in doc.footnotes] == [(n, None, []) for n in range(1, 13)]
    assert doc.warnings == ["12 footnote(s) cited without their note in the source"]


def test_a_marker_without_its_note_is_an_empty_footnote(parsed_doc: Parsed) -> None:
    footnote = dataclasses.asdict(note(parsed_doc(PROSPECTS), 107))
    assert {k: footnote[k] for k in ("n", "note", "urls")} == {"n": 107, "note": None, "urls": []}
    assert [m["n"] for m in footnote["markers"]] == [107]


# --- note text -------------------------------------------------------------------------------


def test_note_text_is_joined_across_lines_with_its_url_whole(parsed_doc: Parsed) -> None:
    first = note(parsed_doc(PROSPECTS), 1)
    url = (
        "https://www.belta.by/politics/view/sotrudnichestvo-so-stranami-aziatskogo-regiona-bylo-"
        "i-ostaetsja-odnim-iz-prioritetov-vneshnej-politiki-445159-2021/"
    )
    assert first.note == (
        "Cooperation with the countries of the Asian region has been and remains one of the "
        "priorities of Belarus' foreign policy - Borysievich [Electronic resource]. - 2021. - "
        f"URL: {url}"
    )
    assert first.urls == [url]  # "odnim-iz-" + "prioritetov": the URL's own hyphen is kept
    assert first.page == 1


def test_spaces_extraction_put_into_a_url_are_removed(parsed_doc: Parsed) -> None:
    doc = parsed_doc(PROSPECTS)
    assert "https://www. belta. by/economics/view/pakistan" in doc.source_text
    assert note(doc, 41).urls == [
        "https://www.belta.by/economics/view/pakistan-zainteresovan-v-ukreplenii-ekonomichesogo-"
        "sotrudnichestva-s-belarusjju-462939-2021/"
    ]
    # Host broken over a line and the file extension split off: "mfa. gov. \nby/...ccba. html."
    assert note(doc, 82).urls == ["http://mfa.gov.by/press/news_mfa/b49e0d253459ccba.html"]
    assert text_of(doc, 82).endswith("ccba.html.")


def test_truncated_notes_are_kept_as_they_are(parsed_doc: Parsed) -> None:
    export = parsed_doc(EXPORT)
    assert note(export, 55).note == (
        "MTZ has signed an agreement to supply and assemble tractors in India [Electronic"
    )
    assert note(export, 55).urls == []
    cut = note(parsed_doc(PROSPECTS), 63)
    assert cut.note is not None
    assert cut.note.endswith(
        "URL: https://www.belta.by/economics/view/belarus-zainteresovana-v-"
        "naraschivanii-postavok-prodovolstvija-v-"
    )
    # The lost notes' stray last line below it is not glued on.
    assert "Septemvri" not in cut.note


def test_a_note_line_starting_with_a_number_continues_the_note(parsed_doc: Parsed) -> None:
    # Note 58's second line is "13 times / E. Pivovar // ...": not note 13.
    text = note(parsed_doc(EXPORT), 58).note
    assert text is not None and "for 5 years increased 13 times / E. Pivovar" in text


def test_note_67_after_an_indented_link_tail_is_found(parsed_doc: Parsed) -> None:
    doc = parsed_doc(EXPORT)
    assert note(doc, 67).note == (
        "Zalessky, B. Real multi-vectorism. Belarus in the system of foreign relations / "
        "B. Zalessky. - LAP LAMBERT Academic Publishing, 2015. - – C. 26."
    )
    assert text_of(doc, 66).endswith("- – 2021. - URL:")


def test_parse_note_block_reads_a_real_block(parsed_doc: Parsed) -> None:
    source = parsed_doc(EXPORT).source_text
    start = find(source, r"^1 Zalessky, B\. With an eye to the future").start()
    end = find(source, r"^ as much as during the same period last year").start()
    notes = parse_note_block(source, start, end, page=1)
    assert [(f.n, f.page) for f in notes] == [(1, 1), (2, 1), (3, 1)]
    assert notes[1].urls == [
        "https://www.belta.by/economics/view/belarus-v-i-kvartale-uvelichila-eksport-tovarov-"
        "i-uslug-na-195-do-103-mlrd-441081-2021/"
    ]
    assert notes[2].note is not None and notes[2].note.startswith(
        "In January-February, the Gomel region shipped $745 million worth of products for export "
        "[Electronic resource]."
    )


def test_join_note_lines_tells_a_url_break_from_a_word_break() -> None:
    lines = [
        "Trade and economic relations [Electronic resource]. - 2021. - URL: https://www.belta.by/",
        "economics/view/belarus-",
        "i-iran-439208-2021/ (accessed 2021-",
        "05-01). Cited by the well-",
        "known weekly.",
    ]
    text = join_note_lines(lines, [True, True, True, True, True])
    assert "https://www.belta.by/economics/view/belarus-i-iran-439208-2021/" in text
    assert text.endswith("Cited by the well-known weekly.")
    assert extract_urls(text) == ["https://www.belta.by/economics/view/belarus-i-iran-439208-2021/"]


def test_repair_urls_leaves_prose_alone() -> None:
    prose = "Minsk. Grodno. See https://www. belta. by/news. Then the report. Html pages vary."
    repaired = "Minsk. Grodno. See https://www.belta.by/news. Then the report. Html pages vary."
    assert repair_urls(prose) == repaired
    assert extract_urls(repaired) == ["https://www.belta.by/news"]


# --- PDFs ------------------------------------------------------------------------------------


R_INTRO_NOTE_PAGES = {
    11: [1, 2, 3],
    12: [4, 5],
    14: [1, 2],
    18: [3],
    20: [1, 2],
    21: [3],
    22: [4],
    23: [1],
    24: [2],
    30: [1],
    31: [2],
    38: [1],
    39: [1],
    49: [1],
    52: [1],
    57: [2],
    58: [3],
    81: [1],
    106: [1, 2, 3, 4],
}


def test_r_intro_notes_restart_per_chapter_and_link_on_their_page(parsed_doc: Parsed) -> None:
    doc = parsed_doc("R-intro.pdf")
    by_page: dict[int, list[int]] = {}
    for footnote in doc.footnotes:
        assert footnote.page is not None and footnote.note
        by_page.setdefault(footnote.page, []).append(int(footnote.shown))
        assert [m.page for m in footnote.markers] == [footnote.page], footnote
    assert by_page == R_INTRO_NOTE_PAGES
    assert len(by_page) == 19
    assert doc.warnings == []


@pytest.mark.parametrize(
    ("page", "n", "marked", "text"),
    [
        (11, 1, r"symbols are allowed(1) \(and", "For portable R code (including that to be used"),
        (11, 2, r"almost(2) anywhere", "not inside strings, nor within the argument list"),
        (11, 3, r"are limited(3) to about", "some of the consoles will not allow you to enter"),
        (12, 4, r"If commands(4) are stored", "of unlimited length."),
        (12, 5, r"called \.RData(5) in the", "The leading “dot” in this file name makes it"),
        (106, 1, None, "The ‘Emacs Speaks Statistics’ package; see the URL"),
        (106, 4, r"not all versions(4) of readline", "In particular, not versions 6.3 or later"),
    ],
)
def test_r_intro_markers_glued_to_words_link_to_their_notes(
    parsed_doc: Parsed, page: int, n: int, marked: str | None, text: str
) -> None:
    doc = parsed_doc("R-intro.pdf")
    footnote = note(doc, n, page)
    assert footnote.note is not None and footnote.note.startswith(text)
    (marker,) = footnote.markers
    assert marker.page == page
    if marked:
        at = find(doc.source_text[doc.pages[page - 1].start :], marked)
        assert marker.char_start == doc.pages[page - 1].start + at.start(1)
    assert footnote.urls == (["https://ESS.R-project.org/"] if (page, n) == (106, 1) else [])


def test_mdwtools_glued_note_numbers_symbol_note_and_page_number(parsed_doc: Parsed) -> None:
    doc = parsed_doc("mdwtools-footnote.pdf")
    # The "∗" note of the title is a footnote of its own, cited by the raised ∗ after "footnote".
    assert [(f.shown, f.page) for f in doc.footnotes] == [("∗", 1), ("1", 1), ("2", 2), ("3", 3)]
    title = doc.footnotes[0]
    assert title.note == "The footnote package is currently at version 1.13, dated 28 January 1997."
    (star,) = title.markers
    assert doc.source_text[star.char_start - 12 : star.char_end] == "The footnote∗"
    # "1The mdwtab ..." then the page number "1": neither the number nor the "∗" note above it
    # belongs to the text of note 1.
    assert note(doc, 1).note == (
        "The mdwtab package, provided in this distribution, handles footnotes correctly anyway; "
        "it uses an internal version of this package to do so."
    )
    assert text_of(doc, 2).endswith("rather than doing it his way.")
    assert text_of(doc, 3).endswith("a long time coming.")
    tabular = find(doc.source_text, r"minipage and tabular(1)\)")
    assert [(m.page, m.char_start, m.char_end) for m in note(doc, 1).markers] == [
        (1, tabular.start(1), tabular.end(1))
    ]
    first_page = doc.pages[0]
    symbol_note = doc.source_text.index("∗The footnote package is currently at version 1.13")
    assert first_page.body_end <= symbol_note < first_page.end


def test_a_pdf_note_block_starts_at_its_note_not_at_a_wrapped_line_with_its_number() -> None:
    # A note's wrapped line that begins with the note's own number ("5 and 40 percent", set
    # full size as the note labels are): the block starts at the note, not at the wrap.
    page = (
        "dry months to between 1.1 and 1.3 cubic feet per second.5 Kestrel sued in 2022.\n"
        "The trial court dismissed the complaint.6 Until 2017, Kestrel received\n"
        "5 App. 88\u201391 (gauge records). The District\u2019s own engineer esti-\n"
        "mated that the dam reduced summer flows at the headgate by between\n"
        "5 and 40 percent, depending on releases. App. 102.\n"
        "6 App. to Juris. Statement 31a\u201333a.\n"
    )
    start, first = find_pdf_note_block(page, Page(3, 0, len(page), len(page)), 5)
    assert (page[start:].split("\n", 1)[0], first) == (
        "5 App. 88\u201391 (gauge records). The District\u2019s own engineer esti-",
        5,
    )
    notes = parse_note_block(page, start, len(page), 3, first)
    assert [n.n for n in notes] == [5, 6]
    assert (notes[0].note or "").endswith(
        "by between 5 and 40 percent, depending on releases. App. 102."
    )


def test_a_note_line_wrapped_before_a_smaller_number_keeps_the_page_block() -> None:
    # Note 12 wraps before "4 R. Tarrant, Water Rights": no note of a block that opens at 12
    # can be numbered 4, so the block (and every note after it) is still read.
    page = (
        "The case says nothing about an injury that does not occur until years later.12\n"
        "The District also relies on the rule.13\n"
        "12 See Marrow v. State, 230 Lanm. 611, 615 (1996); see generally\n"
        "4 R. Tarrant, Water Rights \u00a7 12.3 (2019).\n"
        "13 Quade v. Lusk, 255 Lanm. 300, 304 (2009).\n"
    )
    start, first = find_pdf_note_block(page, Page(4, 0, len(page), len(page)), 12)
    assert (page[start:].split(" ", 1)[0], first) == ("12", 12)
    notes = parse_note_block(page, start, len(page), 4, first)
    assert [n.n for n in notes] == [12, 13]
    assert (notes[0].note or "").endswith(
        "see generally 4 R. Tarrant, Water Rights \u00a7 12.3 (2019)."
    )


@pytest.mark.parametrize(
    ("expected", "notes", "wrapped"),
    [
        # "3 and 7 percent" wraps note 4 in a block from note 1
        (
            1,
            "1 App. 12.\n2 App. 14\u201319.\n3 Jonah Merrilees and Petra Vance.\n"
            "4 App. 45\u201347. The expert found that 38 of the 41 quotes were between\n"
            "3 and 7 percent below the rates recorded in the lane book.\n"
            "5 Lanm. Code \u00a7 9\u20131701 et seq.\n",
            "were between 3 and 7 percent below the rates recorded in the lane book.",
        ),
        # "12 months" wraps note 13 after a sentence's end, note 12 printed above it
        (
            12,
            "12 Id.; App. 52.\n"
            "13 App. 71\u201374. The clause survives the end of employment.\n"
            "12 months is the term of its separate non-solicitation clause.\n"
            "14 Tamsin Mills, 204 Lanm. at 63.\n",
            "employment. 12 months is the term of its separate non-solicitation clause.",
        ),
    ],
)
def test_wrapped_note_lines_that_begin_with_numbers_the_block_has_passed(
    expected: int, notes: str, wrapped: str
) -> None:
    # Neither number says that the page's note block starts lower down.
    body = "".join(f"the shippers named in the record.{n} " for n in range(expected, expected + 5))
    page = body + "\n" + notes
    start, first = find_pdf_note_block(page, Page(2, 0, len(page), len(page)), expected)
    assert (start, first) == (len(body) + 1, expected)
    found = parse_note_block(page, start, len(page), 2, first)
    assert [n.n for n in found] == list(range(expected, expected + len(found)))
    assert any((n.note or "").endswith(wrapped) for n in found)
