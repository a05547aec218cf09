"""The embedded store's in-memory search state: the bm25s and FAISS indexes and who each row is.

Row i of both indexes is the chunk whose ``search_row`` is i: chunks ordered by doc id, then
ordinal. A writable store builds the state from its database; a committed one loads it from
``vectors.faiss`` and ``bm25/`` and checks it against the database and the manifest.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.bm25_index import BM25Index
from index.embedded import rows
from index.embedded.manifest import REBUILD_HINT
from index.store import IndexMismatch, ModelInfo
from index.store_options import StoreOptions
from index.vector_index import VectorIndex

VECTORS_FILE = "vectors.faiss"
BM25_DIR = "bm25"


@dataclass
class SearchState:
    """What searches need in memory: the two indexes and who each row is."""

    chunk_ids: list[str]
    doc_rows: dict[str, np.ndarray]
    bm25: BM25Index
    vectors: VectorIndex

    def rows_of(self, doc_ids: Sequence[str] | None) -> np.ndarray | None:
        """The rows of these documents' chunks (None: every row; unknown ids are ignored)."""
        if doc_ids is None:
            return None
        parts = [self.doc_rows[d] for d in dict.fromkeys(doc_ids) if d in self.doc_rows]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def save(self, directory: Path) -> None:
        """Write both indexes into a store directory, replacing any there."""
        (directory / VECTORS_FILE).unlink(missing_ok=True)
        shutil.rmtree(directory / BM25_DIR, ignore_errors=True)
        self.vectors.save(directory / VECTORS_FILE)
        self.bm25.save(directory / BM25_DIR)


def build_search_state(
    conn: sqlite3.Connection, model: ModelInfo, options: StoreOptions
) -> SearchState:
    """Build both indexes from the database (rows ordered by doc id, then ordinal)."""
    chunk_ids: list[str] = []
    doc_ids: list[str] = []
    terms: list[list[str]] = []
    vectors = []
    for chunk_id, doc_id, chunk_terms, blob in rows.chunks_for_search(conn, model.weights_hash):
        if blob is None:
            raise RuntimeError(f"chunk {chunk_id} has no vector in the store")
        chunk_ids.append(chunk_id)
        doc_ids.append(doc_id)
        terms.append(chunk_terms)
        vectors.append(np.frombuffer(blob, dtype="<f4"))
    matrix = np.vstack(vectors) if vectors else np.zeros((0, model.dimension), np.float32)
    vector_index = VectorIndex.build(
        matrix,
        options.vector_kind(len(chunk_ids)),
        hnsw_m=options.hnsw_m,
        ef_search=options.hnsw_ef_search,
    )
    return SearchState(
        chunk_ids=chunk_ids,
        doc_rows=_group_rows(doc_ids),
        bm25=BM25Index.build(terms, options.bm25),
        vectors=vector_index,
    )


def load_search_state(
    conn: sqlite3.Connection,
    directory: Path,
    manifest: dict[str, Any],
    model: ModelInfo,
    options: StoreOptions,
) -> SearchState:
    """Read both indexes of a committed store, refusing any that disagree with its database."""
    found = rows.search_rows(conn)
    expected = int(manifest["chunk_count"])
    if len(found) != expected or [r[2] for r in found] != list(range(len(found))):
        raise IndexMismatch(
            f"index at {directory} holds {len(found)} chunks, the manifest says {expected}; "
            f"{REBUILD_HINT}"
        )
    vectors = VectorIndex.load(
        directory / VECTORS_FILE, manifest["vector_index"], ef_search=options.hnsw_ef_search
    )
    bm25 = BM25Index.load(directory / BM25_DIR)
    if vectors.ntotal != len(found) or bm25.num_docs != len(found):
        raise IndexMismatch(
            f"index at {directory}: {vectors.ntotal} vectors and {bm25.num_docs} BM25 rows for "
            f"{len(found)} chunks; {REBUILD_HINT}"
        )
    if vectors.dimension != model.dimension:
        raise IndexMismatch(f"index at {directory} holds vectors of the wrong size; {REBUILD_HINT}")
    return SearchState(
        chunk_ids=[r[0] for r in found],
        doc_rows=_group_rows([r[1] for r in found]),
        bm25=bm25,
        vectors=vectors,
    )


def _group_rows(doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for row, doc_id in enumerate(doc_ids):
        groups.setdefault(doc_id, []).append(row)
    return {d: np.asarray(rows, dtype=np.int64) for d, rows in groups.items()}
