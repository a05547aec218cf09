"""Footnotes: parse each page's note block, find the markers in the body, link one to the other.

Markers are digits glued to the text (``cooperation"1 .``, ``consolidated.1``, ``year3$25``,
``products108Kazakhstan``, ``As 109these``, ``IN 202031.``), while numbers that are not markers
abound (years, ``$1.25``, ``13(!)``, ``School No71``, page numbers). No pattern alone separates
them; what does is that markers run 1, 2, 3 ... through a document and that a page's note block
says which numbers that page cites. So candidates are found by shape, graded by how strongly the
shape says "marker", and accepted in order against the number expected next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.records import Footnote, Marker, Page
from index.text.pages import is_page_number, lines_with_offsets

# FAINT shapes count only when the page's note block lists the number.
STRONG, MEDIUM, WEAK, FAINT = 3, 2, 1, 0

# A note starts with its number, then a space or its first word glued on ("1The mdwtab").
_NOTE_START = re.compile(r"\s*(\d{1,3})(?:[ \t]+|(?=[^\W\d_]|[\"“«(\[]))(?=\S)")
_SYMBOL_NOTE = re.compile(r"\s*[∗*†‡§]\s*\S")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»]+", re.IGNORECASE)
_URL_START = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_URL_PATH = re.compile(r"(/[^\s<>\"'«»]*[\w-])\.\s(html?|php|aspx?|shtml|jsp|pdf)\b")
_URL_TRAILING = ".,;:)]}»\"'”’"
# Words before a number that make it a label, not a marker: "School No71", "USD92.6".
_LABEL_WORDS = frozenset(
    [
        "no",
        "nos",
        "nr",
        "n",
        "p",
        "pp",
        "art",
        "vol",
        "ch",
        "sec",
        "tel",
        "fig",
        "usd",
        "eur",
        "byn",
        "rub",
        "cny",
        "gbp",
        "kzt",
        "inr",
        "pkr",
    ]
)
_ORDINAL = re.compile(r"(?:st|nd|rd|th|s|x)(?![^\W\d_])", re.IGNORECASE)
_DOT_LEADER = re.compile(r"(?:\.\s?){2,}\s*\d+\s*$")  # a table of contents line
_GLUE_PUNCT = set("\"”»’'.)],;:%!?")


@dataclass(frozen=True)
class Candidate:
    """A digit run that may be a marker: its value, span in the source, and how sure we are."""

    value: int
    start: int
    end: int
    strength: int


# --- note blocks -----------------------------------------------------------------------------


@dataclass
class _NoteLines:
    n: int
    start: int
    lines: list[str]
    raw_ends: list[bool]  # whether each raw line ended without trailing white space


def parse_note_block(
    source: str, start: int, end: int, page: int, expected: int | None = None
) -> list[Footnote]:
    """Parse the notes between ``start`` and ``end``: numbers, joined text, repaired URLs.

    A line opens a note when it starts with the number that follows the previous note (the first
    note may have any number, or ``expected`` when given); any other line continues the note,
    except a space-led fragment, which is dropped.
    """
    notes: list[_NoteLines] = []
    for offset, line in lines_with_offsets(source, start, end):
        if not line.strip() or is_page_number(line):
            continue
        match = _NOTE_START.match(line)
        if match:
            n = int(match.group(1))
            follows = notes[-1].n + 1 if notes else expected
            if follows is None or n == follows:
                notes.append(_NoteLines(n, offset, [line[match.end() :]], [line == line.rstrip()]))
                continue
        if notes and not line.startswith(" "):
            # A space-led line that opens no note is a fragment extraction moved (the tail of a
            # lost note): gluing it to the note above would corrupt that note and its link.
            notes[-1].lines.append(line)
            notes[-1].raw_ends.append(line == line.rstrip())
    footnotes = []
    for note in notes:
        text = repair_urls(join_note_lines(note.lines, note.raw_ends))
        footnotes.append(Footnote(note.n, text or None, extract_urls(text), page))
    return footnotes


def join_note_lines(lines: Sequence[str], tight_ends: Sequence[bool]) -> str:
    """Join a note's lines; a URL broken over lines is joined without a space."""
    text = ""
    for i, line in enumerate(lines):
        piece = line.strip()
        if not text:
            text = piece
            continue
        last = text.rsplit(" ", 1)[-1]
        in_url = bool(_URL_START.match(last)) or ("/" in last and "." in last)
        broke_inside = tight_ends[i - 1] and (last.endswith(("-", "/", "_", ".", "=", "&", "?")))
        if in_url and (broke_inside or (tight_ends[i - 1] and not re.match(r"[A-Z]", piece))):
            text += piece
        elif text.endswith("-") and piece[:1].islower() and not in_url:
            text += piece  # a word split at the line end keeps its hyphen only if it had one
        else:
            text += " " + piece
    return re.sub(r"\s+", " ", text).strip()


