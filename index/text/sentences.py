"""Sentence boundaries in clean text.

A small rule-based splitter rather than a library: NLTK's punkt needs its model downloaded at run
time (impossible offline), and spaCy's models are large; report prose needs few rules: abbreviations,
initials (``B. Zalessky``), decimals, elisions (``<...>``) and closing quotes.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "no",
        "nos",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "inc",
        "ltd",
        "co",
        "corp",
        "jsc",
        "llc",
        "ojsc",
        "cjsc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gen",
        "col",
        "lt",
        "sr",
        "jr",
        "approx",
        "fig",
        "vol",
        "pp",
        "p",
        "ed",
        "eds",
        "al",
        "mln",
        "bln",
    ]
)
# An end mark, then closing quotes or brackets, then space, then something that opens a sentence.
# A run of end marks is matched whole from its first mark (look-behind, possessive ``++``): a
# shorter run can never be followed by space, so this finds the same boundaries, but a long run
# with no sentence after it ("....." x 20,000) costs linear time instead of quadratic.
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[\"”»’')\]]*(?=\s+[\"“«(\[]?[A-ZА-ЯЁ0-9])")
_PARAGRAPH = re.compile(r"\n\s*\n")
# One letter, or letters each followed by a full stop: "b", "u.s", "u.k".
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``; paragraphs always end a sentence."""
    spans: list[tuple[int, int]] = []
    para_start = 0
    for match in list(_PARAGRAPH.finditer(text)) + [None]:
        para_end = match.start() if match else len(text)
        spans.extend(_split_paragraph(text, para_start, para_end))
        para_start = match.end() if match else len(text)
    return spans


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    sentence_start = _skip_space(text, start, end)
    for match in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, match.start()):
            continue
        stop = match.end()
        if stop > sentence_start:
            spans.append((sentence_start, stop))
        sentence_start = _skip_space(text, stop, end)
    rest = text[sentence_start:end]
    if rest.strip():
        # Measured on the paragraph's rest, not on text[:end]: copying the text up to every
        # paragraph made a file of many short paragraphs quadratic.
        spans.append((sentence_start, sentence_start + len(rest.rstrip())))
    return spans


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    if text[max(0, dot - 4) : dot + 1].endswith("<..."[: dot + 1]) or text[dot - 1 : dot] == "<":
        return True
    word = re.search(r"([^\W\d_][\w.]*)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS:
        return True
    # An initial ("B. Zalessky") or a dotted acronym ("U.S. Senate": its token is "u.s").
    return _INITIALS.fullmatch(token) is not None and text[dot - 1].isupper()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a passage (the whole passage when it has no boundary)."""
    return split_sentences(text) or ([(0, len(text))] if text.strip() else [])
