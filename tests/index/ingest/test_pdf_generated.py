"""PDF notes read by layout, checked on whole documents generated with known gold
(``tests/index/ingest/pdf_pages.py``): every marker linked to its note, every note's text whole.

The property test draws the layout (type sizes, line spacing, how markers and note labels are
printed, space between notes, separators, continued notes, page furniture) and the text (how
many notes, two- and three-digit labels, notes longer than half a page, wrapped note lines
that start with the next note's number). ``make test`` replays the same cases every run;
``CITESEARCH_FUZZ_EXAMPLES`` (``make fuzz``) explores new ones. The regression tests below are
the cases it found, shrunk.

Left out, as layout cannot see them: markers printed like the text ("grew.3"), notes at the
body's size without a rule whose labels are printed like the text (the text parser reads both,
and misses most of them in generated documents: a known gap), and notes at the body's size that
go on over the next page where the body is single-spaced too.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from index.parse import parse_file
from index.records import ParsedDocument
from tests.index.ingest.pdf_pages import (
    FOLIOS,
    INDENTS,
    LABEL_STYLES,
    MARKER_STYLES,
    SEPARATORS,
    Gold,
    Style,
    build,
    random_content,
    write_document,
)

EXAMPLES = int(os.environ.get("CITESEARCH_FUZZ_EXAMPLES", "40"))
GENERATED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="CITESEARCH_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def mismatches(doc: ParsedDocument, gold: Gold) -> list[str]:
    """What the parsed document gets wrong against its gold: labels, note texts, markers (one
    per note, printing the label, right after the word the gold puts before it)."""
    found = [f.shown for f in doc.footnotes]
    if found != gold.labels:
        return [f"labels {found} != {gold.labels}"]
    wrong = []
    for footnote, text, before in zip(doc.footnotes, gold.notes, gold.before, strict=True):
        note = " ".join((footnote.note or "").split())
        if note != text:
            wrong.append(f"note {footnote.shown}: {note!r} != {text!r}")
        if len(footnote.markers) != 1:
            wrong.append(f"note {footnote.shown}: {len(footnote.markers)} markers")
            continue
        marker = footnote.markers[0]
        printed = doc.source_text[marker.char_start : marker.char_end]
        head = doc.source_text[max(0, marker.char_start - 80) : marker.char_start].split()
        if printed != footnote.shown or head[-1:] != before.split()[-1:]:
            wrong.append(f"note {footnote.shown}: marker {printed!r} after {head[-2:]}")
    return wrong


def generated(
    tmp_path: Path,
    style: Style,
    seed: int,
    notes: int,
    first: int = 1,
    long_note: bool = False,
    number_lines: bool = False,
) -> tuple[ParsedDocument, Gold]:
    content = random_content(random.Random(seed), notes, first, long_note)
    pages, gold = build(content, style, number_lines)
    return parse_file(write_document(tmp_path / f"generated-{seed}.pdf", pages)), gold


@st.composite
def styles(draw: st.DrawFn) -> Style:
    body = draw(st.sampled_from([10.0, 11.0, 12.0, 13.0]))
    style = Style(
        body_size=body,
        note_size=draw(st.sampled_from([body, body - 1, body - 2, body - 3])),
        body_spacing=draw(st.sampled_from([1.2, 1.8, 2.4])),  # single, 1.5, double
        note_spacing=draw(st.sampled_from([1.15, 1.2])),
        note_gap=draw(st.sampled_from([0.0, 6.0, 12.0])),  # space between notes
        marker=draw(st.sampled_from([m for m in MARKER_STYLES if m != "baseline"])),
        label=draw(st.sampled_from(LABEL_STYLES)),
        indent=draw(st.sampled_from(INDENTS)),
        separator=draw(st.sampled_from(SEPARATORS)),
        continuation_rule=draw(st.booleans()),
        folio=draw(st.sampled_from(FOLIOS)),
        header_block=draw(st.booleans()),
        paragraph_indent=draw(st.booleans()),
    )
    unruled = style.note_size == body and style.separator in ("none", "gap")
    assume(not (unruled and style.label not in ("raised", "raised-space")))
    assume(not (unruled and style.body_spacing == 1.2))
    return style


@GENERATED
@given(
    style=styles(),
    seed=st.integers(0, 10**6),
    notes=st.sampled_from([1, 3, 6, 12]),
    first=st.sampled_from([1, 9, 97]),
    long_note=st.booleans(),
    number_lines=st.booleans(),
)
def test_generated_documents_every_marker_linked_and_every_note_whole(
    tmp_path: Path,
    style: Style,
    seed: int,
    notes: int,
    first: int,
    long_note: bool,
    number_lines: bool,
) -> None:
    doc, gold = generated(tmp_path, style, seed, notes, first, long_note, number_lines)
    assert mismatches(doc, gold) == []


# --- the cases it found, shrunk ------------------------------------------------------------


REGRESSIONS = {
    # A note at the body's size, no rule, under a body set one-and-a-half-spaced: its last
    # lines on the next page are told from the text by their tighter spacing (a double-spaced
    # body was needed before).
    "note goes on under a one-and-a-half-spaced body": (
        Style(12, 12, 1.8, 1.15, "small", "raised", "flush", "none"),
        {"seed": 1, "notes": 1, "long_note": True},
    ),
    # Labels at full size, the note's text at a tab stop; a wrapped line starting with the next
    # note's number ("10 compare ...", one space after it) is no label, though a marker cites 10.
    "wrapped line with the next number, labels at a tab stop": (
        Style(11, 11, 2.4, 1.15, "full", "tab", "flush", "short", header_block=True),
        {"seed": 600, "notes": 6, "first": 9, "number_lines": True},
    ),
    # No marker cites 2 and the line before does not end a sentence: note 1 goes on.
    "wrapped line with an uncited number": (
        Style(12, 10, 2.4, 1.15, "small", "plain", "flush", "short"),
        {"seed": 5, "notes": 1, "number_lines": True},
    ),
    # Labels indented, wrapped lines at the margin: "10 ..." at the margin is no label.
    "wrapped line with the next number, labels indented": (
        Style(12, 10, 2.4, 1.15, "full", "plain", "first", "full"),
        {"seed": 996, "notes": 12, "number_lines": True},
    ),
    # "9. " labels: "21 reporter ..." (no dot) is a wrapped line.
    "wrapped line with a number, labels with a dot": (
        Style(11, 9, 1.2, 1.15, "full", "dot", "first", "short", True, "head"),
        {"seed": 989, "notes": 12, "first": 9, "number_lines": True},
    ),
    # One note, longer than the page's text: the body's size is that of the line with the
    # marker, not the size most characters are printed in.
    "one note outweighs the text": (
        Style(10, 9, 1.2, 1.15, "small", "plain", "flush", "gap", paragraph_indent=False),
        {"seed": 0, "notes": 1, "first": 9, "long_note": True},
    ),
    # "1) " labels, as some word processors number notes.
    "labels with a parenthesis": (
        Style(12, 10, 1.2, 1.15, "small", "paren", "flush", "short"),
        {"seed": 7, "notes": 3},
    ),
}


@pytest.mark.parametrize("name", list(REGRESSIONS))
def test_generated_regressions(tmp_path: Path, name: str) -> None:
    style, kwargs = REGRESSIONS[name]
    doc, gold = generated(tmp_path, style, **kwargs)  # type: ignore[arg-type]
    assert mismatches(doc, gold) == []