def repair_urls(text: str) -> str:
    """Mend URLs damaged by extraction: ``https://www. belta. by/x`` -> ``https://www.belta.by/x``."""
    out: list[str] = []
    pos = 0
    for match in _URL_START.finditer(text):
        if match.start() < pos:
            continue
        out.append(text[pos : match.start()])
        i = match.end()
        # The host: labels joined by dots, where extraction may have put a space after a dot.
        host = re.compile(r"[\w-]+(?:\.\s?[\w-]+)*")
        host_match = host.match(text, i)
        if host_match:
            out.append(text[match.start() : i] + re.sub(r"\.\s", ".", host_match.group()))
            pos = host_match.end()
            # The path, whose file extension may be split off the same way: "/b49e0d. html".
            path_match = _URL_PATH.match(text, pos)
            if path_match:
                out.append(path_match.group(1) + "." + path_match.group(2))
                pos = path_match.end()
        else:
            out.append(text[match.start() : i])
            pos = i
    out.append(text[pos:])
    return "".join(out)


def extract_urls(text: str) -> list[str]:
    """The http(s) links of a note, in order, without trailing punctuation."""
    urls: list[str] = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        if url.lower().startswith("www."):
            url = "https://" + url
        if url not in urls:
            urls.append(url)
    return urls


# --- markers ---------------------------------------------------------------------------------


def marker_candidates(source: str, start: int, end: int) -> list[Candidate]:
    """Digit runs in ``source[start:end]`` shaped like footnote markers, graded by strength."""
    found: list[Candidate] = []
    for match in re.finditer(r"\d+", source[start:end]):
        a, b = start + match.start(), start + match.end()
        digits = match.group()
        left = source[a - 1] if a > 0 else "\n"
        left2 = source[a - 2] if a > 1 else "\n"
        right = source[b] if b < len(source) else "\n"
        candidate = _grade(source, a, b, digits, left, left2, right)
        if candidate:
            found.append(candidate)
    return found


def _grade(
    source: str, a: int, b: int, digits: str, left: str, left2: str, right: str
) -> Candidate | None:
    if left in "$€£¥#№-–—/+" or right in "%°":
        return None
    if len(digits) > 4 and digits[:2] in ("19", "20") and digits[4] != "0":
        # A year with the marker glued on: "IN 202031." is 2020 and marker 31.
        if not left.isdigit():
            return Candidate(int(digits[4:]), a + 4, b, MEDIUM)
        return None
    if len(digits) > 3 or digits.startswith("0"):
        return None
    value = int(digits)
    if left.isalpha():
        word = re.search(r"[^\W\d_]+$", source[max(0, a - 12) : a])
        if word and word.group().lower() in _LABEL_WORDS:
            return None
        # "x1", "X3": a one-letter name with a number is code or a label more often than not.
        single = word is not None and len(word.group()) == 1
        if single and right in "\"'’”":
            return Candidate(value, a, b, FAINT)  # c("X1", "Y2", "X3")
        return Candidate(value, a, b, MEDIUM if single else STRONG)
    if left in _GLUE_PUNCT:
        if left == "." and re.search(r"(?:^|\s)[A-Z]$", source[max(0, a - 3) : a - 1]):
            return Candidate(value, a, b, FAINT)  # a section number: "A.1"
        if left in ".,:" and left2.isdigit():
            # A decimal or a time ("1.25"); but a year then a marker ("in early 2021.11") happens.
            year = re.search(r"(?<!\d)(?:19|20)\d\d$", source[max(0, a - 6) : a - 1])
            ends_sentence = left == "." and (right in "\r\n" or b == len(source))
            return Candidate(value, a, b, WEAK) if year or ends_sentence else None
        if left == ")" and right == "(":
            return None
        return Candidate(value, a, b, STRONG)
    if left.isspace():
        if right.isalpha() and not _ORDINAL.match(source, b):
            return Candidate(value, a, b, MEDIUM)  # "As 109these"
        tail = source[b : b + 3]
        if left2 in ')"”»' and re.match(r"[ \t]?(?:[.,;]|\r?\n)", tail):
            return Candidate(value, a, b, WEAK)  # "(... in 2020) 7. Overall", 'EAEU" 106'
        if left == " " and left2.isalpha() and re.match(r"[.,;:](?!\d)", tail):
            return Candidate(value, a, b, FAINT)  # pypdf's "printed and lost 2."
    return None


