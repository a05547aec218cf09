"""The API's own response models (besides the search response in ``api.schema``) and their builders.

Builders are pure: they turn the build side's records into JSON-ready models, so the same shapes
can be produced by the HTTP API and by the CLI's ``--json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Literal

from pydantic import BaseModel, Field

from api.annotation_view import AnnotationModel
from api.schema import DocumentLinkModel
from index.ingest.readers import SUPPORTED_SUFFIXES
from index.records import DocumentMeta, Footnote, ParsedDocument
from index.stores.base import DocumentInfo

# "interrupted": the server stopped while the job ran. It is not started again by itself: its
# file stays until the job is retried (POST /api/jobs/{id}/retry) or discarded (DELETE
# /api/jobs/{id}). A job still queued at a stop runs after the restart.
JobStatus = Literal["queued", "running", "done", "failed", "interrupted"]
JobKind = Literal["add", "delete"]


class DocumentSummary(BaseModel):
    """One stored document, as listed to users."""

    id: str
    title: str
    authors: list[str]
    published: str | None = Field(
        description="Date as given: the manifest's publication date, else the file's own date "
        "(Word/ODF creation date, PDF CreationDate, a web page's date, front matter; ISO 8601)."
    )
    language: str | None = Field(
        default=None,
        description="Language tag the file declares (en-us, ru), kept only where the text is "
        "written in its script.",
    )
    kind: str | None
    file_type: str | None = Field(
        default=None,
        description="The file's type as its suffix (pdf, docx, eml, txt ...); an attachment's own.",
    )
    uploaded: bool = Field(
        default=False,
        description="Added through the API (it can be deleted there); false for the server's "
        "corpus.",
    )
    pages: int
    chunks: int
    footnotes: int = Field(description="Footnotes numbered in the document.")
    notes_found: int = Field(description="Footnotes whose note text was found in the source.")
    warnings: list[str] = Field(description="What could not be read from the source.")
    meaning_pending: bool = Field(
        default=False,
        description="Published by its words, its passages not yet embedded: found by words, "
        "notes and filters, not yet by meaning (indexing meaning…).",
    )
    attachment_of: DocumentLinkModel | None = Field(
        default=None, description="For an e-mail attachment: its message."
    )
    attachments: list[DocumentLinkModel] = Field(
        default_factory=list, description="For an e-mail: its attachments indexed as documents."
    )
    annotations: AnnotationModel | None = Field(
        default=None, description="The reader's tags, star and note on the document."
    )

    @classmethod
    def from_info(
        cls, info: DocumentInfo, titles: Mapping[str, str] | None = None, *, uploaded: bool = False
    ) -> DocumentSummary:
        """``titles`` (document id -> title) names the linked documents of an e-mail;
        ``uploaded``: whether its file is in the server's upload folder."""
        meta = info.meta
        titles = titles or {}

        def link(doc_id: str) -> DocumentLinkModel:
            return DocumentLinkModel(doc_id=doc_id, title=titles.get(doc_id, doc_id))

        return cls(
            id=meta.doc_id,
            title=meta.title,
            authors=list(meta.authors),
            published=meta.published,
            language=meta.language,
            kind=meta.kind,
            file_type=file_type(meta),
            uploaded=uploaded,
            pages=info.pages,
            chunks=info.chunks,
            footnotes=info.footnotes,
            notes_found=info.notes_found,
            warnings=list(info.warnings),
            meaning_pending=info.meaning_pending,
            attachment_of=link(meta.parent) if meta.parent else None,
            attachments=[link(a) for a in meta.attachments],
        )


def file_type(meta: DocumentMeta) -> str | None:
    """A document's file suffix without the dot. An attachment's path is its message's, so its
    own type is the suffix of its name (its title), when that is one the index reads."""
    if meta.parent:
        suffix = PurePath(meta.title).suffix.lower()
        return suffix[1:] if suffix in SUPPORTED_SUFFIXES else None
    return PurePath(meta.path).suffix.lower()[1:] or None


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class PageMarker(BaseModel):
    n: int = Field(description="Footnote number.")
    offset: int = Field(description="Position of the marker in the page's clean text.")
    char_start: int = Field(description="Position of the marker in the source text.")


class PageText(BaseModel):
    """One page's clean body text, with the map from its characters back to the source text."""

    number: int
    start: int = Field(description="Start of the page in the source text.")
    end: int = Field(description="End of the page in the source text.")
    text: str = Field(description="The page's clean body text (no notes block, markers removed).")
    label: str = Field(default="", description="The page number printed on it.")
    ocr: bool = Field(default=False, description="Text from OCR (a scanned page).")
    runs: list[tuple[int, int, int]] = Field(
        description=(
            "Maps text to source: each [text_offset, source_offset, length] says that "
            "text[text_offset:text_offset+length] comes from the source text at source_offset."
        )
    )
    markers: list[PageMarker]


class DocumentDetail(DocumentSummary):
    """A document's metadata and its clean text page by page."""

    source_chars: int = Field(description="Length of the source text.")
    page_texts: list[PageText]


class MarkerModel(BaseModel):
    page: int
    char_start: int = Field(description="Position of the marker in the source text.")


class FootnoteModel(BaseModel):
    n: int
    note: str | None = Field(description="The note's text; null when lost in extraction.")
    urls: list[str]
    markers: list[MarkerModel]


