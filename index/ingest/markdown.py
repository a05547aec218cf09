"""Markdown (.md) files as source text, their footnotes linked from the GitHub and pandoc syntax.

``[^label]`` references; ``[^label]: text`` definitions anywhere in the file (continuation lines
indented by four spaces or a tab, or lazy; further paragraphs after a blank line when indented);
pandoc's inline notes ``^[text]``. Nothing counts inside fenced or inline code, after a
backslash, or without a definition (GitHub then shows the brackets as they are).

The source text is the file's body as written (front matter included), the definitions taken
out and each inline note's text replaced by its marker, then the notes, one paragraph each,
"[n] text": a note's text is never body. Notes are numbered as GitHub renders them, in the order
of their first reference, and that number is their label (the file's own label is kept only in
the marker); definitions no reference cites (GitHub shows none of them) follow, numbered on. A
marker is the ``[^label]`` the file shows; an inline note's is ``^[n]``.

A parser of our own rather than markdown-it-py: its footnote plugin (mdit-py-plugins, not
installed) gives tokens by line, not the character offsets markers need, and the syntax is small.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.ingest.file_meta import front_matter_meta
from index.ingest.source import SourceMarker, SourceNote, SourceText, read_decoded

_DEFINITION = re.compile(r" {0,3}\[\^([^\]\s]+)\]:[ \t]?")
_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")
_FENCE_OPEN = re.compile(r"\s*(`{3,}|~{3,})")
_INDENTED = re.compile(r"(?: {4}|\t)")
# A line that starts a block of its own and so ends a note's paragraph (no lazy continuation).
_BLOCK_START = re.compile(r" {0,3}(?:#{1,6}(?:\s|$)|>|[-*+]\s|\d{1,9}[.)]\s|`{3}|~{3}|<|\|)")
_THEMATIC_BREAK = re.compile(r" {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_BACKTICKS = re.compile(r"`+")
_LINK_URL = re.compile(r"\]\(\s*<?(https?://(?:[^\s()<>]|\([^\s()<>]*\))+)")
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:\s*<?(https?://[^\s>]+)>?", re.MULTILINE)
_REF_LINK = re.compile(r"\[([^\]]+)\](?:\[([^\]]*)\])?")


@dataclass
class _Note:
    """A note as the file writes it: its text (markup kept, continuation lines dedented) and
    the targets of its links."""

    text: str
    urls: list[str] = field(default_factory=list)


def read_markdown(path: Path) -> SourceText:
    """A Markdown file's text; its footnotes, when it has any, as notes and markers."""
    text, warnings = read_decoded(path, "text")
    return markdown_source(text, warnings)


def markdown_source(text: str, warnings: list[str] | None = None) -> SourceText:
    """Markdown text as source text: the body, then its notes (``notes`` is None when the file
    has no footnote syntax: the plain-text footnote detection then runs)."""
    warnings = list(warnings or [])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    starts = _line_starts(lines)
    code = _code_lines(lines)
    link_targets = _link_targets(text)
    definitions, removed = _definitions(lines, code, link_targets)
    body_ranges = _body_ranges(starts, removed, len(text))
    protected = _inline_code(text, lines, starts, code)
    events = _body_events(text, body_ranges, protected, definitions)
    if not definitions and not any(kind == "inline" for kind, *_ in events):
        source = SourceText(text, None, warnings)
    else:
        notes, event_notes = _number_notes(events, definitions, link_targets)
        pairs = list(zip(events, event_notes, strict=True))
        source = _assemble(text, body_ranges, pairs, notes, warnings)
    source.meta = front_matter_meta(text)
    return source


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


def _code_lines(lines: list[str]) -> set[int]:
    """Lines of fenced code blocks, their fences included (at any indentation: a fence inside a
    note or a list item is code all the same)."""
    code: set[int] = set()
    fence = ""
    for i, line in enumerate(lines):
        if fence:
            code.add(i)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        match = _FENCE_OPEN.match(line)
        if match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
            fence = match.group(1)
            code.add(i)
    return code


