"""A BM25 index over tokenized chunks (bm25s), searched exactly, optionally within a subset of rows.

Rows are positions in the list of token lists the index was built from; the store maps rows to
chunk ids. The parameters (``BM25Params``, in ``index.stores.options``) are bm25s's "lucene"
variant with k1=0.9, b=0.4 by default.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import bm25s
import numpy as np

from index.stores.options import BM25Method, BM25Params

__all__ = ["BM25Index", "BM25Method", "BM25Params"]

_PARAMS_FILE = "citesearch_bm25.json"


class BM25Index:
    """Exact BM25 top-k over a fixed list of token lists."""

    def __init__(self, retriever: bm25s.BM25 | None, num_docs: int, params: BM25Params) -> None:
        self._retriever = retriever  # None when no row has a single term
        self.num_docs = num_docs
        self.params = params

    @classmethod
    def build(cls, corpus_terms: Sequence[Sequence[str]], params: BM25Params) -> BM25Index:
        """Index token lists; row i is ``corpus_terms[i]``."""
        if not any(corpus_terms):
            return cls(None, len(corpus_terms), params)
        retriever = bm25s.BM25(
            k1=params.k1, b=params.b, method=params.method, idf_method=params.idf_method
        )
        retriever.index([list(terms) for terms in corpus_terms], show_progress=False)
        return cls(retriever, len(corpus_terms), params)

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """The BM25 score of every row (float32); a repeated query term counts each time."""
        if self._retriever is None:
            return np.zeros(self.num_docs, dtype=np.float32)
        vocab = self._retriever.vocab_dict
        ids = [vocab[t] for t in query_terms if t and t in vocab]
        if not ids:
            return np.zeros(self.num_docs, dtype=np.float32)
        return np.asarray(self._retriever.get_scores_from_ids(ids), dtype=np.float32)

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many rows hold each term (0 for a term no row holds)."""
        if self._retriever is None:
            return {t: 0 for t in terms}
        vocab = self._retriever.vocab_dict
        indptr = self._retriever.scores["indptr"]
        return {
            t: int(indptr[vocab[t] + 1] - indptr[vocab[t]]) if t and t in vocab else 0
            for t in terms
        }

    def rows_with(self, terms: Sequence[str]) -> np.ndarray:
        """The rows holding every one of ``terms``, ascending: read from the index's posting
        lists (one per term), so no row is scanned. No terms: every row."""
        if not terms:
            return np.arange(self.num_docs, dtype=np.int64)
        if self._retriever is None:
            return np.zeros(0, dtype=np.int64)
        vocab = self._retriever.vocab_dict
        indptr = self._retriever.scores["indptr"]
        indices = self._retriever.scores["indices"]
        found: np.ndarray | None = None
        for term in dict.fromkeys(terms):
            if not term or term not in vocab:
                return np.zeros(0, dtype=np.int64)
            column = vocab[term]
            rows = np.asarray(indices[indptr[column] : indptr[column + 1]], dtype=np.int64)
            found = rows if found is None else np.intersect1d(found, rows, assume_unique=True)
        assert found is not None
        return np.unique(found)

    def vocabulary(self) -> dict[str, int]:
        """Every term with the number of rows that hold it (its document frequency)."""
        if self._retriever is None:
            return {}
        terms = [t for t in self._retriever.vocab_dict if t]
        return {t: n for t, n in self.document_frequencies(terms).items() if n > 0}

    def top_k(
        self, query_terms: Sequence[str], k: int, rows: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The k best (row, score) pairs with a positive score, best first, ties by row.

        With ``rows`` only those rows compete; the result is exact within them.
        """
        if k <= 0 or self.num_docs == 0:
            return []
        scores = self.scores(query_terms)
        candidates = np.arange(self.num_docs) if rows is None else np.asarray(rows, dtype=np.int64)
        candidates = candidates[scores[candidates] > 0]
        if len(candidates) > k:
            # argpartition finds the k-th best score; keep every row tying with it so the sort
            # below breaks ties by row, not by partition order.
            kth = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
            candidates = candidates[scores[candidates] >= kth]
        order = np.lexsort((candidates, -scores[candidates]))[:k]
        return [(int(candidates[i]), float(scores[candidates[i]])) for i in order]

    def save(self, directory: Path) -> None:
        """Write the index into a directory (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"num_docs": self.num_docs, "params": asdict(self.params)}
        (directory / _PARAMS_FILE).write_text(json.dumps(meta), encoding="utf-8")
        if self._retriever is not None:
            self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read an index written by ``save``."""
        meta = json.loads((directory / _PARAMS_FILE).read_text(encoding="utf-8"))
        params = BM25Params(**meta["params"])
        retriever = None
        if (directory / "vocab.index.json").exists():
            retriever = bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
        return cls(retriever, int(meta["num_docs"]), params)
