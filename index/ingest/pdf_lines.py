"""A PDF's pages as lines that know their type size, place and note labels, in source offsets.

Built page by page from PDFium's glyphs (``index/ingest/pdf_glyphs.py``) and kept small: no glyph
outlives its page, a line keeps only what the note finder needs (its size, baseline and extent,
its offsets in the document's text, the label that opens it, the raised labels inside it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.ingest.pdf_glyphs import LABEL_SYMBOLS, Glyph, TextLine, page_lines
from index.ingest.pdf_links import Link, page_links
from index.ingest.pdf_margins import BlockEdges

_SYMBOL_KEYS = {"∗": "*", "⁎": "*"}
# LaTeX's sixth note symbol, ‖, is drawn in its text fonts as one glyph whose text is two bars
# ("||"): a pair of bars is that symbol, a lone bar is none.
_BAR, _DOUBLE_BAR = "|", "||"
# A raised glyph: smaller than its line's type and lifted off the baseline (a superscript), or
# lifted a fifth of an em or more at full size (a text rise: the "raised" position of a
# typewriter or a word processor lifts a full-size number about a quarter of an em).
_SMALLER, _RISE, _HIGH_RISE = 0.92, 0.12, 0.2
_MARKED_LINES = 1  # lines with raised marks that tell the body's size (if it prints enough)
_PAGE_NUMBER = re.compile(r"[-–—]?\s*(?:page\s+)?\d{1,4}\s*[-–—]?|[ivxlc]{1,6}", re.IGNORECASE)


@dataclass
class Label:
    """A note label or marker as printed: its text and its characters' span in the document."""

    text: str  # "3", "12", "*", "†"
    start: int
    end: int
    raised: bool
    before: str = ""  # up to three characters printed just before it on its line
    after: str = ""  # and just after it
    # A line's lead label only: the punctuation printed after it ("." of "4. ", ")" of "4) "),
    # and where the line's text after it starts (a tab stop puts it at one place for every
    # note): what tells a note's label from a wrapped line of a note starting with a number.
    punct: str = ""
    text_x: float | None = None
    gap: float | None = None  # from the label's (or its punctuation's) end to the text

    @property
    def key(self) -> str:
        """The label compared with others ("∗" and "*" are one symbol, "||" and "‖" too)."""
        return label_key(self.text)


def label_key(text: str) -> str:
    """A label as compared with others: one character per symbol ("∗" is "*", "||" is "‖")."""
    return "".join(_SYMBOL_KEYS.get(c, c) for c in text.replace(_DOUBLE_BAR, "‖"))


@dataclass
class Line:
    """One printed line: type size, baseline, extent, and where its text is in the document."""

    page: int  # 0-based page index
    size: float
    base: float
    x0: float
    x1: float
    start: int  # offset of its first character found in the document's text (-1: none)
    end: int  # offset after its last one
    text: str
    lead: Label | None = None  # a label that opens the line
    text_start: int = -1  # offset where its text after ``lead`` begins
    marks: list[Label] = field(default_factory=list)  # raised labels inside the line
    label_base: float | None = None  # the baseline of its lead label set on a line above it


@dataclass(frozen=True)
class Rule:
    """A horizontal line drawn on the page (a path, not text): a note separator, an underline,
    a table's border."""

    x0: float
    x1: float
    y: float


@dataclass
class PageLayout:
    """A page's lines in the content stream's order, and its size in PDF units."""

    index: int
    width: float
    height: float
    lines: list[Line]
    links: list[Link] = field(default_factory=list)  # web links (annotations) on the page
    rules: list[Rule] = field(default_factory=list)  # horizontal rules drawn on it


@dataclass
class DocumentLayout:
    """Every page's lines, the body text's size, and the line texts repeated on many pages."""

    pages: list[PageLayout]
    body_size: float
    repeated: set[str]
    spans: list[tuple[int, int]]  # each page's (start, end) in the document's text
    # where pieces of lines start and end, in the pages' own units (``pdf_margins``)
    edges: BlockEdges = field(default_factory=BlockEdges)


