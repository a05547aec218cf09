"""Does a passage cite the footnotes that source a question's answer, with their notes?

The question set lists, for each key, the footnote numbers that source the key's sentence. They
are found as everywhere else a sentence is quoted (``retrieval.sentence_citations``): the
markers in or right after the key's sentences; else the marker closing the quotation they are
part of (``... is promising..."[53]``); else the note that closes their paragraph.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from eval.qa import QAItem, key_spans
from index.records import Citation
from index.text.sentences import split_sentences
from retrieval.sentence_citations import cite_sentence


def key_citations(text: str, citations: Sequence[Citation], key: str) -> list[Citation] | None:
    """The citations of a passage that source the sentences holding ``key``; None without the key.

    ``citations`` carry marker offsets into ``text`` (as ``Chunk.citations`` do); the ones
    returned are relative to the first of those sentences.

    >>> text = 'Intro. Said "one thing. And another." More.'
    >>> cites = [Citation(1, "A", [], 6), Citation(2, "B", [], 37)]
    >>> [c.n for c in key_citations(text, cites, "one thing")]
    [2]
    """
    spans = key_spans(key, text)
    if not spans:
        return None
    key_start, key_end = spans[0]
    sentences = split_sentences(text) or [(0, len(text))]
    # A marker removed right after a full stop sits at the sentence's end offset: ends inclusive.
    first = next((s for s, e in sentences if key_start <= e), key_start)
    last = next((e for s, e in sentences if key_end <= e), len(text))
    return cite_sentence(text, citations, first, last).citations


def cites_correctly(
    item: QAItem,
    text: str,
    citations: Sequence[Citation],
    stored_notes: Mapping[int, Collection[str | None]],
    *,
    require_note_text: bool = False,
) -> bool:
    """True when the key's citations are exactly ``item.footnotes``, each with the right note.

    ``stored_notes`` maps a footnote number to the notes the index holds for it in the passage's
    document (numbers can repeat when a report restarts them per chapter). A citation's note is
    right when it is one of those; with ``require_note_text`` it must also be non-empty, which
    fails where the note's text was lost in extraction or is absent from the source.
    """
    found = key_citations(text, citations, item.key)
    if found is None or sorted({c.n for c in found}) != sorted(set(item.footnotes)):
        return False
    for citation in found:
        if citation.note not in stored_notes.get(citation.n, ()):
            return False
        if require_note_text and not (citation.note or "").strip():
            return False
    return True
