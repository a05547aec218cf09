"""A reference BM25 ranking from rank-bm25, over the same chunks and terms as the store's BM25.

The store scores with bm25s ("lucene" variant). rank-bm25's ``BM25Okapi`` is an independent
implementation of Robertson and Zaragoza (2009), *The Probabilistic Relevance Framework: BM25 and
Beyond*; given the same ``index.text.tokenize`` terms and the same k1 and b, the two rankings should
agree closely, and a gap between them in the evaluation tables points at a bug, not at BM25.
The one deliberate difference is BM25Okapi's idf, ``log((N - n + 0.5) / (n + 0.5))`` floored at
a fraction of the mean idf, where Lucene uses ``log(1 + (N - n + 0.5) / (n + 0.5))``: the two
order documents alike except for terms found in about half of the collection or more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from index.records import Chunk
from index.stores.bm25_index import BM25Params
from index.text.tokenize import tokenize


class ReferenceBM25:
    """rank-bm25's BM25Okapi over chunk texts, answering with chunk ids.

    >>> from index.records import Chunk
    >>> chunks = [Chunk(str(i), "d", i, t, [], 1, 1, 0, 0) for i, t in enumerate(
    ...     ["potash exports grew", "tractors to Africa", "potash and tractors"])]
    >>> [cid for cid, _ in ReferenceBM25(chunks).search("potash", 5)]
    ['2', '0']
    """

    def __init__(self, chunks: Sequence[Chunk], params: BM25Params | None = None) -> None:
        params = params or BM25Params()
        self.chunk_ids = [chunk.chunk_id for chunk in chunks]
        corpus = [tokenize(chunk.text) for chunk in chunks]
        # rank-bm25 divides by the mean length and the vocabulary size: without a term, no model.
        has_terms = any(corpus)
        self._bm25 = BM25Okapi(corpus, k1=params.k1, b=params.b) if has_terms else None

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The top-k (chunk id, score) pairs with a positive score, best first, ties by position."""
        if self._bm25 is None or k < 1:
            return []
        scores = np.asarray(self._bm25.get_scores(tokenize(query)), dtype=np.float64)
        order = np.lexsort((np.arange(len(scores)), -scores))
        return [(self.chunk_ids[i], float(scores[i])) for i in order[:k] if scores[i] > 0]
