"""A PDF's footnotes and endnotes read from the page: markers by their raised, smaller type,
notes by where and how they are set. The notes and markers come back in offsets of the text
pypdf extracted (``index/ingest/pdf.py``), which stays the document's text.

The stages, one module each: ``pdf_glyphs`` (PDFium's characters, tied to pypdf's text),
``pdf_lines`` (lines, their labels and raised marks, the body's type size), ``pdf_footnotes``
(note zones at page feet), ``pdf_endnotes`` (endnote sections), ``pdf_note_urls`` (URLs whole),
``pdf_links`` (link annotations: the URL behind a note's words), ``pdf_margins`` (margin notes
written into body lines: furniture),
``pdf_reorder`` (a page whose extraction puts a note before body text gets its notes moved to
its end: two-column LaTeX).

Layout decides only when it is sure: a PDF whose notes it cannot see (no size differences, a
scan, characters that extraction scattered) or whose notes it cannot place in the text gets
``None``, and the text parser (``index/text/footnotes.py``) reads it as before. Each decision
that could be wrong is said in a warning the document view shows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.ingest.pdf_endnotes import find_endnotes, link_endnote_markers, reading_order
from index.ingest.pdf_footnotes import NoteDraft, find_footnotes
from index.ingest.pdf_lines import (
    DocumentLayout,
    Label,
    Line,
    PageLayout,
    is_furniture,
    read_layout,
)
from index.ingest.pdf_links import Link, add_link_urls, links_on
from index.ingest.pdf_margins import margin_spans
from index.ingest.pdf_note_urls import note_urls
from index.ingest.pdf_reorder import move_blocks
from index.ingest.source import SourceMarker, SourceNote

_MIN_LINKED = 0.5  # below this share of notes with a marker, layout is not trusted


@dataclass
class LayoutNotes:
    """Notes and markers found by layout, the guesses made on the way, and the margin notes'
    spans (furniture: never body text). ``notes`` is None when layout is not sure of them."""

    notes: list[SourceNote] | None
    markers: list[SourceMarker]
    warnings: list[str]
    pages: dict[int, str]  # page index -> its text, notes moved to its end (same length)
    furniture: list[tuple[int, int]]


def layout_notes(
    path: Path, page_texts: Sequence[str], page_starts: Sequence[int], text: str
) -> LayoutNotes | None:
    """The notes of the PDF at ``path`` whose pages' extracted texts are ``page_texts``, placed
    at ``page_starts`` in ``text``, and its margin notes; None when PDFium cannot read it."""
    try:
        layout = read_layout(path, page_texts, page_starts)
    except Exception:  # PDFium refusing a file pypdf read: the text parser reads the notes
        return None
    try:
        furniture = margin_spans(path, page_texts, page_starts, layout.edges, layout.body_size)
    except Exception:  # a page PDFium reads otherwise the second time: no margins, no harm
        furniture = []
    try:
        return notes_from_layout(layout, text, furniture)
    except Exception:  # a layout nothing here foresaw: the text parser still reads the notes
        return LayoutNotes(None, [], [], {}, furniture)


def notes_from_layout(
    layout: DocumentLayout, text: str, furniture: Sequence[tuple[int, int]] = ()
) -> LayoutNotes:
    """Footnotes page by page, endnotes section by section, each linked to its marker (notes
    None when too few notes have a marker to trust what was found); ``furniture`` spans come
    back moved with their pages' text."""
    unsure = LayoutNotes(None, [], [], {}, list(furniture))
    if not layout.body_size:
        return unsure
    warnings: list[str] = []
    endnotes = find_endnotes(layout, warnings)
    in_sections = {id(line) for note in endnotes for line in note.lines}
    footnotes = find_footnotes(layout, text, in_sections, warnings)
    if endnotes:
        _link_endnotes(endnotes, footnotes, layout, warnings)
        if _linked(endnotes) < _MIN_LINKED * len(endnotes):
            # Numbered lines under a "Notes" heading that no raised marker cites: not notes.
            endnotes, warnings = [], []
            footnotes = find_footnotes(layout, text, set(), warnings)
    drafts = footnotes + endnotes
    if not drafts or _linked(drafts) < _MIN_LINKED * len(drafts):
        return unsure
    return _source_notes(drafts, layout, text, warnings, furniture) or unsure


def _linked(notes: Sequence[NoteDraft]) -> int:
    return sum(1 for note in notes if note.marker is not None)


def _link_endnotes(
    endnotes: Sequence[NoteDraft],
    footnotes: Sequence[NoteDraft],
    layout: DocumentLayout,
    warnings: list[str],
) -> None:
    """Link endnotes to the raised marks of the text in reading order, those that footnotes
    took and those inside notes left out."""
    taken = {id(mark) for note in footnotes for mark in [note.marker, *note.also] if mark}
    noted = {id(line) for note in [*endnotes, *footnotes] for line in note.lines}
    marks = [
        mark
        for page in layout.pages
        for line in reading_order(page, layout)
        if id(line) not in noted and line.start >= 0
        for mark in line.marks
        if id(mark) not in taken
    ]
    link_endnote_markers(endnotes, marks, warnings)


