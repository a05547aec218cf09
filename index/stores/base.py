"""The storage seam: what citesearch asks of wherever its passages live.

Two protocols, one per side of the data flow:

- ``StoreReader``: one published generation of an index, read-only: BM25 and vector search
  (filtered by document and by what the passages' notes cite), BM25 over the notes, chunks,
  sentences, documents and footnotes by id, the model the vectors came from.
- ``StoreWriter``: an update being prepared on top of the current generation (or from empty):
  add and remove documents, the embedding cache, then ``commit`` and ``publish`` atomically.

Open either through ``index.stores.factory`` (``open_reader`` / ``open_writer``) from a location
(a directory, or a Milvus + PostgreSQL pair); nothing outside a backend package imports a backend.
The records and errors every backend shares are here too.

Shared contract of both protocols:

- **Visibility.** A reader reads the one generation that was current when it was opened, for its
  whole life, whatever is published meanwhile; a reader opened after ``publish`` returns reads
  the new generation. Nothing a writer does before ``publish`` is seen by any reader.
- **Unknown ids** are never an error on reads: they are left out of lists and mappings
  (``get_chunks``, ``sentences``, a search's ``doc_ids`` filter), give ``None`` for one record
  (``document_info``, ``document_text``) and ``[]`` for a list (``chunks_of``, ``footnotes``).
  ``remove_document`` of an unknown id does nothing.
- **Threads.** A reader may be shared by threads; a writer is used by one thread at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

import numpy as np

from index.records import Chunk, ChunkSentences, DocumentMeta, Footnote, Mention, ParsedDocument

if TYPE_CHECKING:
    from index.models.encoder import Encoder


# ---- records ---------------------------------------------------------------------------------


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
    # Stored words first, its vectors not yet (``StoreWriter.add_meaning``): found by its words,
    # not yet by meaning.
    meaning_pending: bool = False


@dataclass
class ScoredId:
    chunk_id: str
    score: float


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model a store's vectors come from, and the second model whose vectors of
    the same chunks it holds too (``Embedder.second``), if any."""

    name: str
    weights_hash: str
    dimension: int
    second: ModelInfo | None = None

    @classmethod
    def of(cls, embedder: Encoder) -> ModelInfo:
        """What a store records of the models that embed for it."""
        second = cls.of(embedder.second) if embedder.second is not None else None
        return cls(embedder.model_name, embedder.weights_hash, embedder.dimension, second)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelInfo:
        """The record ``dataclasses.asdict`` made of one (KeyError/TypeError when malformed)."""
        second = data.get("second")
        return cls(
            name=str(data["name"]),
            weights_hash=str(data["weights_hash"]),
            dimension=int(data["dimension"]),
            second=cls.from_json(second) if second is not None else None,
        )


@dataclass(frozen=True)
class FileFingerprint:
    """The corpus file a document was read from, as last indexed (for incremental builds)."""

    path: str
    sha256: str
    size: int


@dataclass(eq=False)  # numpy arrays have no single truth value
class PreparedDocument:
    """A document ready to store: parsed, chunked and embedded (what ``add_document`` takes).

    ``vectors``: one unit-length row per chunk, of the store's model; None to store the document
    by its words first (``StoreWriter.words_first``: no sentences nor second vectors then, the
    vectors follow through ``add_meaning``). ``sentences``: one per
    chunk, so searches pick highlights and answers without running the model. ``source``: the
    corpus file it was read from (incremental builds). ``second_vectors``: the second model's
    vectors of the chunks (``ModelInfo.second``), one row per chunk.
    """

    doc: ParsedDocument
    chunks: list[Chunk]
    vectors: np.ndarray | None
    sentences: list[ChunkSentences] | None = None
    source: FileFingerprint | None = None
    second_vectors: np.ndarray | None = None


def checked_vectors(
    doc_id: str, vectors: np.ndarray | None, rows: int, model: ModelInfo
) -> np.ndarray:
    """``vectors`` as float32, or ValueError unless they are ``rows`` unit-length vectors of
    ``model``'s dimension (what every backend's ``add_document`` checks; ``WordsFirstUnsupported``
    when there are none)."""
    if vectors is None:
        raise WordsFirstUnsupported(
            f"{doc_id}: this index stores a passage with its vectors, in one step; "
            "embed the document before adding it"
        )
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape != (rows, model.dimension):
        raise ValueError(
            f"{doc_id}: expected vectors of shape {(rows, model.dimension)} from {model.name}, "
            f"got {vectors.shape}"
        )
    if rows and not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3):
        raise ValueError(f"{doc_id}: vectors must be unit-length")
    return vectors


def second_model_of(model: ModelInfo, second: bool) -> ModelInfo:
    """``model`` itself, or with ``second`` its second model (ValueError when it has none)."""
    if not second:
        return model
    if model.second is None:
        raise ValueError(f"the index holds no second model's vectors (only {model.name}'s)")
    return model.second


