"""End to end: warm search latency in-process and over HTTP, and HTTP throughput under load.

On the corpus index (built into a temporary directory unless ``--index-dir`` names one), with the
181 questions of ``eval/data/qa.jsonl`` as queries:

- in-process: ``Searcher.search`` per mode, after one warm-up pass (which also fills the
  sentence cache the answer stage keeps), plus the time of each stage alone;
- over HTTP: ``citesearch serve`` in a child process on a free port of 127.0.0.1, one client,
  then 8 and 32 concurrent clients for a bounded time each; every non-200 answer or transport
  error is counted and reported.

``--synthetic N`` does the same on a synthetic store of N chunks (Zipf text, clustered vectors,
real embedder for the queries), built with the store's own code; ``--profile`` writes a cProfile
listing of the in-process hybrid path.

Run: ``python -m bench.e2e``; ``--synthetic 1000000 --store-dir var/bench/store-1m`` for 1M.
"""

from __future__ import annotations

import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

import httpx
import numpy as np

from bench.common import (
    CORPUS_DIR,
    REPO_ROOT,
    Stats,
    Table,
    base_parser,
    ratio,
    report,
    rss_mb,
    set_threads,
    thread_settings,
    time_calls,
    time_calls_cpu,
    timed,
)
from bench.server import Server
from bench.synthetic import ClusteredVectors, synthetic_queries, synthetic_texts
from index.build import build_index
from index.embed import Embedder
from index.embedded_store import EmbeddedStore, IndexMissing, ModelInfo, StoreOptions
from index.records import Chunk, DocumentMeta, Page, ParsedDocument
from retrieval.dedupe import duplicates_among, shingles
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.records import Mode
from retrieval.search import Searcher, open_searcher

QA_FILE = REPO_ROOT / "eval" / "data" / "qa.jsonl"
GOALS_MS = {"in-process": 30.0, "http": 50.0}
GOAL_LARGE_MS = 100.0
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")


def corpus_queries() -> list[str]:
    """The questions of the evaluation set, in file order."""
    lines = QA_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


# ---- in-process ------------------------------------------------------------------------------


def in_process(searcher: Searcher, queries: list[str], repeats: int) -> dict[str, Any]:
    """Warm latency of each mode, and of each stage of the hybrid path taken alone."""
    out: dict[str, Any] = {}
    for mode in MODES:
        # Warm-up per mode: each mode brings other passages to the top, and the answer stage
        # embeds a passage's sentences the first time it shows it (then caches them).
        for query in queries:
            searcher.search(query, k=10, mode=mode)
        wall, cpu = time_calls_cpu(
            partial(searcher.search, k=10, mode=mode), queries, repeats=repeats
        )
        out[mode], out[f"{mode}_cpu"] = Stats.of(wall), Stats.of(cpu)
    threads = thread_settings()
    if threads["torch"] > 1 or threads["faiss"] > 1:
        # The same warm hybrid searches with one intra-op thread for torch and FAISS: on a
        # busy machine (other requests, other processes) their thread pools can cost more
        # than they gain.
        set_threads(1)
        try:
            wall, cpu = time_calls_cpu(partial(searcher.search, k=10), queries, repeats=repeats)
        finally:
            set_threads(max(threads["torch"], threads["faiss"]))
            if threads["OMP_NUM_THREADS"] is None:
                os.environ.pop("OMP_NUM_THREADS", None)
        out["hybrid-1thread"], out["hybrid-1thread_cpu"] = Stats.of(wall), Stats.of(cpu)
    store = searcher.store
    vectors = {q: searcher.embedder.encode_query(q) for q in queries}
    stages = {
        "embed query": lambda q: searcher.embedder.encode_query(q),
        "bm25 top-50": lambda q: store.bm25_search(q, 50),
        "vector top-50": lambda q: store.vector_search(vectors[q], 50),
        "fetch 50 chunks": lambda q: store.get_chunks(
            [s.chunk_id for s in store.bm25_search(q, 50)]
        ),
    }
    candidates = {q: _fused_texts(searcher, q, vectors[q]) for q in queries}
    # The searcher keeps each passage's shingles, so a warm search only groups them.
    shingled = {q: [shingles(t) for t in texts] for q, texts in candidates.items()}
    stages["near-duplicate grouping"] = lambda q: duplicates_among(shingled[q])
    out["stages"] = {
        name: Stats.of(time_calls(fn, queries, repeats=repeats)) for name, fn in stages.items()
    }
    out["fused_candidates_mean"] = float(np.mean([len(t) for t in candidates.values()]))
    return out


