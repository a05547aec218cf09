"""Whole PDF documents with footnotes whose gold is known by construction, over the ways word
processors, typesetters and courts set notes: type sizes, line spacing, how markers are raised,
how note labels are printed, separators, notes carried over pages, page furniture.

``Style`` is the layout (what varies between publishers), ``Content`` the text (paragraphs with
markers, notes with their words); ``build`` lays them out into pages the way a word processor
does (body from the top, the notes of the page's markers at its foot, a note that does not fit
carried on to the next page's foot) and ``write_document`` writes the PDF (Helvetica, italic
case names in Helvetica-Oblique). Body and note words come from two disjoint vocabularies, so a
note line read as body text (or the reverse) shows.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\S+", text))


BODY_WORDS = _words(
    "the court held that plaintiff had standing because agency action caused injury which "
    "a favorable ruling would redress and district judge dismissed complaint without leave "
    "amend although record showed several facts supporting claim under statute against "
    "defendant company whose policy covered losses during period relevant here we reverse"
)
NOTE_WORDS = _words(
    "see also compare cf accord citing quoting restatement treatise reporter annotation "
    "appendix transcript exhibit brief amicus dissenting concurring opinion footnote supra "
    "infra overruled abrogated vacated remanded affirmed construing interpreting applying "
    "discussing noting explaining rejecting adopting collecting cases thereof"
)
CASE_NAMES = ("Smith v. Jones", "Ortiz v. Fibreboard", "In re Kemp", "Doe v. Roe")
# Raised and smaller than the text, raised at the text's size, or printed like the text
# ("grew.3": layout cannot tell such a marker, the text parser reads the notes).
MARKER_STYLES = ("small", "full", "baseline")
LABEL_STYLES = ("raised", "raised-space", "plain", "dot", "paren", "tab", "own-line")
INDENTS = ("flush", "hanging", "first")  # wrapped note lines: under the label, under the
# text after it, or the label indented and the wrapped lines at the margin
SEPARATORS = ("short", "full", "gap", "none")
FOLIOS = ("none", "foot", "head", "both")
AFTER = ("", ".", ",", ".”", "—", ";")  # what the marker follows in the text

LEFT, RIGHT, TOP, BOTTOM = 72.0, 540.0, 720.0, 72.0
_WIDTH = 0.5  # a Helvetica character's mean width in ems (enough to wrap lines)


@dataclass(frozen=True)
class Style:
    """How a document sets its text and notes."""

    body_size: float = 12.0
    note_size: float = 10.0
    body_spacing: float = 1.2  # line pitch in sizes: 1.2 single, 1.8 one-and-a-half, 2.4 double
    note_spacing: float = 1.2
    marker: str = "small"  # MARKER_STYLES
    label: str = "raised"  # LABEL_STYLES
    indent: str = "flush"  # INDENTS
    separator: str = "short"  # SEPARATORS
    continuation_rule: bool = False  # a full-width rule over a note carried from the last page
    folio: str = "none"  # FOLIOS: page numbers under the notes, a running head, both
    header_block: bool = False  # a court's caption on page one
    paragraph_indent: bool = True
    note_gap: float = 0.0  # extra space before each note but the first of a page, in points


@dataclass(frozen=True)
class Note:
    """A note's words; an item "*Name*" is an italic case name."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Marked:
    """A body word followed by ``after`` and, if ``note`` is set, that note's marker."""

    word: str
    after: str = ""
    note: int | None = None  # index into ``Content.notes``


@dataclass(frozen=True)
class Content:
    """Paragraphs of marked words, the notes they cite (in order), and the first note's number."""

    paragraphs: tuple[tuple[Marked, ...], ...]
    notes: tuple[Note, ...]
    first: int = 1


@dataclass
class Gold:
    """What a reader must find: each note's label, text, and the words just before its marker."""

    labels: list[str]
    notes: list[str]
    before: list[str]  # the two words printed before each marker, punctuation included
    body_words: list[str]  # the body's words in order (vocabulary words only)


# A segment of a line: (text, font, size, rise); fonts "F1" Helvetica, "F2" Helvetica-Oblique.
Segment = tuple[str, str, float, float]


@dataclass
class Run:
    """One printed line (or the part of one that starts at ``x``)."""

    x: float
    y: float
    segments: list[Segment]


@dataclass
class Page:
    runs: list[Run] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)


