"""From a file to a ParsedDocument: load, split pages, parse footnotes, clean the body."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from index.ingest.doc_ids import safe_stem
from index.ingest.mail import MAIL_SUFFIXES, read_message
from index.ingest.metadata import title_from_text
from index.ingest.readers import SUPPORTED_SUFFIXES, read_source
from index.ingest.source import LoadError
from index.records import DocumentMeta, ParsedDocument, ParsedFile
from index.text.clean import clean_body
from index.text.footnotes import parse_footnotes
from index.text.lexicon import load_lexicon
from index.text.pages import pdf_pages, split_text_pages

__all__ = [
    "PIPELINE_VERSION",
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "parse_documents",
    "parse_file",
    "parse_text",
]

# Bump when parsing, cleaning or chunking changes what a file yields: the builder folds it into each
# file's hash, so every file is parsed again (vectors of unchanged chunk texts are still reused).
PIPELINE_VERSION = "2026-12-03.1"  # a dotted acronym ("U.S. Senate") no longer ends a sentence


def parse_file(
    path: Path,
    meta: DocumentMeta | None = None,
    is_word: Callable[[str], bool] | None = None,
) -> ParsedDocument:
    """Read and parse one file; raises LoadError with a reason when it cannot be read.

    ``meta`` comes from the collection's manifest; without it the title is the document's first
    heading line and the id its file stem. An e-mail gives its message's document (its
    attachments come with ``parse_documents``).
    """
    if path.suffix.lower() in MAIL_SUFFIXES:
        return parse_documents(path, meta, is_word).documents[0]
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


def parse_documents(
    path: Path,
    meta: DocumentMeta | None = None,
    is_word: Callable[[str], bool] | None = None,
) -> ParsedFile:
    """Every document a file holds: the file's own, then, for an e-mail, each attachment of a
    type citesearch reads (``index/ingest/mail.py``), parsed by its type's loader.

    An attachment's id is ``<message id>--<its file stem>`` made safe (``index/ingest/doc_ids.py``); it
    names its message in ``meta.parent`` and the message lists it in ``meta.attachments``; its
    ``meta.path`` is the message's file. An attachment that cannot be read is in ``skipped``
    and the message is still indexed. Raises LoadError when the file itself cannot be read.
    """
    if path.suffix.lower() not in MAIL_SUFFIXES:
        return ParsedFile([parse_file(path, meta, is_word)])
    is_word = is_word if is_word is not None else load_lexicon()
    message = read_message(path)
    meta = meta or DocumentMeta(doc_id=path.stem, title="", path=str(path))
    meta.path = meta.path or str(path)
    meta.title = meta.title or message.subject
    meta.authors = meta.authors or ([message.sender] if message.sender else [])
    meta.published = meta.published or message.date
    meta.kind = meta.kind or "e-mail"
    content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    doc = parse_text(message.source.text, meta, content_hash, is_word=is_word)
    doc.warnings[:0] = message.source.warnings
    result = ParsedFile([doc])
    taken = {meta.doc_id}
    with tempfile.TemporaryDirectory(prefix="citesearch-mail-") as tmp:
        for attachment in message.attachments:
            doc_id = _unique(f"{meta.doc_id}--{safe_stem(Path(attachment.name).stem)}", taken)
            file = Path(tmp) / f"{doc_id}{attachment.suffix}"
            file.write_bytes(attachment.data)
            # A forwarded message is titled by its subject, a file by its name.
            title = "" if attachment.suffix in MAIL_SUFFIXES else attachment.name
            child = DocumentMeta(doc_id, title, path=meta.path, parent=meta.doc_id)
            try:
                inner = parse_documents(file, child, is_word)
            except LoadError as exc:
                result.skipped.append((attachment.name, str(exc)))
                continue
            except Exception as exc:  # a parser bug on one attachment must not lose the message
                why = f"the parser failed on it ({type(exc).__name__}: {exc})"
                result.skipped.append((attachment.name, why))
                continue
            meta.attachments.append(doc_id)
            taken.update(d.meta.doc_id for d in inner.documents)
            result.documents += inner.documents
            result.skipped += [(f"{attachment.name} > {n}", why) for n, why in inner.skipped]
    return result


def _unique(doc_id: str, taken: set[str]) -> str:
    """``doc_id``, or ``doc_id-2``, ``-3``... when two attachments share a name."""
    n, candidate = 1, doc_id
    while candidate in taken:
        n += 1
        candidate = f"{doc_id}-{n}"
    taken.add(candidate)
    return candidate


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
