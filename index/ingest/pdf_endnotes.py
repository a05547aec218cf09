"""Endnotes of a PDF: the notes collected under a "Notes" or "Endnotes" heading, one section at
the end of the document or one per chapter, set in one column or two; or, with no heading, the
last pages when they are all in smaller type and open with note 1 (LibreOffice's endnotes,
numbered i, ii, iii).

A section is the lines after its heading up to the next heading (a line in larger type that
opens no note) or the document's end, read column by column. Its notes are numbered from 1 (a
new section, or a "1" where a note ended, starts again at 1); a numbered line opens a note
when it carries the number that comes next. Markers are the raised numbers of the text, taken
in order: the first raised 1, then the first raised 2 after it, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.ingest.pdf_footnotes import (
    SMALL_TYPE,
    NoteDraft,
    next_label,
    repair_twins,
    segment_notes,
)
from index.ingest.pdf_lines import DocumentLayout, Label, Line, PageLayout, is_furniture

_HEADING = re.compile(r"\s*(?:end\s?notes|notes|footnotes|notes and references)\s*:?\s*", re.I)
_FIRST = ("1", "i")  # the first note of a section: 1, or i where notes are numbered i, ii, iii
_LOOK_AHEAD = 24  # raised numbers (exponents, other notes' marks) a marker may lie behind


def find_endnotes(layout: DocumentLayout, warnings: list[str]) -> list[NoteDraft]:
    """Every endnote of the document, each section's in order (markers not yet linked)."""
    tail = _trailing_notes(layout)
    tail_notes = _section_notes(tail, warnings) if tail else []
    last_page = tail[0].page if tail_notes else len(layout.pages)
    ordered = [
        line
        for page in layout.pages[:last_page]
        for line in reading_order(page, layout)
        if line.start >= 0
    ]
    notes: list[NoteDraft] = []
    i = 0
    while i < len(ordered):
        heading = ordered[i]
        if not _is_heading(heading, layout.body_size):
            i += 1
            continue
        first = next((line for line in ordered[i + 1 :] if line.lead is not None), heading)
        end = next(
            (
                k
                for k in range(i + 1, len(ordered))
                if _ends_section(ordered[k], heading, first)
                and not _subheading(ordered, k, heading)
            ),
            len(ordered),
        )
        # A chapter's heading inside the section ("Chapter 1 Counts") is no note's text.
        section = [
            line
            for k, line in enumerate(ordered[i + 1 : end], i + 1)
            if not _subheading(ordered, k, heading)
        ]
        found = _section_notes(section, warnings)
        notes += found
        i = end if found else i + 1
    return notes + tail_notes


def reading_order(page: PageLayout, layout: DocumentLayout) -> list[Line]:
    """A page's lines (furniture left out) top to bottom, the left column before the right:
    a line that stays in one half of the page belongs to that half's column."""
    middle = page.width / 2
    margin = page.width * 0.02

    def column(line: Line) -> int:
        return 1 if line.x0 >= middle - margin else 0

    kept = [line for line in page.lines if not is_furniture(line, page, layout)]
    two_columns = any(line.x1 <= middle + margin for line in kept) and any(
        column(line) for line in kept
    )
    if not two_columns:
        return sorted(kept, key=lambda line: (-round(line.base, 1), line.x0))
    return sorted(kept, key=lambda line: (column(line), -round(line.base, 1), line.x0))


def _trailing_notes(layout: DocumentLayout) -> list[Line]:
    """Endnotes without a heading (LibreOffice's): the last pages, all in smaller type than the
    body, the first of them opening with note 1 (or i). Their lines in reading order."""
    pages: list[list[Line]] = []
    for page in reversed(layout.pages):
        lines = [line for line in reading_order(page, layout) if line.start >= 0]
        if not lines or any(line.size > layout.body_size * SMALL_TYPE for line in lines):
            break
        pages.insert(0, lines)
    while pages and not (pages[0][0].lead is not None and pages[0][0].lead.key in _FIRST):
        pages.pop(0)
    return [line for lines in pages for line in lines]


def _is_heading(line: Line, body: float) -> bool:
    return bool(_HEADING.fullmatch(line.text)) and line.size >= body * 0.95 and line.lead is None


def _ends_section(line: Line, heading: Line, first: Line) -> bool:
    """A line that opens no note and is set larger than the section's first note: a heading,
    or body text (the next chapter)."""
    return line.lead is None and (line.size >= heading.size - 0.1 or line.size > first.size + 0.5)


def _subheading(lines: Sequence[Line], k: int, heading: Line) -> bool:
    """A heading inside a notes section, set smaller than the section's own and followed by a
    note 1 (the notes of each chapter under its name, numbered from 1 again)."""
    line = lines[k]
    following = lines[k + 1] if k + 1 < len(lines) else None
    return (
        line.lead is None
        and line.size < heading.size - 0.1
        and following is not None
        and following.lead is not None
        and following.lead.key in _FIRST
        and following.size < line.size - 0.5
    )


def _section_notes(lines: Sequence[Line], warnings: list[str]) -> list[NoteDraft]:
    """The notes of one section, or none when its first numbered line is not a 1."""
    first = next((line for line in lines if line.lead is not None), None)
    if first is None or first.lead is None or first.lead.key not in _FIRST or first.text_start < 0:
        return []
    raised_style = first.lead.raised
    firsts: list[Line] = [first]

    def opens(line: Line, current: NoteDraft | None) -> bool:
        lead = line.lead
        assert lead is not None
        if lead.raised != raised_style or line.text_start < 0:
            return False
        if current is None:
            return lead.key in _FIRST
        if lead.key == next_label(current.label):
            firsts.append(line)
            return True
        # Numbering that starts again (notes per chapter): a "1" where a note ended.
        ended = bool(re.search(r"[.)\]”\"]\s*$", current.lines[-1].text))
        return lead.key in _FIRST and ended and any(abs(line.x0 - f.x0) < 0.5 for f in firsts)

    notes = segment_notes(lines, opens, None, warnings, kind="endnote")
    repair_twins(notes, firsts, warnings)
    return notes


def link_endnote_markers(
    notes: Sequence[NoteDraft], marks: Sequence[Label], warnings: list[str]
) -> None:
    """Walk the raised numbers of the text in order against the notes in order: each note takes
    the first mark with its number after the last one taken, within a few marks (a note whose
    marker is lost must not take a later note's: every note after it would shift). Numbering
    that starts again at 1 starts its markers again too."""
    position = 0
    for note in notes:
        window = marks[position : position + _LOOK_AHEAD]
        k = next((i for i, mark in enumerate(window) if mark.key == note.label.key), None)
        if k is not None:
            note.marker = window[k]
            position += k + 1
    missing = [n.label.text for n in notes if n.marker is None]
    if missing:
        warnings.append(
            f"{len(missing)} endnote(s) without a raised marker found in the text: "
            + ", ".join(missing[:10])
        )