def query_vector(vector: np.ndarray, model: ModelInfo) -> np.ndarray:
    """A query vector as one float32 row, or ValueError unless it has ``model``'s dimension
    (what every backend's vector searches check)."""
    query = np.asarray(vector, dtype=np.float32).reshape(-1)
    if query.shape != (model.dimension,):
        raise ValueError(f"query vector must have {model.dimension} values, got {query.size}")
    return query


def checked_second_vectors(
    doc_id: str, second_vectors: np.ndarray | None, rows: int, model: ModelInfo
) -> np.ndarray | None:
    """The second model's vectors of a document's chunks, checked: required when ``model`` has a
    second model, refused when it has none (ValueError)."""
    if model.second is None:
        if second_vectors is not None:
            raise ValueError(f"{doc_id}: this index holds no second model's vectors")
        return None
    if second_vectors is None:
        raise ValueError(f"{doc_id}: the second model's vectors ({model.second.name}) are missing")
    return checked_vectors(doc_id, second_vectors, rows, model.second)


# ---- errors ----------------------------------------------------------------------------------


class IndexMismatch(RuntimeError):
    """The index cannot be used by this code: wrong version, model, or damaged data."""


class IndexMissing(IndexMismatch):
    """There is no index at the location."""


class BackendUnavailable(IndexMismatch):
    """The location names a backend this build does not have (an IndexMismatch, so every
    command reports it as it reports an unusable index)."""


class IndexLocked(RuntimeError):
    """Another process is writing the same index."""


class WordsFirstUnsupported(ValueError):
    """The backend cannot store a document before its vectors (``StoreWriter.words_first``)."""


# ---- protocols -------------------------------------------------------------------------------


