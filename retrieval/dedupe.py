"""Near-duplicate passages: the same text in two documents is shown once, with every source."""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[^\W_]+")


def shingles(text: str, size: int = 4) -> frozenset[tuple[str, ...]]:
    """The set of ``size``-word shingles of a text (lower-cased words)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def near_duplicate_of(texts: Sequence[str], threshold: float = 0.6) -> list[int | None]:
    """For each text, the index of an earlier text it nearly repeats, or None.

    Two passages are near-duplicates when the shingles they share make up at least
    ``threshold`` of the smaller one (containment, Broder 1997): a passage cut at a different
    place, or carrying other footnote numbers, still counts.
    """
    sets = [shingles(text) for text in texts]
    duplicate_of: list[int | None] = []
    for i, current in enumerate(sets):
        found = None
        if current:
            for j in range(i):
                if duplicate_of[j] is not None or not sets[j]:
                    continue
                shared = len(current & sets[j])
                if shared and shared / min(len(current), len(sets[j])) >= threshold:
                    found = j
                    break
        duplicate_of.append(found)
    return duplicate_of
