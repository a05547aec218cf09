"""PDF notes of court-opinion layouts the other tests do not cover (``index/ingest/pdf_layout.py``
and its stages), each typeset by ``eval/footnote_docs.py`` and committed in
``eval/data/footnotes/docs/`` (dev split of the footnote set):

- ``latex-court-wp`` (``src/opinion3_en.tex``): notes at the body's 12 points, single-spaced,
  each raised note number on a line of its own above its text, as WordPerfect sets federal
  opinions; a note that opens with a number, a number left alone at a page's foot with its
  note's text on the next page;
- ``latex-court-tight``: notes in 9 points on 9.5-point leading, many to a page;
- ``lo-court-ownline`` and ``lo-court-lineno`` (``src/opinion_en.md``): LibreOffice, the raised
  label on a line of its own, and pleading paper (every text line numbered in the margin).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.parse import parse_file
from index.records import ParsedDocument
from tests.index.ingest.test_pdf_word_processor import note, squeezed, text_before_marker

DOCS = Path(__file__).resolve().parents[3] / "eval" / "data" / "footnotes" / "docs"
OPINION3_LABELS = ["*", "**", *(str(n) for n in range(1, 29))]


@pytest.fixture(scope="module")
def wp() -> ParsedDocument:
    return parse_file(DOCS / "typeset_latex_opinion3-en_wp.pdf")


def test_a_note_opening_with_a_number_under_its_label_on_a_line_of_its_own(
    wp: ParsedDocument,
) -> None:
    # Note 7's raised "7" stands alone above "40 Eastm. Stat. § 8371. ...": the line's own
    # "40" is the note's first word, not its label.
    seven = note(wp, "7")
    assert squeezed(seven.note).startswith("40 Eastm. Stat. § 8371. Prentice sued as well")
    assert text_before_marker(wp, seven).endswith("under Eastmoor’s insurance statute.")
    assert "40 Eastm. Stat." not in wp.body


def test_a_label_left_alone_at_a_page_foot_opens_the_note_printed_overleaf(
    wp: ParsedDocument,
) -> None:
    # Page 3 ends with note 11's raised number on its line; the note's text is the first
    # thing under the rule on page 4, above note 12.
    eleven = note(wp, "11")
    assert squeezed(eleven.note).startswith("Dunmore Sawmill, 77 F.4th at 307.")
    assert squeezed(eleven.note).endswith("fell outside the grant of coverage.")
    assert text_before_marker(wp, eleven).endswith("bears the burden of showing that it applies.")
    assert squeezed(note(wp, "10").note).endswith("to a business income endorsement).")


def test_every_note_of_the_wordperfect_opinion_has_its_one_marker(wp: ParsedDocument) -> None:
    assert [f.shown for f in wp.footnotes] == OPINION3_LABELS
    assert all(len(f.markers) == 1 for f in wp.footnotes)


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("typeset_latex_opinion3-en_tight.pdf", OPINION3_LABELS),
        ("typeset_lo_opinion-en_labelline.pdf", ["*", *(str(n) for n in range(1, 21))]),
        ("typeset_lo_opinion-en_lineno.pdf", ["*", *(str(n) for n in range(1, 21))]),
    ],
)
def test_other_court_layouts_link_every_note(name: str, labels: list[str]) -> None:
    doc = parse_file(DOCS / name)
    assert [f.shown for f in doc.footnotes] == labels
    assert all(len(f.markers) == 1 for f in doc.footnotes)


def test_a_lone_number_at_a_page_foot_with_no_rule_under_the_text_overleaf() -> None:
    # latex-court-wp-norule: no rule sets the notes off; page 7 ends with note 20's raised
    # number, its text (a block quotation) heads page 8's notes, a label line's gap above note
    # 21's number; the body above it is double-spaced.
    doc = parse_file(DOCS / "typeset_latex_opinion3-en_norule.pdf")
    assert [f.shown for f in doc.footnotes] == OPINION3_LABELS
    twenty = note(doc, "20")
    assert squeezed(twenty.note).startswith("“We will not read a limitation into words")
    assert squeezed(twenty.note).endswith("from a fire in the building next door.")
    assert "We will not read a limitation" not in doc.body
    assert text_before_marker(doc, twenty).endswith("Eastmoor courts have read them so.")


@pytest.mark.parametrize("box", ["cropbox", "mediabox"])
def test_a_page_box_that_does_not_start_at_the_origin(tmp_path: Path, box: str) -> None:
    # A page cropped (or its media box set) away from (0, 0), as a slip opinion printed on a
    # smaller page can be: glyph positions are in the page's user space, so the page's margins
    # (running heads, the foot) are measured from the box's corner, not from (0, 0).
    import pypdf
    from pypdf.generic import RectangleObject

    reader, writer = pypdf.PdfReader(DOCS / "typeset_latex_opinion3-en.pdf"), pypdf.PdfWriter()
    for page in reader.pages:
        setattr(page, box, RectangleObject([36, 30, 576, 770]))
        writer.add_page(page)
    cropped = tmp_path / "cropped.pdf"
    with cropped.open("wb") as out:
        writer.write(out)
    doc = parse_file(cropped)
    assert [f.shown for f in doc.footnotes] == OPINION3_LABELS
    assert all(len(f.markers) == 1 for f in doc.footnotes)
    assert text_before_marker(doc, note(doc, "1")).endswith("however arising.”")


def test_latex_note_symbols_with_the_double_bar_counted_again_in_each_section() -> None:
    # latex-slip-symbols (src/opinion4_en.tex): LaTeX's note symbols, restarting in each
    # section; the sixth, ‖, is printed with two bars that the PDF's text gives as "||".
    doc = parse_file(DOCS / "typeset_latex_opinion4-en_symbols.pdf")
    symbols = ["*", "†", "‡", "§", "¶", "||", "**", "††", "‡‡", "§§", "¶¶"]
    sections = [2, 6, 11, 4, 1]  # notes before section I, in I, II.A, II.B and III
    assert [f.shown for f in doc.footnotes] == [s for n in sections for s in symbols[:n]]
    assert all(len(f.markers) == 1 for f in doc.footnotes)
    bars = [f for f in doc.footnotes if f.shown == "||"]
    assert [squeezed(f.note)[:24] for f in bars] == ["Lanm. Const., Art. VI, §", "Ibid."]
    assert text_before_marker(doc, bars[0]).endswith("We noted probable jurisdiction.")
    assert text_before_marker(doc, bars[1]).endswith("but it presupposes some injury.")


def test_markers_and_labels_raised_a_quarter_em_at_full_size() -> None:
    # latex-slip-raised-bodysize: every marker and note label printed in the text's own 12-point
    # type, lifted a quarter of an em (no smaller type tells them from the text), the notes at
    # the body's size under a double-spaced text; a note's wrapped line opens with "5 and 40".
    doc = parse_file(DOCS / "typeset_latex_opinion4-en_raised-bodysize.pdf")
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 25)]
    assert all(len(f.markers) == 1 for f in doc.footnotes)
    assert squeezed(note(doc, "5").note).endswith(
        "5 and 40 percent, depending on releases. App. 102."
    )
    assert text_before_marker(doc, note(doc, "19")).endswith(
        "whether or not later shortfalls were larger."
    )


def test_a_marker_that_opens_a_line_of_text() -> None:
    # latex-slip-spaced-markers: a space before each raised marker lets a line break fall before
    # one: page 6's first line of text opens with note 22's marker ("22 But an objection ..."),
    # the note printed at that page's foot.
    doc = parse_file(DOCS / "typeset_latex_opinion4-en_spaced-markers.pdf")
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 25)]
    assert all(len(f.markers) == 1 for f in doc.footnotes)
    twenty_two = note(doc, "22")
    # in the source the page's running head stands between the two; the body reads on
    (marker,) = twenty_two.markers
    (place,) = [pos for pos, m in doc.marker_positions if m is marker]
    assert squeezed(doc.body[:place]).endswith("for its construction permit in 2011.")
    assert squeezed(twenty_two.note).startswith("Lanm. Code § 45–305 allows any holder")
