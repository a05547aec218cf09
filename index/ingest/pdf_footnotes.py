"""Footnotes of a PDF found by how they are printed: the note zone at the foot of a page (or of
a column), each note opened by a label that a raised marker in the text above repeats.

A zone starts at the highest line that opens with a label confirmed by a raised marker on the
page, provided every line below it in its column is set no larger (notes are the last thing on a
page). Inside a zone a line opens a new note when its label looks like the zone's labels: raised
labels never yield to a full-size number at a line start ("5 and 40 percent of ..." continues a
note), plain numbers must be printed as the zone's first label is (its punctuation, its tab
stop or space), follow the last note and stand where note numbers stand. A note goes on
over the next page's first zone lines when the next page says so ("10(...continued)") or when
smaller type continues there above the first new note. A note number left alone at a page's
foot (set on a line of its own, its text pushed overleaf) opens a note whose text heads the
next page's notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from index.ingest.pdf_lines import (
    DocumentLayout,
    Label,
    Line,
    PageLayout,
    Rule,
    is_furniture,
    label_after,
    label_value,
    lone_label,
)

SMALL_TYPE = 0.95  # notes in "smaller type" are at most this fraction of the body's size
_CONTINUED = re.compile(r"\s*\((?:\.{3}|…)\s*continued\)|\s*\(continued\)", re.IGNORECASE)
_CONTINUES_BELOW = re.compile(r"\(continued\s*(?:\.{3}|…)?\)", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.;:!?)\]”\"'’]\s*$")


@dataclass
class NoteDraft:
    """A note as found: its label, the lines of its text on each page it is printed on (the
    first part starts after the label) and, once linked, its marker."""

    label: Label
    page: int
    parts: list[list[Line]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # where each part's text begins
    kind: str = "footnote"
    marker: Label | None = None
    also: list[Label] = field(default_factory=list)  # more markers citing it (see below)
    after: Line | None = None  # the line printed before its first one (in reading order)
    twins: list[tuple[Line, Line | None]] = field(default_factory=list)
    # While the note is only a label left at a page's foot: the type size and line spacing of
    # the notes printed with it, which its text overleaf shares.
    label_only: tuple[float, float | None] | None = None

    @property
    def size(self) -> float:
        """The type size of the note's text (its last line's)."""
        if self.label_only is not None and len(self.lines) == 1:
            return self.label_only[0]
        return self.lines[-1].size

    @property
    def pitch(self) -> float | None:
        """The spacing of the note's lines on its last page, if it shows there."""
        if self.label_only is not None and len(self.lines) == 1:
            return self.label_only[1]
        return _line_pitch(self.parts[-1])

    def add(self, line: Line, start: int | None = None) -> None:
        """Append a line; a line on another page than the last one opens a new part."""
        if not self.parts or self.parts[-1][-1].page != line.page or start is not None:
            self.parts.append([line])
            self.starts.append(line.start if start is None else start)
        else:
            self.parts[-1].append(line)

    @property
    def lines(self) -> list[Line]:
        return [line for part in self.parts for line in part]


@dataclass
class PageNotes:
    """What the foot of one page holds: new notes, lines of an earlier note carried on to it,
    and every line that belongs to a note (never body text)."""

    notes: list[NoteDraft]
    zone: list[Line]


def find_footnotes(
    layout: DocumentLayout, text: str, skip: set[int], warnings: list[str]
) -> list[NoteDraft]:
    """Every footnote of the document, page by page, with its marker when one is found.

    ``skip`` holds the ids of lines that are already notes (an endnote section)."""
    notes: list[NoteDraft] = []
    marks_by_page: list[list[tuple[Line, Label]]] = []
    pending: NoteDraft | None = None
    for page in layout.pages:
        lines = [
            line
            for line in page.lines
            if id(line) not in skip and not is_furniture(line, page, layout) and line.start >= 0
        ]
        earlier = [mark for _, mark in marks_by_page[-1]] if marks_by_page else []
        found = page_footnotes(page, lines, layout.body_size, pending, text, warnings, earlier)
        in_zone = {id(line) for line in found.zone}
        marks = text_marks([line for line in lines if id(line) not in in_zone], layout.body_size)
        shown = [pending] if pending is not None and found.zone else []
        orphan = label_left_at_foot(page, lines, shown + found.notes, marks, skip)
        if orphan is not None:
            found.notes.append(orphan)
            warnings.append(
                f"note {orphan.label.text} (page {page.index + 1}): its number alone at the "
                "page's foot, its text taken from the top of the next page's notes"
            )
        used = link_markers(found.notes, marks)
        marks_by_page.append([(line, mark) for line, mark in marks if id(mark) not in used])
        notes.extend(found.notes)
        if found.notes:
            pending = found.notes[-1]
        elif not found.zone:
            pending = None
    _link_across_pages(notes, marks_by_page, warnings)
    _link_repeated_symbols(notes, marks_by_page, layout.spans)
    return notes