def _source_notes(
    drafts: Sequence[NoteDraft],
    layout: DocumentLayout,
    text: str,
    warnings: list[str],
    furniture: Sequence[tuple[int, int]] = (),
) -> LayoutNotes | None:
    """The drafts as ``SourceNote``/``SourceMarker`` spans of ``text``, the pages where notes
    come before body text in extraction order rearranged (``index/ingest/pdf_reorder.py``);
    None when a page cannot be (its notes and its body lines are interleaved)."""
    words = _document_words(text)
    notes: list[SourceNote] = []
    markers: list[SourceMarker] = []
    for draft in drafts:
        spans = _spans(draft)
        if not spans:
            continue
        raw = "\n".join(text[a:b] for a, b in spans)
        urls, guesses = note_urls(raw, lambda word: words[word])
        urls = add_link_urls(urls, _note_links(draft, layout))
        warnings += [f"note {draft.label.text} (page {draft.page + 1}): {g}" for g in guesses]
        first, *more = spans
        notes.append(SourceNote(draft.label.text, first[0], first[1], urls, draft.kind, more))
        for mark in [draft.marker, *draft.also] if draft.marker is not None else []:
            if _valid(mark, text):
                markers.append(SourceMarker(len(notes) - 1, mark.start, mark.end))
    if not notes:
        return None
    blocks = _blocks_to_move(drafts, layout, text)
    if blocks is None:
        return None
    pages: dict[int, str] = {}
    moved_furniture = list(furniture)
    for index, page_blocks in blocks.items():
        start, end = layout.spans[index]
        moved, where = move_blocks(text[start:end], page_blocks)
        pages[index] = moved
        for note in notes:
            note.start, note.end = _moved(where, start, end, note.start, note.end)
            note.parts = [_moved(where, start, end, a, b) for a, b in note.parts]
        for marker in markers:
            marker.start, marker.end = _moved(where, start, end, marker.start, marker.end)
        moved_furniture = [_moved(where, start, end, a, b) for a, b in moved_furniture]
    return LayoutNotes(notes, markers, warnings, pages, sorted(moved_furniture))


def _note_links(draft: NoteDraft, layout: DocumentLayout) -> list[Link]:
    """The web links (annotations) lying on the note's lines, page by page."""
    found: list[Link] = []
    for part in draft.parts:
        if part:
            found += links_on(part, layout.pages[part[0].page].links)
    return found


def _moved(where: Callable[[int], int], start: int, end: int, a: int, b: int) -> tuple[int, int]:
    """A span's place after its page (``start``..``end``) was rearranged."""
    if not (start <= a < end):
        return a, b
    return start + where(a - start), start + where(b - 1 - start) + 1


def _blocks_to_move(
    drafts: Sequence[NoteDraft], layout: DocumentLayout, text: str
) -> dict[int, list[tuple[int, int]]] | None:
    """Per page whose body goes on after a note in the text: the runs of note lines to move
    to the page's end (whole lines, offsets in the page's text). None when a run cannot be cut
    out cleanly."""
    note_lines: dict[int, list[Line]] = {}
    for note in drafts:
        for line in note.lines:
            note_lines.setdefault(line.page, []).append(line)
    ids = {id(line) for lines in note_lines.values() for line in lines}
    blocks: dict[int, list[tuple[int, int]]] = {}
    for page in layout.pages:
        mine = sorted(note_lines.get(page.index, []), key=lambda line: line.start)
        if not mine:
            continue
        others = [line for line in page.lines if id(line) not in ids and line.start >= 0]
        notes_size = max(line.size for line in mine)
        late = [
            ln
            for ln in others
            if ln.start > mine[0].start and _is_body(ln, page, layout, notes_size)
        ]
        if not late:
            continue
        start, end = layout.spans[page.index]
        other_starts = sorted(line.start - start for line in others)
        runs = _runs(mine, sorted(line.start for line in others))
        cut = [_whole_lines(text[start:end], a - start, b - start, other_starts) for a, b in runs]
        if any(block is None for block in cut):
            return None
        blocks[page.index] = [block for block in cut if block is not None]
    return blocks


def _runs(lines: Sequence[Line], others: Sequence[int]) -> list[tuple[int, int]]:
    """Spans of consecutive note lines (in text order) with no other line starting between."""
    runs: list[tuple[int, int]] = []
    for line in lines:
        if runs and not any(runs[-1][1] <= o < line.start for o in others):
            runs[-1] = (runs[-1][0], max(runs[-1][1], line.end))
        else:
            runs.append((line.start, line.end))
    return runs


def _whole_lines(text: str, a: int, b: int, others: Sequence[int]) -> tuple[int, int] | None:
    """``a``..``b`` widened to whole lines of ``text``, unless another line starts there."""
    line_start = text.rfind("\n", 0, a) + 1
    line_end = text.find("\n", b)
    line_end = len(text) if line_end < 0 else line_end
    if any(line_start <= o < line_end and not a <= o < b for o in others):
        return None
    return line_start, line_end


def _spans(draft: NoteDraft) -> list[tuple[int, int]]:
    """Each part's text span: from where the part's text starts to its last line's end."""
    spans = []
    for start, part in zip(draft.starts, draft.parts, strict=True):
        end = max(line.end for line in part)
        if 0 <= start < end:
            spans.append((start, end))
    return spans


def _valid(mark: Label, text: str) -> bool:
    return 0 <= mark.start < mark.end <= len(text) and text[mark.start : mark.end].strip() != ""


def _is_body(line: Line, page: PageLayout, layout: DocumentLayout, notes_size: float) -> bool:
    """A line of body text: body-sized (or larger than the page's notes: a document can set a
    part in other type than the body's), more than a few words, not a header or page number."""
    big = line.size >= min(layout.body_size * 0.95, notes_size * 1.1)
    return big and len(line.text.strip()) > 20 and not is_furniture(line, page, layout)


def _document_words(text: str) -> Counter[str]:
    """The document's own words (lowercased) and how often it uses each: what tells a word
    that a hyphen split from a hyphenated compound."""
    return Counter(w.lower() for w in re.findall(r"[^\W\d_]{2,}", text))
