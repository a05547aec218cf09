"""Which footnotes source one sentence of a passage, and how that is known.

Every place that quotes a sentence (the answer, a hit's highlighted sentence, "copy citation",
the exports) credits it with the notes this module finds, never with all the notes of its
passage. A passage's citations carry their marker's offset in the passage text; a marker removed
right after a full stop sits at the sentence's end offset, so ends are inclusive.

Three ways a sentence is sourced, tried in this order:

- ``in the sentence``: a marker inside it or right after it (only white space between): the
  marker that ends a sentence belongs to it, never to the sentence that follows, even when
  extraction placed it at the start of the next line ("Tatarstan. 25In April").
- ``closing the quotation``: a sentence inside a quotation without a marker of its own is sourced
  by the marker that closes the quotation (reports cite a quoted passage once, after its last
  sentence); a sentence that closes a quotation takes a marker extraction dropped a word late
  ('enterprises". As 109these').
- ``end of paragraph``: a sentence without a marker is credited with the first note (or group of
  notes, ``[5][6]``) that follows it in its paragraph: reports source a run of sentences once,
  at its close ("It exceeded $53 million. Exports "amounted to $44.3 million..."48"). Never a
  note of the next paragraph, and never a later note for a sentence that has a marker of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.records import Citation
from retrieval.hits import Attribution, SentenceCitations

QUOTE_MARKS = frozenset('"“”«»')
MARKER_GROUP_GAP = 3
"""Markers at most this many characters apart form one group (``...[5][6]`` or ``5, 6``)."""
LATE_MARKER = 4
"""How far after a sentence that closes a quotation its marker may sit ('". As 109these')."""


def cite_sentence(
    text: str, citations: Sequence[Citation], start: int, end: int
) -> SentenceCitations:
    """The notes that source ``text[start:end]``, with offsets relative to ``start``.

    ``citations`` are a passage's, with marker offsets into ``text``. An offset past the
    sentence's end means the note was taken from a marker after it (see ``attribution``).

    >>> text = 'Trade grew. It exceeded $53 million. Exports "rose"[48], they say.'
    >>> cites = [Citation(48, "Trade and economic relations", [], text.index("[48]"))]
    >>> found = cite_sentence(text, cites, 12, 36)
    >>> [c.n for c in found.citations], found.attribution
    ([48], 'end of paragraph')
    """
    ordered = sorted(citations, key=lambda c: c.offset)
    paragraph_start = text.rfind("\n\n", 0, start) + 1
    paragraph_end = text.find("\n\n", end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    own = [c for c in ordered if _belongs(text, c.offset, start, end)]
    quoting = _open_quotation(text, ordered, paragraph_start, start, end)
    if own:
        # The chunk builder puts a quotation's note at the passage's very end when its marker
        # falls in the next passage: that one closes the quotation rather than sitting here.
        closing = quoting and all(c.offset >= len(text) for c in own)
        return _credit(own, start, "closing the quotation" if closing else "in the sentence")
    after = [c for c in ordered if end < c.offset <= paragraph_end]
    if quoting:
        return _credit(_first_group(after), start, "closing the quotation")
    if _closes_quotation(text, start, end):
        late = [c for c in after if c.offset <= end + LATE_MARKER]
        return _credit(_first_group(late), start, "closing the quotation")
    return _credit(_first_group(after), start, "end of paragraph")


def _belongs(text: str, offset: int, start: int, end: int) -> bool:
    """A marker inside the sentence or right after it (white space between, no more)."""
    if start < offset <= end:
        return True
    # At the sentence's first character (start > 0) it ends the sentence before; past the end
    # only blank space may separate it from this one ("Tatarstan. 25In": displaced a line).
    return offset > end and not text[end:offset].strip()


def _open_quotation(
    text: str, ordered: Sequence[Citation], paragraph_start: int, start: int, end: int
) -> bool:
    """Whether a quotation is still open where the sentence ends.

    Quotation marks are counted from the paragraph's start or the last marker before the
    sentence, whichever is later: a marker closes a quotation.
    """
    since = max((c.offset for c in ordered if paragraph_start <= c.offset <= start), default=-1)
    region_start = max(paragraph_start, since)
    return sum(1 for ch in text[region_start:end] if ch in QUOTE_MARKS) % 2 == 1


def _closes_quotation(text: str, start: int, end: int) -> bool:
    return text[start:end].rstrip(".!?… ")[-1:] in QUOTE_MARKS


def _first_group(after: Sequence[Citation]) -> list[Citation]:
    """The first marker after a sentence and those adjacent to it (``[5][6]``, ``5, 6``)."""
    group = list(after[:1])
    for citation in after[1:]:
        if citation.offset - group[-1].offset > MARKER_GROUP_GAP:
            break
        group.append(citation)
    return group


def _credit(found: Sequence[Citation], start: int, how: Attribution) -> SentenceCitations:
    if not found:
        return SentenceCitations([], None)
    moved = [Citation(c.n, c.note, list(c.urls), c.offset - start, c.label) for c in found]
    return SentenceCitations(moved, how)
