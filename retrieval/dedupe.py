"""Near-duplicate passages: the same text in two documents is shown once, with every source."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[^\W_]+")

Shingles = np.ndarray
"""A passage's distinct word shingles, each hashed to an int64, in a numpy array."""


def shingles(text: str, size: int = 4) -> Shingles:
    """The distinct ``size``-word shingles of a text (lower-cased words), hashed.

    Hashes are Python's own: stable within a process, which is as long as any array is kept.
    Two distinct shingles colliding in 64 bits is too rare to change a containment ratio.
    """
    words = _WORD.findall(text.lower())
    if len(words) < size:
        hashed = {hash(tuple(words))} if words else set()
    else:
        hashed = {hash(tuple(words[i : i + size])) for i in range(len(words) - size + 1)}
    return np.fromiter(hashed, dtype=np.int64, count=len(hashed))


def shared_counts(sets: Sequence[Shingles]) -> np.ndarray:
    """An n x n matrix: how many shingles passages i and j share (i != j).

    All shingles are sorted together; equal hashes d places apart in that order are shared by
    their two owners. Only hashes that occur more than once are kept for that (a third of a
    search's), and looping over d stops at the largest run of one shingle, so the work is a few
    vectorized passes over them rather than n^2 set intersections; the pairs are counted with
    one ``bincount``.
    """
    n = len(sets)
    shared = np.zeros((n, n), dtype=np.int32)
    lengths = np.array([len(s) for s in sets], dtype=np.int64)
    if n < 2 or lengths.sum() == 0:
        return shared
    hashes = np.concatenate([np.asarray(s, dtype=np.int64) for s in sets])
    owners = np.repeat(np.arange(n), lengths)
    # Any order of equal hashes will do: each pair of positions within a run is d apart once.
    order = np.argsort(hashes)
    hashes, owners = hashes[order], owners[order]
    repeated = hashes[1:] == hashes[:-1]
    kept = np.zeros(len(hashes), dtype=bool)
    kept[1:] |= repeated
    kept[:-1] |= repeated
    hashes, owners = hashes[kept], owners[kept]
    pairs = []
    for d in range(1, len(hashes)):
        same = np.flatnonzero(hashes[:-d] == hashes[d:])
        if same.size == 0:
            break
        a, b = owners[same], owners[same + d]
        pairs += [a * n + b, b * n + a]
    if pairs:
        shared += np.bincount(np.concatenate(pairs), minlength=n * n).reshape(n, n).astype(np.int32)
    return shared


# 0.6 of passages of 200 word pieces; e5's passages of 300 hold the same copied block in a
# larger whole, cut at other places in each report (the Mazandaran passage the two chapters share
# overlaps its copy by 0.43 and 0.51), so the share is scaled with them. Unrelated passages of the
# corpus share under 0.15.
COPY_SHARE = 0.4


def duplicates_among(sets: Sequence[Shingles], threshold: float = COPY_SHARE) -> list[int | None]:
    """For each shingle set, the index of an earlier original it nearly repeats, or None.

    Two passages are near-duplicates when the shingles they share make up at least
    ``threshold`` of the smaller one (containment, Broder 1997): a passage cut at a different
    place, or carrying other footnote numbers, still counts. A passage is compared only with
    earlier originals (not with their copies), and the first that qualifies wins.
    """
    lengths = np.array([len(s) for s in sets], dtype=np.int64)
    shared = shared_counts(sets)
    smaller = np.maximum(np.minimum.outer(lengths, lengths), 1)
    # Only pairs with an earlier passage count; a passage with none is an original (if not empty).
    qualifies = np.tril((shared > 0) & (shared / smaller >= threshold), -1)
    original = lengths > 0
    duplicate_of: list[int | None] = [None] * len(sets)
    for i in np.flatnonzero(qualifies.any(axis=1)):
        candidates = np.flatnonzero(qualifies[i, :i] & original[:i])
        if candidates.size:
            duplicate_of[i] = int(candidates[0])
            original[i] = False
    return duplicate_of
