"""Furniture a reader names inside the text (a PDF's margin notes) leaves the body, and every
body character still points at its source character (``clean_body``'s ``furniture``)."""

from __future__ import annotations

from index.records import Page
from index.text.clean import clean_body

TEXT = (
    "For all captions you can give either an extra margin or a fixed width, so\n"
    "the margin is used for both, the left andNew feature\n"
    "v3.1 right margin, e.g. margin=10pt is the same as margin={10pt,10pt}.\n"
    "It is quite another matter when a list entry alone is wanted, with the command\\captionlistentry\n"
    "New feature\n"
    "v3.1\n"
    "its own, which makes a list entry without a caption being typeset at all.\n"
)


def _spans(*words: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for word in words:
        start = TEXT.index(word, start)
        spans.append((start, start + len(word)))
        start += len(word)
    return spans


def _clean(furniture: list[tuple[int, int]]) -> str:
    clean = clean_body(TEXT, [Page(1, 0, len(TEXT), len(TEXT))], [], furniture=furniture)
    for i, ch in enumerate(clean.text):
        assert ch.isspace() or TEXT[clean.offsets[i]] == ch
    return clean.text


def test_margin_notes_inside_lines_leave_the_body() -> None:
    body = _clean(_spans("New feature", "v3.1", "\\captionlistentry", "New feature", "v3.1"))
    assert "the left and right margin, e.g." in body
    assert "wanted, with the command its own, which makes" in body
    assert "New feature" not in body and "v3.1" not in body


def test_lines_of_margin_notes_alone_do_not_break_the_paragraph() -> None:
    """A line left empty by its furniture is no blank line between paragraphs."""
    body = _clean(_spans("\\captionlistentry", "New feature", "v3.1"))
    assert "\n" not in body.split("It is quite another matter")[1]


def test_without_furniture_the_text_is_cleaned_as_before() -> None:
    body = _clean([])
    assert "the left andNew feature v3.1 right margin" in body
