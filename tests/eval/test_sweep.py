"""The fast fusion sweep scores fused rankings as the searcher's hybrid mode ranks them."""

from __future__ import annotations

from eval.metrics import evaluate
from eval.qa import load_questions
from eval.runner import all_chunks, qa_qrels, rank_scores, shown_order
from eval.sweep import SweepRow, retriever_lists, sweep, sweep_table
from index.embedded_store import EmbeddedStore
from retrieval.records import Fusion
from retrieval.search import Searcher


def test_sweep_matches_the_searchers_hybrid_ranking(searcher: Searcher) -> None:
    store = searcher.store
    assert isinstance(store, EmbeddedStore)
    questions = load_questions()[:20]
    qrels = qa_qrels(questions, all_chunks(store))
    queries = {item.id: item.question for item in questions}
    bm25, dense = retriever_lists(store, searcher.embedder, queries, 50)
    rows = sweep(bm25, dense, qrels, rrf_ks=[60], dense_weights=[0.5], depths=[50])
    assert [(r.fusion, r.parameter, r.depth) for r in rows] == [
        ("bm25", None, 50),
        ("dense", None, 50),
        ("rrf", 60, 50),
        ("weighted", 0.5, 50),
    ]
    # Ten results fuse the top 50 of each retriever, as the sweep did.
    pairs: list[tuple[SweepRow, Fusion]] = [(rows[2], "rrf"), (rows[3], "weighted")]
    for row, fusion in pairs:
        run = {
            qid: rank_scores(
                shown_order(searcher.search(text, k=10, mode="hybrid", fusion=fusion).hits)
            )
            for qid, text in queries.items()
        }
        searched = evaluate(run, qrels, ["mrr@10", "ndcg@10"])
        for metric, value in searched.items():
            assert abs(row.metrics[metric] - value) <= 0.05, (fusion, metric)
    table = sweep_table(rows)
    assert table.count("\n") == len(rows) + 1
    assert "| weighted | 0.5 | 50 |" in table
