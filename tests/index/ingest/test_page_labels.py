"""Printed page labels: a PDF's /PageLabels, else the numbers printed on its pages."""

from __future__ import annotations

from collections.abc import Callable

from index.ingest.page_labels import printed_page_numbers
from index.records import ParsedDocument
from index.text.pages import pdf_pages


def test_r_intro_pages_are_cited_by_their_printed_labels(
    parsed_doc: Callable[[str], ParsedDocument],
) -> None:
    pages = parsed_doc("R-intro.pdf").pages
    assert [p.printed for p in pages[:8]] == ["T-1", "T-2", "i", "ii", "iii", "iv", "1", "2"]
    assert pages[35].number == 36 and pages[35].printed == "30"  # the "p. 36" is p. 30


def test_printed_numbers_when_the_pdf_has_no_page_labels() -> None:
    texts = [
        "Annual report 2022\nCover",
        "Contents\nIntroduction 1",
        "Introduction\nThe forest census counted 77 lynx.\n1",
        "- 2 -\nMethods\nCamera traps.",
        "Findings in 2022\nMore text\nPage 3",
        "",  # a blank page keeps its place in the numbering
        "Notes\n5",
    ]
    assert printed_page_numbers(texts) == ["[1]", "[2]", "1", "2", "3", "4", "5"]


def test_without_printed_numbers_the_index_is_the_label() -> None:
    texts = ["Report 2021\nText", "More text about 2021\nand 12 lynx", "The end"]
    assert printed_page_numbers(texts) is None
    pages = pdf_pages([(0, 5), (6, 9)], None)
    assert [p.printed for p in pages] == ["1", "2"] and pages[0].label == ""
