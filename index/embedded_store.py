"""The embedded ChunkStore: SQLite + FAISS + bm25s in one directory, vouched for by a manifest.

Files of a store directory:

- ``store.sqlite``: documents (metadata, source text, pages, clean body and its offsets, marker
  positions, warnings, source file hash), chunks (every Chunk field, citations as JSON, BM25 terms,
  search row), each chunk's sentences (span, BM25 terms, float16 vector), footnotes with their
  markers, and the embedding cache keyed by (sha256 of the chunk text, model weights hash).
- ``vectors.faiss``: chunk vectors; FAISS row i is the chunk whose ``search_row`` is i.
- ``bm25/``: the bm25s index over ``index.tokenize`` terms, rows as above.
- ``manifest.json``: written last by ``commit``; format version, model, library versions, options,
  counts, the corpus files indexed and every file above with its size and sha256.

``EmbeddedStore.open`` refuses a directory whose manifest does not match this code, the model in
use, or the files on disk. Writers (``create``) work in a directory nobody reads; the builder then
publishes it atomically (see ``index.generations``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import threading
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import bm25s
import faiss
import numpy as np

from index.bm25_index import BM25Index, BM25Params
from index.generations import fsync_dir, fsync_tree
from index.passage_vectors import text_hash
from index.records import (
    Chunk,
    ChunkSentences,
    Citation,
    DocumentMeta,
    Footnote,
    Marker,
    Page,
    ParsedDocument,
)
from index.store import DocumentInfo, ScoredId
from index.tokenize import TOKENIZER_VERSION, tokenize
from index.vector_index import VectorIndex, VectorIndexKind

if TYPE_CHECKING:
    from index.embed import Embedder

FORMAT_VERSION = 2  # 2: sentences with their vectors
DB_FILE = "store.sqlite"
VECTORS_FILE = "vectors.faiss"
BM25_DIR = "bm25"
MANIFEST_FILE = "manifest.json"
REBUILD_HINT = "rebuild it with `citesearch index --rebuild <corpus>`"

_SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,
    meta TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source_text TEXT NOT NULL,
    pages TEXT NOT NULL,
    body TEXT NOT NULL,
    offsets BLOB NOT NULL,
    marker_positions TEXT NOT NULL,
    warnings TEXT NOT NULL,
    source_path TEXT,
    source_sha256 TEXT,
    source_size INTEGER
);
CREATE TABLE chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    citations TEXT NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    terms TEXT NOT NULL,
    search_row INTEGER
);
CREATE INDEX chunks_by_doc ON chunks (doc_id, ordinal);
CREATE TABLE footnotes (
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    n INTEGER NOT NULL,
    note TEXT,
    urls TEXT NOT NULL,
    page INTEGER,
    markers TEXT NOT NULL,
    PRIMARY KEY (doc_id, position)
);
CREATE TABLE sentences (
    chunk_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text_sha256 TEXT NOT NULL,
    terms TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (chunk_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX sentences_by_doc ON sentences (doc_id);
CREATE INDEX sentences_by_text ON sentences (text_sha256);
CREATE TABLE embeddings (
    text_sha256 TEXT NOT NULL,
    weights_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (text_sha256, weights_hash)
) WITHOUT ROWID;
"""

_CHUNK_COLUMNS = (
    "chunk_id, doc_id, ordinal, text, citations, page_start, page_end, char_start, char_end"
)


class IndexMismatch(RuntimeError):
    """The index on disk cannot be used by this code: wrong version, model, or damaged files."""


class IndexMissing(IndexMismatch):
    """There is no index at the path."""


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model a store's vectors come from."""

    name: str
    weights_hash: str
    dimension: int

    @classmethod
    def of(cls, embedder: Embedder) -> ModelInfo:
        """What a store records of the model that embeds for it."""
        return cls(embedder.model_name, embedder.weights_hash, embedder.dimension)


