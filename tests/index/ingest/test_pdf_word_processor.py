"""PDF notes of word-processor layouts (``index/ingest/pdf_layout.py`` and its stages): a court
opinion set the way US courts' word processors set one (body 12 pt double-spaced, notes at the
body's size but single-spaced under a short rule, a star note on the heading, raised labels in
the note zone, notes running over a page) and the same opinion with LibreOffice's endnotes
(i, ii, iii on the last page, long numerals printed against the note's first word).

Both are typeset here by ``eval/footnote_docs.py`` (recipes ``lo-court`` and ``lo-endnotes``
on ``eval/data/footnotes/src/opinion_en.md``) and committed in ``eval/data/footnotes/docs/``,
with the same opinion set in other word processors' note conventions (recipes
``lo-court-<variant>``): first-line indented notes with a tab after the label, full-size "1."
labels without a separator line, a separator across the text width, an e-filing running header
of two lines, and notes at the body's size under a full-width rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.parse import parse_file
from index.records import Footnote, ParsedDocument

DOCS = Path(__file__).resolve().parents[3] / "eval" / "data" / "footnotes" / "docs"


@pytest.fixture(scope="module")
def opinion() -> ParsedDocument:
    return parse_file(DOCS / "typeset_lo_opinion-en.pdf")


@pytest.fixture(scope="module")
def endnotes() -> ParsedDocument:
    return parse_file(DOCS / "typeset_lo_opinion-en_endnotes.pdf")


def note(doc: ParsedDocument, label: str) -> Footnote:
    found = [f for f in doc.footnotes if f.shown == label]
    assert len(found) == 1, (label, [f.shown for f in doc.footnotes])
    return found[0]


def text_before_marker(doc: ParsedDocument, footnote: Footnote) -> str:
    """The body text printed just before the note's only marker (white space collapsed)."""
    (marker,) = footnote.markers
    assert doc.source_text[marker.char_start : marker.char_end] == footnote.shown
    return " ".join(doc.source_text[max(0, marker.char_start - 60) : marker.char_start].split())


def squeezed(text: str | None) -> str:
    return " ".join((text or "").split())


def bare(text: str | None) -> str:
    return "".join((text or "").split())


def test_star_note_then_twenty_numbered_notes_each_with_its_marker(
    opinion: ParsedDocument,
) -> None:
    assert [f.shown for f in opinion.footnotes] == ["*", *(str(n) for n in range(1, 21))]
    assert all(len(f.markers) == 1 for f in opinion.footnotes)
    star = note(opinion, "*")
    assert star.note == (
        "This disposition is not an opinion of the full Court and under I.O.P. 5.7 does not "
        "constitute binding precedent."
    )
    assert text_before_marker(opinion, star).endswith("OPINION")


def test_markers_after_closing_quotes_and_mid_sentence_cite_their_notes(
    opinion: ParsedDocument,
) -> None:
    three, five, ten = note(opinion, "3"), note(opinion, "5"), note(opinion, "10")
    assert text_before_marker(opinion, three).endswith("customary in the trade.”")
    assert squeezed(three.note).startswith("Each lot card states the variety")
    assert text_before_marker(opinion, five).endswith("The fruit went into Building C,")
    assert squeezed(five.note).startswith("The parties and the District Court refer")
    assert text_before_marker(opinion, ten).endswith("and interruption of public utilities.”")
    assert squeezed(ten.note).startswith("App. 87.")


def test_notes_in_body_type_run_over_the_page_break_whole(opinion: ParsedDocument) -> None:
    eleven, sixteen = note(opinion, "11"), note(opinion, "16")
    # Both start at the foot of one page and end under the next page's note rule, set at the
    # body's size: only the rule tells those lines from the body above them.
    assert squeezed(eleven.note).endswith(
        "We note only that Quillfeather gave notice on February 2, 2022, 21 days after the "
        "room was opened, so Paragraph 15 is not at issue."
    )
    assert "the warehouse would have to give notice of claims it could never bring" in (
        squeezed(eleven.note)
    )
    assert squeezed(sixteen.note).endswith(
        "the loading bays, which are reached by a side door. App. 378."
    )
    body = squeezed(opinion.body)
    assert "could never bring" not in body and "reached by a side door" not in body
    assert opinion.warnings == []  # each note broke off mid-sentence: no guess made


