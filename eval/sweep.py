"""Fusion settings swept in seconds: each retriever's list fetched once per query, fused many ways.

The searcher's hybrid mode fuses the top ``depth`` chunks of BM25 and of dense retrieval, with
``depth = max(50, 2 * (offset + k))`` (50 for the web page's ten results, 200 for the evaluation's
k=100). Here the two lists are fetched once at the largest depth and cut, then fused by
``retrieval.fusion`` exactly as the searcher does, for every RRF k, dense weight and depth asked.
What this leaves out (near-duplicate merging, answer sentences) does not reorder distinct
passages, so the figures match ``eval.runner``'s to within the odd merged duplicate.

    python -m eval.sweep --qa eval/data/qa.jsonl --index-dir var/index
    python -m eval.sweep --beir ../shared/benchmarks/vaswani --index-dir var/index
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.beir import load_beir
from eval.beir_index import ensure_beir_index
from eval.metrics import Qrels, evaluate
from eval.qa import load_questions
from eval.report import column_header
from eval.runner import all_chunks, answered_at, qa_qrels, rank_scores
from index.embed import Embedder
from index.embedded_store import EmbeddedStore, ModelInfo
from retrieval.fusion import reciprocal_rank_fusion, weighted_score_fusion

Ranked = list[tuple[str, float]]

RRF_KS = (5, 10, 20, 60, 100)
DENSE_WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
DEPTHS = (50, 200)
SWEEP_METRICS = ["recall@1", "recall@10", "mrr@10", "ndcg@10"]


@dataclass
class SweepRow:
    """One fusion setting and its mean metrics."""

    fusion: str  # "bm25", "dense", "rrf" or "weighted"
    parameter: float | None  # RRF k or dense weight
    depth: int
    metrics: dict[str, float]


def retriever_lists(
    store: EmbeddedStore, embedder: Embedder, queries: Mapping[str, str], depth: int
) -> tuple[dict[str, Ranked], dict[str, Ranked]]:
    """Each query's BM25 and dense top-``depth`` (chunk id, score) lists, best first."""
    bm25: dict[str, Ranked] = {}
    dense: dict[str, Ranked] = {}
    for qid, text in queries.items():
        bm25[qid] = [(s.chunk_id, s.score) for s in store.bm25_search(text, depth)]
        vector = embedder.encode_query(text)
        dense[qid] = [(s.chunk_id, s.score) for s in store.vector_search(vector, depth)]
    return bm25, dense


def sweep(
    bm25: Mapping[str, Ranked],
    dense: Mapping[str, Ranked],
    qrels: Qrels,
    *,
    metrics: Sequence[str] = SWEEP_METRICS,
    rrf_ks: Sequence[int] = RRF_KS,
    dense_weights: Sequence[float] = DENSE_WEIGHTS,
    depths: Sequence[int] = DEPTHS,
    answered: bool = False,
) -> list[SweepRow]:
    """Metrics of each retriever alone and of every fusion setting, at each depth."""

    def score(ranked: Mapping[str, Ranked]) -> dict[str, float]:
        run = {qid: rank_scores([cid for cid, _ in pairs]) for qid, pairs in ranked.items()}
        means = evaluate(run, qrels, list(metrics))
        if answered:
            means.update(answered_at(run, qrels, [1, 10]))
        return means

    top = max(depths)
    rows = [
        SweepRow("bm25", None, top, score(bm25)),
        SweepRow("dense", None, top, score(dense)),
    ]
    for depth in depths:
        cut_b = {qid: pairs[:depth] for qid, pairs in bm25.items()}
        cut_d = {qid: dense[qid][:depth] for qid in bm25}
        for k in rrf_ks:
            fused = {
                qid: reciprocal_rank_fusion(
                    {"bm25": [c for c, _ in cut_b[qid]], "dense": [c for c, _ in cut_d[qid]]}, k=k
                )
                for qid in cut_b
            }
            rows.append(SweepRow("rrf", k, depth, score(fused)))
        for weight in dense_weights:
            fused = {
                qid: weighted_score_fusion(
                    {"bm25": cut_b[qid], "dense": cut_d[qid]},
                    {"dense": weight, "bm25": 1.0 - weight},
                )
                for qid in cut_b
            }
            rows.append(SweepRow("weighted", weight, depth, score(fused)))
    return rows


def sweep_table(rows: Sequence[SweepRow]) -> str:
    """A Markdown table of the sweep, the best value of each column in bold."""
    metrics = list(rows[0].metrics) if rows else []
    best = {m: max(row.metrics[m] for row in rows) for m in metrics}
    lines = [
        "| fusion | k / dense weight | depth | " + " | ".join(map(column_header, metrics)) + " |",
        "|---|---:|---:|" + "---:|" * len(metrics),
    ]
    for row in rows:
        parameter = "" if row.parameter is None else f"{row.parameter:g}"
        cells = [
            f"**{row.metrics[m]:.3f}**"
            if f"{row.metrics[m]:.3f}" == f"{best[m]:.3f}"
            else f"{row.metrics[m]:.3f}"
            for m in metrics
        ]
        lines.append(f"| {row.fusion} | {parameter} | {row.depth} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eval.sweep --qa FILE | --beir DIR [--index-dir DIR]``: print the sweep table."""
    parser = argparse.ArgumentParser(prog="python -m eval.sweep", description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--qa", type=Path)
    group.add_argument("--beir", type=Path)
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    args = parser.parse_args(argv)
    embedder = Embedder()
    if args.qa is not None:
        questions = load_questions(args.qa)
        store = EmbeddedStore.open_for(args.index_dir, ModelInfo.of(embedder))
        qrels = qa_qrels(questions, all_chunks(store))
        queries = {item.id: item.question for item in questions}
        metrics = SWEEP_METRICS
    else:
        dataset = load_beir(args.beir)
        built = ensure_beir_index(
            args.beir, dataset, args.index_dir.parent / "beir", embedder, progress=True
        )
        store = EmbeddedStore.open_for(built.path, ModelInfo.of(embedder))
        qrels, queries = dataset.qrels, dataset.queries
        metrics = ["ndcg@10", "map", "recall@10", "recall@100"]
    bm25, dense = retriever_lists(store, embedder, queries, max(DEPTHS))
    rows = sweep(bm25, dense, qrels, metrics=metrics, answered=args.qa is not None)
    print(sweep_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
