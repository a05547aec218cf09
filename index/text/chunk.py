"""Sentence-aware chunks sized for the embedding model, carrying the footnotes they cite."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from index.records import Chunk, Citation, Footnote, Marker, ParsedDocument
from index.text.sentences import split_sentences

# all-MiniLM-L6-v2 truncates at 256 word pieces including [CLS] and [SEP]; 200 leaves room for the
# title-free passage and for the tokenizer counting a little differently on joined sentences.
DEFAULT_MAX_TOKENS = 200


def chunk_document(
    doc: ParsedDocument,
    count_tokens: Callable[[str], int],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_sentences: int = 1,
) -> list[Chunk]:
    """Cut a document's clean body into chunks of whole sentences, at most ``max_tokens`` each.

    Consecutive chunks share ``overlap_sentences`` sentences (when short enough), so an answer
    that straddles a boundary is still found whole. A sentence longer than the limit is cut at
    word boundaries (a single word longer than the limit, inside it). Chunks never contain
    footnote text or page furniture: the body has none.
    """
    spans = _sized_spans(doc.body, count_tokens, max_tokens)
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start_i, used, j = i, 0, i
        while j < len(spans):
            tokens = spans[j][2]
            if j > start_i and used + tokens > max_tokens:
                break
            used += tokens
            j += 1
        windows.append((spans[start_i][0], spans[j - 1][1]))
        if j >= len(spans):
            break
        back = 0
        while (
            back < overlap_sentences
            and j - back - 1 > start_i
            and sum(s[2] for s in spans[j - back - 1 : j]) <= max_tokens // 3
        ):
            back += 1
        i = j - back
    layout = _BodyLayout.of(doc)
    return [_make_chunk(doc, layout, n, start, end) for n, (start, end) in enumerate(windows)]


@dataclass(frozen=True)
class _BodyLayout:
    """What each chunk of one body asks about, found once per document: paragraph breaks, quote
    marks and markers by position, each marker's note. Looked up by bisection, so a chunk costs
    its own length, not its paragraph's (a 10 MB paragraph made chunking quadratic)."""

    breaks: list[int]  # start of every "\n\n", overlapping ones included
    quotes: list[int]  # position of every quotation mark
    marker_at: list[int]  # body positions of the markers, ascending
    markers: list[tuple[int, Marker]]  # the same order
    notes: dict[int, Footnote]  # id(marker) -> its note

    @classmethod
    def of(cls, doc: ParsedDocument) -> _BodyLayout:
        markers = sorted(doc.marker_positions, key=lambda pair: pair[0])
        return cls(
            breaks=[m.start() for m in re.finditer(r"(?=\n\n)", doc.body)],
            quotes=[m.start() for m in re.finditer(_QUOTE_PATTERN, doc.body)],
            marker_at=[pos for pos, _ in markers],
            markers=markers,
            notes=_notes_by_marker(doc.footnotes),
        )

    def paragraph_start(self, end: int) -> int:
        """``body.rfind("\n\n", 0, end) + 1``."""
        i = bisect.bisect_right(self.breaks, end - 2) - 1
        return self.breaks[i] + 1 if i >= 0 else 0

    def paragraph_end(self, end: int, length: int) -> int:
        """``body.find("\n\n", end)``, or ``length`` when there is none."""
        i = bisect.bisect_left(self.breaks, end)
        return self.breaks[i] if i < len(self.breaks) else length

    def quotes_between(self, start: int, end: int) -> int:
        return bisect.bisect_left(self.quotes, end) - bisect.bisect_left(self.quotes, start)

    def markers_between(self, start: int, end: int) -> list[tuple[int, Marker]]:
        """Markers at positions ``start <= pos <= end``, in body order."""
        lo = bisect.bisect_left(self.marker_at, start)
        hi = bisect.bisect_right(self.marker_at, end)
        return self.markers[lo:hi]


