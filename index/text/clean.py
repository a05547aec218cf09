"""Clean body text that keeps, for every character, its offset in the source.

A reader should notice cleaning only as fewer errors: HTML remnants, web-page chrome, page
numbers and running headers go; words split at a line end are joined (real compounds such as
``fire-fighting`` keep their hyphen); runs of spaces shrink to one; wrapped lines become
paragraphs; footnote markers are removed and their positions kept.
"""

from __future__ import annotations

import bisect
import html
import re
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from index.records import Marker, Page
from index.text.pages import is_page_number, lines_with_offsets

# Lines a web page adds around an article: navigation, sharing, "read more" teasers.
_CHROME = re.compile(
    r"\s*(?:read more:|related:|see also:|share( this)?( on \w+)?$|tweet$|print$|advertisement$|"
    r"subscribe\b|follow us\b|scroll to top$|back to top$|прокрутить вверх$|click here\b|"
    r"cookie|all rights reserved|©)",
    re.IGNORECASE,
)
# A tag: an element's name, then attributes after white space, or nothing ("<br/>", "</p>").
# "<qual>", "<user@host.org>", "<version>" are text: only HTML's own elements are markup.
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]{0,200}|\s*/)?>")
_HTML_ELEMENTS = frozenset(
    re.findall(
        r"\w+",
        "a abbr address area article aside audio b base bdi bdo blockquote body br button canvas "
        "caption center cite code col colgroup data datalist dd del details dfn dialog div dl dt "
        "em embed fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr "
        "html i iframe img input ins kbd label legend li link main map mark meta meter nav "
        "noscript object ol optgroup option output p param picture pre progress q rp rt ruby s "
        "samp script section select small source span strike strong style sub summary sup table "
        "tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr",
    )
)
_BREAK_TAGS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_SPACES = frozenset(" \t\u00a0\u2002\u2003\u2009\u200a\u202f\u3000\r")
_BULLETS = tuple("•▪◦‣·")
_SENTENCE_END = tuple('.!?:"”»)…')
_HEADER_DIGITS = re.compile(r"\d+")
_HEAD_LINES = 3  # a running head or foot is at most this many lines deep
_HEAD_WORDS = 12  # a running head holding its page number has at most this many words
_WORD_AT_END = re.compile(r"([^\W\d_]+)-$")
_WORD_AT_START = re.compile(r"[^\W\d_]+")
# A court opinion's star page, "[*31]": where page 31 begins, furniture inside the body text.
_STAR_PAGE = re.compile(r"\[\*(\d{1,4})\][ \t]?")


@dataclass
class CleanText:
    """Clean text, the source offset of each of its characters, and where markers were."""

    text: str
    offsets: list[int]
    marker_positions: list[tuple[int, Marker]]


@dataclass
class _Line:
    offset: int
    text: str  # as in the source, without its line ending
    after_blank: bool = False  # a blank line came before it on its page
    blanks: int = 0  # how many blank lines came right before it
    page_numbers: frozenset[int] = frozenset()  # the numbers a star page on it may give