def random_content(rng: random.Random, notes: int, first: int, long_note: bool) -> Content:
    """Paragraphs of body words with ``notes`` markers spread over them, and notes of varied
    length (one longer than half a page when ``long_note``), some with case names."""
    texts: list[Note] = []
    for k in range(notes):
        length = rng.choice((6, 12, 30, 60))
        if long_note and k == notes // 2:
            length = 420
        words = [rng.choice(NOTE_WORDS) for _ in range(length)]
        words[0] = words[0].capitalize()
        if rng.random() < 0.4:
            words.insert(rng.randrange(1, len(words)), f"*{rng.choice(CASE_NAMES)}*")
        words[-1] += "."
        texts.append(Note(tuple(words)))
    cited = 0
    quiet = 0  # no marker for this many words after a long note's (it ends its line's notes)
    paragraphs: list[tuple[Marked, ...]] = []
    while cited < notes or len(paragraphs) < 3:
        words = [rng.choice(BODY_WORDS) for _ in range(rng.randint(30, 90))]
        marks: list[Marked] = []
        for i, word in enumerate(words):
            last = i == len(words) - 1
            note = None
            quiet -= 1
            if cited < notes and i > 2 and quiet < 0 and rng.random() < 0.08:
                note, cited = cited, cited + 1
                quiet = 25 if len(texts[note].words) > 100 else 0
            after = "." if last else (rng.choice(AFTER) if note is not None else "")
            marks.append(Marked(word, after, note))
        paragraphs.append(tuple(marks))
    return Content(tuple(paragraphs), tuple(texts), first)


@dataclass
class NoteLine:
    """One line of a note: its segments, and whether it opens the note (the label's line)."""

    segments: list[Segment]
    x: float = 0.0  # its indent from the left margin
    opens: bool = False
    tab: int = -1  # index of the segment after which a tab stop moves the text on


def build(content: Content, style: Style, number_lines: bool) -> tuple[list[Page], Gold]:
    """The pages of ``content`` set in ``style`` and their gold. With ``number_lines``, the
    second line of each note that wraps starts with a number (the next note's label): a
    wrapped line a reader must not take for a new note."""
    note_lines: list[list[NoteLine]] = []
    texts: list[str] = []
    for k, note in enumerate(content.notes):
        label = str(content.first + k)
        lines = _wrap(list(note.words), _chars(style.note_size, _text_indent(style, label)))
        if number_lines and len(lines) >= 2:
            lines[1].insert(0, str(content.first + k + 1))
        texts.append(" ".join(w.strip("*") for line in lines for w in line))
        note_lines.append(_note_lines(lines, label, style))
    body = _body_lines(content, style)
    gold = Gold(
        [str(content.first + k) for k in range(len(content.notes))],
        texts,
        *_body_gold(content),
    )
    return _paginate(body, note_lines, style), gold


def _body_gold(content: Content) -> tuple[list[str], list[str]]:
    """The two words printed before each marker (a marker before them included) and the body's
    words in order."""
    before = [""] * len(content.notes)
    words: list[str] = []
    previous = ""
    for paragraph in content.paragraphs:
        for mark in paragraph:
            shown = mark.word + mark.after
            if mark.note is not None:
                before[mark.note] = f"{previous} {shown}".strip()
                shown += str(content.first + mark.note)
            previous = shown
            words.append(mark.word)
    return before, words


def _chars(size: float, indent: float = 0.0) -> int:
    return int((RIGHT - LEFT - indent) / (_WIDTH * size))


def _wrap(words: Sequence[str], width: int) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    used = 0
    for word in words:
        length = len(word.strip("*"))
        if lines[-1] and used + 1 + length > width:
            lines.append([])
            used = 0
        used += length + (1 if lines[-1] else 0)
        lines[-1].append(word)
    return lines


def _words_segments(words: Sequence[str], size: float) -> list[Segment]:
    """Words as segments, a "*case name*" in the italic font."""
    out: list[Segment] = []
    for i, word in enumerate(words):
        space = " " if i else ""
        if word.startswith("*"):
            out += [(space, "F1", size, 0.0), (word.strip("*"), "F2", size, 0.0)]
        else:
            out.append((space + word, "F1", size, 0.0))
    return out


def _text_indent(style: Style, label: str) -> float:
    """Where a note's text starts after its label, from the label's left edge."""
    if style.label == "tab":
        return 18.0
    if style.label == "own-line":
        return 0.0
    if style.label in ("raised", "raised-space"):
        return 0.4 * style.note_size * (len(label) + 1)
    return _WIDTH * style.note_size * (len(label) + 2)