def accept_markers(
    candidates: Iterable[tuple[int, Candidate]],
    notes_by_page: dict[int, set[int]],
    restart_pages: set[int] = frozenset(),  # type: ignore[assignment]
    max_skip: int = 8,
    confirmed_only: bool = False,
) -> list[Marker]:
    """Keep the candidates that continue the sequence 1, 2, 3 ...; each item is (page, candidate).

    A candidate is taken when it is the number expected next, or a strong one a little further on
    (markers lost in extraction) that its page's note block confirms, or that no block contradicts.
    Numbering restarts at 1 on pages listed in ``restart_pages`` (per-chapter notes in a PDF).
    With ``confirmed_only`` (PDFs, whose note blocks are found on every page that has notes) a
    marker must be confirmed by its page's block: code and formulas are full of glued digits.
    """
    candidates = list(candidates)
    # On a page whose block lists n, the strongest-shaped n is its marker (first if tied).
    best: dict[tuple[int, int], Candidate] = {}
    for page, cand in candidates:
        key = (page, cand.value)
        if key not in best or cand.strength > best[key].strength:
            best[key] = cand
    markers: list[Marker] = []
    expected = 1
    restarted: set[int] = set()
    for page, cand in candidates:
        if page in restart_pages and page not in restarted:
            restarted.add(page)
            expected = 1
        page_notes = notes_by_page.get(page)
        confirmed = page_notes is not None and cand.value in page_notes
        if confirmed_only:
            ok = confirmed and _is_best_on_page(cand, page, best)
        elif cand.value == expected:
            ok = (
                cand.strength >= MEDIUM
                or confirmed
                or (page_notes is None and cand.strength > FAINT)
            )
        elif expected < cand.value <= expected + max_skip:
            ok = cand.strength == STRONG and (confirmed or page_notes is None)
        else:
            ok = confirmed and cand.strength == STRONG and cand.value > expected
        if ok:
            markers.append(Marker(cand.value, page, cand.start, cand.end))
            expected = cand.value + 1
    return markers


def _is_best_on_page(cand: Candidate, page: int, best: dict[tuple[int, int], Candidate]) -> bool:
    return best.get((page, cand.value)) is cand


# --- PDF note blocks -------------------------------------------------------------------------


def find_pdf_note_block(source: str, page: Page, expected: int) -> tuple[int, int | None]:
    """Where a PDF page's notes begin (pypdf puts them after the body) and the first note number.

    The block is the longest run of lines at the page's end that opens with the note expected
    next (or note 1, when numbering restarts), continues with consecutive numbers, and whose
    first number appears as a marker in the body above it. Returns ``(page.end, None)`` if none.
    """
    lines = [(off, line) for off, line in lines_with_offsets(source, page.start, page.end)]
    for idx, (offset, line) in enumerate(lines):
        match = _NOTE_START.match(line)
        if not match or _DOT_LEADER.search(line):
            continue
        first = int(match.group(1))
        if not (first == expected or first == 1 or expected < first <= expected + 3):
            continue
        if not _is_chain(lines[idx:], first, expected):
            continue
        body = marker_candidates(source, page.start, offset)
        if not any(c.value == first and c.strength >= WEAK for c in body):
            continue
        block_start = offset
        if idx > 0 and _SYMBOL_NOTE.match(lines[idx - 1][1]):
            block_start = lines[idx - 1][0]  # a symbol note (*) sits just above numbered ones
        return block_start, first
    return page.end, None


