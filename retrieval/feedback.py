"""Pseudo-relevance feedback on query vectors: the query moved toward the passages ranked first.

Rocchio (1971), "Relevance feedback in information retrieval", on dense vectors as in Li et al.
(2023), "Pseudo relevance feedback with deep language models and dense retrievers", TOIS: the
query vector plus ``weight`` times the unit mean of the top passages' stored vectors, made unit
length again. No model runs: the passages' vectors are read from the index.

After the first fused ranking, the top 4 passages at weight 0.3 move both models' query vectors
and their lists are searched again (BM25's is not). A question ranked by e5 alone (in Cyrillic,
over English reports) gets none: following its own top passages led it astray. How 4 and 0.3 were
chosen, and what they did: docs/DECISIONS.md, pseudo-relevance feedback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from index.stores.base import StoreReader

FEEDBACK_PASSAGES = 4
FEEDBACK_WEIGHT = 0.3
FIRST_MODEL = "dense"
"""The first model's list; any other list name in ``feedback_lists`` is the second model's."""


def feedback_vector(query: np.ndarray, passages: np.ndarray, weight: float) -> np.ndarray:
    """``query`` moved toward the mean of ``passages`` (rows of unit vectors), unit length.

    With no passage, or weight 0, the query is returned as it is.

    >>> q = np.array([1.0, 0.0], dtype=np.float32)
    >>> feedback_vector(q, np.array([[0.0, 1.0]], dtype=np.float32), 1.0).round(3).tolist()
    [0.707, 0.707]
    """
    query = np.asarray(query, dtype=np.float32).reshape(-1)
    if weight <= 0 or len(passages) == 0:
        return query
    centroid = np.asarray(passages, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    if norm == 0.0:
        return query
    moved = query + weight * centroid / norm
    return np.asarray(moved / max(float(np.linalg.norm(moved)), 1e-12), dtype=np.float32)


def dense_lists(
    store: StoreReader,
    vectors: Mapping[str, np.ndarray],
    depth: int,
    doc_ids: Sequence[str] | None = None,
    cites: Sequence[str] = (),
) -> dict[str, list[tuple[str, float]]]:
    """Each dense list, ``depth`` deep within ``doc_ids`` (and the passages whose notes hold the
    ``cites`` terms), searched with its query vector (``vectors``: list name -> query vector,
    "dense" the first model's, any other the second model's). The searcher's first search, and
    its search again after feedback."""
    lists = {}
    for name, vector in vectors.items():
        search = store.vector_search if name == FIRST_MODEL else store.second_vector_search
        found = search(vector, depth, doc_ids, cites=cites)
        lists[name] = [(s.chunk_id, s.score) for s in found]
    return lists


def feedback_lists(
    store: StoreReader,
    vectors: Mapping[str, np.ndarray],
    top: Sequence[str],
    weight: float,
    depth: int,
    doc_ids: Sequence[str] | None = None,
    cites: Sequence[str] = (),
) -> dict[str, list[tuple[str, float]]]:
    """``dense_lists`` with each query vector moved toward the ``top`` passages' stored
    vectors (``feedback_vector``)."""
    moved = {
        name: feedback_vector(vector, store.chunk_vectors(top, second=name != FIRST_MODEL), weight)
        for name, vector in vectors.items()
    }
    return dense_lists(store, moved, depth, doc_ids, cites)