def _note_lines(lines: list[list[str]], label: str, style: Style) -> list[NoteLine]:
    """Each line of a note; the first opens with the label as the style prints it."""
    size = style.note_size
    small = (label, "F1", round(size * 0.6, 2), round(size * 0.35, 2))
    text = [_words_segments(line, size) for line in lines]
    opening: list[Segment] = {
        "raised": [small],
        "raised-space": [small, (" ", "F1", size, 0.0)],
        "plain": [(label + " ", "F1", size, 0.0)],
        "dot": [(label + ". ", "F1", size, 0.0)],
        "paren": [(label + ") ", "F1", size, 0.0)],
        "tab": [(label, "F1", size, 0.0)],
        "own-line": [],
    }[style.label]
    x = 18.0 if style.indent == "first" else 0.0
    wrapped = _text_indent(style, label) if style.indent == "hanging" else 0.0
    tab = 0 if style.label == "tab" else -1
    out = [NoteLine(opening + text[0], x, opens=True, tab=tab)]
    out += [NoteLine(segments, wrapped) for segments in text[1:]]
    if style.label == "own-line":
        out.insert(0, NoteLine([(label, "F1", size, 0.0)], x, opens=True))
    return out


BodyLine = tuple[float, list[Segment], list[int]]  # x offset, segments, notes it cites


def _body_lines(content: Content, style: Style) -> list[BodyLine]:
    """Body lines, the notes each one's markers cite; an empty line parts paragraphs when
    their first lines are not indented."""
    size = style.body_size
    width = _chars(size)
    indent = 36.0 if style.paragraph_indent else 0.0
    out: list[BodyLine] = []
    for paragraph in content.paragraphs:
        lines: list[list[Marked]] = [[]]
        used = int(indent / (_WIDTH * size))
        for mark in paragraph:
            length = len(mark.word + mark.after) + (2 if mark.note is not None else 0)
            if lines[-1] and used + 1 + length > width:
                lines.append([])
                used = 0
            used += length + 1
            lines[-1].append(mark)
        for i, line in enumerate(lines):
            segments: list[Segment] = []
            cited: list[int] = []
            for j, mark in enumerate(line):
                segments.append(((" " if j else "") + mark.word + mark.after, "F1", size, 0.0))
                if mark.note is not None:
                    segments.append(_marker(str(content.first + mark.note), style))
                    cited.append(mark.note)
            out.append((indent if i == 0 else 0.0, segments, cited))
        if not style.paragraph_indent:
            out.append((0.0, [], []))
    return out


def _marker(label: str, style: Style) -> Segment:
    size = style.body_size
    if style.marker == "small":
        return (label, "F1", round(size * 0.6, 2), round(size * 0.35, 2))
    if style.marker == "baseline":
        return (label, "F1", size, 0.0)
    return (label, "F1", size, round(size * 0.4, 2))


def _paginate(body: list[BodyLine], notes: list[list[NoteLine]], style: Style) -> list[Page]:
    """Body lines from the top of each page, the notes of the lines placed at its foot. A note
    that does not fit goes on at the next page's foot, before that page's own notes."""
    body_pitch = style.body_size * style.body_spacing
    note_pitch = style.note_size * style.note_spacing
    note_pitch += style.note_gap  # room enough: as if every line were a note's first
    separator = 2 * note_pitch  # the room the separator and the gaps around it take
    pages: list[Page] = []
    carried: list[NoteLine] = []
    i = 0
    while i < len(body) or carried:
        top = TOP - (_HEADER if not pages and style.header_block else 0.0)
        room = int((top - BOTTOM - separator) / note_pitch)  # note lines a page holds at most
        # A note carried over takes half the page at most, and goes on over the next pages;
        # the whole page when the text's next line cites a note (that note would come first).
        share = room if i < len(body) and body[i][2] and len(carried) > room // 2 else room // 2
        foot, carried = carried[:share], carried[share:]
        continued = bool(foot)
        placed: list[tuple[float, list[Segment]]] = []
        y = top
        while i < len(body):
            x, segments, cited = body[i]
            new = [line for k in cited for line in notes[k]]
            after = y - body_pitch
            free = int((after - BOTTOM - separator) / note_pitch) - len(foot)
            # As word processors do: every note starts on its marker's page, only the last
            # one may go on over the next (two of its lines here at the least).
            least = len(new) - len(notes[cited[-1]]) + min(2, len(notes[cited[-1]])) if cited else 0
            if (new and carried) or (free < least and (placed or foot)):
                break  # the line and its notes go to the next page
            if new:  # (none is carried over here: see the break above)
                fit = max(min(free, len(new)), 1)  # a note longer than a page is split anyway
                foot += new[:fit]
                carried = new[fit:]
            placed.append((x, segments))
            y = after
            i += 1
        pages.append(_draw_page(len(pages), placed, foot, style, continued))
    return pages


