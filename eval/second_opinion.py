"""Would a second embedding model help? BM25 and e5 fused with MiniLM's view of their candidates.

A measurement for a decision not yet taken, not a search setting: the product stores no MiniLM
vectors. For each collection (the question set, BEIR folders) the BM25 and dense lists are fetched
once, as ``eval.sweep`` fetches them. MiniLM (all-MiniLM-L6-v2, English) then embeds every chunk
either list returned, here at evaluation time, and each query. Each setting cuts the two lists to
its depth, scores the union of their chunks by MiniLM cosine (a third list over the same
candidates: no third index is searched) and fuses the three with ``weighted_score_fusion``, the
searcher's min-max fusion. A Cyrillic query keeps the dense list alone, as the searcher does.

Settings: weights for BM25, e5 and MiniLM in tenths (MiniLM 0 is the two-way fusion the searcher
runs), each at each depth. Reported: the best settings by mean nDCG@10, the searcher's default
for comparison, and leave-one-collection-out for three-way and for two-way settings.

    python -m eval.second_opinion --qa eval/data/qa.jsonl --beir ../shared/benchmarks/vaswani \\
        --beir ../shared/benchmarks/cisi
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.metrics import evaluate
from eval.runner import rank_scores
from eval.sweep import (
    DEPTHS,
    Collection,
    Ranked,
    collection_arguments,
    is_cyrillic,
    open_collections,
)
from index.embed import Embedder
from retrieval.fusion import weighted_score_fusion
from retrieval.search import Searcher

METRIC = "ndcg@10"


@dataclass(frozen=True)
class ThreeWay:
    """Weights of the BM25, e5 and MiniLM lists (min-max normalised), and the fusion depth."""

    bm25: float
    dense: float
    second: float
    depth: int

    @property
    def name(self) -> str:
        return f"bm25 {self.bm25:g} e5 {self.dense:g} minilm {self.second:g} d{self.depth}"


@dataclass
class SecondViews:
    """A collection's two lists (``Collection``) with MiniLM's vectors of its chunks and queries."""

    collection: Collection
    chunk_vectors: dict[str, np.ndarray]
    query_vectors: dict[str, np.ndarray]


def second_views(collection: Collection, searcher: Searcher, second: Embedder) -> SecondViews:
    """Embed, with ``second``, every chunk either list returned and every query."""
    ids = sorted(
        {
            cid
            for lists in (collection.bm25, collection.dense)
            for r in lists.values()
            for cid, _ in r
        }
    )
    texts = {c.chunk_id: c.text for c in searcher.store.get_chunks(ids)}
    ids = [cid for cid in ids if cid in texts]
    vectors = second.encode([texts[cid] for cid in ids])
    queries = {
        qid: second.encode_query(" ".join(text.split())) for qid, text in collection.queries.items()
    }
    return SecondViews(collection, dict(zip(ids, vectors, strict=True)), queries)


def fuse_three(setting: ThreeWay, views: SecondViews, qid: str) -> Ranked:
    """One query's ranking under ``setting``."""
    col = views.collection
    bm25, dense = col.bm25[qid][: setting.depth], col.dense[qid][: setting.depth]
    if is_cyrillic(col.queries[qid]):
        return list(dense)
    lists = {"bm25": bm25, "dense": dense}
    weights = {"bm25": setting.bm25, "dense": setting.dense, "second": setting.second}
    if setting.second > 0:
        candidates = list(dict.fromkeys([c for c, _ in bm25] + [c for c, _ in dense]))
        query = views.query_vectors[qid]
        scored = [(c, float(views.chunk_vectors[c] @ query)) for c in candidates]
        lists["second"] = sorted(scored, key=lambda pair: -pair[1])
    return weighted_score_fusion(lists, weights)


def score_three(setting: ThreeWay, views: SecondViews) -> float:
    """Mean nDCG@10 of ``setting`` on one collection."""
    run = {
        qid: rank_scores([cid for cid, _ in fuse_three(setting, views, qid)])
        for qid in views.collection.queries
    }
    return evaluate(run, views.collection.qrels, [METRIC])[METRIC]


def settings_grid(depths: Sequence[int] = DEPTHS) -> list[ThreeWay]:
    """Weights in tenths summing to 1 (BM25 0.2-0.7, e5 at least 0.1), at each depth."""
    grid = []
    for depth in depths:
        for b in range(2, 8):
            for d in range(1, 11 - b):
                grid.append(ThreeWay(b / 10, d / 10, (10 - b - d) / 10, depth))
    return grid


def report(views: Sequence[SecondViews], settings: Sequence[ThreeWay], top: int = 10) -> str:
    """The best settings by mean, the default two-way setting, and leave-one-collection-out."""
    names = [v.collection.name for v in views]
    scores = {s: [score_three(s, v) for v in views] for s in settings}

    def mean(s: ThreeWay, among: Sequence[int]) -> float:
        return sum(scores[s][i] for i in among) / len(among)

    everywhere = range(len(names))
    ranked = sorted(settings, key=lambda s: -mean(s, everywhere))
    lines = [
        "| setting | " + " | ".join(names) + " | mean |",
        "|---|" + "---:|" * (len(names) + 1),
    ]
    default = ThreeWay(0.6, 0.4, 0.0, 100)
    shown = list(dict.fromkeys(ranked[:top] + ([default] if default in scores else [])))
    for s in shown:
        cells = " | ".join(f"{x:.3f}" for x in scores[s])
        label = s.name + (" (the searcher's default)" if s == default else "")
        lines.append(f"| {label} | {cells} | {mean(s, everywhere):.3f} |")
    if len(names) > 1:
        lines += [
            "",
            "| held out | kind | chosen on the others | its nDCG@10 |",
            "|---|---|---|---:|",
        ]
        for i, held in enumerate(names):
            others = [j for j in everywhere if j != i]
            for kind, pool in (
                ("three-way", [s for s in settings if s.second > 0]),
                ("two-way", [s for s in settings if s.second == 0]),
            ):
                if pool:
                    chosen = max(pool, key=lambda s: mean(s, others))
                    lines.append(f"| {held} | {kind} | {chosen.name} | {scores[chosen][i]:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eval.second_opinion [--qa FILE] [--beir DIR]... [--index-dir DIR]``."""
    parser = collection_arguments("python -m eval.second_opinion", __doc__)
    args = parser.parse_args(argv)
    if args.qa is None and not args.beir:
        parser.error("give --qa FILE and/or --beir DIR")
    started = time.perf_counter()
    embedder, second = Embedder(), Embedder(model="minilm")
    opened = open_collections(args.qa, args.beir, args.index_dir, embedder, max(DEPTHS))
    views = [second_views(collection, searcher, second) for collection, searcher in opened]
    print(report(views, settings_grid()))
    print(f"{len(settings_grid())} settings; {time.perf_counter() - started:.0f} s in all.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
