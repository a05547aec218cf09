"""Word spaces that pypdf's extraction lost, put back from PDFium's reading of the same page.

pypdf puts a space where a text-positioning gap (a ``TJ`` offset) is at least half the font's
space width. A font without a space glyph of its own (XeTeX's subsets written by xdvipdfmx, as
dblatex and AsciiDoc make them) gets a space width pypdf overestimates, and whole lines come out
as "Itisunwisetorunyourbasesystem": the index then holds no words. PDFium judges the gaps by the
glyphs' positions and adds the spaces it sees (its "generated" characters). The page's glyphs are
aligned with pypdf's text (``pdf_glyphs.align_offsets``), and where PDFium has a word space
between two glyphs that sit side by side in pypdf's text, a space goes in. Only pages whose text
holds runs of letters too long to be words are read again, so other PDFs are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from index.ingest.pdf_glyphs import Glyph, align_offsets, read_glyphs

# Runs of letters no language writes as one word (German compounds and Russian words stay under
# it); a page with this many of them lost its spaces.
_RUN_TOGETHER = re.compile(r"[^\W\d_]{25,}")
_MIN_RUNS = 2


def lost_spaces(text: str) -> bool:
    """True when ``text`` reads as words run together ("Itisunwisetorunyourbasesystem").

    >>> lost_spaces("Itisunwisetorunyourbasesystem under the pure unstablesuiteevenforthedevelopment")
    True
    >>> lost_spaces("Bundesverfassungsgerichtsentscheidung, twice: Bundesverfassungsgericht")
    False
    """
    return len(_RUN_TOGETHER.findall(text)) >= _MIN_RUNS


def restore_spaces(text: str, glyphs: Sequence[Glyph]) -> str:
    """``text`` with a space wherever PDFium has a word space between two printed glyphs that
    are next to each other in ``text`` (a ligature's glyph may stand for up to three characters).
    The glyphs' offsets are set here (``align_offsets``)."""
    align_offsets(list(glyphs), text)
    at: list[int] = []
    previous: Glyph | None = None
    spaced = False
    for glyph in glyphs:
        if glyph.char == " ":
            spaced = True
            continue
        if (
            spaced
            and previous is not None
            and previous.offset >= 0
            and 0 < glyph.offset - previous.offset <= 3
            and not any(c.isspace() for c in text[previous.offset + 1 : glyph.offset])
        ):
            at.append(glyph.offset)
        previous, spaced = glyph, False
    if not at:
        return text
    pieces, start = [], 0
    for offset in at:
        pieces += [text[start:offset], " "]
        start = offset
    pieces.append(text[start:])
    return "".join(pieces)


def restore_lost_spaces(
    path: Path, page_texts: Sequence[str], skip: Sequence[int] = ()
) -> list[str]:
    """The pages' texts, those that lost their word spaces (``lost_spaces``) given them back
    from PDFium's glyphs; ``skip`` lists page indexes not to touch (text from OCR)."""
    texts = list(page_texts)
    pages = [i for i, text in enumerate(texts) if i not in skip and lost_spaces(text)]
    if not pages:
        return texts
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except Exception:  # PDFium refusing a file pypdf read: the text stays as pypdf gave it
        return texts
    try:
        for i in pages:
            textpage = document[i].get_textpage()
            try:
                glyphs = read_glyphs(textpage)
            finally:
                textpage.close()
            texts[i] = restore_spaces(texts[i], glyphs)
    finally:
        document.close()
    return texts