def read_layout(
    path: Path, page_texts: Sequence[str], page_starts: Sequence[int]
) -> DocumentLayout:
    """Lines of every page of ``path``, tied to ``page_texts`` (pypdf's) that start at
    ``page_starts`` in the document's text. One page's glyphs are in memory at a time."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    pages: list[PageLayout] = []
    sizes: Counter[float] = Counter()
    marked: Counter[float] = Counter()
    texts: Counter[str] = Counter()
    edges = BlockEdges()
    try:
        for index, (text, start) in enumerate(zip(page_texts, page_starts, strict=True)):
            page = pdf[index]
            try:
                width, height = page.get_size()
                text_lines = page_lines(page, text)
                edges.add(index, text_lines)
                lines = [describe_line(line, index, start) for line in text_lines]
                links = page_links(pdf, page)
                rules = page_rules(page)
                left, bottom, _, _ = page.get_cropbox()
            finally:
                page.close()
            if left or bottom:
                rules, links = in_page_box(lines, rules, links, left, bottom)
            lines = merge_lone_labels(lines)
            for line in lines:
                sizes[round(line.size * 2) / 2] += len(line.text)
                if line.marks:
                    marked[round(line.size * 2) / 2] += 1
            texts.update({_shape(line.text) for line in lines})
            pages.append(PageLayout(index, width, height, lines, links, rules))
    finally:
        pdf.close()
    body = _body_size(sizes, marked)
    repeated = {t for t, n in texts.items() if n >= 3 and len(pages) >= 4 and t}
    spans = [
        (start, start + len(text)) for text, start in zip(page_texts, page_starts, strict=True)
    ]
    return DocumentLayout(pages, body, repeated, spans, edges)


def _body_size(sizes: Counter[float], marked: Counter[float]) -> float:
    """The body's size: that of the lines with raised markers in them (markers stand in the
    body, and notes can outweigh the body on a page), unless that size prints little of the
    text (a few lines a document sets too large by mistake); else the most common size."""
    if not sizes:
        return 0.0
    common = max(sizes, key=lambda s: sizes[s])
    if sum(marked.values()) < _MARKED_LINES:
        return common
    size = max(marked, key=lambda s: marked[s])
    return size if sizes[size] >= _BODY_SHARE * sum(sizes.values()) else common


_BODY_SHARE = 0.15  # the share of the text's characters the body's size prints at the least
_RULE_HEIGHT, _RULE_WIDTH = 2.0, 24.0  # a rule is at most this thick and at least this long
_MAX_PATHS = 2000  # a page drawn with more paths is a figure: no rules are looked for on it


def page_rules(page: Any) -> list[Rule]:
    """The horizontal rules of a pypdfium2 page: drawn paths thin and long enough."""
    import pypdfium2.raw as pdfium_c

    rules: list[Rule] = []
    for k, obj in enumerate(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,))):
        if k >= _MAX_PATHS:
            return []
        left, bottom, right, top = obj.get_bounds()
        if top - bottom <= _RULE_HEIGHT and right - left >= _RULE_WIDTH:
            rules.append(Rule(left, right, (top + bottom) / 2))
    return rules


def in_page_box(
    lines: Sequence[Line], rules: Sequence[Rule], links: Sequence[Link], left: float, bottom: float
) -> tuple[list[Rule], list[Link]]:
    """Positions measured from the corner of the page's visible box (its crop box, else its
    media box) rather than from (0, 0) of its user space, where a page set off the origin
    (cropped, or printed on a smaller sheet) puts them: the page's width and height, which
    margins and columns are judged by, are the box's. Moves ``lines`` (and their labels) in
    place; returns the rules and links moved."""
    for line in lines:
        line.x0, line.x1, line.base = line.x0 - left, line.x1 - left, line.base - bottom
        if line.label_base is not None:
            line.label_base -= bottom
        if line.lead is not None and line.lead.text_x is not None:
            line.lead.text_x -= left
    moved_rules = [Rule(r.x0 - left, r.x1 - left, r.y - bottom) for r in rules]
    moved_links = [
        Link(k.uri, k.x0 - left, k.bottom - bottom, k.x1 - left, k.top - bottom) for k in links
    ]
    return moved_rules, moved_links


def _shape(text: str) -> str:
    """A line's text with its numbers blanked: running headers differ only in page numbers."""
    return re.sub(r"\d+", "#", " ".join(text.split()))