def _link_repeated_symbols(
    notes: Sequence[NoteDraft],
    marks_by_page: list[list[tuple[Line, Label]]],
    spans: Sequence[tuple[int, int]],
) -> None:
    """A symbol note cited more than once (a table's "†" on several rows, one note under it)
    also takes the raised marks with its symbol that no note took on its marker's page. A
    numbered note is cited once: a number raised again is more likely an exponent."""
    for note in notes:
        marker = note.marker
        if marker is None or label_value(note.label.key) is not None:
            continue
        page = next((i for i, (a, b) in enumerate(spans) if a <= marker.start < b), None)
        if page is None:
            continue
        same = {id(m): m for _, m in marks_by_page[page] if m.raised and m.key == note.label.key}
        note.also += [m for m in same.values() if m is not marker]
        marks_by_page[page] = [(ln, m) for ln, m in marks_by_page[page] if id(m) not in same]


def label_left_at_foot(
    page: PageLayout,
    lines: Sequence[Line],
    notes: Sequence[NoteDraft],
    marks: Sequence[tuple[Line, Label]],
    skip: set[int],
) -> NoteDraft | None:
    """A note whose number is the last thing printed on a page (a note number set on a line of
    its own, its text pushed to the next page): a lone label under the page's last note that
    follows that note's number, that a raised marker on the page repeats, with only page
    furniture below it. Its text is the next page's first note lines (carried over as the
    rest of an open note is). ``notes``: the notes printed on the page, the last one last."""
    last = notes[-1] if notes else None
    if last is None or not last.lines or last.lines[-1].page != page.index:
        return None
    floor, first = last.lines[-1].base, last.parts[-1][0]
    body = {id(line) for line in lines}
    for line in page.lines:
        key = lone_label(line)
        if key != next_label(last.label) or id(line) in skip or line.base >= floor:
            continue  # a page number, or no label
        if line.size > last.size + 0.5 or abs(line.x0 - first.x0) > 4 * last.size:
            continue  # not set as the note labels are
        if not any(m.key == key for _, m in marks):
            continue
        if any(id(other) in body and other.base < line.base for other in page.lines):
            return None  # text below it: not the page's last line
        label = Label(line.text.strip(), line.start, line.end, True)
        parts = [p for n in notes for p in n.parts if p[0].page == page.index]
        pitch = min((g for p in parts if (g := _line_pitch(p)) is not None), default=None)
        note = NoteDraft(label, page.index, after=last.lines[-1], label_only=(last.size, pitch))
        note.add(line, start=line.end)
        return note
    return None


def _link_across_pages(
    notes: Sequence[NoteDraft], marks_by_page: list[list[tuple[Line, Label]]], warnings: list[str]
) -> None:
    """A note whose marker is not on its page takes a mark with its label that no note took
    from the next page or the one before (LaTeX can set a footnote on the page before its
    marker's line), and says so."""
    for note in notes:
        if note.marker is not None:
            continue
        nearby = [
            (page, mark)
            for page in (note.page + 1, note.page - 1)
            if 0 <= page < len(marks_by_page)
            for _, mark in marks_by_page[page]
            if mark.key == note.label.key
        ]
        if not nearby:
            continue
        page, mark = max(nearby, key=lambda pm: (_marker_score(pm[1]), pm[0] > note.page))
        note.marker = mark
        marks_by_page[page] = [(ln, m) for ln, m in marks_by_page[page] if m is not mark]
        warnings.append(
            f"note {note.label.text} (page {note.page + 1}): its marker taken from page {page + 1}"
        )


