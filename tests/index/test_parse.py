"""From a file to a ParsedDocument: metadata, hash, warnings, and PDFs through the same path."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from index.ingest.metadata import load_manifest
from index.ingest.readers import read_source
from index.parse import LoadError, parse_file, parse_text
from index.records import DocumentMeta, ParsedDocument

Parsed = Callable[[str], ParsedDocument]


def test_manifest_metadata_is_kept(corpus_dir: Path) -> None:
    metas = load_manifest(corpus_dir)
    path = corpus_dir / "pakistan-belarus-relations-akram-2021.txt"
    doc = parse_file(path, metas[path.stem])
    assert doc.meta.title.startswith("Reinvigorating Pakistan-Belarus Relations")
    assert doc.meta.authors == ["Khalid Taimur Akram"]
    assert doc.meta.path == str(path)
    assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.source_text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("belarus-asia-prospects-for-cooperation", "Prospects for effective cooperation"),
        (
            "pakistan-belarus-foreign-ministers-meeting",
            "Pakistan, Belarus Foreign Ministers pledge to strengthen bilateral ties and promote "
            "trade cooperation",
        ),
        ("R-intro.pdf", "An Introduction to R"),
    ],
)
def test_without_a_manifest_the_title_is_the_first_heading(
    parsed_doc: Parsed, name: str, title: str
) -> None:
    doc = parsed_doc(name)
    assert doc.meta.title == title
    assert doc.meta.doc_id == Path(name).stem


def test_markdown_file_goes_through_the_pipeline(corpus_dir: Path, tmp_path: Path) -> None:
    article = (corpus_dir / "pakistan-belarus-foreign-ministers-meeting.txt").read_text("utf-8")
    path = tmp_path / "ministers-meeting.md"
    path.write_text("# Ministers meet in Islamabad\n\n" + article, encoding="utf-8")
    doc = parse_file(path)
    assert doc.meta.doc_id == "ministers-meeting"
    assert doc.meta.title == "Ministers meet in Islamabad"
    assert "Read More:" not in doc.body and "Maxim Ryzhenkov" in doc.body
    assert doc.footnotes == [] and doc.warnings == []


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("belarus-asia-prospects-for-cooperation", "47 footnote(s) cited without their note"),
        ("belarus-new-export-markets", "22 footnote(s) cited without their note"),
        ("belarus-asia-africa-latin-america-2021", "12 footnote(s) cited without their note"),
    ],
)
def test_lost_notes_are_reported(parsed_doc: Parsed, name: str, warning: str) -> None:
    assert [w for w in parsed_doc(name).warnings if warning in w]


def test_a_file_that_cannot_be_read_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    with pytest.raises(LoadError, match="not a readable PDF"):
        parse_file(path)


def test_parse_text_of_a_pdf_equals_parse_file(
    parsed_doc: Parsed, shared_pdf: Callable[[str], Path]
) -> None:
    path = shared_pdf("mdwtools-footnote.pdf")
    source = read_source(path)
    doc = parse_text(
        source.text,
        DocumentMeta("mdwtools-footnote", ""),
        "h",
        page_spans=source.page_spans,
        notes=source.notes,  # the notes the PDF's layout shows (index/ingest/pdf_layout.py)
        note_markers=source.markers,
    )
    from_file = parsed_doc("mdwtools-footnote.pdf")
    assert len(doc.pages) == len(from_file.pages) == 16
    assert [(f.n, f.note) for f in doc.footnotes] == [(f.n, f.note) for f in from_file.footnotes]
    # Without the lexicon only line-end hyphens may be judged differently ("Pro-gram").
    assert doc.body.replace("-", "") == from_file.body.replace("-", "")


def test_page_of_maps_source_offsets_to_pages(parsed_doc: Parsed) -> None:
    doc = parsed_doc("R-intro.pdf")
    assert len(doc.pages) == 113
    page_11 = doc.pages[10]
    assert doc.page_of(page_11.start) == 11
    assert doc.page_of(page_11.end - 1) == 11
    assert doc.page_of(page_11.end) == 12  # the form feed belongs to the next page
    assert doc.page_of(len(doc.source_text) + 10) == 113


def test_a_pdf_keeps_the_markup_it_prints(tmp_path: Path) -> None:
    """A PDF's text holds no markup: a manual that prints HTML tags shows them as text."""
    from tests.index.ingest.pdf_pages import pdf_file, pdf_string

    lines = [
        "Write <b>bold</b> words with the b element of HTML,",
        "and start each paragraph with <p> as the old pages do.",
    ]
    content = b"".join(
        b"BT /F1 11 Tf 1 0 0 1 72 %d Tm " % (700 - 14 * i) + pdf_string(line) + b" Tj ET\n"
        for i, line in enumerate(lines)
    )
    doc = parse_file(pdf_file(tmp_path / "manual.pdf", [content]))
    body = " ".join(doc.body.split())
    assert "Write <b>bold</b> words" in body
    assert "start each paragraph with <p> as the old pages do." in body