def test_note_lines_that_start_with_a_number_stay_in_their_note(opinion: ParsedDocument) -> None:
    # "14 is printed ..." and "14 is enough ..." begin printed lines of notes 4 and 11.
    assert "Paragraph 14 is printed in the same type as the rest of the form" in squeezed(
        note(opinion, "4").note
    )
    assert "the structure of Paragraphs 9 and 14 is enough" in squeezed(note(opinion, "11").note)
    assert squeezed(note(opinion, "14").note).startswith("Kettleby, 154 A.3d at 997")


def test_libreoffice_endnotes_i_to_xxi_each_linked(endnotes: ParsedDocument) -> None:
    labels = [f.shown for f in endnotes.footnotes]
    assert labels[:4] == ["i", "ii", "iii", "iv"] and labels[-2:] == ["xx", "xxi"]
    assert len(labels) == 21
    assert all(f.kind == "endnote" and len(f.markers) == 1 for f in endnotes.footnotes)
    # "viiiTamsin": a long numeral overruns LibreOffice's label box and touches the note.
    viii = note(endnotes, "viii")
    assert squeezed(viii.note).startswith("Tamsin Barrow did not offer an expert")
    assert text_before_marker(endnotes, viii).endswith("actually fetched as processing fruit.")
    assert squeezed(note(endnotes, "vii").note).endswith("shortened for good. Id. at 6.")
    # A wrapped line of note xiv starts with "525 n.6.": still note xiv.
    assert "233 A.3d at 525 n.6. In Kettleby" in squeezed(note(endnotes, "xiv").note)


# ---- the same opinion in other word processors' note conventions --------------------------------

VARIANTS = ["indent", "period", "longrule", "header", "bodysize"]


@pytest.fixture(scope="module", params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> ParsedDocument:
    return parse_file(DOCS / f"typeset_lo_opinion-en_{request.param}.pdf")


def test_each_variant_links_every_marker_to_its_note(variant: ParsedDocument) -> None:
    assert [f.shown for f in variant.footnotes] == ["*", *(str(n) for n in range(1, 21))]
    assert all(len(f.markers) == 1 for f in variant.footnotes)
    assert text_before_marker(variant, note(variant, "*")).endswith("OPINION")
    assert text_before_marker(variant, note(variant, "3")).endswith("customary in the trade.”")
    assert text_before_marker(variant, note(variant, "5")).endswith("went into Building C,")
    assert text_before_marker(variant, note(variant, "10")).endswith("public utilities.”")
    assert text_before_marker(variant, note(variant, "20")).endswith("this opinion.")


def test_each_variant_reads_the_notes_the_court_typeset_does(
    variant: ParsedDocument, opinion: ParsedDocument
) -> None:
    # The same source: every note whole, nothing of the body, a label or the page furniture in
    # it (a full-size "1." label is not part of its note; "1291. Although" in note 1 and
    # "14 is enough" in note 11 begin wrapped lines, not notes). Compared without white space:
    # lines break elsewhere ("522–" ends a line in one, not in the other).
    assert [bare(f.note) for f in variant.footnotes] == [bare(f.note) for f in opinion.footnotes]
    body = squeezed(variant.body)
    assert "could never bring" not in body and "reached by a side door" not in body
    assert "Quillfeather appeals. For the reasons that follow" in body


def test_a_two_line_running_header_is_in_no_note_and_not_in_the_body() -> None:
    doc = parse_file(DOCS / "typeset_lo_opinion-en_header.pdf")
    assert doc.source_text.count("Electronically filed document") >= 3
    assert doc.source_text.count("Date Filed: 05/02/2025") >= 3
    for footnote in doc.footnotes:
        assert "Electronically filed" not in (footnote.note or "")
        assert "Date Filed" not in (footnote.note or "")
    # both lines of the head are furniture, the second as well as the one with the page number
    assert "Electronically filed" not in doc.body and "Date Filed" not in doc.body


def test_notes_in_body_type_are_found_under_a_rule_across_the_text_width() -> None:
    doc = parse_file(DOCS / "typeset_lo_opinion-en_bodysize.pdf")
    one = note(doc, "1")
    assert squeezed(one.note).startswith("The District Court had jurisdiction under 28 U.S.C.")
    assert "28 U.S.C. § 1291. Although the District Court" in squeezed(one.note)
    assert doc.warnings == []


def test_note_numbers_on_lines_of_their_own_at_the_notes_size(opinion: ParsedDocument) -> None:
    # pdfLaTeX set as older word processors set an opinion (recipe latex-court-ownline): each
    # note's number is a line of its own, not raised and in the note's own 10-point type, above
    # the note's first line. Only the raised marker in the text says the lone "5" is a label.
    doc = parse_file(DOCS / "typeset_latex_opinion-en_ownline.pdf")
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 22)]
    assert all(len(f.markers) == 1 for f in doc.footnotes)
    assert text_before_marker(doc, note(doc, "1")).endswith("OPINION")
    assert text_before_marker(doc, note(doc, "6")).endswith("went into Building C,")
    # every note as the LibreOffice opinion reads it (LaTeX numbers the star note 1)
    assert [bare(f.note) for f in doc.footnotes] == [bare(f.note) for f in opinion.footnotes]


