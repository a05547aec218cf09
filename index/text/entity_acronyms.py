"""What an acronym defined in the text stands for: a list of places, or a term (pure; no model).

A report that writes "Asia, Africa, and Latin America (AALA)" or "the Middle East and North
Africa (MENA)" then uses the acronym as a place ("trade with the AALA"); one that writes
"Information and Communication Technologies (ICT)" or "the China-Pakistan Economic Corridor
(CPEC)" uses it as a term; a tagger reads any string of capitals as an organisation. An acronym
defined in parentheses right after places joined as a list, whose letters are the initials of
those places' words, is a place wherever the document writes it; one defined after words whose
initials it takes and none of which an organisation is built on ("Bank", "Foundation", a legal
form) is no organisation, and neither are those words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.records import Chunk
from index.text.entity_names import canonical
from index.text.entity_spans import COMPANY
from index.text.entity_words import ORG_WORD

_DEFINED = re.compile(r"\s*\((?P<short>[A-Z]{2,8})\)")
_LIST_GAP = re.compile(r"\s*(?:,|,?\s+and|,?\s+or|,?\s+and\s+the)\s+")


def _initials(names: Sequence[str]) -> str:
    return "".join(w[0] for name in names for w in re.findall(r"[A-Z][\w'-]*", name))


def place_acronyms(chunks: Sequence[Chunk]) -> None:
    """Make each acronym defined right after a list of places with their initials ("Asia,
    Africa, and Latin America (AALA)") a place, there and wherever else the document writes
    it alone."""
    defined: dict[str, tuple[str, str]] = {}
    for chunk in chunks:
        places = [m for m in chunk.entities if m.kind == "place"]
        for i, m in enumerate(places):
            hit = _DEFINED.match(chunk.text, m.end)
            if hit is None:
                continue
            run = [m]
            for before in reversed(places[:i]):
                if not _LIST_GAP.fullmatch(chunk.text, before.end, run[0].start):
                    break
                run.insert(0, before)
            keyed = canonical("place", hit.group("short"))
            if len(run) >= 2 and _initials([p.text for p in run]) == hit.group("short") and keyed:
                defined[hit.group("short")] = keyed
    if not defined:
        return
    for chunk in chunks:
        for m in chunk.entities:
            if m.text.removeprefix("the ") in defined and m.kind in ("org", "place", "person"):
                m.kind, (m.key, m.name) = "place", defined[m.text.removeprefix("the ")]


_ACRONYM = re.compile(r"\((?P<short>[A-Z]{2,8})\)")
_SMALL = frozenset(["of", "and", "for", "the", "on", "in", "&"])
_PHRASE_WORD = re.compile(r"[^\W\d_]+|&")


def _expansion(text: str, at: int, short: str) -> int | None:
    """Where the words right before ``at`` whose initials spell ``short`` start ("Information
    and Communication Technologies" before "(ICT)"; a small word may give its initial or not,
    each part of a hyphened word gives its own), or None when no such words are there."""
    words = list(_PHRASE_WORD.finditer(text, max(0, at - 160), at))
    if not words or text[words[-1].end() : at].strip():
        return None

    def spell(i: int, left: str) -> int | None:
        """Where the words up to the i-th spell ``left`` start."""
        if not left:
            return words[i + 1].start()
        if i < 0 or (i + 1 < len(words) and not _joined(text, words[i], words[i + 1])):
            return None
        word = words[i].group()
        small = word.lower() in _SMALL
        if word[0].upper() == left[-1]:
            found = spell(i - 1, left[:-1])
            if found is not None:
                return found
        return spell(i - 1, left) if small else None

    return spell(len(words) - 1, short)


def _joined(text: str, a: re.Match[str], b: re.Match[str]) -> bool:
    """Whether two words are one phrase's: a space or a hyphen between them."""
    return text[a.end() : b.start()] in (" ", "-")


def term_acronyms(chunks: Sequence[Chunk]) -> None:
    """Drop the organisations that an acronym defined as a term names: the acronym wherever
    the document writes it, and the words it stands for where it is defined."""
    terms: set[str] = set()
    for chunk in chunks:
        for hit in _ACRONYM.finditer(chunk.text):
            short = hit.group("short")
            start = _expansion(chunk.text, hit.start(), short)
            if start is None:
                continue
            phrase = chunk.text[start : hit.start()].strip()
            if ORG_WORD.search(phrase) or COMPANY.search(phrase):
                continue
            terms.add(short)
            chunk.entities = [
                m
                for m in chunk.entities
                if not (m.kind == "org" and start <= m.start and m.end <= hit.start())
            ]
    for chunk in chunks if terms else ():
        chunk.entities = [m for m in chunk.entities if not (m.kind == "org" and m.text in terms)]
