"""From a file to a ParsedDocument: load, split pages, parse footnotes, clean the body."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from index.clean import clean_body
from index.footnotes import parse_footnotes
from index.lexicon import load_lexicon
from index.load import SUPPORTED_SUFFIXES, LoadError, read_source
from index.manifest import title_from_text
from index.pages import pdf_pages, split_text_pages
from index.records import DocumentMeta, ParsedDocument

__all__ = ["PIPELINE_VERSION", "SUPPORTED_SUFFIXES", "LoadError", "parse_file", "parse_text"]

# Bump when parsing, cleaning or chunking changes what a file yields: the builder folds it into each
# file's hash, so every file is parsed again (vectors of unchanged chunk texts are still reused).
PIPELINE_VERSION = "2026-12-02.2"  # PDF pages carry their printed labels


def parse_file(
    path: Path,
    meta: DocumentMeta | None = None,
    is_word: Callable[[str], bool] | None = None,
) -> ParsedDocument:
    """Read and parse one file; raises LoadError with a reason when it cannot be read.

    ``meta`` comes from the collection's manifest; without it the title is the document's first
    heading line and the id its file stem.
    """
    source = read_source(path)
    content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    meta = meta or DocumentMeta(doc_id=path.stem, title="", path=str(path))
    meta.path = meta.path or str(path)
    doc = parse_text(
        source.text,
        meta,
        content_hash,
        page_spans=source.page_spans,
        is_word=is_word if is_word is not None else load_lexicon(),
        page_labels=source.page_labels,
        ocr_pages=source.ocr_pages,
    )
    doc.warnings[:0] = source.warnings
    return doc


def parse_text(
    text: str,
    meta: DocumentMeta,
    content_hash: str,
    page_spans: list[tuple[int, int]] | None = None,
    is_word: Callable[[str], bool] | None = None,
    page_labels: list[str] | None = None,
    ocr_pages: Sequence[int] = (),
) -> ParsedDocument:
    """Parse source text (with PDF page spans and labels, if it came from a PDF) into a
    ParsedDocument."""
    is_pdf = page_spans is not None
    pages = (
        pdf_pages(page_spans, page_labels, frozenset(ocr_pages))
        if page_spans is not None
        else split_text_pages(text)
    )
    footnotes, markers = parse_footnotes(text, pages, is_pdf)
    clean = clean_body(text, pages, markers, is_word=is_word, remove_headers=is_pdf)
    if not meta.title:
        meta.title = title_from_text(clean.text, meta.doc_id)
    warnings = []
    if not clean.text.strip():
        warnings.append("no body text found")
    lost = sorted({f.n for f in footnotes if f.note is None})
    if lost:
        warnings.append(f"{len(lost)} footnote(s) cited without their note in the source")
    return ParsedDocument(
        meta=meta,
        source_text=text,
        content_hash=content_hash,
        pages=pages,
        body=clean.text,
        offsets=clean.offsets,
        footnotes=footnotes,
        marker_positions=clean.marker_positions,
        warnings=warnings,
    )
