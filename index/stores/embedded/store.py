"""The embedded store: one directory of SQLite + FAISS + bm25s, vouched for by a manifest.

Files of a store directory: ``store.sqlite`` (``index.stores.embedded.sqlite_rows``), ``vectors.faiss``
(``vectors.second.faiss`` too, with a second model), ``bm25/`` and ``bm25_notes/`` (the passages'
and their notes', ``index.stores.embedded.search_state``), and ``manifest.json``, written last by
``commit`` (``index.stores.embedded.manifest``).

``EmbeddedStore.open`` refuses a directory whose manifest does not match this code, the model in
use, or the files on disk; an open store is a ``StoreReader``. Writers (``create``) work in a
directory nobody reads; ``index.stores.embedded.staging`` stages one and publishes it atomically
(``index.stores.embedded.generations``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.records import Chunk, ChunkSentences, Footnote, Mention, ParsedDocument
from index.stores.base import (
    ClosesOnExit,
    DocumentInfo,
    FileFingerprint,
    IndexMismatch,
    ModelInfo,
    PreparedDocument,
    ScoredId,
    checked_second_vectors,
    checked_vectors,
    query_vector,
    second_model_of,
)
from index.stores.embedded import sqlite_rows
from index.stores.embedded.generations import fsync_tree
from index.stores.embedded.manifest import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    REBUILD_HINT,
    check_files,
    check_manifest,
    file_list,
    library_versions,
    read_manifest,
    write_manifest,
)
from index.stores.embedded.search_state import SearchState, build_search_state, load_search_state
from index.stores.embedded.sqlite_rows import DB_FILE, chunk_text_hash
from index.stores.options import StoreOptions
from index.text.tokenize import TOKENIZER_VERSION, tokenize


class EmbeddedStore(ClosesOnExit):
    """A store in one directory. Build one with ``create``, read one with ``open``.

    A store from ``open`` is read-only and safe to share between threads. A store from ``create``
    takes ``add_document``/``remove_document`` and searches what it holds at once (its indexes are
    rebuilt in memory on the first search after a change); ``commit`` writes the indexes and the
    manifest to disk.
    """

    def __init__(
        self,
        directory: Path,
        conn: sqlite3.Connection,
        model: ModelInfo,
        options: StoreOptions,
        *,
        writable: bool,
        state: SearchState | None = None,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.directory = directory
        self.model = model
        self.options = options
        self.writable = writable
        self.manifest = manifest
        self._conn = conn
        self._state = state
        self._lock = threading.RLock()

    # ---- opening and creating -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        model: ModelInfo,
        options: StoreOptions | None = None,
        base: EmbeddedStore | None = None,
    ) -> EmbeddedStore:
        """A new writable store in an empty or absent directory, optionally a copy of ``base``."""
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()):
            raise FileExistsError(f"{directory} is not empty")
        directory.mkdir(parents=True, exist_ok=True)
        if base is not None and base.model != model:
            raise ValueError(f"base store holds vectors of {base.model}, not {model}")
        conn = sqlite3.connect(directory / DB_FILE, check_same_thread=False)
        if base is not None:
            with base._lock:
                base._conn.backup(conn)
        else:
            conn.executescript(sqlite_rows.SCHEMA)
            conn.commit()
        chosen = options or (base.options if base is not None else StoreOptions())
        return cls(directory, conn, model, chosen, writable=True)

    @classmethod
    def open_for(cls, path: Path, model: ModelInfo) -> EmbeddedStore:
        """Open a committed store whose vectors must come from ``model``, its second model
        included (else IndexMismatch)."""
        store = cls.open(
            path,
            expect_model=model.name,
            expect_dim=model.dimension,
            expect_weights_hash=model.weights_hash,
        )
        if store.model.second != model.second:
            store.close()
            held, wanted = (
                f"{m.second.name} ({m.second.weights_hash[:12]})" if m.second else "none"
                for m in (store.model, model)
            )
            raise IndexMismatch(
                f"index at {path} holds the second model's vectors of {held}, this build's "
                f"second model is {wanted}; {REBUILD_HINT}"
            )
        return store

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        expect_model: str | None = None,
        expect_dim: int | None = None,
        expect_weights_hash: str | None = None,
        verify_checksums: bool = True,
    ) -> EmbeddedStore:
        """Open a committed store read-only, after checking its manifest and files.

        ``path`` may be a generation symlink: it is resolved once, and every file is read from
        the directory it pointed to then. Files are checked against the manifest by size and,
        with ``verify_checksums``, by sha256 (about 1 s per GB). Raises ``IndexMismatch``
        (``IndexMissing`` when there is nothing there) with a message saying how to rebuild.
        """
        directory = Path(path).resolve()
        manifest, model, options = read_manifest(directory, path, DB_FILE)
        check_manifest(manifest, model, path, expect_model, expect_dim, expect_weights_hash)
        check_files(directory, manifest, path, verify_checksums)
        conn = sqlite3.connect(
            f"file:{directory / DB_FILE}?mode=ro", uri=True, check_same_thread=False
        )
        try:
            state = load_search_state(conn, directory, manifest, model, options)
        except IndexMismatch:
            conn.close()
            raise
        except Exception as exc:  # a damaged file shows up as whatever its reader raises
            conn.close()
            raise IndexMismatch(f"index at {path} cannot be read ({exc}); {REBUILD_HINT}") from exc
        return cls(directory, conn, model, options, writable=False, state=state, manifest=manifest)

    @property
    def generation(self) -> str:
        """The name of the directory this store reads (``index.7`` behind a generation link)."""
        return self.directory.name

    def close(self) -> None:
        self._conn.close()

    # ---- writing ----------------------------------------------------------------------------

    def add_document(self, prepared: PreparedDocument) -> None:
        """Store a parsed document, its chunks and their unit-length vectors (replacing any old copy).

        ``sentences`` (one per chunk, from ``index.models.passage_vectors.embed_chunks``) lets searches
        pick highlights and answers without running the model; without them a search falls back
        to the query's terms alone. ``second_vectors``: the second model's (``model.second``),
        required when it is set.
        """
        self._check_writable()
        doc, chunks, sentences = prepared.doc, prepared.chunks, prepared.sentences
        doc_id = doc.meta.doc_id
        vectors, second_vectors = None, None
        if prepared.vectors is not None:
            vectors = checked_vectors(doc_id, prepared.vectors, len(chunks), self.model)
            second_vectors = checked_second_vectors(
                doc_id, prepared.second_vectors, len(chunks), self.model
            )
        elif sentences is not None or prepared.second_vectors is not None:
            raise ValueError(f"{doc_id}: stored words first, with no sentences nor second vectors")
        for chunk in chunks:
            if chunk.doc_id != doc_id:
                raise ValueError(f"chunk {chunk.chunk_id} belongs to {chunk.doc_id}, not {doc_id}")
        if sentences is not None and len(sentences) != len(chunks):
            raise ValueError(f"{doc_id}: {len(sentences)} sentence sets for {len(chunks)} chunks")
        hashes = [chunk_text_hash(c.text) for c in chunks]
        with self._lock, self._conn:
            self._invalidate()
            sqlite_rows.delete_document(self._conn, doc_id)
            sqlite_rows.insert_document(self._conn, doc, chunks, hashes, sentences, prepared.source)
            if vectors is not None:
                self._put_embeddings(hashes, vectors, self.model)
            if self.model.second is not None and second_vectors is not None:
                self._put_embeddings(hashes, second_vectors, self.model.second)

    words_first = True  # a document may be stored before its vectors (``add_meaning``)

    def add_meaning(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentences: Sequence[ChunkSentences],
        second_vectors: np.ndarray | None = None,
    ) -> list[str]:
        """Store the vectors and sentences of chunks stored words first; the ids of those that
        took them (a chunk gone, or stored now with another text, is left out)."""
        self._check_writable()
        vectors = checked_vectors("passages", vectors, len(chunks), self.model)
        seconds = checked_second_vectors("passages", second_vectors, len(chunks), self.model)
        if len(sentences) != len(chunks):
            raise ValueError(f"{len(sentences)} sentence sets for {len(chunks)} chunks")
        hashes = [chunk_text_hash(c.text) for c in chunks]
        with self._lock, self._conn:
            stored = sqlite_rows.chunk_text_hashes(self._conn, [c.chunk_id for c in chunks])
            took = [i for i, c in enumerate(chunks) if stored.get(c.chunk_id) == hashes[i]]
            if not took:
                return []
            self._invalidate()
            kept = [hashes[i] for i in took]
            self._put_embeddings(kept, vectors[took], self.model)
            if self.model.second is not None and seconds is not None:
                self._put_embeddings(kept, seconds[took], self.model.second)
            sqlite_rows.insert_sentences(
                self._conn, [chunks[i] for i in took], [sentences[i] for i in took]
            )
        return [chunks[i].chunk_id for i in took]

    def remove_document(self, doc_id: str) -> None:
        """Remove a document and everything derived from it (its cached vectors stay until commit)."""
        self._check_writable()
        with self._lock, self._conn:
            self._invalidate()
            sqlite_rows.delete_document(self._conn, doc_id)

    def put_embeddings(
        self, text_hashes: Sequence[str], vectors: np.ndarray, *, second: bool = False
    ) -> None:
        """Cache vectors of chunk texts (by ``chunk_text_hash``) for this store's model (with
        ``second``, its second model)."""
        self._check_writable()
        with self._lock, self._conn:
            self._put_embeddings(
                text_hashes, np.asarray(vectors, dtype=np.float32), self._model_of(second)
            )

    def commit(self) -> None:
        """Write the search indexes and the manifest, and flush everything to disk.

        Cached vectors no chunk uses any more are dropped here, so the cache stays the size of
        the index.
        """
        self._check_writable()
        with self._lock:
            with self._conn:
                hashes = [self.model.weights_hash]
                if self.model.second is not None:
                    hashes.append(self.model.second.weights_hash)
                sqlite_rows.drop_unused_embeddings(self._conn, hashes)
            state = self._search_state()
            with self._conn:
                sqlite_rows.set_search_rows(self._conn, state.chunk_ids)
            state.save(self.directory)
            fsync_tree(self.directory)
            self.manifest = self._manifest(state)
            write_manifest(self.directory, self.manifest)

    # ---- reading ----------------------------------------------------------------------------

    @property
    def chunk_count(self) -> int:
        return len(self._search_state().chunk_ids)

    def bm25_search(
        self,
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """The top-k chunks by BM25 over ``index.text.tokenize`` terms, best first (exact); ``query``
        is text, or terms already tokenized (the query language's plan)."""
        return self._top_k("passages", query, k, doc_ids, cites)

    def note_search(
        self,
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """The top-k chunks by BM25 over the notes they cite, best first (exact)."""
        return self._top_k("notes", query, k, doc_ids, cites)

    def _top_k(
        self,
        over: Literal["passages", "notes"],
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None,
        cites: Sequence[str] | None,
    ) -> list[ScoredId]:
        """BM25's top-k over the passages' own terms or over their notes' terms."""
        state = self._search_state()
        terms = tokenize(query) if isinstance(query, str) else list(query)
        index = state.bm25 if over == "passages" else state.notes
        pairs = index.top_k(terms, k, state.rows_of(doc_ids, cites))
        return [ScoredId(state.chunk_ids[row], score) for row, score in pairs]

    def vocabulary(self) -> dict[str, int]:
        """Every BM25 term with the number of chunks that hold it."""
        return self._search_state().bm25.vocabulary()

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each BM25 term (``index.text.tokenize`` terms; 0 when none does)."""
        return self._search_state().bm25.document_frequencies(terms)

    def note_vocabulary(self) -> dict[str, int]:
        """Every term of the chunks' notes documents with the number of chunks that hold it."""
        return self._search_state().notes.vocabulary()

    def vector_search(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """The top-k chunks by inner product with a unit-length query vector, best first."""
        query = query_vector(vector, self.model)
        state = self._search_state()
        pairs = state.dense_top_k(state.vectors, query, k, doc_ids, cites)
        return [ScoredId(state.chunk_ids[row], score) for row, score in pairs]

    def second_vector_search(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        """The top-k chunks by inner product with a unit-length query vector of the second model."""
        second = self.model.second
        if second is None:
            raise ValueError(f"the index at {self.directory} holds no second model's vectors")
        query = query_vector(vector, second)
        state = self._search_state()
        if state.second is None:  # built and loaded whenever model.second is set
            raise IndexMismatch(f"the index at {self.directory} lost its second vector index")
        pairs = state.dense_top_k(state.second, query, k, doc_ids, cites)
        return [ScoredId(state.chunk_ids[row], score) for row, score in pairs]

    def chunk_vectors(self, chunk_ids: Sequence[str], *, second: bool = False) -> np.ndarray:
        """These chunks' vectors (the second model's with ``second``), in the order asked."""
        state = self._search_state()
        index = state.second if second else state.vectors
        if index is None:
            second_model_of(self.model, second)  # raises: the store holds no second model
            raise IndexMismatch(f"the index at {self.directory} lost its second vector index")
        with self._lock:
            recorded = sqlite_rows.search_rows_of(self._conn, chunk_ids)
        ids = state.chunk_ids
        if len(recorded) < len(set(chunk_ids)) or not all(
            row < len(ids) and ids[row] == c for c, row in recorded.items()
        ):
            # An id without a recorded row (unknown, or not committed yet: a writer's own
            # search state): look the ids up in the state itself.
            wanted = set(chunk_ids)
            recorded = {c: row for row, c in enumerate(ids) if c in wanted}
        pending = set(state.pending.tolist())
        found = [recorded[c] for c in chunk_ids if c in recorded and recorded[c] not in pending]
        return index.vectors_at(found)

    def without_vectors(self, chunk_ids: Sequence[str]) -> set[str]:
        """Those of these chunks stored without vectors (none, at once, in most generations)."""
        state = self._search_state()
        if not len(state.pending):
            return set()
        pending = {state.chunk_ids[row] for row in state.pending.tolist()}
        return pending.intersection(chunk_ids)

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked (unknown ids are left out)."""
        with self._lock:
            return sqlite_rows.get_chunks(self._conn, chunk_ids)

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        """The stored sentences of chunks, by chunk id (chunks stored without them are absent)."""
        with self._lock:
            return sqlite_rows.sentences(self._conn, chunk_ids, self.model.dimension)

    def chunk_entities(self, chunk_ids: Sequence[str]) -> dict[str, list[Mention]]:
        """The entities of chunks that mention any, by chunk id."""
        with self._lock:
            return sqlite_rows.chunk_entities(self._conn, chunk_ids)

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """A document's chunks in order."""
        with self._lock:
            return sqlite_rows.chunks_of(self._conn, doc_id)

    def documents(self) -> list[DocumentInfo]:
        """Every stored document, by doc id."""
        with self._lock:
            found = sqlite_rows.documents(self._conn)
        pending = self._pending_documents()
        for info in found:
            info.meaning_pending = info.meta.doc_id in pending
        return found

    def document_info(self, doc_id: str) -> DocumentInfo | None:
        """One stored document's metadata and counts, or None."""
        with self._lock:
            info = sqlite_rows.document_info(self._conn, doc_id)
        if info is not None:
            info.meaning_pending = doc_id in self._pending_documents()
        return info

    def document_text(self, doc_id: str) -> ParsedDocument | None:
        """A stored document with its source text, pages, clean body and footnotes, or None."""
        with self._lock:
            return sqlite_rows.document_text(self._conn, doc_id)

    def footnotes(self, doc_id: str) -> list[Footnote]:
        """A document's footnotes with their markers, in number order."""
        with self._lock:
            return sqlite_rows.footnotes(self._conn, doc_id)

    def sources(self) -> dict[str, FileFingerprint]:
        """The corpus file each document came from, for documents added with one."""
        with self._lock:
            return sqlite_rows.sources(self._conn)

    def get_cached_embeddings(
        self, text_hashes: Sequence[str], *, second: bool = False
    ) -> dict[str, np.ndarray]:
        """Vectors of this store's model (with ``second``, its second model) already computed
        for texts (chunks, or the first model's sentences), by ``text_hash``; sentence vectors
        come back from float16."""
        model = self._model_of(second)
        with self._lock:
            return sqlite_rows.cached_embeddings(
                self._conn, model.weights_hash, text_hashes, with_sentences=not second
            )

    # ---- internals --------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if not self.writable:
            raise PermissionError(f"the index at {self.directory} is open read-only")

    def _invalidate(self) -> None:
        self._state = None
        # The files on disk no longer describe the database: the directory is unfinished until
        # the next commit, and open() must say so rather than trust a stale manifest.
        self.manifest = None
        (self.directory / MANIFEST_FILE).unlink(missing_ok=True)

    def _pending_documents(self) -> set[str]:
        """Documents with chunks stored without vectors: from the search state a reader loaded,
        from the database for a writer (whose state may not be built)."""
        if not self.writable:
            return self._search_state().pending_documents()
        models = [self.model, *([self.model.second] if self.model.second is not None else [])]
        with self._lock:
            return sqlite_rows.documents_without_vectors(
                self._conn, [m.weights_hash for m in models]
            )

    def _model_of(self, second: bool) -> ModelInfo:
        return second_model_of(self.model, second)

    def _put_embeddings(
        self, text_hashes: Sequence[str], vectors: np.ndarray, model: ModelInfo
    ) -> None:
        if vectors.shape != (len(text_hashes), model.dimension):
            raise ValueError(f"expected vectors of shape {(len(text_hashes), model.dimension)}")
        sqlite_rows.put_embeddings(self._conn, model.weights_hash, text_hashes, vectors)

    def _search_state(self) -> SearchState:
        with self._lock:
            if self._state is None:
                self._state = build_search_state(self._conn, self.model, self.options)
            return self._state

    def _manifest(self, state: SearchState) -> dict[str, Any]:
        with self._lock:
            corpus = sqlite_rows.corpus(self._conn)
        return {
            "format_version": FORMAT_VERSION,
            "model": asdict(self.model),
            "libraries": library_versions(),
            "tokenizer": TOKENIZER_VERSION,
            "options": self.options.to_json(),
            "vector_index": state.vectors.kind,
            "document_count": len(corpus),
            "chunk_count": len(state.chunk_ids),
            "pending_rows": state.pending.tolist(),
            "corpus": corpus,
            "files": file_list(self.directory),
        }
