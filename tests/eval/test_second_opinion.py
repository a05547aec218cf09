"""The second-model measurement fuses as the searcher does when MiniLM weighs nothing, and MiniLM's
third list re-ranks the same candidates by MiniLM's own cosine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.beir import load_beir
from eval.beir_index import ensure_beir_index
from eval.second_opinion import ThreeWay, fuse_three, report, second_views, settings_grid
from eval.sweep import FusionSetting, beir_collection, fuse
from index.embed import Embedder
from retrieval.search import open_searcher


@pytest.fixture(scope="module")
def minilm() -> Embedder:
    return Embedder(model="minilm")


def test_two_way_settings_are_the_searchers_fusion_and_minilm_reranks_the_candidates(
    vaswani_slice: Path, embedder: Embedder, minilm: Embedder, tmp_path: Path
) -> None:
    dataset = load_beir(vaswani_slice)
    built = ensure_beir_index(vaswani_slice, dataset, tmp_path / "beir", embedder)
    searcher = open_searcher(built.path, embedder=embedder)
    collection = beir_collection(searcher, "vaswani-slice", dataset.queries, dataset.qrels, 100)
    views = second_views(collection, searcher, minilm)
    for qid, text in collection.queries.items():
        bm25, dense = collection.bm25[qid], collection.dense[qid]
        # MiniLM at weight 0 is the searcher's weighted fusion, list for list.
        two_way = fuse_three(ThreeWay(0.6, 0.4, 0.0, 50), views, qid)
        assert two_way == fuse(FusionSetting("weighted", 0.4, 50), text, bm25, dense)
        # MiniLM alone orders the union of the two lists by its cosine with the query.
        alone = [c for c, _ in fuse_three(ThreeWay(0.0, 0.0, 1.0, 20), views, qid)]
        candidates = {c for c, _ in bm25[:20]} | {c for c, _ in dense[:20]}
        assert set(alone) == candidates
        chunks = {c.chunk_id: c.text for c in searcher.store.get_chunks(alone)}
        query = minilm.encode_query(text)
        cosines = [float(minilm.encode([chunks[c]])[0] @ query) for c in alone[:3]]
        assert cosines == sorted(cosines, reverse=True)
        assert np.isclose(cosines[0], float(views.chunk_vectors[alone[0]] @ query), atol=1e-5)
    table = report([views, views], settings_grid((20,)), top=3)
    assert "(the searcher's default)" not in table  # the default fuses at depth 100
    assert table.count("| vaswani-slice | three-way |") == 2
    assert table.count("| vaswani-slice | two-way |") == 2