def is_furniture(line: Line, page: PageLayout, layout: DocumentLayout) -> bool:
    """A page number, a running header or footer (repeated on pages), or text in the margins.
    A line with a raised label in it (a note's, or a marker) is no furniture however often its
    words recur: a manual's language sections each say "system.⁵ It supports numbers up to
    999 999." over a note "⁵See https://en.wikipedia.org/wiki/Cyrillic_numerals."."""
    text = line.text.strip()
    if not text:
        return True
    if _PAGE_NUMBER.fullmatch(text) and not any(mark.raised for mark in line.marks):
        return True  # a table cell "– ¹¹" holds a marker, however like a page number it reads
    if _shape(line.text) in layout.repeated and not _labelled(line):
        return True
    return line.base > page.height * 0.94 or line.base < page.height * 0.035


def _labelled(line: Line) -> bool:
    """Whether a raised note label opens the line or stands in it."""
    return (line.lead is not None and line.lead.raised) or any(m.raised for m in line.marks)


def raised(glyph: Glyph, line: TextLine) -> bool:
    """A superscript relative to its line (see ``_SMALLER``, ``_RISE``)."""
    rise = glyph.base - line.base
    small = glyph.size <= line.size * _SMALLER and rise >= _RISE * line.size
    return small or rise >= _HIGH_RISE * line.size


def describe_line(line: TextLine, page: int, page_start: int) -> Line:
    """The record of a line: offsets made document-wide, its lead label and its raised marks."""
    glyphs = line.glyphs
    offsets = [g.offset for g in glyphs if g.offset >= 0]
    lead, rest = _lead_label(line, page_start)
    after = [g.offset for g in glyphs[rest:] if g.offset >= 0 and g.char != " "]
    return Line(
        page=page,
        size=line.size,
        base=line.base,
        x0=line.x0,
        x1=line.x1,
        start=page_start + min(offsets) if offsets else -1,
        end=page_start + max(offsets) + 1 if offsets else -1,
        text=line.text,
        lead=lead,
        text_start=page_start + after[0] if after else -1,
        marks=list(_marks(line, rest, page_start)),
    )


def _is_label_char(char: str) -> bool:
    return char.isdigit() or char in LABEL_SYMBOLS or char in _ROMAN_DIGITS or char == _BAR


