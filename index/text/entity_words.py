"""Capitalised common words a tagger takes for organisations (pure; no model).

A small tagger reads capitals as names: a heading's words ("Economics of the Academic
Libraries", "Supply Chain Best Practices") and a capitalised adjective or noun ("For Federal tax
purposes", "Licensing metadata should be recorded") come out as organisations. Two forms say
they are words: a phrase of English words only, in a heading line, with no word an organisation
is built on ("Council", "Foundation"); and one word the same document also writes in
small letters, not named with "the" ("the Council") and not made a company by the document's own
words ("Travelers" of "The Travelers Indemnity Company").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.records import Chunk
from index.text.entity_spans import ORG_HEAD
from index.text.lexicon import english_words

Found = tuple[str, int, int, str]  # (kind, start, end, label), as index.text.entities has it

# The words an organisation's name is built on, in any case.
ORG_WORD = re.compile(
    rf"\b(?:{ORG_HEAD}|Foundation|Team|Group|Project|Initiative|Movement|Union|Society|"
    r"Program(?:me)?|Board|Company|Corporation|Party|Service|Office|Network|Alliance|Consortium|"
    r"Trust|Club|Army|Navy|Police|Parliament|Government|Assembly|Zone)s?\b",
    re.IGNORECASE,
)
_SMALL_WORDS = frozenset(["of", "for", "and", "the", "in", "on", "to", "a", "an", "&", "-", "–"])
_THE_BEFORE = re.compile(r"(?:^|\W)(?:the|The|THE)\s+$")
# A word of running text: not part of an address, a path or a file name ("google.com").
_PLAIN_WORD = re.compile(r"(?<![\w./@-])[^\W\d_]+(?![\w/@-]|\.\w)")
_POSSESSIVE = re.compile(r"['’]s$")


def in_a_heading(text: str, at: int) -> bool:
    """Whether ``at`` is in a short line whose words are all capitalised (a title, where a
    capital says nothing of a name: "Belarus Unique Economic Model: An Overview")."""
    line = text[text.rfind("\n", 0, at) + 1 :].split("\n", 1)[0]
    words = re.findall(r"[^\W\d_]{4,}", line)
    return len(line) <= 120 and len(words) >= 2 and all(w[0].isupper() for w in words)


def _english_phrase(surface: str) -> bool:
    """Whether every word of a phrase of two words or more is an English word."""
    words = [_POSSESSIVE.sub("", w) for w in surface.split()]
    known = english_words()
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    return len(words) >= 2 and all(w.lower() in known for w in content)


def without_heading_phrases(text: str, spans: Sequence[Found]) -> list[Found]:
    """``spans`` without the organisations that are a heading's words: in a heading line,
    English words only, none an organisation's head word ("Library Practice" of "Library
    Practice in Hospitals"; "Rust Foundation" stays), not in capitals."""
    return [
        s
        for s in spans
        if not (
            s[0] == "org"
            and not text[s[1] : s[2]].isupper()  # a caption's party, in capitals
            and in_a_heading(text, s[1])
            and _english_phrase(text[s[1] : s[2]])
            and not ORG_WORD.search(text[s[1] : s[2]])
        )
    ]


def without_common_words(chunks: Sequence[Chunk], companies: set[str]) -> None:
    """Drop from each chunk's entities the one-word organisations that are common words: a
    word written capitalised (no acronym) that the document also writes in small letters in
    its running text (an address or a path aside), without "the" right before it, and not a
    company the document names (``companies``, lower case: "Travelers")."""
    lower = {w for c in chunks for w in _PLAIN_WORD.findall(c.text) if w.islower()}
    for chunk in chunks:
        kept = []
        for m in chunk.entities:
            word = _POSSESSIVE.sub("", m.text)
            common = (
                m.kind == "org"
                and word.istitle()
                and word.isalpha()
                and word.lower() in lower
                and word.lower() not in companies
                and not _THE_BEFORE.search(chunk.text, max(0, m.start - 5), m.start)
            )
            if not common:
                kept.append(m)
        chunk.entities = kept
