"""Printed page labels of a PDF: its /PageLabels, else the number printed on the pages.

A reporter cites the page number printed on the paper ("p. 30"), not the PDF's page index ("the
36th page"). The PDF's own /PageLabels say it exactly (roman front matter included); without them,
the number printed in a page's first or last lines is trusted when most numbered pages agree on one
offset from their index (a stray "2022" in a heading then changes nothing).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

# A line that is only a page number: "12", "- 12 -", "Page 12", "12 | Report title" is not.
_PRINTED_NUMBER = re.compile(r"\s*(?:page\s+|p\.\s*)?[-–—]?\s*(\d{1,4})\s*[-–—]?\s*", re.IGNORECASE)
_EDGE_LINES = 2


def pdf_page_labels(reader: Any, page_texts: Sequence[str]) -> list[str]:
    """One label per page: pypdf's ``page_labels`` when the PDF has /PageLabels, else
    :func:`printed_page_numbers`, else the page index (1-based)."""
    count = len(page_texts)
    try:
        if "/PageLabels" in reader.trailer["/Root"]:
            labels = [str(label) for label in reader.page_labels]
            if len(labels) == count and all(labels):
                return labels
    except Exception:  # a damaged label tree: fall back to the printed numbers
        pass
    return printed_page_numbers(page_texts) or [str(i + 1) for i in range(count)]


def _printed_candidates(text: str) -> set[int]:
    lines = [line for line in text.splitlines() if line.strip()]
    found = set()
    for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]:
        match = _PRINTED_NUMBER.fullmatch(line)
        if match:
            found.add(int(match.group(1)))
    return found


def printed_page_numbers(page_texts: Sequence[str], min_share: float = 0.5) -> list[str] | None:
    """Labels from the numbers printed alone on a page's first or last lines, or None.

    The offset (printed number - index) shared by most pages that show a number wins when at
    least ``min_share`` of the pages with text (and at least two) show it; every page then gets
    index + offset, and pages before the numbering starts their index in brackets (the
    bibliographers' mark of an unnumbered page).

    >>> printed_page_numbers(["Cover", "Intro\\n1", "More\\n2", "End\\n3"])
    ['[1]', '1', '2', '3']
    """
    offsets: Counter[int] = Counter()
    with_text = 0
    for index, text in enumerate(page_texts, start=1):
        if text.strip():
            with_text += 1
        for number in _printed_candidates(text):
            offsets[number - index] += 1
    if not offsets:
        return None
    offset, votes = offsets.most_common(1)[0]
    if offset == 0 or votes < 2 or votes < min_share * with_text:
        return None
    return [str(i + offset) if i + offset >= 1 else f"[{i}]" for i in range(1, len(page_texts) + 1)]
