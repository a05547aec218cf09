"""Inner-product search over unit-length chunk vectors with FAISS, optionally within a subset of rows.

Rows are FAISS's own sequential ids (the order vectors were added); the store maps rows to chunk
ids, so no IndexIDMap is needed. "flat" (IndexFlatIP) is exact; "hnsw" (IndexHNSWFlat, inner
product) trades a little recall for speed on large collections.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.stores.options import VectorIndexKind

__all__ = ["VectorIndex", "VectorIndexKind"]


# A filtered HNSW search below this many rows scores them exactly instead: the graph walk with a
# selector can miss or under-fill results when the allowed rows are a small part of the graph.
_EXACT_SUBSET_LIMIT = 50_000


class VectorIndex:
    """Top-k by inner product over a fixed set of vectors."""

    def __init__(self, index: Any, kind: VectorIndexKind, ef_search: int = 128) -> None:
        self._index = index
        self.kind = kind
        self.ef_search = ef_search

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        kind: VectorIndexKind = "flat",
        *,
        hnsw_m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 128,
    ) -> VectorIndex:
        """Index the rows of a (n, d) float32 matrix of unit-length vectors."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        index: Any  # faiss's stubs know neither IndexHNSWFlat.hnsw nor SearchParametersHNSW
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.hnsw.efSearch = ef_search
        else:
            raise ValueError(f"unknown vector index kind {kind!r}; choose 'flat' or 'hnsw'")
        if len(vectors):
            index.add(vectors)
        return cls(index, kind, ef_search)

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def top_k(
        self, vector: np.ndarray, k: int, rows: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The k best (row, inner product) pairs, best first.

        With ``rows`` only those rows compete; exact within them for "flat", and for "hnsw"
        whenever the subset is small enough to score directly.
        """
        if k <= 0 or self.ntotal == 0:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        if rows is not None:
            rows = np.unique(np.asarray(rows, dtype=np.int64))
            if len(rows) == 0:
                return []
            if self.kind == "hnsw" and len(rows) <= _EXACT_SUBSET_LIMIT:
                sims = self._index.reconstruct_batch(rows) @ query[0]
                order = np.lexsort((rows, -sims))[:k]
                return [(int(rows[i]), float(sims[i])) for i in order]
        params = self._search_params(rows)
        scores, ids = self._index.search(query, min(k, self.ntotal), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _search_params(self, rows: np.ndarray | None) -> Any:
        lib: Any = faiss
        selector = lib.IDSelectorBatch(rows) if rows is not None else None
        if self.kind == "hnsw":
            return lib.SearchParametersHNSW(sel=selector, efSearch=self.ef_search)
        return lib.SearchParameters(sel=selector) if selector is not None else None

    def vectors_at(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of these rows, in the order given, as a (len(rows), d) matrix."""
        if len(rows) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        found = self._index.reconstruct_batch(np.asarray(rows, dtype=np.int64))
        return np.asarray(found, dtype=np.float32).reshape(len(rows), self.dimension)

    def vectors(self) -> np.ndarray:
        """All stored vectors as a (n, d) float32 matrix."""
        if self.ntotal == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(0, self.ntotal), dtype=np.float32)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, kind: VectorIndexKind, ef_search: int = 128) -> VectorIndex:
        index: Any = faiss.read_index(str(path))
        if kind == "hnsw":
            index.hnsw.efSearch = ef_search
        return cls(index, kind, ef_search)
