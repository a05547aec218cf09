"""Fusion methods: reciprocal rank fusion and weighted normalised scores."""

from __future__ import annotations

import pytest

from retrieval.fusion import reciprocal_rank_fusion, weighted_score_fusion


def test_rrf_rewards_agreement_between_retrievers() -> None:
    fused = reciprocal_rank_fusion({"bm25": ["a", "b", "c"], "dense": ["c", "b", "d"]}, k=60)
    scores = dict(fused)
    # b is second in both lists; c is first in one and third in the other: found by both, they
    # lead a, which only one retriever found, even though a was ranked first there.
    assert scores["b"] == pytest.approx(2 / 62)
    assert scores["c"] == pytest.approx(1 / 61 + 1 / 63)
    assert [item for item, _ in fused] == ["c", "b", "a", "d"]
    assert scores["d"] == pytest.approx(1 / 63)


def test_rrf_small_k_favours_top_ranks() -> None:
    lists = {"x": ["a", "b"], "y": ["b", "c"]}
    assert reciprocal_rank_fusion(lists, k=1)[0][0] == "b"


def test_weighted_fusion_normalises_each_retriever() -> None:
    fused = weighted_score_fusion(
        {"bm25": [("a", 30.0), ("b", 10.0)], "dense": [("b", 0.9), ("c", 0.5)]},
        {"bm25": 0.5, "dense": 0.5},
    )
    scores = dict(fused)
    assert scores["a"] == pytest.approx(0.5)  # best BM25, absent from dense
    assert scores["b"] == pytest.approx(0.5)  # worst BM25, best dense
    assert scores["c"] == pytest.approx(0.0)


def test_weighted_fusion_weight_decides() -> None:
    lists = {"bm25": [("a", 2.0), ("b", 1.0)], "dense": [("b", 0.8), ("a", 0.1)]}
    assert weighted_score_fusion(lists, {"bm25": 0.8, "dense": 0.2})[0][0] == "a"
    assert weighted_score_fusion(lists, {"bm25": 0.2, "dense": 0.8})[0][0] == "b"
