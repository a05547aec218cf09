"""Plain records that pass between the build side and the query side.

Offsets: ``char_start``/``char_end`` always point into the document's *source text*: the file's
decoded text for ``.txt``/``.md``, and for a PDF the text pypdf extracted, pages joined by a form
feed (``\\f``). A passage can therefore always be shown in the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class DocumentMeta:
    """What the manifest (or the file itself) says about a document."""

    doc_id: str
    title: str
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    kind: str | None = None
    path: str = ""
    # E-mail: an attachment names the message it came with; a message lists its attachments.
    parent: str | None = None
    attachments: list[str] = field(default_factory=list)
    language: str | None = None  # the language tag the file gives, where it gives one


@dataclass
class Page:
    """One page of a document, as spans of the source text.

    ``body_end`` is where the page's footnote block begins (``end`` when there is none).
    ``label`` is the page number printed on it (a PDF's /PageLabels or its printed number; "" when
    only the index is known): what a citation shows.
    """

    number: int
    start: int
    end: int
    body_end: int
    label: str = ""
    ocr: bool = False  # its text is Tesseract's reading of a scanned page (index/ingest/ocr.py)

    @property
    def printed(self) -> str:
        """The label to cite: the printed one, else the index."""
        return self.label or str(self.number)


@dataclass
class Marker:
    """A footnote marker found in the body text."""

    n: int
    page: int
    char_start: int  # in the source text
    char_end: int


@dataclass
class Footnote:
    """A footnote: its number, its text (``None`` when lost in extraction) and its links."""

    n: int
    note: str | None
    urls: list[str] = field(default_factory=list)
    page: int | None = None  # page whose note block holds the text
    markers: list[Marker] = field(default_factory=list)
    label: str = ""  # as printed, when not its number ("*", "a", "iv"); see ``shown``
    kind: str = "footnote"  # or "endnote"

    @property
    def shown(self) -> str:
        """The note's label as the document prints it."""
        return self.label or str(self.n)


@dataclass
class Citation:
    """A footnote cited inside a passage; ``offset`` is the marker's position in the chunk text."""

    n: int
    note: str | None
    urls: list[str]
    offset: int
    label: str = ""  # as printed, when not ``n`` ("*", "a", "iv")


@dataclass
class Mention:
    """A named entity a passage mentions (``index/text/entities.py``): ``kind`` is person, org,
    place, date or amount; ``start``/``end`` its span in the chunk text; ``key`` the canonical
    entity (``index/text/entity_names.py``: one across spellings and scripts); ``name`` as shown."""

    kind: str
    text: str
    start: int
    end: int
    key: str
    name: str


@dataclass
class Chunk:
    """A passage ready to index: clean text (markers removed) and the notes that source it."""

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    citations: list[Citation]
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    # Found in the text at index time and read apart (``StoreReader.chunk_entities``): not part
    # of what makes two chunks equal.
    entities: list[Mention] = field(default_factory=list, compare=False)


@dataclass
class ChunkSentences:
    """A chunk's sentences as computed at index time, so a search runs no model on them.

    ``spans`` are (start, end) offsets in the chunk text; ``terms`` each sentence's BM25 terms;
    ``vectors`` one unit-length row per sentence, kept as float16 (the cosines it gives differ
    from float32's by under 1e-3, far below the gaps between sentences that decide a highlight).
    """

    spans: list[tuple[int, int]]
    terms: list[list[str]]
    vectors: np.ndarray


@dataclass
class ParsedDocument:
    """A document after loading, cleaning and footnote parsing, before chunking.

    ``body`` is the clean body text of all pages (no footnote blocks, no page furniture, markers
    removed); ``offsets[i]`` is the source offset of ``body[i]``; ``marker_positions`` pairs each
    marker with its position in ``body``. ``warnings`` says what could not be read.
    """

    meta: DocumentMeta
    source_text: str
    content_hash: str
    pages: list[Page]
    body: str
    offsets: list[int]
    footnotes: list[Footnote]
    marker_positions: list[tuple[int, Marker]]
    warnings: list[str] = field(default_factory=list)

    def page_of(self, source_offset: int) -> int:
        """The number of the page holding a source offset."""
        for page in self.pages:
            if source_offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else 1


@dataclass
class ParsedFile:
    """What one file yields: its own document first, then those of its attachments (an e-mail's),
    and the attachments that could not be read as (name, why)."""

    documents: list[ParsedDocument]
    skipped: list[tuple[str, str]] = field(default_factory=list)
