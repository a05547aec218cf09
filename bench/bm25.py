"""BM25 stage: the store's bm25s index against rank-bm25 on the same tokens.

Both sides get the token lists of ``index.text.tokenize`` and score with the same formula: the store
uses bm25s's "lucene" variant (idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf part
tf / (tf + k1 (1 - b + b dl / avgdl)), k1=0.9, b=0.4), so the reference is rank-bm25's BM25Okapi
with that idf and without its negative-idf floor (which lucene's idf never needs). BM25Okapi
multiplies the tf part by (k1 + 1), a constant factor that leaves rankings unchanged; the parity
check compares our score * (k1 + 1) with its score. Top-k selection is the same on both sides
(positive scores, ties broken by row).

Run: ``python -m bench.bm25`` (Vaswani + 100k synthetic chunks); ``--sizes 1000000`` for 1M.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from bench.common import (
    VASWANI_DIR,
    Stats,
    Table,
    base_parser,
    ratio,
    report,
    rss_mb,
    time_calls,
    timed,
)
from bench.synthetic import synthetic_queries, synthetic_texts
from index.stores.bm25_index import BM25Index, BM25Params
from index.text.tokenize import tokenize

K = 10


class LuceneBM25Okapi(BM25Okapi):
    """rank-bm25's BM25Okapi with Lucene's idf, the formula ``index.stores.bm25_index`` uses."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        for word, df in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - df + 0.5) / (df + 0.5))
        self.average_idf = sum(self.idf.values()) / max(1, len(self.idf))


def reference_top_k(
    reference: LuceneBM25Okapi, query_terms: Sequence[str], k: int
) -> list[tuple[int, float]]:
    """rank-bm25's k best (row, score) pairs, selected exactly as ``BM25Index.top_k`` does."""
    scores = np.asarray(reference.get_scores(list(query_terms)), dtype=np.float64)
    rows = np.flatnonzero(scores > 0)
    order = np.lexsort((rows, -scores[rows]))[:k]
    return [(int(rows[i]), float(scores[rows[i]])) for i in order]


def tokenize_all(texts: Sequence[str], processes: int = 2) -> list[list[str]]:
    """``index.text.tokenize`` over many texts, in worker processes when there are many."""
    if processes <= 1 or len(texts) < 20_000:
        return [tokenize(t) for t in texts]
    # Terms come back from the workers as fresh strings; sharing one object per distinct term
    # keeps a million chunks' terms in about a gigabyte instead of several.
    shared: dict[str, str] = {}
    out: list[list[str]] = []
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for terms in pool.imap(tokenize, texts, chunksize=2_000):
            out.append([shared.setdefault(t, t) for t in terms])
    return out


@dataclass
class Parity:
    """How far rank-bm25's top-k is from ours on the same queries."""

    queries: int
    mean_overlap: float  # |ours ∩ reference| / |reference| over the top k, averaged
    identical: int  # queries whose top-k lists are equal, order included
    max_score_rel_diff: float  # max |ours * (k1 + 1) - reference| / reference over shared rows


def compare(
    ours: list[list[tuple[int, float]]], theirs: list[list[tuple[int, float]]], k1: float
) -> Parity:
    """Overlap and score agreement between two lists of top-k results for the same queries."""
    overlaps, identical, worst = [], 0, 0.0
    for a, b in zip(ours, theirs, strict=True):
        rows_a, rows_b = [r for r, _ in a], [r for r, _ in b]
        overlaps.append(len(set(rows_a) & set(rows_b)) / len(rows_b) if rows_b else 1.0)
        identical += rows_a == rows_b
        ref_scores = dict(b)
        for row, score in a:
            if row in ref_scores and ref_scores[row] > 0:
                worst = max(worst, abs(score * (k1 + 1) - ref_scores[row]) / ref_scores[row])
    return Parity(len(ours), float(np.mean(overlaps)) if overlaps else 1.0, identical, worst)


def bench_collection(
    name: str,
    corpus_terms: list[list[str]],
    queries: list[list[str]],
    *,
    params: BM25Params,
    reference_queries: int | None,
    repeats: int,
    build_repeats: int,
    seed: int,
) -> dict[str, Any]:
    """Build both indexes over ``corpus_terms``, time queries, and compare their top-k."""
    before = rss_mb()
    build_times = []
    ours = None
    for _ in range(build_repeats):
        ours = None  # let the previous copy go before building the next
        seconds, ours = timed(lambda: BM25Index.build(corpus_terms, params))
        build_times.append(seconds)
    assert ours is not None
    ours_mb = rss_mb() - before
    with tempfile.TemporaryDirectory() as tmp:
        ours.save(Path(tmp))
        disk_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 2**20

    ours_latency = Stats.of(time_calls(lambda q: ours.top_k(q, K), queries, repeats=repeats))
    depth_latency = Stats.of(time_calls(lambda q: ours.top_k(q, 50), queries, repeats=repeats))

    sample = list(queries)
    if reference_queries is not None and reference_queries < len(queries):
        sample = random.Random(seed).sample(list(queries), reference_queries)
    before = rss_mb()
    ref_build_times = []
    reference = None
    for _ in range(build_repeats):
        reference = None
        seconds, reference = timed(lambda: LuceneBM25Okapi(corpus_terms, k1=params.k1, b=params.b))
        ref_build_times.append(seconds)
    assert reference is not None
    ref_mb = rss_mb() - before
    ref_results: list[list[tuple[int, float]]] = []
    ref_latency = Stats.of(
        time_calls(lambda q: ref_results.append(reference_top_k(reference, q, K)), sample)
    )
    parity = compare([ours.top_k(q, K) for q in sample], ref_results, params.k1)
    return {
        "collection": name,
        "docs": len(corpus_terms),
        "mean_terms_per_doc": float(np.mean([len(t) for t in corpus_terms])),
        "queries": len(queries),
        "reference_queries": len(sample),
        "ours_build_s": Stats.of(build_times),
        "reference_build_s": Stats.of(ref_build_times),
        "ours_latency_s": ours_latency,
        "ours_latency_k50_s": depth_latency,
        "reference_latency_s": ref_latency,
        "speedup_qps": ratio(ours_latency.per_second, ref_latency.per_second),
        "ours_rss_mb": ours_mb,
        "ours_disk_mb": disk_mb,
        "reference_rss_mb": ref_mb,
        "parity": asdict(parity),
    }


