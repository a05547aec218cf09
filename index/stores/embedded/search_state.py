"""The embedded store's in-memory search state: the bm25s and FAISS indexes and who each row is.

Row i of every index is the chunk whose ``search_row`` is i: chunks ordered by doc id, then
ordinal. A writable store builds the state from its database; a committed one loads it from
``vectors.faiss`` (``vectors.second.faiss``: the second model's, when the store has one),
``bm25/`` and ``bm25_notes/`` (BM25 over each chunk's notes document, whose posting lists are also
the keyed look-up of ``cites:`` filters) and checks it against the database and the manifest.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.stores.base import IndexMismatch, ModelInfo
from index.stores.bm25_index import BM25Index
from index.stores.embedded import sqlite_rows
from index.stores.embedded.manifest import REBUILD_HINT
from index.stores.options import StoreOptions
from index.stores.vector_index import VectorIndex
from index.text.entity_names import FILTER_PREFIX

VECTORS_FILE = "vectors.faiss"
SECOND_VECTORS_FILE = "vectors.second.faiss"
BM25_DIR = "bm25"
NOTES_BM25_DIR = "bm25_notes"


@dataclass
class SearchState:
    """What searches need in memory: the indexes and who each row is."""

    chunk_ids: list[str]
    doc_rows: dict[str, np.ndarray]
    bm25: BM25Index
    notes: BM25Index  # each chunk's notes document (``index.text.note_terms``)
    vectors: VectorIndex
    second: VectorIndex | None = None  # the second model's vectors (``ModelInfo.second``)
    # Entity filter key -> the rows mentioning it, ascending (read from the database on load).
    entities: dict[str, np.ndarray] = field(default_factory=dict)
    # Rows of chunks stored words first, without vectors yet (a zero row in each vector index):
    # ascending, never returned by a vector search (``manifest["pending_rows"]`` on disk).
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def dense_top_k(
        self,
        index: VectorIndex,
        query: np.ndarray,
        k: int,
        doc_ids: Sequence[str] | None,
        cites: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]:
        """``index.top_k`` within ``rows_of(doc_ids, cites)``, never a row stored without vectors
        (their zero rows are asked past, not filtered, when every row competes: a filter over
        the whole index would cost more than the few rows it drops)."""
        rows = self.rows_of(doc_ids, cites)
        if not len(self.pending):
            return index.top_k(query, k, rows)
        if rows is not None:
            return index.top_k(query, k, np.setdiff1d(rows, self.pending))
        pending = set(self.pending.tolist())
        pairs = index.top_k(query, k + len(pending))
        return [(row, score) for row, score in pairs if row not in pending][:k]

    def pending_documents(self) -> set[str]:
        """The documents some of whose chunks have no vectors yet."""
        if not len(self.pending):
            return set()
        pending = set(self.pending.tolist())
        return {doc for doc, rows in self.doc_rows.items() if not pending.isdisjoint(rows.tolist())}

    def rows_of(
        self, doc_ids: Sequence[str] | None, cites: Sequence[str] | None = None
    ) -> np.ndarray | None:
        """The rows of these documents' chunks whose notes hold every ``cites`` term and that
        mention every entity among them (keys prefixed ``@``: ``index.text.entity_names``)
        (None: every row; unknown document ids are ignored, an unknown term leaves no row)."""
        rows: np.ndarray | None = None
        if doc_ids is not None:
            parts = [self.doc_rows[d] for d in dict.fromkeys(doc_ids) if d in self.doc_rows]
            rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        notes = [c for c in cites or () if not c.startswith(FILTER_PREFIX)]
        if notes:
            citing = self.notes.rows_with(notes)
            rows = citing if rows is None else np.intersect1d(rows, citing)
        for key in dict.fromkeys(c for c in cites or () if c.startswith(FILTER_PREFIX)):
            naming = self.entities.get(key, np.zeros(0, dtype=np.int64))
            rows = naming if rows is None else np.intersect1d(rows, naming)
        return rows

    def save(self, directory: Path) -> None:
        """Write the indexes into a store directory, replacing any there."""
        for name in (VECTORS_FILE, SECOND_VECTORS_FILE):
            (directory / name).unlink(missing_ok=True)
        shutil.rmtree(directory / BM25_DIR, ignore_errors=True)
        shutil.rmtree(directory / NOTES_BM25_DIR, ignore_errors=True)
        self.vectors.save(directory / VECTORS_FILE)
        if self.second is not None:
            self.second.save(directory / SECOND_VECTORS_FILE)
        self.bm25.save(directory / BM25_DIR)
        self.notes.save(directory / NOTES_BM25_DIR)


def build_search_state(
    conn: sqlite3.Connection, model: ModelInfo, options: StoreOptions
) -> SearchState:
    """Build the indexes from the database (rows ordered by doc id, then ordinal)."""
    chunk_ids: list[str] = []
    doc_ids: list[str] = []
    terms: list[list[str]] = []
    note_terms: list[list[str]] = []
    for chunk_id, doc_id, chunk_terms, chunk_note_terms in sqlite_rows.chunks_for_search(conn):
        chunk_ids.append(chunk_id)
        doc_ids.append(doc_id)
        terms.append(chunk_terms)
        note_terms.append(chunk_note_terms)
    vectors, pending = _vector_index(conn, chunk_ids, model, options)
    second = None
    if model.second is not None:
        second, second_pending = _vector_index(conn, chunk_ids, model.second, options)
        pending = np.union1d(pending, second_pending)
    return SearchState(
        chunk_ids=chunk_ids,
        doc_rows=_group_rows(doc_ids),
        bm25=BM25Index.build(terms, options.bm25),
        notes=BM25Index.build(note_terms, options.bm25),
        vectors=vectors,
        second=second,
        entities=_entity_rows(conn),
        pending=pending,
    )


def _vector_index(
    conn: sqlite3.Connection, chunk_ids: Sequence[str], model: ModelInfo, options: StoreOptions
) -> tuple[VectorIndex, np.ndarray]:
    """The vector index of one model's vectors of the chunks, row i being ``chunk_ids[i]``, and
    the rows of chunks without a vector (stored words first: a zero row holds their place)."""
    vectors = []
    missing: list[int] = []
    zero = np.zeros(model.dimension, dtype=np.float32)
    found = sqlite_rows.chunk_vectors(conn, model.weights_hash)
    for row, (chunk_id, (read, blob)) in enumerate(zip(chunk_ids, found, strict=True)):
        if read != chunk_id:  # both reads order the chunks the same way
            raise RuntimeError(f"chunk {read} read where {chunk_id} was expected")
        if blob is None:
            missing.append(row)
            vectors.append(zero)
            continue
        vectors.append(np.frombuffer(blob, dtype="<f4"))
    matrix = np.vstack(vectors) if vectors else np.zeros((0, model.dimension), np.float32)
    index = VectorIndex.build(
        matrix,
        options.vector_kind(len(chunk_ids)),
        hnsw_m=options.hnsw_m,
        ef_search=options.hnsw_ef_search,
    )
    return index, np.asarray(missing, dtype=np.int64)


def load_search_state(
    conn: sqlite3.Connection,
    directory: Path,
    manifest: dict[str, Any],
    model: ModelInfo,
    options: StoreOptions,
) -> SearchState:
    """Read the indexes of a committed store, refusing any that disagree with its database."""
    found = sqlite_rows.search_rows(conn)
    expected = int(manifest["chunk_count"])
    if len(found) != expected or [r[2] for r in found] != list(range(len(found))):
        raise IndexMismatch(
            f"index at {directory} holds {len(found)} chunks, the manifest says {expected}; "
            f"{REBUILD_HINT}"
        )
    kind = manifest["vector_index"]
    vectors = VectorIndex.load(directory / VECTORS_FILE, kind, ef_search=options.hnsw_ef_search)
    second = (
        VectorIndex.load(directory / SECOND_VECTORS_FILE, kind, ef_search=options.hnsw_ef_search)
        if model.second is not None
        else None
    )
    bm25 = BM25Index.load(directory / BM25_DIR)
    notes = BM25Index.load(directory / NOTES_BM25_DIR)
    counts = [vectors.ntotal, bm25.num_docs, notes.num_docs]
    counts += [second.ntotal] if second is not None else []
    if any(count != len(found) for count in counts):
        raise IndexMismatch(
            f"index at {directory}: {vectors.ntotal} vectors"
            + (f", {second.ntotal} of the second model" if second is not None else "")
            + f", {bm25.num_docs} BM25 rows and {notes.num_docs} of notes for {len(found)} "
            f"chunks; {REBUILD_HINT}"
        )
    if vectors.dimension != model.dimension or (
        second is not None
        and model.second is not None
        and second.dimension != model.second.dimension
    ):
        raise IndexMismatch(f"index at {directory} holds vectors of the wrong size; {REBUILD_HINT}")
    return SearchState(
        chunk_ids=[r[0] for r in found],
        doc_rows=_group_rows([r[1] for r in found]),
        bm25=bm25,
        notes=notes,
        vectors=vectors,
        second=second,
        entities=_entity_rows(conn),
        pending=_pending_rows(manifest, len(found), directory),
    )


def _pending_rows(manifest: dict[str, Any], rows: int, directory: Path) -> np.ndarray:
    """The manifest's rows of chunks stored without vectors (none in a manifest without them)."""
    pending = np.asarray(sorted(manifest.get("pending_rows", [])), dtype=np.int64)
    if len(pending) and (pending[0] < 0 or pending[-1] >= rows):
        raise IndexMismatch(f"index at {directory}: a pending row out of range; {REBUILD_HINT}")
    return pending


def _group_rows(doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for row, doc_id in enumerate(doc_ids):
        groups.setdefault(doc_id, []).append(row)
    return {d: np.asarray(rows, dtype=np.int64) for d, rows in groups.items()}


def _entity_rows(conn: sqlite3.Connection) -> dict[str, np.ndarray]:
    """Each entity filter key's rows, from the keys the database holds per chunk."""
    groups: dict[str, list[int]] = {}
    for row, keys in enumerate(sqlite_rows.entity_keys_for_search(conn)):
        for key in keys:
            groups.setdefault(key, []).append(row)
    return {k: np.asarray(rows, dtype=np.int64) for k, rows in groups.items()}
