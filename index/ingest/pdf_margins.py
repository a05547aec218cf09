"""Margin notes: text a PDF prints beside its text block, which is page furniture, not body.

A manual's "New feature / v3.1" in the margin, a command name set out beside its description,
a line number on pleading paper: pypdf's extraction writes such text into the body line that
shares its baseline ("this particularNew feature" / "v3.1 ⟨option⟩ are cleared."), where it
splits sentences and glues words. PDFium's glyph positions tell it apart: the text block's left
and right edges are where most of the body's lines start and end (on pages of one parity: a
two-sided layout shifts the block), and a run of glyphs lying outside those edges, a gap of
``_GAP`` ems or more away from the line's other glyphs, is a margin note. Its characters are
given as spans of the document's text; cleaning skips them (``index/text/clean.py``) and the
offsets of every other character still point into the source.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.ingest.pdf_glyphs import Glyph, TextLine, page_lines

# An edge is a position where this share of the body-sized lines' characters start (or end)
# their line; below it the block has no such edge (ragged-right text, a page of tables).
_EDGE_SHARE = 0.25
_OUTSIDE = 0.3  # a glyph this many ems beyond an edge is outside the block
_GAP = 0.8  # a margin note stands this many ems or more apart from its line's body glyphs
# A page with more of its characters outside the block is set in another way (two columns, a
# landscape table): its lines are left as they are.
_MOST_OUTSIDE = 0.15
_WIDEST = 0.25  # of the page's width: a margin holds no wider piece (a second column is one)
# Kinds of pieces (by place and size) running across an edge, per kind set outside it, that
# still leave it a margin (a table wider than the text now and then).
_ACROSS = 0.1


@dataclass(frozen=True)
class TextBlock:
    """The x range of a page's body text (PDF units); an edge not found is infinite."""

    left: float = -math.inf
    right: float = math.inf


_Piece = tuple[int, int, float]  # x0, x1 (rounded), size (to a half point)


@dataclass
class BlockEdges:
    """The pieces of text lines (a margin note or line number beside a line is a piece of its
    own, so it does not move the edge it stands beside), counted page by page as the layout is
    read, per page parity; and each page's extent."""

    pieces: tuple[Counter[_Piece], Counter[_Piece]] = field(
        default_factory=lambda: (Counter(), Counter())
    )
    extents: dict[int, tuple[float, float]] = field(default_factory=dict)  # page -> x0, x1

    def add(self, page: int, lines: Sequence[TextLine]) -> None:
        """Count one page's lines (PDFium's, in the page's own units)."""
        low, high = math.inf, -math.inf
        for line in lines:
            size = round(line.size * 2) / 2
            for piece in _pieces(line):
                x0, x1 = piece[0].x0, piece[-1].x1
                self.pieces[page % 2][round(x0), round(x1), size] += len(piece)
                low, high = min(low, x0), max(high, x1)
        if low <= high:
            self.extents[page] = (low, high)

    def blocks(self, body_size: float) -> tuple[TextBlock, TextBlock]:
        """The text block of the even-indexed pages and of the odd-indexed ones: where most of
        the body-sized pieces of lines start and end. An edge counts only where it is a gutter:
        text set outside it stands apart, hardly any piece runs across it (headings and code
        set out to the left of an indented body run on into it: there is no margin there)."""
        return self._block(self.pieces[0], body_size), self._block(self.pieces[1], body_size)

    @staticmethod
    def _block(pieces: Counter[_Piece], body_size: float) -> TextBlock:
        starts: Counter[int] = Counter()
        ends: Counter[int] = Counter()
        for (x0, x1, size), n in pieces.items():
            if abs(size - body_size) <= 0.1 * body_size + 0.25:
                starts[x0] += n
                ends[x1] += n
        left, right = _edge(starts, -math.inf), _edge(ends, math.inf)
        reach = _OUTSIDE * body_size
        out_left = sum(1 for x0, x1, _ in pieces if x1 <= left - reach)
        across_left = sum(1 for x0, x1, _ in pieces if x0 < left - reach and x1 > left + reach)
        out_right = sum(1 for x0, x1, _ in pieces if x0 >= right + reach)
        across_right = sum(1 for x0, x1, _ in pieces if x0 < right - reach and x1 > right + reach)
        return TextBlock(
            left if across_left <= _ACROSS * out_left else -math.inf,
            right if across_right <= _ACROSS * out_right else math.inf,
        )


def _pieces(line: TextLine) -> list[list[Glyph]]:
    """A line's printed glyphs left to right, cut where a gap of ``_GAP`` ems parts them."""
    glyphs = sorted((g for g in line.glyphs if g.char != " "), key=lambda g: g.x0)
    pieces: list[list[Glyph]] = []
    for glyph in glyphs:
        if pieces and glyph.x0 - pieces[-1][-1].x1 < _GAP * line.size:
            pieces[-1].append(glyph)
        else:
            pieces.append([glyph])
    return pieces


def _edge(positions: Counter[int], none: float) -> float:
    """The position most characters' lines share (a pair of neighbouring points counted as one),
    if it holds ``_EDGE_SHARE`` of them; else ``none``."""
    if not positions:
        return none
    total = sum(positions.values())
    best = max(positions, key=lambda x: positions[x] + positions[x - 1] + positions[x + 1])
    held = positions[best] + positions[best - 1] + positions[best + 1]
    return float(best) if held >= _EDGE_SHARE * total else none