def vaswani_collection() -> tuple[list[list[str]], list[list[str]]]:
    """Vaswani's documents (title + text) and judged queries, tokenized."""
    from eval.beir import load_beir

    data = load_beir(VASWANI_DIR)
    docs = [f"{title} {text}".strip() for title, text in data.corpus.values()]
    return tokenize_all(docs), [tokenize(q) for q in data.queries.values()]


def synthetic_collection(
    n: int, n_queries: int, seed: int
) -> tuple[list[list[str]], list[list[str]], float]:
    """``n`` synthetic chunks and queries, tokenized; plus the seconds tokenizing took."""
    texts = synthetic_texts(n, seed).texts
    queries = synthetic_queries(texts, n_queries, seed)
    seconds, terms = timed(lambda: tokenize_all(texts))
    return terms, [tokenize(q) for q in queries], seconds


def tables(results: list[dict[str, Any]], params: BM25Params) -> list[Table]:
    speed = Table(
        "BM25 stage: our bm25s index vs rank-bm25 (BM25Okapi, Lucene idf), single thread, top-10",
        [
            "collection",
            "docs",
            "ours p50 ms",
            "ours p95 ms",
            "ours q/s",
            "rank-bm25 p50 ms",
            "rank-bm25 p95 ms",
            "rank-bm25 q/s",
            "q/s ratio",
            "ours build s",
            "rank-bm25 build s",
            "build ratio",
        ],
    )
    parity = Table(
        "BM25 parity: rank-bm25's top-10 vs ours on the same queries",
        ["collection", "queries compared", "mean overlap", "identical lists", "max score diff"],
    )
    for r in results:
        ours, ref = r["ours_latency_s"], r["reference_latency_s"]
        speed.add(
            r["collection"],
            r["docs"],
            ours.median * 1e3,
            ours.p95 * 1e3,
            ours.per_second,
            ref.median * 1e3,
            ref.p95 * 1e3,
            ref.per_second,
            r["speedup_qps"],
            r["ours_build_s"].median,
            r["reference_build_s"].median,
            ratio(r["reference_build_s"].median, r["ours_build_s"].median),
        )
        p = r["parity"]
        parity.add(
            r["collection"],
            p["queries"],
            p["mean_overlap"],
            f"{p['identical']}/{p['queries']}",
            f"{p['max_score_rel_diff']:.1e}",
        )
    speed.notes.append(
        f"k1={params.k1}, b={params.b}, method={params.method}; queries/s = 1 / mean latency; "
        "q/s ratio = ours / rank-bm25; build ratio = rank-bm25 time / ours"
    )
    for r in results:
        if r["reference_queries"] < r["queries"]:
            speed.notes.append(
                f"{r['collection']}: rank-bm25 timed on a random sample of "
                f"{r['reference_queries']} of the {r['queries']} queries (it is slow at this size)"
            )
    parity.notes.append(
        "max score diff: relative difference of our score * (k1 + 1) and rank-bm25's over shared "
        "results (bm25s scores in float32, rank-bm25 in float64)"
    )
    return [speed, parity]


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "BM25 benchmark")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[100_000],
        help="synthetic collection sizes in chunks (default 100000)",
    )
    parser.add_argument("--no-vaswani", action="store_true", help="skip the Vaswani collection")
    parser.add_argument("--queries", type=int, default=500, help="synthetic queries for ours")
    parser.add_argument(
        "--reference-queries",
        type=int,
        default=50,
        help="queries rank-bm25 is timed on for synthetic collections (a random sample)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="passes over the queries (ours)")
    parser.add_argument("--name", default="bm25", help="result file name (default bm25)")
    args = parser.parse_args(argv)
    params = BM25Params()
    results = []
    if not args.no_vaswani:
        docs, queries = vaswani_collection()
        print(f"vaswani: {len(docs)} docs, {len(queries)} queries", flush=True)
        results.append(
            bench_collection(
                "vaswani",
                docs,
                queries,
                params=params,
                reference_queries=None,
                repeats=max(args.repeats, 5),
                build_repeats=3,
                seed=args.seed,
            )
        )
    tokenize_seconds: dict[str, float] = {}
    for size in args.sizes:
        docs, queries, seconds = synthetic_collection(size, args.queries, args.seed)
        name = f"synthetic-{size // 1000}k" if size >= 1000 else f"synthetic-{size}"
        tokenize_seconds[name] = seconds
        print(f"{name}: {len(docs)} docs tokenized in {seconds:.1f} s", flush=True)
        results.append(
            bench_collection(
                name,
                docs,
                queries,
                params=params,
                reference_queries=args.reference_queries,
                repeats=args.repeats,
                build_repeats=1,
                seed=args.seed,
            )
        )
        del docs
    out = tables(results, params)
    report(
        args.name,
        out,
        {"params": asdict(params), "results": results, "tokenize_seconds": tokenize_seconds},
        args.out_dir,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
