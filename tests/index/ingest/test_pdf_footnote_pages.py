"""Footnotes found on built page layouts (lines as ``pdf_lines`` describes them) in two cases
real manuals print and the typeset set lacked: the same note on many pages (Debian's polyglossia
manual: each language section's "system.⁵ It supports numbers up to 999 999." over a note
"⁵See https://en.wikipedia.org/wiki/Cyrillic_numerals."), and a note TeX sent to the next
page's foot, its marker on the last lines of the page before (polyglossia's note 13, the caption
manual's note 2)."""

from __future__ import annotations

import re

from index.ingest.pdf_footnotes import find_footnotes
from index.ingest.pdf_lines import DocumentLayout, Label, Line, PageLayout, is_furniture

BODY, NOTE = 10.9, 7.0
URL = "See https://en.wikipedia.org/wiki/Cyrillic_numerals."


class _Text:
    """The document's text, built line by line; each line's offsets point into it."""

    def __init__(self) -> None:
        self.text = ""

    def line(self, page: int, size: float, base: float, words: str, mark: str = "") -> Line:
        """A line; ``mark`` is a raised marker after its words, or (for a note) its label."""
        start = len(self.text)
        if size == NOTE and mark:  # a note line: the raised label opens it
            self.text += mark + words + "\n"
            line = Line(page, size, base, 150.0, 450.0, start, len(self.text) - 1, mark + words)
            line.lead = Label(mark, start, start + len(mark), True, "", words[:1])
            line.text_start = start + len(mark)
            return line
        self.text += words + mark + " It supports numbers up to 999 999.\n"
        end = len(self.text) - 1
        line = Line(page, size, base, 90.0, 520.0, start, end, self.text[start:end])
        if mark:
            at = start + len(words)
            line.marks.append(Label(mark, at, at + len(mark), True, words[-3:], " "))
        return line

    def filler(self, page: int, base: float) -> Line:
        start = len(self.text)
        words = f"Options of the language described on page {page + 1}, line {base:.0f}."
        self.text += words + "\n"
        return Line(page, BODY, base, 90.0, 520.0, start, start + len(words), words)


def _layout(pages: list[list[Line]]) -> DocumentLayout:
    """The pages, with the line shapes repeated on three or more (as ``read_layout`` finds
    running heads: numbers blanked)."""
    layouts = [PageLayout(i, 612.0, 792.0, lines) for i, lines in enumerate(pages)]
    shapes: dict[str, int] = {}
    for lines in pages:
        for shape in {re.sub(r"\d+", "#", " ".join(ln.text.split())) for ln in lines}:
            shapes[shape] = shapes.get(shape, 0) + 1
    repeated = {s for s, n in shapes.items() if n >= 3}
    return DocumentLayout(layouts, BODY, repeated, [(0, 0)] * len(pages))


def test_the_same_note_on_many_pages_is_no_running_footer() -> None:
    doc = _Text()
    pages = [
        [
            doc.filler(i, 700.0),
            doc.line(i, BODY, 400.0, "uses a traditional Cyrillic alphanumeric system.", label),
            doc.filler(i, 300.0),
            doc.line(i, NOTE, 120.0, URL, label),
        ]
        for i, label in enumerate(["5", "11", "12", "14"])
    ]
    layout = _layout(pages)
    assert not is_furniture(pages[1][3], layout.pages[1], layout)
    notes = find_footnotes(layout, doc.text, set(), [])
    assert [(n.label.text, n.marker is not None) for n in notes] == [
        ("5", True),
        ("11", True),
        ("12", True),
        ("14", True),
    ]


def test_a_note_sent_to_the_next_page_keeps_its_marker() -> None:
    doc = _Text()
    first = [doc.filler(0, 700.0), doc.line(0, BODY, 80.0, "alphanumeric system.", "13")]
    second = [doc.filler(1, 700.0), doc.filler(1, 400.0), doc.line(1, NOTE, 120.0, URL, "13")]
    notes = find_footnotes(_layout([first, second]), doc.text, set(), [])
    assert [n.label.text for n in notes] == ["13"]
    assert notes[0].marker is first[1].marks[0]