def margin_spans(
    path: Path,
    page_texts: Sequence[str],
    page_starts: Sequence[int],
    edges: BlockEdges,
    body_size: float,
) -> list[tuple[int, int]]:
    """Spans of the document's text that margin notes printed (see the module's docstring),
    sorted; only pages with text reaching outside their text block are read again."""
    blocks = edges.blocks(body_size)
    reach = _OUTSIDE * body_size
    pages = [
        index
        for index, (low, high) in sorted(edges.extents.items())
        if low < blocks[index % 2].left - reach or high > blocks[index % 2].right + reach
    ]
    if not pages:
        return []
    import pypdfium2 as pdfium

    spans: list[tuple[int, int]] = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in pages:
            page = pdf[index]
            try:
                lines = page_lines(page, page_texts[index])
                width = page.get_width()
            finally:
                page.close()
            start = page_starts[index]
            found = page_margin_spans(lines, blocks[index % 2], page_texts[index], width)
            spans += [(start + a, start + b) for a, b in found]
    finally:
        pdf.close()
    return sorted(set(spans))


def page_margin_spans(
    lines: Sequence[TextLine], block: TextBlock, page_text: str, page_width: float
) -> list[tuple[int, int]]:
    """The spans of ``page_text`` that one page's margin notes printed; none when too much of
    the page lies outside ``block``."""
    runs: list[tuple[TextLine, list[Glyph]]] = []
    printed = outside = 0
    # The first and last lines hold the running head and foot, whose page number may stand
    # outside the block: they are furniture the cleaning knows (``index/text/clean.py``).
    bases = [line.base for line in lines if line.text.strip()]
    ends = (min(bases), max(bases)) if bases else ()
    for line in lines:
        printed += sum(1 for g in line.glyphs if g.char != " ")
        if line.base in ends:
            continue
        for run in _outside_runs(line, block, _WIDEST * page_width):
            runs.append((line, run))
            outside += len(run)
    if not runs or outside > _MOST_OUTSIDE * printed:
        return []
    claimed = {g.offset for line in lines for g in line.glyphs if g.offset >= 0}
    spans: list[tuple[int, int]] = []
    for line, run in runs:
        spans += _run_spans(line, run, page_text, claimed)
    return spans


def _outside_runs(line: TextLine, block: TextBlock, widest: float) -> list[list[Glyph]]:
    """The pieces of a line (see ``_pieces``) set wholly outside ``block``, left or right of
    the pieces inside it (a line wholly outside is one such piece), none wider than
    ``widest``."""
    reach = _OUTSIDE * line.size
    return [
        piece
        for piece in _pieces(line)
        if (piece[-1].x1 <= block.left - reach or piece[0].x0 >= block.right + reach)
        and piece[-1].x1 - piece[0].x0 <= widest
    ]


def _run_spans(
    line: TextLine, run: Sequence[Glyph], page_text: str, claimed: set[int]
) -> list[tuple[int, int]]:
    """Where a run's characters are in ``page_text``: their own offsets, and for glyphs the
    alignment could not place (PDFium and pypdf wrote the note at different ends of the line)
    the nearest place where the run's characters stand in text no other glyph claimed."""
    offsets = sorted(g.offset for g in run if g.offset >= 0)
    if len(offsets) == len(run):
        spans: list[tuple[int, int]] = []
        for offset in offsets:
            if spans and not page_text[spans[-1][1] : offset].strip(" \t"):
                spans[-1] = (spans[-1][0], offset + 1)
            else:
                spans.append((offset, offset + 1))
        return spans
    own = set(offsets)
    chars = [g.char for g in run]
    pattern = re.compile(r"[ \t]*".join(re.escape(c) for c in chars))
    in_run = {id(g) for g in run}
    anchors = [g.offset for g in line.glyphs if g.offset >= 0 and id(g) not in in_run]
    if anchors:
        # pypdf writes the note where it was drawn: just after its line's text or just before.
        low, high = min(anchors), max(anchors)
        reach = 4 * len(chars) + 8
        for m in pattern.finditer(page_text, max(0, low - reach), high + 1 + reach):
            if not _set_apart(page_text, m.start(), m.end()):
                continue
            after = m.start() > high and not page_text[high + 1 : m.start()].strip()
            if after or (m.end() <= low and not page_text[m.end() : low].strip()):
                return [(m.start(), m.end())]
    taken = claimed - own
    found = [
        m
        for m in pattern.finditer(page_text)
        if not any(i in taken for i in range(m.start(), m.end()))
        and _set_apart(page_text, m.start(), m.end())
    ]
    if not found or (not anchors and len(found) > 1):
        return []
    if not anchors:
        return [(found[0].start(), found[0].end())]
    best = min(found, key=lambda m: min(abs(m.start() - a) for a in anchors))
    return [(best.start(), best.end())]


def _set_apart(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` has white space or a line's end on one side at least: a
    margin note is written at one end of its line ("particularNew feature" then a line break),
    never glued into a word on both sides ("\\DeclareCaptionLabelFormat{" holds no note)."""
    return start == 0 or end == len(text) or text[start - 1].isspace() or text[end].isspace()
