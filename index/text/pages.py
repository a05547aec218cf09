"""Split source text into pages, and mark where each page's footnote block begins.

Text files extracted from PDFs (the corpus's reports) carry no form feeds. There a footnote block
starts at a separator line of spaces and runs over consecutive non-blank lines; the next page
begins at the first blank line or at a line starting with one space (unless the line after it,
the next note or another space-led line, shows extraction merely indented a note line). Pages
whose notes were lost show only that space-led first line (section headings can start with a
space too: a heading is short, a page's first line is a full-width line of body text). A page
number alone on a line also opens a page. Form feeds always split pages.
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
_NOTE_NUMBER = re.compile(r" ?(\d{1,3}) ")


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


def _continues_notes(following: str, last_note: int) -> bool:
    """Whether a space-led line in a note block is note text, judged by the line after it.

    A page's first line is followed by a blank line (or a heading's second line); a line that
    extraction indented inside the notes is followed by the next note (``67 Zalessky ...``
    after `` mogilevskaja-oblast-...-2021/``) or by another space-led line.
    """
    if following.startswith(" ") and following.strip():
        return True
    number = _NOTE_NUMBER.match(following)
    return number is not None and last_note >= 0 and int(number.group(1)) == last_note + 1


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

    lines = list(lines_with_offsets(text, start, end))
    last_note = -1  # the number of the block's latest note; -1 before the first
    for index, (offset, line) in enumerate(lines):
        stripped = line.strip()
        if in_notes:
            following = lines[index + 1][1] if index + 1 < len(lines) else ""
            if not stripped or (
                line.startswith(" ")
                and not _INDENTED_NOTE.match(line)
                and not _continues_notes(following, last_note)
            ):
                close(offset)
                in_notes = False
                has_content = bool(stripped)
            else:
                number = _NOTE_NUMBER.match(line)
                if number and (last_note < 0 or int(number.group(1)) == last_note + 1):
                    last_note = int(number.group(1))
            continue
        if _SEPARATOR.fullmatch(line):
            body_end = offset
            in_notes = True
            last_note = -1
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


def pdf_pages(
    spans: list[tuple[int, int]],
    labels: list[str] | None = None,
    ocr_pages: frozenset[int] = frozenset(),
) -> list[Page]:
    """Pages of a PDF from the spans of its extracted text (note blocks are found later), with
    their printed labels when known and whether their text is from OCR."""
    return [
        Page(
            i + 1,
            start,
            end,
            end,
            labels[i] if labels and i < len(labels) else "",
            ocr=i + 1 in ocr_pages,
        )
        for i, (start, end) in enumerate(spans)
    ]
