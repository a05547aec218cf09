"""The one interface between citesearch and where its chunks live.

The embedded backend (SQLite + FAISS + bm25s, in one directory) is the only one built. A
distributed backend (Milvus, through pymilvus) would be a new module implementing this protocol;
nothing above this interface needs to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.records import Chunk, ChunkSentences, DocumentMeta, Footnote, ParsedDocument


@dataclass
class DocumentInfo:
    """A stored document's metadata and counts, as listed to users."""

    meta: DocumentMeta
    content_hash: str
    pages: int
    chunks: int
    footnotes: int
    notes_found: int  # footnotes whose note text was found
    warnings: list[str]


@dataclass
class ScoredId:
    chunk_id: str
    score: float


class ChunkStore(Protocol):
    """Add and remove documents, search them two ways, fetch chunks by id."""

    def add_document(
        self, doc: ParsedDocument, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> None:
        """Store a parsed document, its chunks and their unit-length vectors (replacing any old copy)."""
        ...

    def remove_document(self, doc_id: str) -> None:
        """Remove a document and everything derived from it."""
        ...

    def bm25_search(
        self, query: str | Sequence[str], k: int, doc_ids: Sequence[str] | None = None
    ) -> list[ScoredId]:
        """The top-k chunks by BM25, best first; ``query`` is text, or terms already tokenized."""
        ...

    def vocabulary(self) -> dict[str, int]:
        """Every BM25 term with the number of chunks that hold it."""
        ...

    @property
    def chunk_count(self) -> int:
        """How many chunks the store searches."""
        ...

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each BM25 term (0 when none does): for IDF and missing words."""
        ...

    def vector_search(
        self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None
    ) -> list[ScoredId]:
        """The top-k chunks by inner product with a unit-length query vector, best first."""
        ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked (unknown ids are left out)."""
        ...

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        """The sentences (spans, terms, vectors) stored with chunks, by chunk id."""
        ...

    def documents(self) -> list[DocumentInfo]:
        """Every stored document."""
        ...

    def document_text(self, doc_id: str) -> ParsedDocument | None:
        """A stored document with its source text, pages and clean body, or None."""
        ...

    def footnotes(self, doc_id: str) -> list[Footnote]:
        """A document's footnotes with their markers, in number order."""
        ...
