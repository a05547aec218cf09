"""The characters of a PDF page as PDFium places them (size, baseline, lines), each tied to its
place in the text pypdf extracted from the same page.

pypdf's text is the document's source text, what a reader is shown; PDFium knows each
character's printed size and position, which is what tells a raised note marker from a digit of
the text. Both read the page's content stream in order, so their characters agree almost
everywhere: the two sequences are aligned on their non-space characters (ligatures unfolded)
and each glyph gets its offset in pypdf's text, or -1 where the extractions differ (formulas,
reordered blocks), so a glyph can be used but never misplaced.
"""

from __future__ import annotations

import bisect
import ctypes
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# A mismatch is over where this many characters of both sequences agree again.
_WINDOW = 4
_SEARCH = 400  # how far ahead in PDFium's characters a resynchronisation is sought
_HYPHEN = "\x02"  # PDFium's code for a hyphen that ends a line
# A gap this many ems wide on one baseline parts two lines (table cells, columns drawn row by
# row); justified text stretches its spaces far less, even on an overfull line.
_GAP = 6.0
# pdfTeX's T1 (Cork) fonts embedded without a usable encoding: extraction gives the font's codes,
# and 0x1B..0x1F are the ligatures ff, fi, fl, ffi, ffl there (control characters otherwise).
_CORK_LIGATURES = {"\x1b": "ﬀ", "\x1c": "ﬁ", "\x1d": "ﬂ", "\x1e": "ﬃ", "\x1f": "ﬄ"}
_CORK_IN_WORD = re.compile(r"(?<=[^\W\d_])[\x1b-\x1f]|[\x1b-\x1f](?=[^\W\d_])")
_OT1_LIGATURES = re.compile(r"[\x0b\x0e\x0f]")  # OT1's ff, ffi, ffl: not a Cork font


def unfold_cork_ligatures(text: str) -> str:
    """``text`` with the Cork ligature codes inside words spelt out ("o\\x1ece" -> "office"),
    unless the text also holds OT1's ligature codes (whose 0x1B..0x1F are other letters)."""
    if not _CORK_IN_WORD.search(text) or _OT1_LIGATURES.search(text):
        return text
    return _CORK_IN_WORD.sub(
        lambda m: unicodedata.normalize("NFKC", _CORK_LIGATURES[m.group()]), text
    )


@dataclass(slots=True)
class Glyph:
    """One printed character: PDF units from the page's bottom left, size as printed."""

    char: str
    x0: float
    x1: float
    base: float  # the baseline
    size: float  # font size with the text matrix's scale (a 1-point font scaled 12 times is 12)
    offset: int = -1  # in the page's extracted text; -1 where that text lacks it


@dataclass
class TextLine:
    """Glyphs on one baseline (raised and lowered ones included), in the content stream's order."""

    glyphs: list[Glyph]
    size: float = 0.0  # the size most of its characters have
    base: float = 0.0  # their baseline
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)


def page_lines(page: Any, page_text: str) -> list[TextLine]:
    """A pypdfium2 page's lines, each glyph tied to its offset in ``page_text`` (pypdf's)."""
    textpage = page.get_textpage()
    try:
        glyphs = read_glyphs(textpage)
    finally:
        textpage.close()
    align_offsets(glyphs, page_text)
    return group_lines(glyphs)


def read_glyphs(textpage: Any) -> list[Glyph]:
    """Every character of a PDFium text page but line breaks; the spaces PDFium adds between
    words are kept (placed where the word before ends), so labels and words stay apart."""
    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    unicode_of, size_of = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetFontSize
    matrix_of, origin_of = pdfium_c.FPDFText_GetMatrix, pdfium_c.FPDFText_GetCharOrigin
    box_of, generated = pdfium_c.FPDFText_GetCharBox, pdfium_c.FPDFText_IsGenerated
    matrix = pdfium_c.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    glyphs: list[Glyph] = []
    for i in range(textpage.count_chars()):
        # A Cork ligature code (which Python counts as white space) reads as the ligature, as
        # the text it is aligned with spells it.
        char = chr(unicode_of(handle, i))
        char = _CORK_LIGATURES.get(char, char)
        if char in "\r\n\x00":
            continue
        if char.isspace() and (generated(handle, i) or not glyphs):
            if glyphs:
                last = glyphs[-1]
                glyphs.append(Glyph(" ", last.x1, last.x1, last.base, last.size))
            continue
        matrix_of(handle, i, matrix)
        size = size_of(handle, i) * math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        origin_of(handle, i, x, y)
        box_of(handle, i, left, right, bottom, top)
        x0 = x.value
        x1 = max(right.value, x0 + 0.1)
        glyphs.append(Glyph(" " if char.isspace() else char, x0, x1, y.value, size))
    return glyphs


def _normalized(chars: Sequence[str]) -> tuple[str, list[int]]:
    """Non-space characters, compatibility-normalized (ligatures unfolded), with their indexes."""
    out: list[str] = []
    index: list[int] = []
    for i, char in enumerate(chars):
        if char.isspace():
            continue
        if char == _HYPHEN:
            char = "-"
        for part in unicodedata.normalize("NFKC", char) if ord(char) > 127 else char:
            if not part.isspace():
                out.append(part)
                index.append(i)
    return "".join(out), index