def _definitions(
    lines: list[str], code: set[int], link_targets: dict[str, str]
) -> tuple[dict[str, _Note], set[int]]:
    """Footnote definitions by case-folded label (the first of a label wins, as on GitHub) and
    the lines they take up."""
    definitions: dict[str, _Note] = {}
    removed: set[int] = set()
    i = 0
    while i < len(lines):
        match = None if i in code else _DEFINITION.match(lines[i])
        if match is None:
            i += 1
            continue
        end = _definition_end(lines, i + 1)
        body = [lines[i][match.end() :]] + [_dedent(line) for line in lines[i + 1 : end]]
        note_text = "\n".join(body).strip()
        label = match.group(1).casefold()
        if label not in definitions:
            definitions[label] = _Note(note_text, _note_urls(note_text, link_targets))
        removed.update(range(i, end))
        i = end
    return definitions, removed


def _definition_end(lines: list[str], i: int) -> int:
    """The line after the last one of a definition whose continuation begins at line ``i``."""
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            after = i
            while after < len(lines) and not lines[after].strip():
                after += 1
            if after < len(lines) and _INDENTED.match(lines[after]):
                i = after  # a further paragraph of the note, indented
                continue
            return i
        indented = _INDENTED.match(line) is not None
        if not indented and (
            _DEFINITION.match(line) or _BLOCK_START.match(line) or _THEMATIC_BREAK.match(line)
        ):
            return i
        i += 1  # indented, or a lazy continuation of the note's paragraph
    return i


def _dedent(line: str) -> str:
    if line.startswith("\t"):
        return line[1:]
    return line[4:] if line.startswith("    ") else line.lstrip()


def _link_targets(text: str) -> dict[str, str]:
    """Reference-style link definitions ``[name]: https://...`` by case-folded name."""
    return {m.group(1).casefold(): m.group(2) for m in _LINK_DEFINITION.finditer(text)}


def _note_urls(text: str, link_targets: dict[str, str]) -> list[str]:
    """Link targets of a note: ``[text](url)``, ``<url>`` and ``[text][name]`` links."""
    urls = [m.group(1) for m in _LINK_URL.finditer(text)]
    urls += [m.group(1) for m in _AUTOLINK.finditer(text)]
    for m in _REF_LINK.finditer(text):
        name = (m.group(2) or m.group(1)).casefold()
        if name in link_targets:
            urls.append(link_targets[name])
    return list(dict.fromkeys(urls))


def _body_ranges(starts: list[int], removed: set[int], length: int) -> list[tuple[int, int]]:
    """(start, end) of the text outside definitions, in file order."""
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for i, line_start in enumerate(starts):
        if i in removed:
            if start is not None:
                ranges.append((start, line_start))
                start = None
        elif start is None:
            start = line_start
    if start is not None:
        ranges.append((start, length))
    return [(a, min(b, length)) for a, b in ranges if a < min(b, length)]