def page_footnotes(
    page: PageLayout,
    lines: Sequence[Line],
    body: float,
    pending: NoteDraft | None,
    text: str,
    warnings: list[str],
    earlier: Sequence[Label] = (),
) -> PageNotes:
    """The note zones at the foot of a page (one per column) and the notes they hold;
    ``earlier`` are the previous page's markers that found no note there."""
    rule = note_separator(page, lines)
    ruled = rule.y if rule is not None else float("-inf")
    marks = text_marks([line for line in lines if line.base > ruled], body)
    starts = sorted(
        (line for line in lines if _confirmed(line, marks, body, pending, text, ruled, earlier)),
        key=lambda line: -line.base,
    )
    zones: list[tuple[float, list[NoteDraft]]] = []  # each zone's left edge and notes
    zone: list[Line] = []
    taken: set[int] = set()
    for start in starts:
        if id(start) in taken:
            continue
        below = _zone_below(start, lines, page, start.base < ruled)
        if below is None:
            continue
        taken.update(id(line) for line in below)
        column = [ln for ln in lines if id(ln) not in taken and _overlap(ln, start)]
        carried = _carried_lines(start, column, body, pending, page, warnings)
        taken.update(id(line) for line in carried)
        zone += carried + below
        _carry_over(pending, carried, warnings)
        zones.append((start.x0, split_zone(below, starts, pending, text, warnings)))
    # Zones side by side (two columns' feet): the left column's notes come first.
    notes = [note for _, found in sorted(zones, key=lambda z: z[0]) for note in found]
    if not starts:
        carried = _carried_lines(None, lines, body, pending, page, warnings)
        _carry_over(pending, carried, warnings)
        zone += carried
    return PageNotes([n for n in notes if n is not pending], zone)


def _carry_over(pending: NoteDraft | None, carried: Sequence[Line], warnings: list[str]) -> None:
    """Append the lines a note goes on with on the next page; say so when the note seemed to
    have ended (its last line closed a sentence)."""
    if pending is None or not carried:
        return
    if _ends_sentence(pending.lines[-1]):
        warnings.append(
            f"page {carried[0].page + 1}: the lines above the notes taken as the rest of "
            f"note {pending.label.text} from page {pending.page + 1}"
        )
    for line in carried:
        pending.add(line)


def _confirmed(
    line: Line,
    marks: Sequence[tuple[Line, Label]],
    body: float,
    pending: NoteDraft | None,
    text: str,
    ruled: float = float("-inf"),
    earlier: Sequence[Label] = (),
) -> bool:
    """Whether a line opens a note zone: its label is a note label's (raised, or a plain number in
    smaller type or under the note separator, whose baseline is ``ruled``) and a raised marker
    above it on the page repeats it, or it carries on the note the last page left open
    ("10(...continued)"). A raised label may also repeat a raised marker of the page before
    that found no note there: TeX sends the note of a marker on a page's last lines over to
    the next page's foot."""
    lead = line.lead
    if lead is None or line.text_start < 0:
        return False
    if not (lead.raised or line.size <= body * SMALL_TYPE or line.base < ruled):
        return False
    if _continues(line, pending, text):
        return True
    if lead.raised and any(mark.raised and mark.key == lead.key for mark in earlier):
        return True
    return any(
        mark.key == lead.key and other is not line and _above(other, line) for other, mark in marks
    )


def text_marks(lines: Sequence[Line], body: float) -> list[tuple[Line, Label]]:
    """The raised labels printed in ``lines`` as markers are: inside a line, or opening a line
    of body-size text (a space before a marker lets a line break fall before it, "22 But an
    objection ..."). A label set on a line of its own above a note's text is no marker."""
    marks: list[tuple[Line, Label]] = []
    for line in lines:
        lead = line.lead
        if (
            lead is not None
            and lead.raised
            and line.label_base is None
            and line.size >= body * SMALL_TYPE
            and line.text_start >= 0
        ):
            marks.append((line, lead))
        marks += [(line, mark) for mark in line.marks]
    return marks


def _continues(line: Line, pending: NoteDraft | None, text: str) -> bool:
    lead = line.lead
    return (
        lead is not None
        and pending is not None
        and lead.key == pending.label.key
        and _CONTINUED.match(text, lead.end) is not None
    )