_ROMAN_DIGITS = "ivxlc"
_ROMAN = re.compile(r"(?=[ivxlc])(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")
_ROMAN_VALUES = [(90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv")]


def label_value(key: str) -> int | None:
    """A label's number: "12" is 12, "iv" is 4 (lower-case Roman, as LibreOffice and Word number
    endnotes); None for a symbol."""
    if key.isdigit():
        return int(key)
    if not _ROMAN.fullmatch(key):
        return None
    value, rest = 0, key
    for number, letters in [(100, "c"), *_ROMAN_VALUES, (1, "i")]:
        while rest.startswith(letters):
            value, rest = value + number, rest[len(letters) :]
    return value


def label_after(key: str) -> str:
    """The label that follows ``key`` in its own numbering ("9" -> "10", "iv" -> "v"); "" after
    a symbol."""
    value = label_value(key)
    if value is None:
        return ""
    if key.isdigit():
        return str(value + 1)
    value += 1
    out = ""
    for number, letters in [(100, "c"), *_ROMAN_VALUES, (1, "i")]:
        while value >= number:
            out, value = out + letters, value - number
    return out


def _span(glyphs: Sequence[Glyph], page_start: int) -> tuple[int, int] | None:
    """The glyphs' span in the document's text, if extraction kept them side by side."""
    offsets = [g.offset for g in glyphs]
    if any(o < 0 for o in offsets) or offsets != list(range(offsets[0], offsets[0] + len(offsets))):
        return None
    return page_start + offsets[0], page_start + offsets[-1] + 1


def _lead_label(line: TextLine, page_start: int) -> tuple[Label | None, int]:
    """The label opening a line: raised label characters (a superscript note number), or up to
    three digits or one symbol at full size followed by a space or ". " ("4 https://...").
    Returns it (or None) and the index of the first glyph after it."""
    glyphs = line.glyphs
    if not glyphs or not _is_label_char(glyphs[0].char):
        return None, 0
    up = raised(glyphs[0], line)
    k = 0
    while k < len(glyphs) and _is_label_char(glyphs[k].char) and raised(glyphs[k], line) == up:
        k += 1
    text = "".join(g.char for g in glyphs[:k])
    if k == len(glyphs) or not _label_shape(text):
        return None, 0
    rest = k
    if not up:
        if glyphs[k].char in ".)" and k + 1 < len(glyphs) and glyphs[k + 1].char == " ":
            rest = k + 1
        elif glyphs[k].char != " " and not _glued_label(text, glyphs[k].char):
            return None, 0
    span = _span(glyphs[:k], page_start)
    if span is None:
        return None, 0
    punct = glyphs[k].char if rest > k else ""
    while rest < len(glyphs) and glyphs[rest].char == " ":
        rest += 1
    following = glyphs[rest].char if rest < len(glyphs) else ""
    text_x = glyphs[rest].x0 if rest < len(glyphs) else None
    gap = None if text_x is None else text_x - glyphs[k if punct else k - 1].x1
    return Label(text, span[0], span[1], up, "", following, punct, text_x, gap), rest


def _glued_label(text: str, following: str) -> bool:
    """A full-size label printed against its note's first word: a symbol ("*The"), or a Roman
    numeral before a capital ("viiiTamsin": LibreOffice sets endnote labels in a box of fixed
    width that a long numeral overruns). A digit is never read so ("3D", "4K")."""
    if text[0] in LABEL_SYMBOLS:
        return following.isalpha()
    return label_value(text) is not None and not text.isdigit() and following.isupper()


def _label_shape(text: str) -> bool:
    if text.isdigit():
        return len(text) <= 3 and not text.startswith("0")
    if text[:1] == _BAR:
        return len(text) in (2, 4) and set(text) == {_BAR}
    if text[:1] in LABEL_SYMBOLS:
        return len(text) <= 3 and len(set(text)) == 1
    return len(text) <= 6 and label_value(text) is not None


def _marks(line: TextLine, skip: int, page_start: int) -> Iterator[Label]:
    """Runs of raised label characters after the first ``skip`` glyphs, split at commas
    ("3,4" is two markers), and note symbols set at full size against a word ("word†")."""
    glyphs = line.glyphs
    i = skip
    while i < len(glyphs):
        symbols = _glued_symbols(glyphs, i)
        if symbols:
            span = _span(glyphs[i : i + symbols], page_start)
            if span is not None:
                text = "".join(g.char for g in glyphs[i : i + symbols])
                before = "".join(g.char for g in glyphs[max(0, i - 3) : i])
                after = glyphs[i + symbols].char if i + symbols < len(glyphs) else ""
                yield Label(text, span[0], span[1], False, before, after)
            i += symbols
            continue
        if not (raised(glyphs[i], line) and _is_label_char(glyphs[i].char)):
            i += 1
            continue
        j = i
        while j < len(glyphs) and raised(glyphs[j], line) and glyphs[j].char != " ":
            j += 1
        before = "".join(g.char for g in glyphs[max(0, i - 3) : i])
        after = glyphs[j].char if j < len(glyphs) else ""
        start = i
        for k in range(i, j + 1):
            if k == j or glyphs[k].char == ",":
                part = glyphs[start:k]
                text = "".join(g.char for g in part)
                span = _span(part, page_start) if part else None
                if span and _label_shape(text):
                    yield Label(text, span[0], span[1], True, before, after)
                start = k + 1
        i = j


_SYMBOL_FOLLOWS = re.compile(r"[\w(\[“‘]")  # what a note symbol is never printed against
_SYMBOL_AFTER = re.compile(r"[^\W\d_]|[.,;:!?)\]”’\"']")  # a word's end or closing punctuation


def _glued_symbols(glyphs: Sequence[Glyph], i: int) -> int:
    """How many glyphs from ``i`` on are a note symbol printed at full size right after a word
    or closing punctuation, and not before another word ("Sadipscing†", "clita.*", "**"): the
    way groff's mom and some word processors set symbol markers, which the glyphs themselves
    raise. 0 where there is none. Such a mark only counts where a note in the zone below
    opens with the same symbol."""
    char = glyphs[i].char
    if char not in LABEL_SYMBOLS or i == 0 or not _SYMBOL_AFTER.match(glyphs[i - 1].char):
        return 0
    if (
        abs(glyphs[i].base - glyphs[i - 1].base) > 0.5
        or glyphs[i].size < glyphs[i - 1].size * _SMALLER
    ):
        return 0  # raised or smaller: a superscript, read as one
    j = i
    while j < len(glyphs) and glyphs[j].char == char and j - i < 3:
        j += 1
    if j < len(glyphs) and _SYMBOL_FOLLOWS.match(glyphs[j].char):
        return 0
    return j - i


def merge_lone_labels(lines: list[Line]) -> list[Line]:
    """A note number set on a line of its own just above or beside the note's first line
    becomes that line's lead label: when it is in smaller type than that line, or in the same
    type and a raised marker elsewhere on the page repeats it (word processors that put the
    number on its own line at the note's size). A full-size number opening that line is then
    the note's first word ("40 Eastm. Stat. § 8371"), not its label.

    A smaller number alone just under a line, whose number also opens a note in smaller type
    lower on the page, is that note's marker: TeX breaks a line at the space typed before a
    marker ("лицензий. \\footnote{...}") and sets the marker alone on the next line. It becomes
    a raised mark of the line above it."""
    cited = {mark.key for line in lines for mark in line.marks}
    merged: list[Line] = []
    skip = False
    for i, line in enumerate(lines):
        if skip:
            skip = False
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        text = line.text.strip()
        lone = bool(text) and _label_shape(text) and line.start >= 0 and nxt is not None
        if lone and merged and _trailing_marker(line, merged[-1], lines[i + 1 :]):
            merged[-1].marks.append(
                Label(text, line.start, line.end, True, merged[-1].text[-3:], "")
            )
            continue
        plain = nxt is not None and (nxt.lead is None or not nxt.lead.raised)
        if lone and nxt is not None and plain and _lone_label_of(line, nxt, cited):
            close = -0.5 * nxt.size <= line.base - nxt.base <= 2.5 * nxt.size
            if close and abs(line.x0 - nxt.x0) < 4 * nxt.size:
                nxt.lead = Label(text, line.start, line.end, True, "", nxt.text.lstrip()[:1])
                nxt.text_start = nxt.start
                nxt.label_base = line.base
                merged.append(nxt)
                skip = True
                continue
        merged.append(line)
    return merged


def _trailing_marker(line: Line, above: Line, below: Sequence[Line]) -> bool:
    """Whether a line holding only a label is the marker of the line just above it (see
    ``merge_lone_labels``): smaller than that line, set under it within a line's pitch, and a
    note in type smaller than that line opens with the same label further down the page."""
    key = label_key(line.text.strip())
    if line.size >= above.size * _SMALLER or not 0 < above.base - line.base <= 1.5 * above.size:
        return False
    return any(
        other.lead is not None
        and other.lead.key == key
        and other.base < line.base
        and other.size < above.size * _SMALLER
        for other in below
    )


def lone_label(line: Line) -> str | None:
    """The label a line holds when it holds nothing else (a note number on a line of its own),
    as compared with others; None for any other line."""
    text = line.text.strip()
    if not text or line.start < 0 or line.lead is not None or not _label_shape(text):
        return None
    return label_key(text)


def _lone_label_of(line: Line, nxt: Line, cited: set[str]) -> bool:
    """Whether a line holding only a label is set as the label of the line after it."""
    if line.size < nxt.size * _SMALLER:
        return True
    return abs(line.size - nxt.size) < 0.25 and lone_label(line) in cited and not line.marks
