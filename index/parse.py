"""From a file to a ParsedDocument: load, split pages, parse footnotes, clean the body."""

from __future__ import annotations

import bisect
import hashlib
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from index.ingest.doc_ids import MAX_ID_BYTES, bounded_id, safe_stem
from index.ingest.file_meta import language_of_text
from index.ingest.mail import MAIL_SUFFIXES, MAX_NESTING, read_message
from index.ingest.metadata import title_from_text
from index.ingest.readers import SUPPORTED_SUFFIXES, read_source
from index.ingest.source import (
    FileMeta,
    LoadError,
    SourceMarker,
    SourceNote,
    check_text_length,
)
from index.records import DocumentMeta, Footnote, Marker, Page, ParsedDocument, ParsedFile
from index.text.clean import clean_body
from index.text.entities import ENTITIES_VERSION
from index.text.footnotes import extract_urls, parse_footnotes
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
# 2026-12-06.2: word-processor PDF notes (issue 23); capped ids, mail warnings (issue 24).
# 2026-12-06.3: PDF note numbers on lines of their own; split words in notes joined; a file's own
# title, authors, date and language (index/ingest/file_meta.py).
# 2026-12-06.4: blank lines end paragraphs in a short message; two blank lines after a short line
# end one in double-spaced text (headings no longer glued to their first sentence).
# 2026-12-06.5: the entities of each passage (index/text/entities.py).
# 2026-12-07.3: a PDF's margin notes are no body text; a PDF's "<b>" is text, not markup.
PIPELINE_VERSION = f"2026-12-07.3/{ENTITIES_VERSION}"  # a new tagger or rule re-tags too


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
    _fill_from_file(meta, source.meta, source.text)
    doc = parse_text(
        source.text,
        meta,
        content_hash,
        page_spans=source.page_spans,
        is_word=is_word if is_word is not None else load_lexicon(),
        page_labels=source.page_labels,
        ocr_pages=source.ocr_pages,
        notes=source.notes,
        note_markers=source.markers,
        furniture=source.furniture,
    )
    doc.warnings[:0] = source.warnings
    return doc


def parse_documents(
    path: Path,
    meta: DocumentMeta | None = None,
    is_word: Callable[[str], bool] | None = None,
    *,
    depth: int = 0,
) -> ParsedFile:
    """Every document a file holds: the file's own, then, for an e-mail, each attachment of a
    type citesearch reads (``index/ingest/mail.py``), parsed by its type's loader.

    An attachment's id is ``<message id>--<its file stem>`` made safe and at most
    ``MAX_ID_BYTES`` long (``index/ingest/doc_ids.py``); it names its message in ``meta.parent``
    and the message lists it in ``meta.attachments``; its ``meta.path`` is the message's file.
    An attachment that cannot be read, or a message nested more than ``MAX_NESTING`` deep
    (``depth`` counts the levels above this file), is in ``skipped`` and a warning on its
    message, which is still indexed. Raises LoadError when the file itself cannot be read.
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
    doc = parse_text(
        message.source.text,
        meta,
        content_hash,
        is_word=is_word,
        notes=message.source.notes,
        note_markers=message.source.markers,
    )
    doc.warnings[:0] = message.source.warnings
    result = ParsedFile([doc])
    taken = {meta.doc_id}

    def skip(name: str, why: str) -> None:
        result.skipped.append((name, why))
        doc.warnings.append(f"attachment '{name}' not indexed: {why}")

    with tempfile.TemporaryDirectory(prefix="citesearch-mail-") as tmp:
        for attachment in message.attachments:
            if attachment.suffix in MAIL_SUFFIXES and depth >= MAX_NESTING:
                skip(attachment.name, f"messages nested more than {MAX_NESTING} deep are not read")
                continue
            whole = f"{meta.doc_id}--{safe_stem(Path(attachment.name).stem)}"
            doc_id = _unique(bounded_id(whole), taken)
            if not doc_id.startswith(whole):
                doc.warnings.append(
                    f"attachment '{attachment.name}': its id was cut to {MAX_ID_BYTES} characters"
                )
            file = Path(tmp) / f"{doc_id}{attachment.suffix}"
            file.write_bytes(attachment.data)
            # A forwarded message is titled by its subject, a file by its name.
            title = "" if attachment.suffix in MAIL_SUFFIXES else attachment.name
            child = DocumentMeta(doc_id, title, path=meta.path, parent=meta.doc_id)
            try:
                inner = parse_documents(file, child, is_word, depth=depth + 1)
            except LoadError as exc:  # worded with the temporary file: name the attachment
                skip(attachment.name, str(exc).replace(str(file), attachment.name))
                continue
            except MemoryError:  # the parse process's memory limit: that process must go
                raise
            except Exception as exc:  # a parser bug on one attachment must not lose the message
                why = str(exc).replace(str(file), attachment.name)
                skip(attachment.name, f"the parser failed on it ({type(exc).__name__}: {why})")
                continue
            meta.attachments.append(doc_id)
            taken.update(d.meta.doc_id for d in inner.documents)
            result.documents += inner.documents
            result.skipped += [(f"{attachment.name} > {n}", why) for n, why in inner.skipped]
    return result


def structured_footnotes(
    text: str,
    pages: list[Page],
    notes: Sequence[SourceNote],
    note_markers: Sequence[SourceMarker],
    is_word: Callable[[str], bool] | None = None,
) -> tuple[list[Footnote], list[Marker]]:
    """Footnotes and body markers from the notes a reader took from the file's structure.

    Notes are numbered 1, 2, ... in the file's order (their printed label kept); each page's
    body ends at the line where the first note whose text lies on it begins, so note text is
    never body.
    """
    page_of = _page_finder(pages)
    written = frozenset(w.lower() for w in _WORD.findall(text))
    footnotes = []
    for i, note in enumerate(notes):
        spans = [(note.start, note.end), *note.parts]
        own = "\n".join(text[a:b] for a, b in spans)
        footnotes.append(
            Footnote(
                n=i + 1,
                note=_note_text(_whole_urls(own, note.urls), is_word, written) or None,
                urls=_unique_urls([*note.urls, *_whole_only(extract_urls(own), note.urls)]),
                page=page_of(note.start),
                label="" if note.label == str(i + 1) else note.label,
                kind=note.kind,
            )
        )
    for page in pages:
        starts = [
            a
            for note in notes
            for a, _ in [(note.start, note.end), *note.parts]
            if page.start <= a < page.end
        ]
        if starts:
            # The first note's label ("[3] ", "4 ") before it on its line is no body text either.
            first = min(starts)
            page.body_end = min(page.body_end, max(page.start, text.rfind("\n", 0, first) + 1))
    markers: list[Marker] = []
    for ref in sorted(note_markers, key=lambda m: m.start):
        if not 0 <= ref.note < len(footnotes) or ref.end <= ref.start:
            continue
        marker = Marker(ref.note + 1, page_of(ref.start), ref.start, ref.end)
        footnotes[ref.note].markers.append(marker)
        markers.append(marker)
    return footnotes, markers


_WORD = re.compile(r"[^\W\d_]+")
_LINE_END_HYPHEN = re.compile(r"(\w+)-[ \t]*\n\s*([^\W\d_]+)")


def _note_text(
    text: str, is_word: Callable[[str], bool] | None, written: frozenset[str] = frozenset()
) -> str:
    """A note's text on one line: a word a PDF split at a line end ("pro-" "portionally") is
    joined when the document writes it whole elsewhere (``written``: its words, lower-cased),
    or the lexicon knows the whole word or not both halves (the body's rule,
    ``index/text/clean.py``); else it keeps its hyphen ("Belarus-" "Pakistan", "well-" "known")."""

    def join(match: re.Match[str]) -> str:
        head, tail = match.group(1), match.group(2)
        whole = head + tail
        if tail[:1].islower() and whole.lower() in written:
            return whole
        if tail[:1].islower() and is_word is not None and head.isalpha():
            halves = is_word(head.lower()) and is_word(tail.lower())
            if is_word(whole.lower()) or not halves:
                return whole
        return f"{head}-{tail}"

    return " ".join(_LINE_END_HYPHEN.sub(join, text).split())


def _whole_urls(text: str, urls: Sequence[str]) -> str:
    """``text`` with each of ``urls`` that a line end breaks in it ("propos-" "al-compartments")
    written whole, so the note reads as the reader's URL, not as hyphenated words."""
    for url in urls:
        bare = re.sub(r"^https?://", "", url) if url.lower().startswith("https://www.") else url
        broken = re.compile(r"(?:-?[ \t]*\n[ \t]*)?".join(re.escape(c) for c in bare))
        match = next((m for m in broken.finditer(text) if "\n" in m.group()), None)
        if match is not None:
            text = text[: match.start()] + bare + text[match.end() :]
    return text