def _above(other: Line, line: Line) -> bool:
    """Above ``line``, or beside it in another column (a marker in column two can cite a note at
    the foot of column one)."""
    return other.base > line.base + 0.5 * line.size or not _overlap(other, line)


def _overlap(a: Line, b: Line) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1


def _zone_below(
    start: Line, lines: Sequence[Line], page: PageLayout, ruled: bool = False
) -> list[Line] | None:
    """``start`` and the lines below it in its column (most of their width within it), top to
    bottom, if none is in larger type than the notes (else ``start`` is no note zone's first
    line: a numbered line in the text). Under the page's note separator (``ruled``) the type
    may grow: what the rule sets off is notes, whatever their size (a note that changes size
    midway, as groff sets one after a "™" it sizes wrongly)."""
    left = start.x0 - 3 * start.size
    # The column reaches as far right as the lines below that share the start's left edge.
    right = max(
        [start.x1, start.x0 + 0.3 * page.width]
        + [ln.x1 for ln in lines if ln.base < start.base and abs(ln.x0 - start.x0) < 3 * start.size]
    )
    below = [
        line
        for line in lines
        if line.base <= start.base + 0.1
        and min(line.x1, right) - max(line.x0, left) > 0.5 * (line.x1 - line.x0)
    ]
    limit = max(start.size * 1.1, start.size + 0.5)
    if not ruled and any(line.size > limit for line in below):
        return None
    return sorted(below, key=lambda line: (-round(line.base, 1), line.x0))


def _carried_lines(
    start: Line | None,
    lines: Sequence[Line],
    body: float,
    pending: NoteDraft | None,
    page: PageLayout,
    warnings: list[str],
) -> list[Line]:
    """Lines of the open note just above a zone's first note (or at the page's foot when no
    note starts there), below the body: the open note carried over from the last page. Found
    under the note separator (a rule) when the page draws one, else by the note's small type,
    or, for a note in body type, by its line spacing (said in a warning)."""
    if pending is None:
        return []
    floor = start.base if start is not None else float("-inf")
    ruled = _below_separator(floor, lines, pending, page)
    if ruled is not None:
        return ruled
    size = pending.size
    if size > body * SMALL_TYPE:
        # the note above ends a line's pitch above the first new note's label, wherever
        # that label stands (on a line of its own above the note's text)
        top = start.label_base if start is not None and start.label_base is not None else floor
        spaced = _single_spaced_tail(top, lines, pending)
        if spaced:
            warnings.append(
                f"page {spaced[0].page + 1}: {len(spaced)} single-spaced line(s) above the "
                f"notes taken as the rest of note {pending.label.text} from page "
                f"{pending.page + 1} (no rule sets the notes off from the text)"
            )
        return spaced
    above = sorted((line for line in lines if line.base > floor + 0.1), key=lambda ln: ln.base)
    block: list[Line] = []
    for line in above:
        if abs(line.size - size) > 0.6 or (line.lead is not None and line.lead.raised):
            break
        block.append(line)
    if not block or len(block) == len(above):
        return []  # nothing, or the whole page: a page of small type is no note's tail
    return block[::-1]


def note_separator(page: PageLayout, lines: Sequence[Line]) -> Rule | None:
    """The rule that sets a page's notes off from its body (a word processor's note separator,
    LaTeX's footnote rule): the lowest rule that underlines no text, with lines close under it
    that start at its left end. Most are short; one drawn across the text's whole width (as
    some word processors draw it) must keep within the text's margins, taken as even (a band
    across the page is decoration)."""
    found: Rule | None = None
    margin = min((ln.x0 for ln in lines), default=0.0) - 0.02 * page.width
    for rule in page.rules:
        if found is not None and rule.y > found.y:
            continue
        wide = rule.x1 - rule.x0 > 0.5 * page.width
        if wide and (rule.x0 < margin or rule.x1 > page.width - margin):
            continue
        under = _set_off_by(rule, lines, page)
        if under and rule.y - under[0].base <= 3 * under[0].size:
            found = rule
    return found


