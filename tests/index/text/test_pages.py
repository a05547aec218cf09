"""Page splitting of the text reports (no form feeds there) and of PDFs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from index.ingest.readers import read_source
from index.records import Page
from index.text.pages import pdf_pages, split_text_pages

PROSPECTS = "belarus-asia-prospects-for-cooperation"
EXPORT = "belarus-new-export-markets"
SEPARATOR_LINE = re.compile(r"(?m)^[ \t]{20,}$")


def read(corpus_dir: Path, stem: str) -> str:
    return (corpus_dir / f"{stem}.txt").read_text(encoding="utf-8")


def page_at(pages: list[Page], offset: int) -> Page:
    return next(page for page in pages if page.start <= offset < page.end)


def offset_of(text: str, pattern: str) -> int:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, pattern
    return match.start()


@pytest.mark.parametrize("stem", [PROSPECTS, EXPORT])
def test_pages_tile_the_text_and_each_separator_opens_a_note_block(
    corpus_dir: Path, stem: str
) -> None:
    text = read(corpus_dir, stem)
    pages = split_text_pages(text)
    assert pages[0].start == 0 and pages[-1].end == len(text)
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    for page, following in zip(pages, pages[1:], strict=False):
        assert page.end == following.start
    assert all(p.start <= p.body_end <= p.end for p in pages)
    separators = [m.start() for m in SEPARATOR_LINE.finditer(text)]
    assert [p.body_end for p in pages if p.body_end < p.end] == separators
    assert len(separators) == {PROSPECTS: 37, EXPORT: 49}[stem]


def test_printed_page_numbers_agree_with_the_split(corpus_dir: Path) -> None:
    # The prospects chapter prints "18", "19" and "44" at the top of three pages; between 19 and
    # 44 lie pages whose notes were lost, which must still be told apart.
    text = read(corpus_dir, PROSPECTS)
    pages = split_text_pages(text)
    numbers = {}
    for printed in (18, 19, 44):
        at = offset_of(text, rf"^{printed} $")
        page = page_at(pages, at)
        assert text[page.start : at].strip() == ""  # the number opens its page
        numbers[printed] = page.number
    assert numbers[19] - numbers[18] == 1
    assert numbers[44] - numbers[18] == 26


def test_page_number_with_spaces_opens_a_page(corpus_dir: Path) -> None:
    text = read(corpus_dir, EXPORT)
    pages = split_text_pages(text)
    at = offset_of(text, r"^ 15 $")
    page = page_at(pages, at)
    assert text[page.start : at].strip() == ""
    assert text[at:].startswith(" 15 \n\nBelarus - Tatarstan:")


def test_a_link_tail_indented_inside_the_notes_stays_in_the_notes(corpus_dir: Path) -> None:
    # Note 66 ends "URL: " and its link tail comes indented, then note 67: all three lines are
    # notes, and the page after begins with the body line " and tourism sectors".
    text = read(corpus_dir, EXPORT)
    pages = split_text_pages(text)
    note_66 = offset_of(text, r"^66 A roadmap for cooperation development")
    tail = offset_of(text, r"^ mogilevskaja-oblast-i-kitajskaja-provintsija-444325-2021/")
    note_67 = offset_of(text, r"^67 Zalessky, B\. Real multi-vectorism")
    page = page_at(pages, note_66)
    assert page.body_end < note_66 < tail < note_67 < page.end
    assert text[page.end :].startswith(
        ' and tourism sectors, as well as in interregional exchange"68'
    )


def test_a_stray_note_fragment_does_not_open_a_page(corpus_dir: Path) -> None:
    # Page 24 of the prospects chapter lost notes 64-65 but for their last line, indented.
    text = read(corpus_dir, PROSPECTS)
    pages = split_text_pages(text)
    fragment = offset_of(text, r'^ 2021, 17 - 25 Septemvri 2021: Sofia\. "Byal GRAD-BG"')
    page = page_at(pages, fragment)
    assert page.body_end < fragment
    assert text[page.body_end :].lstrip().startswith("63 Belarus is interested")
    assert text[page.end :].startswith(" Growth points produce results")


def test_an_indented_note_stays_in_the_notes(corpus_dir: Path) -> None:
    text = read(corpus_dir, EXPORT)
    pages = split_text_pages(text)
    indented = offset_of(text, r"^ 102 Egypt is interested in industrial cooperation")
    page = page_at(pages, indented)
    assert page.body_end < indented
    assert text[page.end :].startswith(" tourism. Belarusian partners could help")


@pytest.mark.parametrize(
    "stem",
    [
        "belarus-asia-africa-latin-america-2021",
        "pakistan-belarus-foreign-ministers-meeting",
        "pakistan-belarus-relations-akram-2021",
    ],
)
def test_articles_without_page_breaks_are_one_page_without_notes(
    corpus_dir: Path, stem: str
) -> None:
    text = read(corpus_dir, stem)
    assert split_text_pages(text) == [Page(1, 0, len(text), len(text))]


def test_form_feeds_always_split_pages() -> None:
    text = "First page of the report.\fSecond page.\f\fFourth page after an empty one."
    pages = split_text_pages(text)
    assert [(p.number, text[p.start : p.end]) for p in pages] == [
        (1, "First page of the report."),
        (2, "Second page."),
        (3, ""),  # an empty page still counts, so later numbers stay right
        (4, "Fourth page after an empty one."),
    ]


def test_pdf_pages_follow_the_extracted_spans(shared_pdf: Callable[[str], Path]) -> None:
    source = read_source(shared_pdf("mdwtools-footnote.pdf"))
    assert source.page_spans is not None
    pages = pdf_pages(source.page_spans)
    assert [p.number for p in pages] == list(range(1, 17))
    assert [(p.start, p.end) for p in pages] == source.page_spans
    assert all(p.body_end == p.end for p in pages)  # note blocks are found by the parser
