"""Pseudo-relevance feedback moves a query vector toward the passages ranked first, and searches
each model's vectors again with it."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.feedback import FEEDBACK_WEIGHT, feedback_lists, feedback_vector
from retrieval.search import Searcher


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_query_moves_toward_the_passages_and_stays_unit_length() -> None:
    query = _unit(1.0, 0.0, 0.0)
    passages = np.stack([_unit(0.0, 1.0, 0.0), _unit(0.0, 1.0, 1.0)])
    moved = feedback_vector(query, passages, 0.3)
    centroid = passages.mean(axis=0) / np.linalg.norm(passages.mean(axis=0))
    assert moved.dtype == np.float32 and float(np.linalg.norm(moved)) == pytest.approx(1.0)
    assert float(moved @ centroid) > float(query @ centroid)
    expected = query + 0.3 * centroid
    np.testing.assert_allclose(moved, expected / np.linalg.norm(expected), atol=1e-6)
    # A heavier weight moves it further.
    assert float(feedback_vector(query, passages, 1.0) @ centroid) > float(moved @ centroid)


def test_no_passage_no_weight_or_no_direction_leaves_the_query_as_it_is() -> None:
    query = _unit(0.6, 0.8)
    np.testing.assert_array_equal(feedback_vector(query, np.zeros((0, 2), np.float32), 0.3), query)
    np.testing.assert_array_equal(feedback_vector(query, np.stack([_unit(1.0, 0.0)]), 0.0), query)
    opposite = np.stack([_unit(1.0, 0.0), _unit(-1.0, 0.0)])  # their mean is zero
    np.testing.assert_array_equal(feedback_vector(query, opposite, 0.3), query)


def test_feedback_lists_search_each_model_with_its_moved_query(searcher: Searcher) -> None:
    store, e5, minilm = searcher.store, searcher.embedder, searcher.embedder.second
    assert minilm is not None
    question = "Which Belarusian tractors were assembled in Africa?"
    vectors = {"dense": e5.encode_query(question), "minilm": minilm.encode_query(question)}
    top = [s.chunk_id for s in store.vector_search(vectors["dense"], 4)]
    lists = feedback_lists(store, vectors, top, FEEDBACK_WEIGHT, 50)
    assert set(lists) == {"dense", "minilm"}
    for name, second in (("dense", False), ("minilm", True)):
        moved = feedback_vector(vectors[name], store.chunk_vectors(top, second=second), 0.3)
        search = store.second_vector_search if second else store.vector_search
        assert lists[name] == [(s.chunk_id, s.score) for s in search(moved, 50)]
        assert len(lists[name]) == 50
    # Within a document filter, as the first search.
    only = ["belarus-new-export-markets"]
    filtered = feedback_lists(store, vectors, top, FEEDBACK_WEIGHT, 20, only)
    chunks = store.get_chunks([cid for cid, _ in filtered["dense"] + filtered["minilm"]])
    assert chunks and {c.doc_id for c in chunks} == set(only)