@dataclass(frozen=True)
class StoreOptions:
    """How a store searches: BM25 parameters and the kind of vector index.

    ``vector_index="auto"`` uses exact search (IndexFlatIP) up to ``hnsw_threshold`` chunks and an
    HNSW graph above it.
    """

    bm25: BM25Params = field(default_factory=BM25Params)
    vector_index: Literal["auto", "flat", "hnsw"] = "auto"
    hnsw_threshold: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128

    def __post_init__(self) -> None:
        if self.vector_index not in ("auto", "flat", "hnsw"):
            raise ValueError(
                f"vector_index must be 'auto', 'flat' or 'hnsw', got {self.vector_index!r}"
            )
        if self.hnsw_threshold < 0 or self.hnsw_m < 2 or self.hnsw_ef_search < 1:
            raise ValueError("hnsw_threshold >= 0, hnsw_m >= 2 and hnsw_ef_search >= 1 required")

    def vector_kind(self, chunk_count: int) -> VectorIndexKind:
        if self.vector_index == "auto":
            return "hnsw" if chunk_count > self.hnsw_threshold else "flat"
        return self.vector_index

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoreOptions:
        return cls(**{**data, "bm25": BM25Params(**data["bm25"])})


@dataclass(frozen=True)
class SourceFile:
    """The corpus file a document was read from, as last indexed."""

    path: str
    sha256: str
    size: int


chunk_text_hash = text_hash  # the embedding cache key of a chunk text


def library_versions() -> dict[str, str | None]:
    """Versions of the libraries whose file formats or vectors an index depends on."""
    try:
        st_version: str | None = importlib.metadata.version("sentence-transformers")
    except importlib.metadata.PackageNotFoundError:
        st_version = None
    return {
        "faiss": str(faiss.__version__),
        "bm25s": str(bm25s.__version__),
        "sentence_transformers": st_version,
    }


@dataclass
class _SearchState:
    """What searches need in memory: the two indexes and who each row is."""

    chunk_ids: list[str]
    doc_rows: dict[str, np.ndarray]
    bm25: BM25Index
    vectors: VectorIndex