def _below_separator(
    floor: float, lines: Sequence[Line], pending: NoteDraft, page: PageLayout
) -> list[Line] | None:
    """The open note's lines between the page's note separator and ``floor`` (the first new
    note's baseline), top to bottom; None when no separator stands above ``floor``.

    The separator is the lowest rule above ``floor`` that underlines no text and starts at the
    left edge of the lines under it; those lines must be set as the open note is (its size,
    its line spacing: notes are set single-spaced under a double-spaced body) up to the first
    that opens a note."""
    size = pending.size
    pitch = pending.pitch or 1.25 * size
    for rule in sorted(page.rules, key=lambda r: r.y):
        if rule.y <= floor + 0.5 * size:
            continue
        under = _set_off_by(rule, lines, page, floor, size)
        if not under:
            continue  # a rule in a table or a figure, not the notes' separator
        block: list[Line] = []
        for line in under:
            lead = line.lead
            if lead is not None and (lead.raised or lead.key == next_label(pending.label)):
                break
            if abs(line.size - size) > 0.6 or (block and block[-1].base - line.base > pitch * 1.6):
                return None  # not the open note's type or spacing: body text under a rule
            block.append(line)
        return block
    return None


def _set_off_by(
    rule: Rule,
    lines: Sequence[Line],
    page: PageLayout,
    floor: float = float("-inf"),
    size: float | None = None,
) -> list[Line]:
    """The lines a rule sets off as a note separator does, top to bottom: those under it and
    above ``floor`` that start within its reach (its length, or a quarter of the page for a
    short rule), the leftmost starting at its left end (within two ems of ``size``, else of
    the top line's size); [] when it underlines text or no lines hang from it so."""
    if _underlines(rule, page.lines):
        return []
    reach = max(rule.x1, rule.x0 + 0.25 * page.width)
    found = (ln for ln in lines if floor + 0.1 < ln.base < rule.y and ln.x0 < reach)
    under = sorted(found, key=lambda ln: -ln.base)
    if not under:
        return []
    em = size if size is not None else under[0].size
    return under if abs(min(ln.x0 for ln in under) - rule.x0) <= 2 * em else []


def _single_spaced_tail(floor: float, lines: Sequence[Line], pending: NoteDraft) -> list[Line]:
    """The open note's last lines in body type on a page that draws no separator: the lines
    just above ``floor`` set at the note's own line spacing, top to bottom, when the note broke
    off mid-sentence and the text above them is spaced wider (a body set one-and-a-half or
    double-spaced)."""
    pitch = pending.pitch
    if pitch is None or _ends_sentence(pending.lines[-1]):
        return []
    size = pending.size
    above = sorted((line for line in lines if line.base > floor + 0.1), key=lambda ln: ln.base)
    body_pitch = _line_pitch(above[::-1][:_TOP_LINES])  # the text's, at the page's top
    if body_pitch is None or body_pitch < pitch * _WIDER_PITCH:
        return []
    limit = (pitch + body_pitch) / 2  # nearer the note's spacing than the text's
    block: list[Line] = []
    last = floor
    for line in above:
        close = last == float("-inf") or line.base - last <= limit
        if not close or abs(line.size - size) > 0.6 or (line.lead is not None and line.lead.raised):
            break
        block.append(line)
        last = line.base
    if len(block) == len(above):
        return []
    return block[::-1]


# A body spaced wider than the notes by this factor at least (one-and-a-half spacing against
# single) tells them apart; its spacing is measured on the page's top lines.
_WIDER_PITCH, _TOP_LINES = 1.3, 4


def _underlines(rule: Rule, lines: Sequence[Line]) -> bool:
    """Whether a rule sits on a line of text: an underline, a strike-through."""
    return any(
        line.x0 < rule.x1
        and rule.x0 < line.x1
        and line.base - 0.5 * line.size <= rule.y <= line.base + 0.8 * line.size
        for line in lines
    )