class FootnotesResponse(BaseModel):
    """A document's footnotes: the same shape as ``citesearch footnotes --json``."""

    doc_id: str
    footnotes: list[FootnoteModel]

    @classmethod
    def from_footnotes(cls, doc_id: str, footnotes: list[Footnote]) -> FootnotesResponse:
        return cls(
            doc_id=doc_id,
            footnotes=[
                FootnoteModel(
                    n=f.n,
                    note=f.note,
                    urls=list(f.urls),
                    markers=[MarkerModel(page=m.page, char_start=m.char_start) for m in f.markers],
                )
                for f in footnotes
            ],
        )


class HealthResponse(BaseModel):
    index_loaded: bool
    documents: int
    chunks: int
    model: str | None = Field(description="The embedding model serving dense search.")
    second_model: str | None = Field(
        default=None,
        description="The second embedding model whose list hybrid search fuses too, if any.",
    )
    detail: str | None = Field(default=None, description="Why the index is not loaded.")
    index_version: int = Field(
        default=0, description="Goes up each time the server starts serving a new index."
    )
    uploads_enabled: bool = Field(
        default=False, description="Whether this server accepts uploads (with its token)."
    )
    models_loading: bool = Field(
        default=False,
        description="Whether the server is loading its passage models (at start, when it takes "
        "uploads); an upload indexed meanwhile waits for them.",
    )
    formats: list[str] = Field(
        default_factory=list, description="File name suffixes the server can index."
    )
    indexing: list[JobModel] = Field(
        default_factory=list, description="Jobs waiting or running, oldest first, with progress."
    )


class JobModel(BaseModel):
    """A background indexing job (an upload or a deletion).

    Without the server's token only its kind, state, times and counts are shown: ``doc_id``,
    ``filename`` and ``error`` are null and ``warnings`` empty.
    """

    id: str
    kind: JobKind
    status: JobStatus
    doc_id: str | None = Field(description="The document added or removed, once known.")
    filename: str | None
    error: str | None = Field(description="Why the job failed, in plain words.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What a finished job could not read (an attachment skipped, pages without "
        "text), in plain words.",
    )
    created: float = Field(description="Unix time the job was accepted.")
    finished: float | None
    stage: str | None = Field(
        default=None,
        description="While running: parsing (files), embedding (texts), publishing, or "
        "meaning (published by its words, its passages being embedded).",
    )
    searchable: bool = Field(
        default=False,
        description="While running: the upload is published and found by its words; search by "
        "meaning (and the answer's sentence choice) follows when the job is done.",
    )
    note: str | None = Field(
        default=None,
        description="What the job's state means for a user (\"searchable by words; meaning "
        'search follows").',
    )
    done: int | None = Field(default=None, description="Units of the stage done so far.")
    total: int | None = Field(default=None, description="Units of the stage in all.")


class JobList(BaseModel):
    """Recent upload and deletion jobs, newest first."""

    jobs: list[JobModel]


class ErrorResponse(BaseModel):
    detail: str


def page_texts(doc: ParsedDocument) -> list[PageText]:
    """Split a document's clean body into its pages, keeping the map back to the source text.

    A body character belongs to the page holding its source offset; runs merge characters whose
    source offsets follow each other, so the map stays small for long documents.
    """
    pages = sorted(doc.pages, key=lambda p: p.start)
    out: list[PageText] = []
    markers_by_pos: dict[int, list[tuple[int, int]]] = {}
    for pos, marker in doc.marker_positions:
        markers_by_pos.setdefault(pos, []).append((marker.n, marker.char_start))

    page_index = 0
    current: list[str] = []
    runs: list[tuple[int, int, int]] = []
    markers: list[PageMarker] = []

    def flush() -> None:
        page = pages[page_index]
        out.append(
            PageText(
                number=page.number,
                start=page.start,
                end=page.end,
                text="".join(current),
                label=page.printed,
                ocr=page.ocr,
                runs=runs.copy(),
                markers=markers.copy(),
            )
        )
        current.clear()
        runs.clear()
        markers.clear()

    if not pages:
        return out
    for i, ch in enumerate(doc.body):
        source = doc.offsets[i] if i < len(doc.offsets) else doc.offsets[-1]
        while page_index < len(pages) - 1 and source >= pages[page_index].end:
            flush()
            page_index += 1
        for n, char_start in markers_by_pos.get(i, []):
            markers.append(PageMarker(n=n, offset=len(current), char_start=char_start))
        text_pos = len(current)
        current.append(ch)
        if runs and runs[-1][0] + runs[-1][2] == text_pos and runs[-1][1] + runs[-1][2] == source:
            t, s, length = runs[-1]
            runs[-1] = (t, s, length + 1)
        else:
            runs.append((text_pos, source, 1))
    # Markers after the body's last character belong to the last page.
    for n, char_start in markers_by_pos.get(len(doc.body), []):
        markers.append(PageMarker(n=n, offset=len(current), char_start=char_start))
    flush()
    page_index += 1
    while page_index < len(pages):
        flush()
        page_index += 1
    return out


def document_detail(
    info: DocumentInfo,
    doc: ParsedDocument,
    titles: Mapping[str, str] | None = None,
    *,
    uploaded: bool = False,
) -> DocumentDetail:
    """A document's metadata, counts and clean text page by page (``titles`` and ``uploaded`` as
    in ``DocumentSummary.from_info``)."""
    summary = DocumentSummary.from_info(info, titles, uploaded=uploaded)
    return DocumentDetail(
        **summary.model_dump(),
        source_chars=len(doc.source_text),
        page_texts=page_texts(doc),
    )