# ---- a second opinion, written in LaTeX with court features (src/opinion3_en.tex) ---------------
# Recipes latex-court (double-spaced, raised note labels, each marker's digits in text objects of
# their own) and latex-court-period (1.5-spaced, full-size "27." labels indented, a tab's gap).


@pytest.fixture(scope="module", params=["", "_period"])
def opinion3(request: pytest.FixtureRequest) -> ParsedDocument:
    return parse_file(DOCS / f"typeset_latex_opinion3-en{request.param}.pdf")


def test_star_notes_and_28_numbered_notes_each_with_its_marker(opinion3: ParsedDocument) -> None:
    assert [f.shown for f in opinion3.footnotes] == ["*", "**", *(str(n) for n in range(1, 29))]
    assert all(len(f.markers) == 1 for f in opinion3.footnotes)
    assert text_before_marker(opinion3, note(opinion3, "*")).endswith("ELLISON, and MAYBURY,")
    assert text_before_marker(opinion3, note(opinion3, "**")).endswith("OPINION")
    assert text_before_marker(opinion3, note(opinion3, "1")).endswith("however arising.”")
    assert text_before_marker(opinion3, note(opinion3, "19")).endswith("however arising”—")
    assert squeezed(note(opinion3, "*").note).startswith("Honorable Mira T. Maybury")
    assert squeezed(note(opinion3, "20").note).startswith("“We will not read a limitation")


def test_wrapped_note_lines_that_start_with_the_next_note_number(opinion3: ParsedDocument) -> None:
    # Lines of notes 4, 12 and 27 begin "5 and 40 percent", "12 F.4th 88" (the note's own
    # number) and "28 U.S.C." (the next note's); note 7 opens with "40 Eastm. Stat."; note 21
    # goes on over the page with a line that begins "122, 129".
    assert "by between 5 and 40 percent more than" in squeezed(note(opinion3, "4").note)
    assert "Co., 12 F.4th 88, 93" in squeezed(note(opinion3, "12").note)
    assert squeezed(note(opinion3, "7").note).startswith("40 Eastm. Stat. § 8371.")
    assert "96 F.4th 122, 129 (14th Cir. 2024)" in squeezed(note(opinion3, "21").note)
    assert squeezed(note(opinion3, "21").note).endswith("App. 236–40.")
    twenty_seven = squeezed(note(opinion3, "27").note)
    assert twenty_seven.endswith("allows; 28 U.S.C. § 2107(a) sets the same period.")
    assert "Halversen Br. 40. We decline." in twenty_seven
    assert note(opinion3, "28").note == "Fed. R. App. P. 39(a)(4)."
    assert "sets the same period" not in opinion3.body