def _is_chain(lines: Sequence[tuple[int, str]], first: int, expected: int) -> bool:
    """Every line that starts like a note continues the numbering, except short code-like ones
    and a note's lines wrapped before a number: one no note of this page can bear (below both
    the first and the expected number: "3 and 7 percent" in a block from note 4), or one of a
    note the block has passed ("12 months" in note 13, after note 12); within the first note,
    its own number only close under its first line after a break mid-sentence ("5 and 40
    percent" in note 5). The first number again further down in the first note, or a note the
    page should hold (from the expected number on) printed lower down, says the block starts
    later."""
    follows = first + 1
    for k, (_, line) in enumerate(lines[1:], start=1):
        match = _NOTE_START.match(line)
        if not match or is_page_number(line):
            continue
        n = int(match.group(1))
        if n == follows:
            follows += 1
        elif expected <= n < first or (n == first == follows - 1 and not _wraps(lines, k)):
            return False
    return True


_WRAP_LINES = 3  # a note's wrapped line repeats its number this close under its first line
_SENTENCE_END = re.compile(r"[.;:!?)\]”\"'’]\s*$")


def _wraps(lines: Sequence[tuple[int, str]], k: int) -> bool:
    """Whether ``lines[k]``, which starts with the number of the note opened by ``lines[0]``,
    is a line of that note wrapped there: close under its first line, after a line that ends
    mid-sentence."""
    return k <= _WRAP_LINES and not _SENTENCE_END.search(lines[k - 1][1])


# --- linking ---------------------------------------------------------------------------------


def link_markers_to_notes(markers: Sequence[Marker], notes: Sequence[Footnote]) -> list[Footnote]:
    """Attach each marker to its note: same number, nearest page (same page, then later, then
    earlier). Markers whose note is missing become footnotes with ``note=None``. Notes without
    a marker in the body are kept too. Sorted by first appearance."""
    by_n: dict[int, list[Footnote]] = {}
    for note in notes:
        by_n.setdefault(note.n, []).append(note)
    orphans: dict[int, Footnote] = {}
    for marker in markers:
        options = by_n.get(marker.n)
        if options:
            best = min(options, key=lambda f: _page_distance(marker.page, f.page))
            best.markers.append(marker)
        else:
            orphan = orphans.setdefault(marker.n, Footnote(marker.n, None, [], None))
            orphan.markers.append(marker)
    result = list(notes) + list(orphans.values())

    def order(f: Footnote) -> tuple[int, int]:
        page = f.page if f.page is not None else f.markers[0].page
        return (page, f.n)

    return sorted(result, key=order)


def _page_distance(marker_page: int, note_page: int | None) -> tuple[int, int]:
    if note_page is None:
        return (3, 0)
    if note_page == marker_page:
        return (0, 0)
    if note_page > marker_page:
        return (1, note_page - marker_page)
    return (2, marker_page - note_page)


def parse_footnotes(
    source: str, pages: list[Page], is_pdf: bool
) -> tuple[list[Footnote], list[Marker]]:
    """All of a document's footnotes (with their markers linked) and the markers in body order.

    For a PDF, each page's ``body_end`` is moved to where its note block begins.
    """
    notes: list[Footnote] = []
    restart_pages: set[int] = set()
    expected = 1
    for page in pages:
        first: int | None = None
        if is_pdf:
            page.body_end, first = find_pdf_note_block(source, page, expected)
        if page.body_end >= page.end:
            continue
        block = parse_note_block(source, page.body_end, page.end, page.number, first)
        if block:
            if block[0].n == 1 and expected > 1:
                restart_pages.add(page.number)
            notes.extend(block)
            expected = block[-1].n + 1
    notes_by_page: dict[int, set[int]] = {}
    for note in notes:
        if note.page is not None:
            notes_by_page.setdefault(note.page, set()).add(note.n)
    candidates = [
        (page.number, cand)
        for page in pages
        for cand in marker_candidates(source, page.start, page.body_end)
    ]
    markers = accept_markers(candidates, notes_by_page, restart_pages, confirmed_only=is_pdf)
    return link_markers_to_notes(markers, notes), markers