def _sized_spans(
    text: str, count_tokens: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int, int]]:
    """Sentence spans with their token counts; over-long sentences cut into word windows."""
    sized: list[tuple[int, int, int]] = []
    for start, end in split_sentences(text):
        tokens = count_tokens(text[start:end])
        if tokens <= max_tokens:
            sized.append((start, end, tokens))
            continue
        words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
        piece_start = 0
        while piece_start < len(words):
            # A piece within budget holds at most max_tokens words (a word is a token or more,
            # but for the rare one the tokenizer drops), so the search never tokenizes more: a
            # 10 MB line without a full stop stays linear instead of quadratic.
            lo, hi = piece_start + 1, min(len(words), piece_start + max_tokens)
            # The longest run of words that fits: binary search keeps tokenizer calls few.
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if count_tokens(text[words[piece_start][0] : words[mid - 1][1]]) <= max_tokens:
                    lo = mid
                else:
                    hi = mid - 1
            a, b = words[piece_start][0], words[lo - 1][1]
            tokens = count_tokens(text[a:b])
            if tokens > max_tokens:  # one "word" over the budget: a rule of dashes, a code line
                sized.extend(_cut_word(text, a, b, count_tokens, max_tokens))
            else:
                sized.append((a, b, tokens))
            piece_start = lo
    return sized


def _cut_word(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int, int]]:
    """Cut ``text[start:end]``, one word, into the longest pieces that fit the budget."""
    pieces = []
    while start < end:
        lo, hi = start + 1, end
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count_tokens(text[start:mid]) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        pieces.append((start, lo, count_tokens(text[start:lo])))
        start = lo
    return pieces


def _make_chunk(
    doc: ParsedDocument, layout: _BodyLayout, ordinal: int, start: int, end: int
) -> Chunk:
    citations = [
        _citation(marker, layout.notes.get(id(marker)), pos - start)
        for pos, marker in layout.markers_between(start, end)
    ]
    closing = _closing_citation(doc, layout, start, end)
    if closing is not None:
        citations.append(closing)
    source_start = doc.offsets[start]
    source_end = doc.offsets[end - 1] + 1
    return Chunk(
        chunk_id=f"{doc.meta.doc_id}#{ordinal}",
        doc_id=doc.meta.doc_id,
        ordinal=ordinal,
        text=doc.body[start:end],
        citations=citations,
        page_start=doc.page_of(source_start),
        page_end=doc.page_of(source_end - 1),
        char_start=source_start,
        char_end=source_end,
    )


def citations_between(doc: ParsedDocument, start: int, end: int) -> list[Citation]:
    """The citations of the markers at body positions ``start..end`` (offsets relative to start)."""
    notes = _notes_by_marker(doc.footnotes)
    return [
        _citation(marker, notes.get(id(marker)), pos - start)
        for pos, marker in doc.marker_positions
        if start <= pos <= end
    ]


def _citation(marker: Marker, note: Footnote | None, offset: int) -> Citation:
    return Citation(
        n=marker.n,
        note=note.note if note else None,
        urls=list(note.urls) if note else [],
        offset=offset,
        label=note.label if note else "",
    )


_QUOTE_PATTERN = re.compile('["“”«»]')


def _closing_citation(
    doc: ParsedDocument, layout: _BodyLayout, start: int, end: int
) -> Citation | None:
    """The note of a quotation still open where the chunk ends, at the chunk's end.

    Reports cite a quoted passage once, after it closes; when a chunk boundary falls inside the
    quotation, the marker lies in the next chunk, and the quoted sentences of this one would be
    shown unsourced. Its citation is added with the offset ``end - start`` (just past the text).
    """
    # Quotes are counted from the paragraph's start (which may lie before the chunk) or from the
    # last marker before the end, whichever is later: a marker closes a quotation.
    paragraph_start = layout.paragraph_start(end)
    before = layout.markers_between(paragraph_start, end)
    region_start = max([paragraph_start] + [pos for pos, _ in before])
    if layout.quotes_between(region_start, end) % 2 == 0:
        return None
    paragraph_end = layout.paragraph_end(end, len(doc.body))
    following = layout.markers_between(end + 1, paragraph_end)
    if not following:
        return None
    marker = following[0][1]
    return _citation(marker, layout.notes.get(id(marker)), end - start)


def _notes_by_marker(footnotes: list[Footnote]) -> dict[int, Footnote]:
    return {id(marker): note for note in footnotes for marker in note.markers}


def markers_in(doc: ParsedDocument, start: int, end: int) -> list[Marker]:
    """The markers whose body position falls in ``start..end``."""
    return [marker for pos, marker in doc.marker_positions if start <= pos <= end]