class ClosesOnExit:
    """``with store:`` closes the store when the block ends (what every backend's reader and
    writer share; an exception inside a writer's block discards its unpublished update, as
    ``close`` does)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class StoreReader(Protocol):
    """One published generation of an index, read-only (see the module docstring)."""

    @property
    def model(self) -> ModelInfo:
        """The embedding model the stored vectors come from (name, weights hash, dimension)."""
        ...

    @property
    def generation(self) -> str:
        """An opaque name of the generation this reader reads; it changes with every publish."""
        ...

    @property
    def chunk_count(self) -> int:
        """How many chunks the store searches."""
        ...

    def bm25_search(
        self,
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """The top-k chunks by BM25 (``index.stores.options.BM25Params``), best first, only those
        with a positive score; ties in an order fixed for the generation. ``query`` is text
        (tokenized with ``index.text.tokenize``) or terms already tokenized (the query language's
        plan). With ``doc_ids`` only chunks of those documents compete (unknown ids ignored; an
        empty or all-unknown filter gives []). With ``cites`` only chunks whose notes document
        (``index.text.note_terms.passage_note_terms``) holds every one of these terms compete:
        a domain such as ``belta.by``, or a word term such as ``pivovar`` (a term no chunk's notes
        hold gives []; None or empty: no such filter). Both filters are looked up in an index
        (the embedded backend's posting lists, Milvus's INVERTED indexes), not found by reading
        every chunk."""
        ...

    def vector_search(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """The top-k chunks by inner product with a unit-length query vector of the store's
        dimension (else ValueError), best first; ``doc_ids`` and ``cites`` filter as in
        ``bm25_search``. A chunk stored without vectors (words first) is never among them."""
        ...

    def second_vector_search(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """``vector_search`` over the second model's vectors (``model.second``), with a query
        vector of that model; ValueError when the store holds no second model's vectors."""
        ...

    def note_search(
        self,
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """The top-k chunks by BM25 over their notes documents (the text of the notes each cites,
        the domains they link to: ``index.text.note_terms``), with the same parameters and score
        scale as ``bm25_search``; ``query`` and the filters as there. A chunk citing no note
        is never returned."""
        ...

    def chunk_vectors(self, chunk_ids: Sequence[str], *, second: bool = False) -> np.ndarray:
        """The stored vectors of these chunks, one row each, in the order asked (unknown ids
        are left out, and so are chunks stored without vectors): the store's model's, or with
        ``second`` the second model's (ValueError when it holds none). Pseudo-relevance feedback reads the passages ranked first."""
        ...

    def without_vectors(self, chunk_ids: Sequence[str]) -> set[str]:
        """Those of these chunks stored without vectors (words first, ``StoreWriter.add_meaning``
        not yet run): no vector search can return them. Cheap when there are none."""
        ...

    def vocabulary(self) -> dict[str, int]:
        """Every BM25 term with the number of chunks that hold it (only terms some chunk holds)."""
        ...

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each BM25 term, one entry per term asked (0 when none does)."""
        ...

    def note_vocabulary(self) -> dict[str, int]:
        """Every term of the chunks' notes documents (words and domains) with the number of
        chunks whose notes hold it (what ``cites:`` values are checked and corrected against)."""
        ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked (unknown ids are left out)."""
        ...

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """A document's chunks in ordinal order ([] for an unknown document)."""
        ...

    def chunk_entities(self, chunk_ids: Sequence[str]) -> dict[str, list[Mention]]:
        """The entities each chunk mentions (``index/text/entities.py``), by chunk id (a chunk
        mentioning none, or unknown, is absent). ``get_chunks`` leaves them out: a search reads
        them only for the passages it counts facets over."""
        ...

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        """The sentences (spans, terms, vectors) stored with chunks, by chunk id; chunks stored
        without sentences and unknown ids are absent."""
        ...

    def documents(self) -> list[DocumentInfo]:
        """Every stored document, ordered by doc id (``meaning_pending`` when some of its chunks
        are stored without vectors)."""
        ...

    def document_info(self, doc_id: str) -> DocumentInfo | None:
        """One document's metadata and counts by id (one keyed look-up), or None."""
        ...

    def document_text(self, doc_id: str) -> ParsedDocument | None:
        """A stored document with its source text, pages, clean body, offsets and footnotes,
        or None."""
        ...

    def footnotes(self, doc_id: str) -> list[Footnote]:
        """A document's footnotes with their markers, in number order ([] when unknown)."""
        ...

    def close(self) -> None:
        """Release connections and memory; the reader is unusable afterwards."""
        ...

    def __enter__(self) -> StoreReader: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """``close()``."""
        ...


class StoreWriter(Protocol):
    """An update being prepared on top of one generation (or from empty), invisible to readers
    until ``publish``.

    Opened by ``index.stores.factory.open_writer``, which refuses with ``IndexLocked`` while
    another writer of the same location is open: one writer at a time, held until ``close``.
    The writer's reads (``sources``, ``documents``, ``chunk_count``, the embedding cache) see the
    update as it stands: the base generation with this writer's changes applied.
    """

    @property
    def model(self) -> ModelInfo:
        """The model whose vectors this update holds (documents must be embedded with it)."""
        ...

    @property
    def chunk_count(self) -> int:
        """How many chunks the update holds now."""
        ...

    def documents(self) -> list[DocumentInfo]:
        """Every document in the update, ordered by doc id."""
        ...

    def sources(self) -> dict[str, FileFingerprint]:
        """The corpus file (path, sha256, size) each document came from, by doc id, for
        documents added with one."""
        ...

    @property
    def words_first(self) -> bool:
        """Whether ``add_document`` takes a document without vectors (``vectors`` None): stored
        and searchable by its words, its vectors added later by ``add_meaning``."""
        ...

    def add_document(self, prepared: PreparedDocument) -> None:
        """Store a parsed document, its chunks and their unit-length vectors (one row per chunk),
        replacing any document with the same id. Without vectors (``words_first`` backends only,
        else ``WordsFirstUnsupported``) it is stored without sentences nor second vectors, found
        by its words and not by meaning until ``add_meaning``. ``sentences`` (one per chunk) lets searches
        pick highlights and answers without running the model. ``second_vectors``, the second
        model's vectors of the chunks, are required when ``model.second`` is set, refused
        otherwise. ValueError on vectors of the wrong shape or length, sentences not one per
        chunk, or chunks of another document; the update is then unchanged."""
        ...

    def add_meaning(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentences: Sequence[ChunkSentences],
        second_vectors: np.ndarray | None = None,
    ) -> list[str]:
        """The vectors (one row per chunk), sentences and second model's vectors of chunks
        stored words first; returns the ids of the chunks that took them. A chunk no longer
        stored, or stored now with another text (its document replaced meanwhile), is left out.
        ``WordsFirstUnsupported`` when the backend is not ``words_first``."""
        ...

    def remove_document(self, doc_id: str) -> None:
        """Remove a document and everything derived from it (an unknown id does nothing)."""
        ...

    def get_cached_embeddings(
        self, text_hashes: Sequence[str], *, second: bool = False
    ) -> dict[str, np.ndarray]:
        """Vectors of this model (with ``second``, of ``model.second``) already computed for
        texts (chunks or sentences), by ``index.models.passage_vectors.text_hash``, as float32; hashes
        not cached are absent."""
        ...

    def put_embeddings(
        self, text_hashes: Sequence[str], vectors: np.ndarray, *, second: bool = False
    ) -> None:
        """Cache vectors of texts (by ``text_hash``) for this model (with ``second``, for
        ``model.second``). Cached vectors no chunk uses may be dropped at ``commit``."""
        ...

    def commit(self) -> None:
        """Make the update complete and consistent where it is staged (search indexes built,
        everything flushed), still invisible to readers."""
        ...

    def publish(self) -> str:
        """Commit if anything changed since the last commit, then make the update the current
        generation atomically: a reader opened afterwards sees all of it, one opened before
        keeps the old generation. Returns the new generation's name. The writer takes no
        writes afterwards. A failure (or a crash) before it returns leaves the old generation
        current."""
        ...

    def close(self) -> None:
        """Release the writer's lock; an update not published is discarded."""
        ...

    def __enter__(self) -> StoreWriter: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """``close()``: an exception inside the block discards the update."""
        ...