class _Spans:
    """Sorted, disjoint (start, end) spans of code, asked whether they hold an offset."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]

    def __contains__(self, at: int) -> bool:
        i = bisect.bisect_right(self.starts, at) - 1
        return i >= 0 and at < self.spans[i][1]


def _inline_code(text: str, lines: list[str], starts: list[int], code: set[int]) -> _Spans:
    """Spans of fenced code and of inline code (a run of backticks closed by a run as long,
    within its paragraph)."""
    fences = _Spans([(starts[i], starts[i] + len(lines[i])) for i in code])
    spans = list(fences.spans)
    pos = 0
    while (opening := _BACKTICKS.search(text, pos)) is not None:
        pos = opening.end()
        if opening.start() in fences:
            continue
        paragraph_end = text.find("\n\n", pos)
        paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
        run = len(opening.group())
        for closing in _BACKTICKS.finditer(text, pos, paragraph_end):
            if len(closing.group()) == run:
                spans.append((opening.start(), closing.end()))
                pos = closing.end()
                break
    return _Spans(spans)


def _body_events(
    text: str,
    ranges: list[tuple[int, int]],
    protected: _Spans,
    definitions: dict[str, _Note],
) -> list[tuple[str, int, int, str]]:
    """References ("ref", start, end, label) and inline notes ("inline", start, end, note text)
    in the body, in file order."""
    events: list[tuple[str, int, int, str]] = []
    for start, end in ranges:
        pos = start
        while pos < end:
            ref = _REFERENCE.search(text, pos, end)
            inline = text.find("^[", pos, end)
            inline_first = inline >= 0 and (ref is None or inline < ref.start())
            at = inline if inline_first else (ref.start() if ref else -1)
            if at < 0:
                break
            if _escaped(text, at) or at in protected:
                pos = at + 1
                continue
            if inline_first:
                close = _closing_bracket(text, inline + 1, end, protected)
                if close is None:
                    pos = inline + 2
                    continue
                events.append(("inline", inline, close + 1, text[inline + 2 : close]))
                pos = close + 1
            elif ref is not None:
                if ref.group(1).casefold() in definitions:
                    events.append(("ref", ref.start(), ref.end(), ref.group(1).casefold()))
                pos = ref.end()
    return events


def _escaped(text: str, at: int) -> bool:
    """Whether an odd number of backslashes stands before ``text[at]``."""
    i = at
    while i > 0 and text[i - 1] == "\\":
        i -= 1
    return (at - i) % 2 == 1


def _closing_bracket(text: str, opening: int, end: int, protected: _Spans) -> int | None:
    """The ``]`` that closes the ``[`` at ``opening`` (nested brackets and code skipped), or
    None when the paragraph ends first."""
    depth = 0
    i = opening
    while i < end:
        if i in protected:
            i += 1
            continue
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n" and text.startswith("\n", i + 1):
            return None
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _number_notes(
    events: list[tuple[str, int, int, str]],
    definitions: dict[str, _Note],
    link_targets: dict[str, str],
) -> tuple[list[_Note], list[int]]:
    """Notes in the order of their first reference (then the definitions no reference cites),
    and each event's index in that list."""
    order: list[_Note] = []
    number: dict[str, int] = {}  # definition label -> index in order
    event_notes: list[int] = []
    for kind, _, _, value in events:
        if kind == "inline":
            order.append(_Note(value.strip(), _note_urls(value, link_targets)))
            event_notes.append(len(order) - 1)
            continue
        if value not in number:
            number[value] = len(order)
            order.append(definitions[value])
        event_notes.append(number[value])
    order += [note for label, note in definitions.items() if label not in number]
    return order, event_notes


def _assemble(
    text: str,
    ranges: list[tuple[int, int]],
    events: list[tuple[tuple[str, int, int, str], int]],
    order: list[_Note],
    warnings: list[str],
) -> SourceText:
    """Body (definitions out, inline notes as markers), then the notes: the source text."""
    parts: list[str] = []
    markers: list[SourceMarker] = []
    length = 0
    pending = list(events)
    pending.reverse()  # popped from the end, in file order
    for start, end in ranges:
        pos = start
        while pending and pending[-1][0][1] < end:
            (kind, at, stop, _), index = pending.pop()
            parts.append(text[pos:at])
            length += at - pos
            shown = f"^[{index + 1}]" if kind == "inline" else text[at:stop]
            markers.append(SourceMarker(index, length, length + len(shown)))
            parts.append(shown)
            length += len(shown)
            pos = stop
        parts.append(text[pos:end])
        length += end - pos
    body = "".join(parts).rstrip() + "\n"
    parts, length = [body], len(body)
    notes: list[SourceNote] = []
    for n, note in enumerate(order, start=1):
        head = f"\n[{n}] "
        start = length + len(head)
        parts.append(f"{head}{note.text}\n")
        length += len(parts[-1])
        notes.append(SourceNote(str(n), start, start + len(note.text), note.urls))
    return SourceText("".join(parts), None, warnings, notes=notes, markers=markers)