def align_offsets(glyphs: list[Glyph], text: str) -> None:
    """Set each glyph's ``offset`` in ``text`` where the two agree (see the module's docstring)."""
    a, a_index = _normalized([g.char for g in glyphs])
    b, b_index = _normalized(text)
    for i, j in _align(a, b):
        glyph = glyphs[a_index[i]]
        if glyph.offset < 0:
            glyph.offset = b_index[j]


def _align(a: str, b: str) -> list[tuple[int, int]]:
    """Matched positions (i in a, j in b), both increasing: a forward walk that, where the two
    differ, skips to the nearest place (fewest characters skipped) where ``_WINDOW`` agree."""
    pairs: list[tuple[int, int]] = []
    grams: dict[str, list[int]] | None = None
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            # Long runs agree: compare them in slices rather than character by character.
            step = 1
            while step < 64 and a[i : i + step * 2] == b[j : j + step * 2]:
                step *= 2
            pairs.extend((i + k, j + k) for k in range(min(step, len(a) - i, len(b) - j)))
            i, j = i + step, j + step
            continue
        if grams is None:
            grams = {}
            for p in range(len(b) - _WINDOW + 1):
                grams.setdefault(b[p : p + _WINDOW], []).append(p)
        best: tuple[int, int, int] | None = None
        for di in range(min(_SEARCH, len(a) - i)):
            if best is not None and di >= best[0]:
                break
            places = grams.get(a[i + di : i + di + _WINDOW])
            if not places:
                continue
            k = bisect.bisect_left(places, j)
            if k < len(places) and (best is None or di + places[k] - j < best[0]):
                best = (di + places[k] - j, di, places[k] - j)
        if best is None:
            break
        i, j = i + best[1], j + best[2]
    return [(i, j) for i, j in pairs if i < len(a) and j < len(b)]


def group_lines(glyphs: Sequence[Glyph]) -> list[TextLine]:
    """Glyphs in stream order cut into lines: a glyph whose middle lies outside the current
    line's height, or that jumps back left or far right, starts a new line."""
    lines: list[TextLine] = []
    current: list[Glyph] = []
    last: Glyph | None = None  # the current line's last printed glyph
    low = high = 0.0
    for glyph in glyphs:
        if glyph.char == " ":
            if current:
                current.append(glyph)
            continue
        size = glyph.size
        middle = glyph.base + 0.3 * size
        if last is not None:
            em = last.size if last.size > size else size
            if low <= middle <= high and last.x0 - em <= glyph.x0 <= last.x1 + _GAP * em:
                current.append(glyph)
                last = glyph
                if glyph.base - 0.25 * size < low:
                    low = glyph.base - 0.25 * size
                if glyph.base + 0.85 * size > high:
                    high = glyph.base + 0.85 * size
                continue
            lines.append(_finish(current))
        current, last = [glyph], glyph
        low, high = glyph.base - 0.25 * size, glyph.base + 0.85 * size
    if current:
        lines.append(_finish(current))
    return lines


# What a note's label is made of: digits, the classic symbols, and LaTeX's asterisk (U+2217).
LABEL_SYMBOLS = "*∗†‡§¶‖⁎"
# A superscript is this much smaller than its text and raised this share of the text's size
# (as ``index/ingest/pdf_lines.py`` judges a raised glyph); a marker has at most _MARK_CHARS.
_SUPERSCRIPT, _SUPERSCRIPT_RISE, _MARK_CHARS = 0.92, 0.12, 3


def _text_size(printed: Sequence[Glyph], common: float) -> float:
    """The size of a line's text, not of its superscript: the size most of its glyphs have,
    unless those are a marker's few glyphs (digits or note symbols) set smaller and raised
    over larger ones (a table cell "– ¹¹", where the mark outnumbers the dash): then the
    larger glyphs' size."""
    small = [g for g in printed if round(g.size, 1) == common]
    if len(small) > _MARK_CHARS or not all(
        g.char.isdigit() or g.char in LABEL_SYMBOLS for g in small
    ):
        return common  # text, or a formula's "x¹ᐟ²"
    low = min(g.base for g in small)
    under = Counter(
        round(g.size, 1)
        for g in printed
        if common <= g.size * _SUPERSCRIPT and g.base + _SUPERSCRIPT_RISE * g.size <= low
    )
    return max(under, key=lambda s: (under[s], s)) if under else common


def _finish(glyphs: list[Glyph]) -> TextLine:
    while glyphs and glyphs[-1].char == " ":
        glyphs.pop()
    printed = [g for g in glyphs if g.char != " "]
    sizes = Counter(round(g.size, 1) for g in printed)
    size = _text_size(printed, max(sizes, key=lambda s: (sizes[s], s)))
    bases = sorted(g.base for g in printed if round(g.size, 1) == size)
    return TextLine(
        glyphs,
        size=size,
        base=bases[len(bases) // 2],
        x0=min(g.x0 for g in printed),
        x1=max(g.x1 for g in printed),
        top=max(g.base + 0.75 * g.size for g in printed),
        bottom=min(g.base - 0.2 * g.size for g in printed),
    )