def _line_pitch(part: Sequence[Line]) -> float | None:
    """The distance between a note's consecutive lines on one page (the median), if it has two."""
    gaps = sorted(a.base - b.base for a, b in zip(part, part[1:], strict=False) if a.base > b.base)
    return gaps[len(gaps) // 2] if gaps else None


def split_zone(
    zone: Sequence[Line],
    starts: Sequence[Line],
    pending: NoteDraft | None,
    text: str,
    warnings: list[str],
) -> list[NoteDraft]:
    """The notes of one zone (its lines top to bottom): which lines open a note, which go on."""
    confirmed = {id(line) for line in starts}
    raised_style = zone[0].lead.raised if zone[0].lead is not None else True
    firsts = [line for line in zone if id(line) in confirmed]
    starts_x = [line.x0 for line in firsts]
    # The zone's first numbered label: the others are printed as it is (a note's wrapped line
    # that starts with a number is not, unless it happens to be set exactly so). Symbols ("*"
    # for a judge's note above numbered ones) may be set otherwise.
    ref = next(
        (
            line
            for line in firsts
            if line.lead is not None
            and label_value(line.lead.key) is not None
            and not _continues(line, pending, text)
        ),
        None,
    )

    def opens(line: Line, current: NoteDraft | None) -> bool:
        lead = line.lead
        assert lead is not None
        if raised_style or lead.raised:
            return lead.raised
        numbered = label_value(lead.key) is not None
        if numbered and ref is not None and not set_like(line, ref):
            return False
        if id(line) in confirmed:
            return True
        # No marker cites it: a number that follows the last note's, where labels stand, after
        # the end of a sentence (else it is a wrapped line: "see note 4 and / 5 U.S.C. ...").
        follows = current is not None and next_label(current.label) == lead.key
        placed = any(abs(line.x0 - x) < 0.5 for x in starts_x)
        return follows and placed and current is not None and _ends_sentence(current.lines[-1])

    current: NoteDraft | None = None
    head: list[Line] = list(zone)
    if zone and _continues(zone[0], pending, text) and pending is not None:
        lead = zone[0].lead
        assert lead is not None
        match = _CONTINUED.match(text, lead.end)
        pending.add(zone[0], start=match.end() if match else zone[0].text_start)
        current, head = pending, head[1:]
    notes = segment_notes(head, opens, current, warnings)
    repair_twins(notes, firsts, warnings, ref)
    return notes


def set_like(line: Line, ref: Line) -> bool:
    """Whether ``line``'s lead label is printed as ``ref``'s is: with the same punctuation
    after it ("4." or "4)"), its text starting at the same tab stop or at the same distance
    from the label (a space). Not its place: labels set flush right in a box ("9." and "10.")
    start at different places."""
    a, b = line.lead, ref.lead
    if a is None or b is None or a.raised != b.raised or a.punct != b.punct:
        return False
    if a.text_x is None or b.text_x is None or a.gap is None or b.gap is None:
        return True
    em = 0.3 * max(line.size, ref.size)
    return abs(a.text_x - b.text_x) < em or abs(a.gap - b.gap) < em


def segment_notes(
    lines: Sequence[Line],
    opens: Callable[[Line, NoteDraft | None], bool],
    current: NoteDraft | None,
    warnings: list[str],
    kind: str = "footnote",
) -> list[NoteDraft]:
    """Cut note lines (in reading order) into notes: a line opens a note when ``opens`` says so,
    any other line goes on with the note before it. A line that starts with its own note's
    number is remembered (a "twin": which of the two opens the note is settled later)."""
    notes: list[NoteDraft] = []
    previous: Line | None = None
    for line in lines:
        lead = line.lead
        if _CONTINUES_BELOW.fullmatch(line.text.strip()):
            continue  # "(continued...)": the note goes on over the page
        if _is_twin(line, current) and current is not None:
            current.twins.append((line, previous))
        elif lead is not None and opens(line, current):
            current = NoteDraft(lead, line.page, kind=kind, after=previous)
            current.add(line, start=line.text_start)
            notes.append(current)
            previous = line
            continue
        elif lead is not None and current is not None and next_label(current.label) == lead.key:
            warnings.append(
                f"page {line.page + 1}: a line of note {current.label.text} that starts with "
                f"“{lead.text}” read as part of it, not as note {lead.text} (it is not set as "
                "the note labels are)"
            )
        if current is not None:
            current.add(line)
        previous = line
    return notes


def repair_twins(
    notes: list[NoteDraft], firsts: Sequence[Line], warnings: list[str], ref: Line | None = None
) -> None:
    """A note with a line that starts with its own number (its twin): the twin opens the note
    when it stands where other notes' first lines (``firsts``) stand and follows the end of a
    sentence while the note's first line does not; the lines before it were a line-wrapped
    part of the note before. A line is not its own witness: "28 U.S.C." at the margin under
    notes whose labels are indented does not stand where labels stand."""

    def score(line: Line, previous: Line | None) -> int:
        ends = previous is None or _ends_sentence(previous)
        # Where the zone's first label stands (other twins are no witnesses: a note's wrapped
        # lines all stand at the margin).
        witnesses = [ref] if ref is not None and ref is not line else firsts
        placed = any(abs(line.x0 - other.x0) < 0.5 for other in witnesses if other is not line)
        like = ref is None or line is ref or set_like(line, ref)
        return int(ends) + int(placed) + int(like)

    for i, note in enumerate(notes):
        if i == 0 or not note.twins:
            continue
        first = note.parts[0][0]
        best = max(note.twins, key=lambda twin: score(*twin))
        if score(*best) <= score(first, note.after):
            continue
        twin, _ = best
        lines = note.lines
        cut = next(k for k, line in enumerate(lines) if line is twin)
        owner = notes[i - 1]
        for line in lines[:cut]:
            owner.add(line)
        assert twin.lead is not None
        rebuilt = NoteDraft(twin.lead, twin.page, kind=note.kind, marker=note.marker)
        rebuilt.add(twin, start=twin.text_start)
        for line in lines[cut + 1 :]:
            rebuilt.add(line)
        notes[i] = rebuilt
        warnings.append(
            f"page {first.page + 1}: “{first.text.strip()[:40]}” taken as a line of note "
            f"{owner.label.text}, not the start of note {note.label.text}"
        )


def _is_twin(line: Line, current: NoteDraft | None) -> bool:
    lead = line.lead
    return (
        lead is not None
        and current is not None
        and label_value(lead.key) is not None
        and lead.key == current.label.key
    )


def next_label(label: Label) -> str:
    """The label that follows a numbered one ("" after a symbol)."""
    return label_after(label.key)


def _ends_sentence(line: Line) -> bool:
    return bool(_ENDS_SENTENCE.search(line.text))


# --- markers -------------------------------------------------------------------------------


def link_markers(notes: Sequence[NoteDraft], marks: Sequence[tuple[Line, Label]]) -> set[int]:
    """Give each new note of a page the raised marker that cites it: same label, the most
    marker-like place (after a word or punctuation, not inside a formula), in the notes' order.
    Returns the ids of the marks taken."""
    used: set[int] = set()
    last = -1
    labels = {note.label.key for note in notes}
    pieces = [(piece, mark) for _, mark in marks for piece in split_glued(mark, labels)]
    for note in notes:
        options = [(m, whole) for m, whole in pieces if m.key == note.label.key]
        options = [(m, whole) for m, whole in options if id(m) not in used]
        if not options:
            continue
        best, whole = max(
            options, key=lambda pair: (_marker_score(pair[0]), pair[0].start > last, -pair[0].start)
        )
        note.marker = best
        used.update((id(best), id(whole)))
        last = best.start
    return used


def split_glued(mark: Label, labels: set[str]) -> list[Label]:
    """A raised number that is two markers set side by side ("45" for notes 4 and 5) when it
    is no note's label but both halves are; else the mark itself."""
    text = mark.key
    if text in labels or not text.isdigit():
        return [mark]
    for cut in range(1, len(text)):
        left, right = text[:cut], text[cut:]
        if left in labels and right in labels and not right.startswith("0"):
            middle = mark.start + cut
            return [
                Label(left, mark.start, middle, True, mark.before, right[0]),
                Label(right, middle, mark.end, True, left[-1], mark.after),
            ]
    return [mark]


def _marker_score(mark: Label) -> int:
    """How much a raised label looks like a note marker: after a word or closing punctuation it
    does; after a single letter, a digit or an operator it is more likely an exponent."""
    before = mark.before
    last = before[-1:] if before else ""
    if not last:
        return 1
    if last.isdigit() or last in "^+-−=*/(<>":
        return 0
    if last.isalpha() and re.search(r"(?:^|[^\w])\w$", before):
        return 1  # "x²", "c1": one letter alone
    return 2