class EmbeddedStore:
    """A ChunkStore in one directory. Build one with ``create``, read one with ``open``.

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
        state: _SearchState | None = None,
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
            conn.executescript(_SCHEMA)
            conn.commit()
        chosen = options or (base.options if base is not None else StoreOptions())
        return cls(directory, conn, model, chosen, writable=True)

    @classmethod
    def open_for(cls, path: Path, model: ModelInfo) -> EmbeddedStore:
        """Open a committed store whose vectors must come from ``model`` (else IndexMismatch)."""
        return cls.open(
            path,
            expect_model=model.name,
            expect_dim=model.dimension,
            expect_weights_hash=model.weights_hash,
        )

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
        manifest_path = directory / MANIFEST_FILE
        if not manifest_path.is_file():
            if directory.is_dir() and (directory / DB_FILE).exists():
                raise IndexMismatch(
                    f"index at {path} was never completed (no manifest); {REBUILD_HINT}"
                )
            raise IndexMissing(f"no index at {path}; build one with `citesearch index <corpus>`")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            model = ModelInfo(**manifest["model"])
            options = StoreOptions.from_json(manifest["options"])
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexMismatch(
                f"index manifest {manifest_path} is unreadable ({exc}); {REBUILD_HINT}"
            ) from exc
        _check_manifest(manifest, model, path, expect_model, expect_dim, expect_weights_hash)
        _check_files(directory, manifest, path, verify_checksums)
        conn = sqlite3.connect(
            f"file:{directory / DB_FILE}?mode=ro", uri=True, check_same_thread=False
        )
        try:
            state = _load_search_state(conn, directory, manifest, model, options)
        except IndexMismatch:
            conn.close()
            raise
        except Exception as exc:  # a damaged file shows up as whatever its reader raises
            conn.close()
            raise IndexMismatch(f"index at {path} cannot be read ({exc}); {REBUILD_HINT}") from exc
        return cls(directory, conn, model, options, writable=False, state=state, manifest=manifest)

    def close(self) -> None:
        self._conn.close()

    @staticmethod
    def recorded_model(path: Path) -> str | None:
        """The model name the index at ``path`` records, or None (no index, or unreadable)."""
        try:
            manifest = json.loads((Path(path) / MANIFEST_FILE).read_text(encoding="utf-8"))
            return str(manifest["model"]["name"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- writing ----------------------------------------------------------------------------

    def add_document(
        self,
        doc: ParsedDocument,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        *,
        sentences: Sequence[ChunkSentences] | None = None,
        source: SourceFile | None = None,
    ) -> None:
        """Store a parsed document, its chunks and their unit-length vectors (replacing any old copy).

        ``sentences`` (one per chunk, from ``index.passage_vectors.embed_chunks``) lets searches
        pick highlights and answers without running the model; without them a search falls back
        to the query's terms alone.
        """
        self._check_writable()
        doc_id = doc.meta.doc_id
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.model.dimension):
            raise ValueError(
                f"{doc_id}: expected vectors of shape {(len(chunks), self.model.dimension)}, "
                f"got {vectors.shape}"
            )
        if len(chunks) and not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3):
            raise ValueError(f"{doc_id}: vectors must be unit-length")
        for chunk in chunks:
            if chunk.doc_id != doc_id:
                raise ValueError(f"chunk {chunk.chunk_id} belongs to {chunk.doc_id}, not {doc_id}")
        if sentences is not None and len(sentences) != len(chunks):
            raise ValueError(f"{doc_id}: {len(sentences)} sentence sets for {len(chunks)} chunks")
        hashes = [chunk_text_hash(c.text) for c in chunks]
        with self._lock, self._conn:
            self._invalidate()
            self._delete_document(doc_id)
            self._conn.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    json.dumps(asdict(doc.meta)),
                    doc.content_hash,
                    doc.source_text,
                    json.dumps([asdict(p) for p in doc.pages]),
                    doc.body,
                    zlib.compress(np.asarray(doc.offsets, dtype="<i8").tobytes()),
                    json.dumps([[pos, asdict(m)] for pos, m in doc.marker_positions]),
                    json.dumps(doc.warnings),
                    source.path if source else None,
                    source.sha256 if source else None,
                    source.size if source else None,
                ),
            )
            self._conn.executemany(
                "INSERT INTO footnotes VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        doc_id,
                        position,
                        note.n,
                        note.note,
                        json.dumps(note.urls),
                        note.page,
                        json.dumps([asdict(m) for m in note.markers]),
                    )
                    for position, note in enumerate(doc.footnotes)
                ],
            )
            self._conn.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [
                    (
                        c.chunk_id,
                        doc_id,
                        c.ordinal,
                        c.text,
                        text_hash,
                        json.dumps([asdict(cit) for cit in c.citations]),
                        c.page_start,
                        c.page_end,
                        c.char_start,
                        c.char_end,
                        json.dumps(tokenize(c.text), ensure_ascii=False),
                    )
                    for c, text_hash in zip(chunks, hashes, strict=True)
                ],
            )
            if sentences is not None:
                self._conn.executemany(
                    "INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            c.chunk_id,
                            i,
                            doc_id,
                            a,
                            b,
                            text_hash(c.text[a:b]),
                            json.dumps(terms, ensure_ascii=False),
                            np.asarray(vector, dtype="<f2").tobytes(),
                        )
                        for c, sent in zip(chunks, sentences, strict=True)
                        for i, ((a, b), terms, vector) in enumerate(
                            zip(sent.spans, sent.terms, sent.vectors, strict=True)
                        )
                    ],
                )
            self._put_embeddings(hashes, vectors)

    def remove_document(self, doc_id: str) -> None:
        """Remove a document and everything derived from it (its cached vectors stay until commit)."""
        self._check_writable()
        with self._lock, self._conn:
            self._invalidate()
            self._delete_document(doc_id)

    def put_embeddings(self, text_hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Cache vectors of chunk texts (by ``chunk_text_hash``) for this store's model."""
        self._check_writable()
        with self._lock, self._conn:
            self._put_embeddings(text_hashes, np.asarray(vectors, dtype=np.float32))

    def commit(self) -> None:
        """Write the search indexes and the manifest, and flush everything to disk.

        Cached vectors no chunk uses any more are dropped here, so the cache stays the size of
        the index.
        """
        self._check_writable()
        with self._lock:
            with self._conn:
                self._conn.execute(
                    "DELETE FROM embeddings WHERE weights_hash != ? OR text_sha256 NOT IN "
                    "(SELECT text_sha256 FROM chunks)",
                    (self.model.weights_hash,),
                )
            state = self._search_state()
            with self._conn:
                self._conn.executemany(
                    "UPDATE chunks SET search_row = ? WHERE chunk_id = ?",
                    list(enumerate(state.chunk_ids)),
                )
            (self.directory / VECTORS_FILE).unlink(missing_ok=True)
            shutil.rmtree(self.directory / BM25_DIR, ignore_errors=True)
            state.vectors.save(self.directory / VECTORS_FILE)
            state.bm25.save(self.directory / BM25_DIR)
            fsync_tree(self.directory)
            self.manifest = self._manifest(state)
            tmp = self.directory / f".{MANIFEST_FILE}.tmp"
            with tmp.open("w", encoding="utf-8") as f:
                json.dump(self.manifest, f, indent=1, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.directory / MANIFEST_FILE)
            fsync_dir(self.directory)

    # ---- reading ----------------------------------------------------------------------------

    @property
    def chunk_count(self) -> int:
        return len(self._search_state().chunk_ids)

    def bm25_search(
        self, query: str | Sequence[str], k: int, doc_ids: Sequence[str] | None = None
    ) -> list[ScoredId]:
        """The top-k chunks by BM25 over ``index.tokenize`` terms, best first (exact); ``query``
        is text, or terms already tokenized (the query language's plan)."""
        state = self._search_state()
        rows = _rows_of(state, doc_ids)
        terms = tokenize(query) if isinstance(query, str) else list(query)
        pairs = state.bm25.top_k(terms, k, rows)
        return [ScoredId(state.chunk_ids[row], score) for row, score in pairs]

    def vocabulary(self) -> dict[str, int]:
        """Every BM25 term with the number of chunks that hold it."""
        return self._search_state().bm25.vocabulary()

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each BM25 term (``index.tokenize`` terms; 0 when none does)."""
        return self._search_state().bm25.document_frequencies(terms)

    def vector_search(
        self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None
    ) -> list[ScoredId]:
        """The top-k chunks by inner product with a unit-length query vector, best first."""
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape != (self.model.dimension,):
            raise ValueError(
                f"query vector must have {self.model.dimension} values, got {query.size}"
            )
        state = self._search_state()
        pairs = state.vectors.top_k(query, k, _rows_of(state, doc_ids))
        return [ScoredId(state.chunk_ids[row], score) for row, score in pairs]

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked (unknown ids are left out)."""
        found: dict[str, Chunk] = {}
        wanted = list(dict.fromkeys(chunk_ids))
        with self._lock:
            for start in range(0, len(wanted), 500):  # SQLite caps bound parameters
                batch = wanted[start : start + 500]
                marks = ",".join("?" * len(batch))
                for row in self._conn.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({marks})", batch
                ):
                    found[row[0]] = _chunk_from_row(row)
        return [found[c] for c in chunk_ids if c in found]

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        """The stored sentences of chunks, by chunk id (chunks stored without them are absent)."""
        rows: dict[str, list[tuple[int, int, str, bytes]]] = {}
        wanted = list(dict.fromkeys(chunk_ids))
        with self._lock:
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                marks = ",".join("?" * len(batch))
                for chunk_id, a, b, terms, blob in self._conn.execute(
                    f"SELECT chunk_id, start, end, terms, vector FROM sentences "
                    f"WHERE chunk_id IN ({marks}) ORDER BY chunk_id, ordinal",
                    batch,
                ):
                    rows.setdefault(chunk_id, []).append((a, b, terms, blob))
        dim = self.model.dimension
        return {
            chunk_id: ChunkSentences(
                spans=[(a, b) for a, b, _, _ in found],
                terms=[json.loads(t) for _, _, t, _ in found],
                vectors=np.frombuffer(b"".join(v for *_, v in found), dtype="<f2").reshape(-1, dim),
            )
            for chunk_id, found in rows.items()
        }

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """A document's chunks in order."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
            ).fetchall()
        return [_chunk_from_row(row) for row in rows]

    def documents(self) -> list[DocumentInfo]:
        """Every stored document, by doc id."""
        with self._lock:
            rows = self._conn.execute(
                """SELECT d.doc_id, d.meta, d.content_hash, d.pages, d.warnings,
                    (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id),
                    (SELECT COUNT(*) FROM footnotes f WHERE f.doc_id = d.doc_id),
                    (SELECT COUNT(*) FROM footnotes f WHERE f.doc_id = d.doc_id
                        AND f.note IS NOT NULL)
                FROM documents d ORDER BY d.doc_id"""
            ).fetchall()
        return [
            DocumentInfo(
                meta=DocumentMeta(**json.loads(meta)),
                content_hash=content_hash,
                pages=len(json.loads(pages)),
                chunks=n_chunks,
                footnotes=n_notes,
                notes_found=n_found,
                warnings=json.loads(warnings),
            )
            for _, meta, content_hash, pages, warnings, n_chunks, n_notes, n_found in rows
        ]

    def document_text(self, doc_id: str) -> ParsedDocument | None:
        """A stored document with its source text, pages, clean body and footnotes, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT meta, content_hash, source_text, pages, body, offsets, marker_positions, "
                "warnings FROM documents WHERE doc_id = ?",
                (doc_id,),
            ).fetchone()
        if row is None:
            return None
        meta, content_hash, source_text, pages, body, offsets, markers, warnings = row
        return ParsedDocument(
            meta=DocumentMeta(**json.loads(meta)),
            source_text=source_text,
            content_hash=content_hash,
            pages=[Page(**p) for p in json.loads(pages)],
            body=body,
            offsets=np.frombuffer(zlib.decompress(offsets), dtype="<i8").tolist(),
            footnotes=self.footnotes(doc_id),
            marker_positions=[(pos, Marker(**m)) for pos, m in json.loads(markers)],
            warnings=json.loads(warnings),
        )

    def footnotes(self, doc_id: str) -> list[Footnote]:
        """A document's footnotes with their markers, in number order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT n, note, urls, page, markers FROM footnotes WHERE doc_id = ? "
                "ORDER BY n, position",
                (doc_id,),
            ).fetchall()
        return [
            Footnote(
                n=n,
                note=note,
                urls=json.loads(urls),
                page=page,
                markers=[Marker(**m) for m in json.loads(markers)],
            )
            for n, note, urls, page, markers in rows
        ]

    def sources(self) -> dict[str, SourceFile]:
        """The corpus file each document came from, for documents added with one."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT doc_id, source_path, source_sha256, source_size FROM documents "
                "WHERE source_path IS NOT NULL"
            ).fetchall()
        return {doc_id: SourceFile(path, sha, size) for doc_id, path, sha, size in rows}

    def get_cached_embeddings(self, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors of this store's model already computed for texts (chunks or sentences), by
        ``text_hash``; sentence vectors come back from float16."""
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(text_hashes))
        with self._lock:
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                marks = ",".join("?" * len(batch))
                for text_hash, blob in self._conn.execute(
                    f"SELECT text_sha256, vector FROM embeddings WHERE weights_hash = ? "
                    f"AND text_sha256 IN ({marks})",
                    [self.model.weights_hash, *batch],
                ):
                    found[text_hash] = np.frombuffer(blob, dtype="<f4").copy()
            rest = [h for h in wanted if h not in found]
            for start in range(0, len(rest), 500):
                batch = rest[start : start + 500]
                marks = ",".join("?" * len(batch))
                for text_hash, blob in self._conn.execute(
                    f"SELECT text_sha256, vector FROM sentences WHERE text_sha256 IN ({marks})",
                    batch,
                ):
                    found[text_hash] = np.frombuffer(blob, dtype="<f2").astype(np.float32)
        return found

    # ---- internals --------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if not self.writable:
            raise PermissionError(f"the index at {self.directory} is open read-only")

    def _invalidate(self) -> None:
        self._state = None
        # The files on disk no longer describe the database: the directory is unfinished until
        # the next commit, and open() must say so rather than trust a stale manifest.
        (self.directory / MANIFEST_FILE).unlink(missing_ok=True)

    def _delete_document(self, doc_id: str) -> None:
        for table in ("sentences", "chunks", "footnotes", "documents"):
            self._conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))

    def _put_embeddings(self, text_hashes: Sequence[str], vectors: np.ndarray) -> None:
        if vectors.shape != (len(text_hashes), self.model.dimension):
            raise ValueError(
                f"expected vectors of shape {(len(text_hashes), self.model.dimension)}"
            )
        self._conn.executemany(
            "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
            [
                (h, self.model.weights_hash, v.astype("<f4").tobytes())
                for h, v in zip(text_hashes, vectors, strict=True)
            ],
        )

    def _search_state(self) -> _SearchState:
        with self._lock:
            if self._state is None:
                self._state = self._build_search_state()
            return self._state

    def _build_search_state(self) -> _SearchState:
        """Build both indexes from the database (rows ordered by doc id, then ordinal)."""
        chunk_ids: list[str] = []
        doc_ids: list[str] = []
        terms: list[list[str]] = []
        vectors = []
        for chunk_id, doc_id, chunk_terms, blob in self._conn.execute(
            "SELECT c.chunk_id, c.doc_id, c.terms, e.vector FROM chunks c "
            "LEFT JOIN embeddings e ON e.text_sha256 = c.text_sha256 AND e.weights_hash = ? "
            "ORDER BY c.doc_id, c.ordinal",
            (self.model.weights_hash,),
        ):
            if blob is None:
                raise RuntimeError(f"chunk {chunk_id} has no vector in the store")
            chunk_ids.append(chunk_id)
            doc_ids.append(doc_id)
            terms.append(json.loads(chunk_terms))
            vectors.append(np.frombuffer(blob, dtype="<f4"))
        matrix = np.vstack(vectors) if vectors else np.zeros((0, self.model.dimension), np.float32)
        options = self.options
        vector_index = VectorIndex.build(
            matrix,
            options.vector_kind(len(chunk_ids)),
            hnsw_m=options.hnsw_m,
            ef_search=options.hnsw_ef_search,
        )
        return _SearchState(
            chunk_ids=chunk_ids,
            doc_rows=_group_rows(doc_ids),
            bm25=BM25Index.build(terms, options.bm25),
            vectors=vector_index,
        )

    def _manifest(self, state: _SearchState) -> dict[str, Any]:
        with self._lock:
            corpus = [
                {"doc_id": doc_id, "path": path, "sha256": sha, "size": size}
                for doc_id, path, sha, size in self._conn.execute(
                    "SELECT doc_id, source_path, source_sha256, source_size FROM documents "
                    "ORDER BY doc_id"
                )
            ]
        return {
            "format_version": FORMAT_VERSION,
            "model": asdict(self.model),
            "libraries": library_versions(),
            "tokenizer": TOKENIZER_VERSION,
            "options": self.options.to_json(),
            "vector_index": state.vectors.kind,
            "document_count": len(corpus),
            "chunk_count": len(state.chunk_ids),
            "corpus": corpus,
            "files": [
                {"name": name, "size": path.stat().st_size, "sha256": _file_sha256(path)}
                for name, path in _store_files(self.directory)
            ],
        }


# ---- helpers ------------------------------------------------------------------------------------


def _rows_of(state: _SearchState, doc_ids: Sequence[str] | None) -> np.ndarray | None:
    if doc_ids is None:
        return None
    parts = [state.doc_rows[d] for d in dict.fromkeys(doc_ids) if d in state.doc_rows]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _group_rows(doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for row, doc_id in enumerate(doc_ids):
        groups.setdefault(doc_id, []).append(row)
    return {d: np.asarray(rows, dtype=np.int64) for d, rows in groups.items()}


def _chunk_from_row(row: tuple[Any, ...]) -> Chunk:
    chunk_id, doc_id, ordinal, text, citations, page_start, page_end, char_start, char_end = row
    return Chunk(
        chunk_id=chunk_id,
        doc_id=doc_id,
        ordinal=ordinal,
        text=text,
        citations=[Citation(**c) for c in json.loads(citations)],
        page_start=page_start,
        page_end=page_end,
        char_start=char_start,
        char_end=char_end,
    )


def _store_files(directory: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_file() and name != MANIFEST_FILE and not name.startswith("."):
            yield name, path


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str | None) -> str | None:
    return ".".join(version.split(".")[:2]) if version else None


def _check_manifest(
    manifest: dict[str, Any],
    model: ModelInfo,
    path: Path,
    expect_model: str | None,
    expect_dim: int | None,
    expect_weights_hash: str | None,
) -> None:
    """Refuse an index written by other code or for another model."""
    problems = []
    if manifest.get("format_version") != FORMAT_VERSION:
        problems.append(
            f"format version {manifest.get('format_version')}, this citesearch reads {FORMAT_VERSION}"
        )
    if manifest.get("tokenizer") != TOKENIZER_VERSION:
        problems.append(f"BM25 tokenizer {manifest.get('tokenizer')}, now {TOKENIZER_VERSION}")
    if expect_model is not None and model.name != expect_model:
        problems.append(f"model {model.name}, expected {expect_model}")
    if expect_dim is not None and model.dimension != expect_dim:
        problems.append(f"vectors of dimension {model.dimension}, expected {expect_dim}")
    if expect_weights_hash is not None and model.weights_hash != expect_weights_hash:
        problems.append(
            f"model weights {model.weights_hash[:12]}, the loaded model has {expect_weights_hash[:12]}"
        )
    # File formats (FAISS, bm25s) and vectors (sentence-transformers) may change between minor
    # releases; patch releases are trusted.
    recorded = manifest.get("libraries", {})
    for name, version in library_versions().items():
        if _major_minor(recorded.get(name)) != _major_minor(version):
            problems.append(f"{name} {recorded.get(name)}, installed {version}")
    if problems:
        raise IndexMismatch(
            f"index at {path} does not match this citesearch: {'; '.join(problems)}. {REBUILD_HINT}"
        )


def _check_files(
    directory: Path, manifest: dict[str, Any], path: Path, verify_checksums: bool
) -> None:
    """Refuse an index whose files are missing, truncated or altered since the manifest."""
    try:
        files = [(f["name"], int(f["size"]), f["sha256"]) for f in manifest["files"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexMismatch(
            f"index manifest at {path} has no valid file list; {REBUILD_HINT}"
        ) from exc
    for name, size, sha in files:
        file = directory / name
        if not file.is_file():
            raise IndexMismatch(f"index at {path} is missing {name}; {REBUILD_HINT}")
        if file.stat().st_size != size:
            raise IndexMismatch(
                f"index file {name} at {path} has {file.stat().st_size} bytes, the manifest says "
                f"{size}: the index is damaged; {REBUILD_HINT}"
            )
        if verify_checksums and _file_sha256(file) != sha:
            raise IndexMismatch(
                f"index file {name} at {path} differs from the manifest (checksum): the index is "
                f"damaged; {REBUILD_HINT}"
            )


def _load_search_state(
    conn: sqlite3.Connection,
    directory: Path,
    manifest: dict[str, Any],
    model: ModelInfo,
    options: StoreOptions,
) -> _SearchState:
    rows = conn.execute(
        "SELECT chunk_id, doc_id, search_row FROM chunks ORDER BY search_row"
    ).fetchall()
    expected = int(manifest["chunk_count"])
    if len(rows) != expected or [r[2] for r in rows] != list(range(len(rows))):
        raise IndexMismatch(
            f"index at {directory} holds {len(rows)} chunks, the manifest says {expected}; {REBUILD_HINT}"
        )
    vectors = VectorIndex.load(
        directory / VECTORS_FILE, manifest["vector_index"], ef_search=options.hnsw_ef_search
    )
    bm25 = BM25Index.load(directory / BM25_DIR)
    if vectors.ntotal != len(rows) or bm25.num_docs != len(rows):
        raise IndexMismatch(
            f"index at {directory}: {vectors.ntotal} vectors and {bm25.num_docs} BM25 rows for "
            f"{len(rows)} chunks; {REBUILD_HINT}"
        )
    if vectors.dimension != model.dimension:
        raise IndexMismatch(f"index at {directory} holds vectors of the wrong size; {REBUILD_HINT}")
    return _SearchState(
        chunk_ids=[r[0] for r in rows],
        doc_rows=_group_rows([r[1] for r in rows]),
        bm25=bm25,
        vectors=vectors,
    )