def running_headers(source: str, pages: Sequence[Page]) -> set[str]:
    """First and last lines that repeat on three or more pages once digits are masked, and the
    lines next to them that repeat too where they did (a head of two or three lines: an
    e-filing stamp "Case: 24-1187 Document: 41 Page: 3" over a short title)."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    shapes: list[list[str]] = []
    for page in pages:
        lines = [ln.strip() for _, ln in lines_with_offsets(source, page.start, page.body_end)]
        lines = [ln for ln in lines if ln]
        for line in {lines[0], lines[-1]} if lines else set():
            counts[_HEADER_DIGITS.sub("#", line)] += 1
        # a page number above a head or below a foot is no line of it
        shapes.append([_HEADER_DIGITS.sub("#", ln) for ln in lines if not is_page_number(ln)])
    headers = _repeated(counts)
    for ends in ([s for s in shapes if s], [s[::-1] for s in shapes if s]):
        for depth in range(1, _HEAD_LINES):
            # only below lines that were all furniture: a body line repeated by chance is not
            ends = [s for s in ends if len(s) > depth + 1 and s[depth - 1] in headers]
            deeper = _repeated(Counter(s[depth] for s in ends))
            if not deeper:
                break
            headers |= deeper
    return headers


def numbered_heads(source: str, pages: Sequence[Page]) -> set[int]:
    """The offsets of the running heads (or feet) that carry their page's printed number at one
    end, "64 Корисні можливості", "4.2 Бібліоґрафія 65": a page's first (or last) line, short,
    opening or closing with the page's label. Their words change with each section, so they
    need not repeat; taken at the page end where a third of the pages or more (three at the
    least) have one, so that a line that happens to start or end with its page's number
    ("12 months", a reference's "(1988) 65") stays text where the document sets no such heads."""
    ends: tuple[list[int], list[int]] = ([], [])  # the heads found on first lines, on last
    labelled = 0
    for page in pages:
        if not page.label:
            continue
        labelled += 1
        lines = [
            (offset, text.strip())
            for offset, text in lines_with_offsets(source, page.start, page.body_end)
            if text.strip()
        ]
        for found, (offset, text) in ((ends[0], lines[0]), (ends[1], lines[-1])) if lines else ():
            words = text.split()
            if 1 < len(words) <= _HEAD_WORDS and page.label in (words[0], words[-1]):
                found.append(offset)
    return {offset for found in ends if len(found) >= max(3, labelled / 3) for offset in found}


def _repeated(counts: Counter[str]) -> set[str]:
    return {key for key, n in counts.items() if n >= 3 and len(key) > 1 and key != "#"}


def body_lines(
    source: str,
    pages: Sequence[Page],
    headers: set[str],
    marker_starts: Sequence[int] = (),
    drop_page_numbers: bool = True,
    heads: Collection[int] = (),
    hidden: Collection[int] = (),
) -> list[_Line]:
    """The body's lines, page furniture and web chrome dropped (a line holding a marker, a
    table cell "38⁴", is never a page number; a file with no printed pages, a Word table's
    "2012", has none); ``marker_starts`` sorted; ``heads``: offsets of running heads;
    ``hidden``: offsets of lines that are furniture whole (skipped, not blank)."""
    lines: list[_Line] = []
    for page in pages:
        blanks = 0
        numbers = star_page_numbers(page) if drop_page_numbers else frozenset()
        for offset, text in lines_with_offsets(source, page.start, page.body_end):
            if offset in hidden:
                continue
            stripped = text.strip()
            if not stripped:
                blanks += 1
                continue
            if (
                drop_page_numbers
                and is_page_number(text)
                and not _holds(marker_starts, offset, offset + len(text))
            ):
                continue
            if _CHROME.match(stripped):
                continue
            if _HEADER_DIGITS.sub("#", stripped) in headers or offset in heads:
                continue
            lines.append(_Line(offset, text, blanks > 0, blanks, numbers))
            blanks = 0
    return lines


def star_page_numbers(page: Page) -> frozenset[int]:
    """The numbers a star page "[*N]" printed on ``page`` may carry: its own (index or printed
    label) or the next one's; any other "[*N]" is left as text."""
    numbers = {page.number}
    if page.label.isdigit():
        numbers.add(int(page.label))
    return frozenset(numbers | {n + 1 for n in numbers})


def _holds(starts: Sequence[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(starts, start)
    return i < len(starts) and starts[i] < end


class _Builder:
    """Appends characters with their source offsets, folding white space as it goes."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self.markers: list[tuple[int, Marker]] = []

    def char(self, ch: str, offset: int) -> None:
        if ch in _SPACES or ch == "\n":
            ch = " "
        if ch == " " and (not self.chars or self.chars[-1] in " \n"):
            return
        self.chars.append(ch)
        self.offsets.append(offset)

    def paragraph(self, offset: int) -> None:
        while self.chars and self.chars[-1] == " ":
            self.chars.pop()
            self.offsets.pop()
        # A marker after the space just dropped ("Stelle. ¹" ending a paragraph) stays on it.
        i = len(self.markers) - 1
        while i >= 0 and self.markers[i][0] > len(self.chars):
            self.markers[i] = (len(self.chars), self.markers[i][1])
            i -= 1
        if self.chars and self.chars[-1] != "\n":
            self.chars.extend("\n\n")
            self.offsets.extend((offset, offset))

    def ends_with(self, suffix: str) -> bool:
        return "".join(self.chars[-len(suffix) :]) == suffix

    def tail(self, n: int) -> str:
        return "".join(self.chars[-n:])


def clean_body(
    source: str,
    pages: Sequence[Page],
    markers: Sequence[Marker],
    is_word: Callable[[str], bool] | None = None,
    remove_headers: bool = False,
    drop_page_numbers: bool = True,
    strip_markup: bool = True,
    furniture: Sequence[tuple[int, int]] = (),
) -> CleanText:
    """Clean the body of all pages into paragraphs, keeping a map back to the source.
    ``drop_page_numbers`` is False for a file whose structure is known and has no printed
    pages (Word, ODT, web pages, Markdown): there a number alone on a line is text.
    ``strip_markup`` removes the HTML elements left in a text (a page saved as text); a PDF
    shows any markup it prints as text (a manual's code) and passes False. ``furniture``:
    spans of ``source`` that are no body text wherever they stand (a PDF's margin notes
    written into its lines); a line that holds nothing else is skipped."""
    source, hidden = mask_spans(source, furniture)
    headers = running_headers(source, pages) if remove_headers else set()
    heads = numbered_heads(source, pages) if remove_headers else set()
    starts = sorted(m.char_start for m in markers)
    lines = body_lines(source, pages, headers, starts, drop_page_numbers, heads, hidden)
    if not lines:
        return CleanText("", [], [])
    lengths = [len(line.text.strip()) for line in lines]
    width = _typical_width(lengths)
    one_paragraph_per_line = statistics.median(lengths) > 150
    blank_ends_paragraph = not _double_spaced(lines)
    marker_at = {m.char_start: m for m in markers}
    vocabulary = _vocabulary(source)
    out = _Builder()
    previous: _Line | None = None
    for line in lines:
        if previous is not None and blank_ends_paragraph and line.after_blank:
            out.paragraph(line.offset)
        elif previous is not None:
            _join(out, previous, line, width, one_paragraph_per_line, is_word, vocabulary, source)
        _emit_line(out, line, marker_at, strip_markup)
        previous = line
    return _finish(out)


def mask_spans(source: str, spans: Sequence[tuple[int, int]]) -> tuple[str, set[int]]:
    """``source`` with the characters of ``spans`` blanked (line and page breaks kept, so
    every offset still points at its character), and the offsets of the lines that held
    nothing but such characters.

    >>> mask_spans("particularNew feature\nv3.1 are cleared.", [(10, 21), (22, 26)])
    ('particular           \n     are cleared.', set())
    >>> mask_spans("own\nNew feature\nits", [(4, 15)])[1]
    {4}
    """
    if not spans:
        return source, set()
    chars = list(source)
    for start, end in spans:
        for i in range(max(0, start), min(end, len(chars))):
            if chars[i] not in "\n\f":
                chars[i] = " "
    masked = "".join(chars)
    hidden = set()
    for start, _ in spans:
        line_start = masked.rfind("\n", 0, start) + 1
        line_start = max(line_start, masked.rfind("\f", 0, start) + 1)
        line_end = len(masked)
        for brk in ("\n", "\f"):
            found = masked.find(brk, start)
            if found >= 0:
                line_end = min(line_end, found)
        if not masked[line_start:line_end].strip() and source[line_start:line_end].strip():
            hidden.add(line_start)
    return masked, hidden


def _double_spaced(lines: Sequence[_Line]) -> bool:
    """Whether the text is double-spaced (a blank after every line, as in the reports extracted
    from PDFs), where a blank line says nothing: most lines follow a blank, and many of those
    go on with a sentence (start in lower case). A short message whose paragraphs are each one
    line ("Hi desk," blank, "The ship ...") has blanks only between sentences."""
    after = [line.text.strip() for line in lines if line.after_blank]
    if len(after) < len(lines) / 2:
        return False
    going_on = sum(1 for text in after if text[:1].islower())
    return going_on >= 0.15 * len(after)


def _typical_width(lengths: list[int]) -> int:
    ordered = sorted(lengths)
    return max(ordered[int(0.9 * (len(ordered) - 1))], 1)


def _vocabulary(source: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", source)}


def _is_heading(text: str, width: int) -> bool:
    stripped = text.strip()
    return (
        0 < len(stripped) < 0.6 * width
        and not stripped.endswith(_SENTENCE_END + (",", ";", "-"))
        and (stripped[0].isupper() or stripped[0].isdigit())
    )


def _join(
    out: _Builder,
    previous: _Line,
    line: _Line,
    width: int,
    one_paragraph_per_line: bool,
    is_word: Callable[[str], bool] | None,
    vocabulary: set[str],
    source: str,
) -> None:
    prev = previous.text.strip()
    text = line.text.strip()
    if one_paragraph_per_line or text.startswith(_BULLETS):
        out.paragraph(line.offset)
        return
    if out.ends_with("-") and text[:1].isalpha() and not out.tail(2)[:1].isspace():
        if text[0].islower() and _split_word(out, text, is_word, vocabulary):
            out.chars.pop()  # the hyphen only split a word across lines
            out.offsets.pop()
        return  # joined without a space either way
    short = len(prev) < 0.75 * width
    ends_sentence = out.tail(1) in _SENTENCE_END or prev.endswith(_SENTENCE_END)
    # Two blank lines or more, in double-spaced text, after a short line or a sentence's end: a
    # new paragraph ("Gomel region: The Uzbek vector of cooperation" / "In May 2021 ..."); a
    # page break's blank lines after a full line go on with the sentence.
    if (
        _is_heading(prev, width)
        or (line.blanks > 1 and (short or ends_sentence))
        or _is_heading(text, width)
        and (short or ends_sentence)
        or (short and ends_sentence)
    ):
        out.paragraph(line.offset)
    else:
        out.char(" ", line.offset)


def _split_word(
    out: _Builder, text: str, is_word: Callable[[str], bool] | None, vocabulary: set[str]
) -> bool:
    """Whether ``left-`` + ``right`` was one word split at the line end (so the hyphen goes)."""
    left_match = _WORD_AT_END.search(out.tail(40))
    right_match = _WORD_AT_START.match(text)
    if not left_match or not right_match:
        return False
    left, right = left_match.group(1).lower(), right_match.group().lower()
    if f"{left}-{right}" in vocabulary:
        return False  # the compound is written with its hyphen elsewhere
    if is_word is not None:
        # "pack-ages" is one word even though "pack" and "ages" are words; "fire-fighting" is not.
        return is_word(left + right) or not (is_word(left) and is_word(right))
    return left + right in vocabulary


def _emit_line(
    out: _Builder, line: _Line, marker_at: dict[int, Marker], strip_markup: bool
) -> None:
    text = line.text.rstrip()
    i = len(text) - len(text.lstrip())  # indentation is layout, not content
    while i < len(text):
        offset = line.offset + i
        marker = marker_at.get(offset)
        if marker is not None:
            out.markers.append((len(out.chars), marker))
            i += marker.char_end - marker.char_start
            glued = i < len(text) and (text[i].isalnum() or text[i] in "$€£")
            glued = glued and line.offset + i not in marker_at  # "1" "2": two markers, no space
            if glued and out.chars and out.chars[-1] not in " \n":
                out.char(" ", offset)  # "April5the" reads "April the", not "Aprilthe"
            continue
        ch = text[i]
        if ch == "[" and line.page_numbers:
            star = _STAR_PAGE.match(text, i)
            if star and int(star.group(1)) in line.page_numbers:
                i = star.end()
                continue
        if ch == "<" and strip_markup:
            tag = _TAG.match(text, i)
            if tag and tag.group(2).lower() in _HTML_ELEMENTS:
                if tag.group(2).lower() in _BREAK_TAGS:
                    out.paragraph(offset)
                i = tag.end()
                continue
        if ch == "&":
            entity = _ENTITY.match(text, i)
            if entity:
                for decoded in html.unescape(entity.group()):
                    out.char(decoded, offset)
                i = entity.end()
                continue
        out.char(ch, offset)
        i += 1


def _finish(out: _Builder) -> CleanText:
    """Drop spaces before closing punctuation (``cooperation" .`` once its marker is gone)."""
    chars, offsets = out.chars, out.offsets
    keep = [True] * len(chars)
    for i, ch in enumerate(chars):
        if ch == " " and i + 1 < len(chars) and chars[i + 1] in ".,;:!?":
            after = chars[i + 2] if i + 2 < len(chars) else " "
            if after in ' \n"”»)':
                keep[i] = False
    while chars and keep and chars[len(keep) - 1] in " \n" and keep[-1]:
        keep[-1] = False
        break
    new_index = [0] * (len(chars) + 1)
    count = 0
    for i, kept in enumerate(keep):
        new_index[i] = count
        count += kept
    new_index[len(chars)] = count
    text = "".join(ch for ch, kept in zip(chars, keep, strict=True) if kept)
    offs = [off for off, kept in zip(offsets, keep, strict=True) if kept]
    markers = [(new_index[pos], marker) for pos, marker in out.markers]
    # Trailing white space is never content.
    while text and text[-1] in " \n":
        text, offs = text[:-1], offs[:-1]
    markers = [(min(pos, len(text)), marker) for pos, marker in markers]
    return CleanText(text, offs, markers)