_HEADER = 90.0  # the height of a court's caption on page one
_CAPTION = ("UNITED STATES COURT OF APPEALS", "FOR THE THIRD CIRCUIT", "No. 19-3456", "OPINION")


def _draw_page(
    index: int,
    body: list[tuple[float, list[Segment]]],
    foot: list[NoteLine],
    style: Style,
    continued: bool,
) -> Page:
    page = Page()
    top = TOP
    if index == 0 and style.header_block:
        for k, text in enumerate(_CAPTION):
            page.runs.append(Run(200.0, 750.0 - 20 * k, [(text, "F1", 13.0, 0.0)]))
        top -= _HEADER
    for k, (x, segments) in enumerate(body):
        if segments:
            page.runs.append(
                Run(LEFT + x, top - k * style.body_size * style.body_spacing, segments)
            )
    _draw_notes(page, foot, style, continued)
    if style.folio in ("foot", "both"):
        page.runs.append(Run(300.0, 40.0, [(str(index + 1), "F1", style.body_size, 0.0)]))
    if style.folio in ("head", "both"):
        head = f"Case: 19-3456    Document: 41    Page: {index + 1}    Filed: 03/04/2021"
        page.runs.append(Run(LEFT, 760.0, [(head, "F1", 9.0, 0.0)]))
    return page


def _draw_notes(page: Page, foot: list[NoteLine], style: Style, continued: bool) -> None:
    """The foot's note lines, bottom-aligned, and the separator over them."""
    if not foot:
        return
    pitch = style.note_size * style.note_spacing
    gaps = [
        style.note_gap if k and line.opens and not foot[k - 1].opens else 0.0
        for k, line in enumerate(foot)
    ]
    y = BOTTOM + pitch * (len(foot) - 1) + sum(gaps)
    rule_y = y + style.note_size + 4
    if continued and style.continuation_rule:
        page.rules.append((LEFT, RIGHT, rule_y))
    elif style.separator == "short":
        page.rules.append((LEFT, LEFT + 144.0, rule_y))
    elif style.separator == "full":
        page.rules.append((LEFT, RIGHT, rule_y))
    elif style.separator == "gap":
        y -= pitch  # a blank line's room instead of a rule
    for line, gap in zip(foot, gaps, strict=True):
        y -= gap
        page.runs += _note_runs(line, y)
        y -= pitch


def _note_runs(line: NoteLine, y: float) -> list[Run]:
    """A note line at the indent the style gives it; a tab stop moves the text after the label
    to the tab's place."""
    x = LEFT + line.x
    if line.tab >= 0:
        cut = line.tab + 1
        return [Run(x, y, line.segments[:cut]), Run(x + 18.0, y, line.segments[cut:])]
    return [Run(x, y, line.segments)]


# --- the PDF -----------------------------------------------------------------------------------


def pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _run_ops(run: Run) -> bytes:
    ops = b"BT 1 0 0 1 %g %g Tm " % (run.x, run.y)
    for text, font, size, rise in run.segments:
        ops += b"/%s %g Tf %g Ts " % (font.encode(), size, rise) + pdf_string(text) + b" Tj "
    return ops + b"0 Ts ET\n"


def write_document(path: Path, pages: Sequence[Page]) -> Path:
    """A PDF of US Letter pages, each page's runs drawn in order, then its rules."""
    return pdf_file(
        path,
        [b"".join(_run_ops(run) for run in page.runs) + rule_ops(page.rules) for page in pages],
    )


def rule_ops(rules: Sequence[tuple[float, float, float]]) -> bytes:
    """Horizontal rules (x0, x1, y) as drawn paths, as a note separator is."""
    return b"".join(b"0.5 w %g %g m %g %g l S\n" % (x0, y, x1, y) for x0, x1, y in rules)


def pdf_file(path: Path, contents: Sequence[bytes]) -> Path:
    """A PDF of US Letter pages with these content streams; fonts F1 (Helvetica) and F2
    (Helvetica-Oblique)."""
    fonts = b"<< /F1 3 0 R /F2 4 0 R >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Oblique "
        b"/Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for content in contents:
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(len(objects) + 1)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font %s >> >>" % (len(objects), fonts)
        )
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path
