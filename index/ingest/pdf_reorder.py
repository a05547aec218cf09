"""Notes moved to the end of their page's text, where the parser expects them.

pypdf extracts a page in the order it is drawn. In two columns, LaTeX draws the left column's
footnotes before the right column's text, so the body would go on after a note; the parser ends
a page's body where its first note begins. Such a page's text is rearranged: each run of note
lines is cut out and put at the page's end, in order. Nothing is added or lost and the page keeps
its length, so the pages' spans stay as they are; the offsets on the page move, and
:func:`move_blocks` says where each one goes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def move_blocks(text: str, blocks: Sequence[tuple[int, int]]) -> tuple[str, Callable[[int], int]]:
    """``text`` with each block ``(start, end)`` (whole lines, in order, not overlapping) moved
    to its end, and the map from an old offset to its new one. A block's line break goes with
    the text after it: the length never changes."""
    maps: list[Callable[[int], int]] = []
    moved = text
    for start, end in blocks:
        start, end = maps_apply(maps, start), maps_apply(maps, end - 1) + 1
        moved, step = _move(moved, start, end)
        maps.append(step)
    return moved, lambda offset: maps_apply(maps, offset)


def maps_apply(maps: Sequence[Callable[[int], int]], offset: int) -> int:
    for step in maps:
        offset = step(offset)
    return offset


def _move(text: str, start: int, end: int) -> tuple[str, Callable[[int], int]]:
    """Move ``text[start:end]`` (followed by a line break, unless at the end) to the end."""
    length = len(text)
    if end >= length or text[end] != "\n":
        return text, lambda offset: offset
    size = end - start
    moved = text[:start] + text[end + 1 :] + "\n" + text[start:end]

    def where(offset: int) -> int:
        if offset < start or offset >= length:
            return offset
        if offset < end:
            return length - size + (offset - start)
        if offset == end:
            return length - size - 1
        return offset - size - 1

    return moved, where