def _fused_texts(searcher: Searcher, query: str, vector: np.ndarray) -> list[str]:
    """The texts the hybrid path groups into near-duplicates: both top-50 lists, RRF order."""
    store = searcher.store
    ranked = reciprocal_rank_fusion(
        {
            "bm25": [s.chunk_id for s in store.bm25_search(query, 50)],
            "dense": [s.chunk_id for s in store.vector_search(vector, 50)],
        },
        k=searcher.options.rrf_k,
    )
    chunks = {c.chunk_id: c for c in store.get_chunks([cid for cid, _ in ranked])}
    return [chunks[cid].text for cid, _ in ranked if cid in chunks]


def profile_hybrid(searcher: Searcher, queries: list[str], path: Path) -> str:
    """cProfile the warm hybrid path over the queries; write and return the top of the listing."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        searcher.search(query, k=10)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(35)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return buffer.getvalue()


# ---- over HTTP -------------------------------------------------------------------------------


def http_latency(url: str, queries: list[str], repeats: int) -> tuple[Stats, int]:
    """One client, one request at a time: latency and the number of failed requests."""
    errors = 0
    with httpx.Client(base_url=url, timeout=60.0) as client:

        def call(query: str) -> None:
            nonlocal errors
            try:
                if client.get("/api/search", params={"q": query, "k": 10}).status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1

        for query in queries:  # warm the server's sentence cache as in-process
            call(query)
        errors = 0
        samples = time_calls(call, queries, repeats=repeats)
    return Stats.of(samples), errors


def http_load(url: str, queries: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads searching as fast as answers come, for ``seconds``; loopback only."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    error_kinds: dict[str, int] = {}
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def worker(i: int) -> None:
        with httpx.Client(base_url=url, timeout=120.0) as client:
            n = i
            while time.perf_counter() < deadline:
                query = queries[n % len(queries)]
                n += clients
                began = time.perf_counter()
                try:
                    response = client.get("/api/search", params={"q": query, "k": 10})
                    failed = None if response.status_code == 200 else str(response.status_code)
                except httpx.HTTPError as exc:
                    failed = type(exc).__name__
                if failed is None:
                    latencies[i].append(time.perf_counter() - began)
                else:
                    errors[i] += 1
                    with lock:
                        error_kinds[failed] = error_kinds.get(failed, 0) + 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start  # includes the requests in flight at the deadline
    done = [x for per in latencies for x in per]
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests_ok": len(done),
        "errors": sum(errors),
        "error_kinds": error_kinds,
        "throughput_rps": len(done) / elapsed,
        "latency_s": Stats.of(done) if done else None,
    }


# ---- a synthetic store -----------------------------------------------------------------------


def build_synthetic_store(
    directory: Path,
    n_chunks: int,
    model: ModelInfo,
    *,
    seed: int = 0,
    chunks_per_doc: int = 500,
    options: StoreOptions | None = None,
) -> dict[str, float]:
    """A committed store of ``n_chunks`` synthetic chunks, written by the store's own code.

    Each document is its chunks joined by blank lines, on one page (so no page lookups); the
    vectors are clustered unit vectors. Returns seconds per stage.
    """
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    texts = synthetic_texts(n_chunks, seed).texts
    vectors = ClusteredVectors(dim=model.dimension, seed=seed).sample(n_chunks, seed + 1)
    seconds["generate"] = time.perf_counter() - began
    began = time.perf_counter()
    with EmbeddedStore.create(directory, model=model, options=options) as store:
        for d, start in enumerate(range(0, n_chunks, chunks_per_doc)):
            doc_id = f"synthetic-{d:05d}"
            part = texts[start : start + chunks_per_doc]
            body = "\n\n".join(part)
            chunks, position = [], 0
            for i, text in enumerate(part):
                chunks.append(
                    Chunk(
                        f"{doc_id}:{i:04d}",
                        doc_id,
                        i,
                        text,
                        [],
                        1,
                        1,
                        position,
                        position + len(text),
                    )
                )
                position += len(text) + 2
            doc = ParsedDocument(
                meta=DocumentMeta(doc_id=doc_id, title=f"Synthetic report {d}"),
                source_text=body,
                content_hash=hashlib.sha256(body.encode()).hexdigest(),
                pages=[Page(number=1, start=0, end=len(body), body_end=len(body))],
                body=body,
                # The store only packs offsets into a numpy array: an arange spares building a
                # Python list of ~10^9 ints at 1M chunks.
                offsets=cast(list[int], np.arange(len(body), dtype=np.int64)),
                footnotes=[],
                marker_positions=[],
            )
            store.add_document(doc, chunks, vectors[start : start + len(part)])
        seconds["add documents"] = time.perf_counter() - began
        began = time.perf_counter()
        store.commit()
        seconds["commit (build indexes, write, checksum)"] = time.perf_counter() - began
    return seconds


def open_or_build_synthetic(
    store_dir: Path, n_chunks: int, embedder: Embedder, seed: int
) -> dict[str, float]:
    """Reuse a synthetic store of the right size at ``store_dir``, or build one there."""
    try:
        with EmbeddedStore.open(store_dir) as store:
            if store.chunk_count == n_chunks:
                print(f"reusing the synthetic store at {store_dir}", flush=True)
                return {}
    except IndexMissing:
        pass
    shutil.rmtree(store_dir, ignore_errors=True)
    model = ModelInfo.of(embedder)
    print(f"building a synthetic store of {n_chunks:,} chunks at {store_dir}", flush=True)
    return build_synthetic_store(store_dir, n_chunks, model, seed=seed)


def queries_from_store(store_dir: Path, n: int, seed: int) -> list[str]:
    """Keyword queries drawn from the chunks of 50 random documents of a store."""
    with EmbeddedStore.open(store_dir) as store:
        doc_ids = [info.meta.doc_id for info in store.documents()]
        rng = np.random.default_rng(seed)
        picked = rng.choice(len(doc_ids), size=min(50, len(doc_ids)), replace=False)
        texts = [c.text for i in picked for c in store.chunks_of(doc_ids[int(i)])]
    return synthetic_queries(texts, n, seed)


# ---- the run ---------------------------------------------------------------------------------


def run(
    index_dir: Path,
    queries: list[str],
    embedder: Embedder,
    *,
    repeats: int,
    load_seconds: float,
    concurrency: Sequence[int],
    profile_path: Path | None,
) -> dict[str, Any]:
    before = rss_mb()
    open_s, searcher = timed(lambda: open_searcher(index_dir, embedder=embedder))
    loaded_mb = rss_mb() - before
    result: dict[str, Any] = {
        "index_dir": str(index_dir),
        "chunks": searcher.store.chunk_count if isinstance(searcher.store, EmbeddedStore) else None,
        "queries": len(queries),
        "open_s": open_s,
        "index_rss_mb": loaded_mb,
    }
    print(f"opened {result['chunks']} chunks in {open_s:.1f} s; timing in-process", flush=True)
    result["in_process"] = in_process(searcher, queries, repeats)
    if profile_path is not None:
        result["profile"] = str(profile_path)
        profile_hybrid(searcher, queries, profile_path)
    if isinstance(searcher.store, EmbeddedStore):
        searcher.store.close()
    del searcher

    print("starting the HTTP server", flush=True)
    with Server(index_dir) as server:
        result["server_first_answer_s"] = server.wait_for_search(queries[0])
        latency, errors = http_latency(server.url, queries, repeats)
        result["http"] = {"latency_s": latency, "errors": errors}
        result["load"] = []
        for clients in concurrency:
            print(f"HTTP load: {clients} clients for {load_seconds:.0f} s", flush=True)
            result["load"].append(http_load(server.url, queries, clients, load_seconds))
        result["server_rss_mb"] = server.rss_mb()
    return result


def tables(result: dict[str, Any], label: str, goal_ms: dict[str, float]) -> list[Table]:
    latency = Table(
        f"End to end on {label}: warm search latency, top-10 with answer sentence",
        [
            "path",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "CPU ms p50",
            "goal p50 ms",
            "p50 / goal",
            "errors",
        ],
    )
    inproc = result["in_process"]
    for mode in MODES:
        s = inproc[mode]
        goal = goal_ms["in-process"] if mode == "hybrid" else None
        latency.add(
            f"in-process {mode}",
            s.median * 1e3,
            s.p95 * 1e3,
            s.p99 * 1e3,
            inproc[f"{mode}_cpu"].median * 1e3,
            goal,
            ratio(s.median * 1e3, goal) if goal else None,
            0,
        )
    if "hybrid-1thread" in inproc:
        s = inproc["hybrid-1thread"]
        goal = goal_ms["in-process"]
        latency.add(
            "in-process hybrid, 1 thread",
            s.median * 1e3,
            s.p95 * 1e3,
            s.p99 * 1e3,
            inproc["hybrid-1thread_cpu"].median * 1e3,
            goal,
            ratio(s.median * 1e3, goal),
            0,
        )
    h = result["http"]["latency_s"]
    latency.add(
        "HTTP hybrid, 1 client",
        h.median * 1e3,
        h.p95 * 1e3,
        h.p99 * 1e3,
        None,
        goal_ms["http"],
        ratio(h.median * 1e3, goal_ms["http"]),
        result["http"]["errors"],
    )
    latency.notes.append(
        "CPU ms: CPU time of this process per search, all its threads; with one thread it is "
        "close to the wall time an otherwise idle machine would show"
    )
    latency.notes.append(
        f"{result['queries']} queries x {inproc['hybrid'].n // result['queries']} passes after "
        f"one warm-up pass; index of {result['chunks']:,} chunks opened in {result['open_s']:.1f} s"
    )

    stages = Table(
        f"Hybrid path on {label}: each stage alone (in-process)",
        ["stage", "p50 ms", "p95 ms", "share of hybrid p50"],
    )
    hybrid_p50 = inproc["hybrid"].median
    for name, s in inproc["stages"].items():
        stages.add(name, s.median * 1e3, s.p95 * 1e3, ratio(s.median, hybrid_p50))
    stages.notes.append(
        f"near-duplicate grouping runs over the {inproc['fused_candidates_mean']:.0f} fused "
        "candidates of a query on average; the rest of the hybrid time is fusion, sentence "
        "scoring (cached sentence vectors) and building the result"
    )

    load = Table(
        f"HTTP throughput on {label} (loopback, hybrid, k=10)",
        ["clients", "seconds", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"],
    )
    for run_ in result["load"]:
        s = run_["latency_s"]
        load.add(
            run_["clients"],
            run_["seconds"],
            run_["requests_ok"],
            run_["throughput_rps"],
            s.median * 1e3 if s else None,
            s.p95 * 1e3 if s else None,
            s.p99 * 1e3 if s else None,
            run_["errors"],
        )
        if run_["errors"]:
            load.notes.append(f"{run_['clients']} clients: errors {run_['error_kinds']}")
    load.notes.append(
        f"server resident memory after the load: {result['server_rss_mb']:,.0f} MiB; "
        f"first search answered {result['server_first_answer_s']:.1f} s after the process started"
    )
    return [latency, stages, load]


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "end-to-end benchmark")
    parser.add_argument("--index-dir", type=Path, help="a prebuilt corpus index (else built)")
    parser.add_argument("--repeats", type=int, default=2, help="timed passes over the queries")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[8, 32])
    parser.add_argument(
        "--queries",
        type=int,
        default=60,
        help="the first N eval questions, or N synthetic queries with --synthetic (default 60)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the hybrid path")
    parser.add_argument("--synthetic", type=int, default=None, help="a synthetic store of N chunks")
    parser.add_argument(
        "--store-dir", type=Path, default=None, help="where the synthetic store is kept (reused)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch/FAISS threads here and OMP_NUM_THREADS for the server (default: theirs)",
    )
    parser.add_argument("--name", default=None, help="result name (default e2e or e2e-large)")
    args = parser.parse_args(argv)

    embedder = Embedder()
    data: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="citesearch-bench-") as tmp:
        if args.synthetic:
            store_dir = args.store_dir or Path(tmp) / "synthetic"
            data["store_build_s"] = open_or_build_synthetic(
                store_dir, args.synthetic, embedder, args.seed
            )
            queries = queries_from_store(store_dir, args.queries, args.seed)
            index_dir, label, name = store_dir, f"{args.synthetic:,} synthetic chunks", "e2e-large"
            goals = {"in-process": GOAL_LARGE_MS, "http": GOAL_LARGE_MS}
        else:
            index_dir = args.index_dir or Path(tmp) / "index"
            if args.index_dir is None:
                print("building the corpus index", flush=True)
                data["build"] = build_index([CORPUS_DIR], index_dir, embedder=embedder).seconds
            queries = corpus_queries()[: args.queries]
            label, name, goals = "the corpus", "e2e", GOALS_MS
        # After any store build, so building keeps every core; only the searches are limited.
        set_threads(args.threads)
        data.update(
            run(
                index_dir,
                queries,
                embedder,
                repeats=args.repeats,
                load_seconds=args.load_seconds,
                concurrency=args.concurrency,
                profile_path=(args.out_dir / f"{name}_profile.txt") if args.profile else None,
            )
        )
    data["threads"] = thread_settings()
    label += f", {data['threads']['torch']} torch thread(s)"
    report(args.name or name, tables(data, label, goals), data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
