"""Note markers in a table, as the caption manual's option table sets them: a row ends with a
cell "– ¹¹" (no section, see note 11), whose raised digits outnumber its dash and which reads
like a page number; and one "†" note is cited by several rows."""

from __future__ import annotations

from pathlib import Path

from index.ingest.pdf_glyphs import Glyph, group_lines
from index.parse import parse_file
from tests.index.ingest.pdf_pages import pdf_file, pdf_string


def _text(x: float, y: float, size: float, text: str, rise: float = 0.0) -> bytes:
    return b"BT /F1 %g Tf %g Ts 1 0 0 1 %g %g Tm %s Tj 0 Ts ET\n" % (
        size,
        rise,
        x,
        y,
        pdf_string(text),
    )


def _manual_page(daggers: bool = False) -> bytes:
    ops = _text(72, 700, 10, "The options of the package, with the section that explains each:")
    rows = [
        ("position", "sets the position of the caption", "2.6"),
        ("style", "sets the caption style", "2.5"),
        ("subtype", "sets the sub-caption type", None),
        ("textfont", "sets the font of the caption text", "2.3"),
    ]
    for k, (option, what, section) in enumerate(rows):
        y = 670 - 14 * k
        ops += _text(72, y, 10, option)
        if daggers and option in ("position", "textfont"):
            ops += _text(72 + 5.5 * len(option), y, 7, "†", rise=3.6)
        ops += _text(160, y, 10, what)
        if section is None:
            ops += _text(420, y, 10, "–") + _text(430, y, 7, "11", rise=3.6)
        else:
            ops += _text(420, y, 10, section)
    ops += _text(72, 560, 10, "Options are given in the preamble or later with captionsetup.")
    if daggers:
        ops += _text(72, 112, 6, "†", rise=3) + _text(
            78, 112, 8, "These options are only available in the preamble of the document."
        )
    ops += _text(72, 100, 6, "11", rise=3) + _text(
        78, 100, 8, "The option subtype is explained in the subcaption package documentation."
    )
    return ops + _text(300, 60, 10, "44")


def test_a_raised_mark_alone_in_a_cell_keeps_the_cells_text_size() -> None:
    dash = Glyph("–", 420, 425, 600, 10)
    digits = [Glyph("1", 430, 434, 603.6, 7), Glyph("1", 434, 438, 603.6, 7)]
    (line,) = group_lines([dash, Glyph(" ", 425, 425, 600, 10), *digits])
    assert (line.size, line.base) == (10, 600)


def test_a_note_cited_from_a_table_cell_is_linked(tmp_path: Path) -> None:
    doc = parse_file(pdf_file(tmp_path / "manual.pdf", [_manual_page()]))
    (note,) = doc.footnotes
    assert note.note is not None and note.note.startswith("The option subtype is explained")
    (marker,) = note.markers
    pos = next(p for p, m in doc.marker_positions if m is marker)
    assert doc.body[:pos].rstrip().endswith("sets the sub-caption type –")


def test_a_symbol_note_cited_by_several_rows_keeps_every_marker(tmp_path: Path) -> None:
    doc = parse_file(pdf_file(tmp_path / "manual.pdf", [_manual_page(daggers=True)]))
    dagger = next(f for f in doc.footnotes if f.shown == "†")
    assert dagger.note == "These options are only available in the preamble of the document."
    where = {id(m): p for p, m in doc.marker_positions}
    befores = [doc.body[: where[id(m)]].split()[-1] for m in dagger.markers]
    assert befores == ["position", "textfont"]
    (eleven,) = next(f for f in doc.footnotes if f.shown == "11").markers
    assert doc.source_text[eleven.char_start : eleven.char_end] == "11"