def _page_finder(pages: Sequence[Page]) -> Callable[[int], int]:
    ends = [page.end for page in pages]

    def page_of(offset: int) -> int:
        i = bisect.bisect_right(ends, offset)
        return pages[min(i, len(pages) - 1)].number

    return page_of


def _whole_only(found: Sequence[str], given: Sequence[str]) -> list[str]:
    """URLs found in a note's text, less those that only begin a URL the reader gave whole (a
    URL cut at a line end in the text)."""
    return [u for u in found if not any(g != u and g.startswith(u.rstrip("-")) for g in given)]


def _unique_urls(urls: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(u for u in urls if u))


def _fill_from_file(meta: DocumentMeta, found: FileMeta, text: str) -> None:
    """The file's own title, authors, date and language where the manifest gave none (the
    language only when the text is written in its script)."""
    meta.title = meta.title or found.title
    meta.authors = meta.authors or list(found.authors)
    meta.published = meta.published or found.published
    meta.language = meta.language or language_of_text(found.language, text)


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
    notes: Sequence[SourceNote] | None = None,
    note_markers: Sequence[SourceMarker] = (),
    furniture: Sequence[tuple[int, int]] = (),
) -> ParsedDocument:
    """Parse source text (with PDF page spans and labels, if it came from a PDF) into a
    ParsedDocument. ``notes`` and ``note_markers`` are the notes a reader knew from the file's
    structure; without them the footnotes are found in the text. ``furniture``: spans a reader
    knows are no body text (a PDF's margin notes). Raises LoadError for text longer than
    ``MAX_TEXT_CHARS``, before the memory to parse it is spent."""
    check_text_length(len(text))
    is_pdf = page_spans is not None
    if page_spans is not None:
        pages = pdf_pages(page_spans, page_labels, frozenset(ocr_pages))
    elif notes is not None:
        pages = [Page(1, 0, len(text), len(text))]  # structure, not guessed page breaks
    else:
        pages = split_text_pages(text)
    if notes is not None:
        footnotes, markers = structured_footnotes(text, pages, notes, note_markers, is_word)
    else:
        footnotes, markers = parse_footnotes(text, pages, is_pdf)
    clean = clean_body(
        text,
        pages,
        markers,
        is_word=is_word,
        remove_headers=is_pdf,
        drop_page_numbers=is_pdf or notes is None,
        strip_markup=not is_pdf,  # a PDF prints its text: "<b>" in a manual is text
        furniture=furniture,
    )
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
