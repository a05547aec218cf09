"""Split source text into pages, and mark where each page's footnote block begins.

Text files extracted from PDFs (the corpus's reports) carry no form feeds. There a footnote block
starts at a separator line of spaces and runs over consecutive non-blank lines; the next page
begins at the first blank line or at a line starting with one space. Pages whose notes were lost
show only that space-led first line (section headings can start with a space too: a heading is
short, a page's first line is a full-width line of body text). A page number alone on a line also
opens a page. Form feeds always split pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.records import Page

_SEPARATOR = re.compile(r"[ \t]{20,}")
_PAGE_NUMBER = re.compile(r"\s*\d{1,4}\s*")
# A page's first line: one space, then text, and as wide as body text (headings are shorter).
_PAGE_FIRST_LINE = re.compile(r" [\w\"“«(].{50,}")
# A note line that extraction indented like a page's first line: " 55 MTZ has signed ...".
_INDENTED_NOTE = re.compile(r" \d{1,3} [A-Z]")


def lines_with_offsets(
    text: str, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, str]]:
    """(offset, line) for each line of ``text[start:end]``, without line endings."""
    end = len(text) if end is None else end
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        stop = end if newline < 0 else newline
        line = text[pos:stop]
        yield pos, line.rstrip("\r")
        pos = stop + 1


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.fullmatch(line))


def split_text_pages(text: str) -> list[Page]:
    """Pages of a text file, with the offset where each page's footnote block begins."""
    pages: list[Page] = []
    segment_start = 0
    for segment in text.split("\f"):
        segment_end = segment_start + len(segment)
        pages.extend(_split_segment(text, segment_start, segment_end, first_number=len(pages) + 1))
        segment_start = segment_end + 1
    return pages or [Page(1, 0, len(text), len(text))]


def _split_segment(text: str, start: int, end: int, first_number: int) -> list[Page]:
    pages: list[Page] = []
    page_start = start
    body_end: int | None = None
    in_notes = False
    has_content = False

    def close(at: int) -> None:
        nonlocal page_start, body_end
        if at > page_start:
            pages.append(
                Page(
                    first_number + len(pages), page_start, at, at if body_end is None else body_end
                )
            )
        page_start, body_end = at, None

    for offset, line in lines_with_offsets(text, start, end):
        stripped = line.strip()
        if in_notes:
            if not stripped or (line.startswith(" ") and not _INDENTED_NOTE.match(line)):
                close(offset)
                in_notes = False
                has_content = bool(stripped)
            continue
        if _SEPARATOR.fullmatch(line):
            body_end = offset
            in_notes = True
            continue
        if has_content and (is_page_number(line) or _PAGE_FIRST_LINE.fullmatch(line.rstrip())):
            close(offset)
            has_content = False
        if stripped:
            has_content = True
    close(end)
    if not pages:
        pages.append(Page(first_number, start, end, end))
    return pages


def pdf_pages(spans: list[tuple[int, int]]) -> list[Page]:
    """Pages of a PDF from the spans of its extracted text (note blocks are found later)."""
    return [Page(i + 1, start, end, end) for i, (start, end) in enumerate(spans)]
