"""End to end: search latency as a user meets it, in-process and over HTTP, and HTTP under load.

Every timed question is one the process has never been asked: a short warm-up on other
questions first (model load and first-call costs belong to ``bench.startup``, not to a
question), then each question of a set once, for hybrid search at k=10 and, on another set,
at k=100 (the goal: k=100 costs at most twice k=10), for BM25 and dense alone, and for hybrid
with a new ``Searcher`` per question (no passage kept from earlier questions: what the first
questions after a start meet). The passes take their questions in turn, so a change of load on
a shared machine falls on all of them alike. Then, labelled as such, the k=10 questions again:
repeats, a cache figure. The stages of the hybrid path are timed one by one on questions of
their own. Questions come from ``bench.questions``: the QA set (English and Russian) and, when
more are needed, fixed rewordings of it; the sets are disjoint.

Over HTTP: ``citesearch serve`` started fresh in a child process on a free port of 127.0.0.1,
a warm-up, the hybrid questions once each (k=10 and k=100), the k=10 ones again as repeats, then
8 and 32 concurrent clients for a bounded time each; every non-200 answer or transport error is
counted and reported.

On the corpus index (built into a temporary directory unless ``--index-dir`` names one).
``--synthetic N`` does the same on a synthetic store of N chunks (Zipf text, clustered vectors,
the real embedder for the queries, keyword queries drawn from the store), built with the
store's own code; ``--profile`` writes a cProfile listing of hybrid searches on unseen questions
(a set of their own, after the repeats).

Run: ``python -m bench.e2e``; ``--synthetic 1000000 --store-dir var/bench/store-1m`` for 1M.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.common import (
    CORPUS_DIR,
    Stats,
    Table,
    base_parser,
    fmt,
    ratio,
    report,
    rss_mb,
    set_threads,
    thread_settings,
    timed,
)
from bench.passage_copies import one_page_document
from bench.questions import qa_questions, question_sets
from bench.server import Server
from bench.synthetic import ClusteredVectors, synthetic_queries, synthetic_texts
from index.build import build_index
from index.models.embedder import Embedder
from index.records import Chunk
from index.stores.base import IndexMismatch, ModelInfo, PreparedDocument
from index.stores.factory import open_reader, open_writer
from index.stores.options import StoreOptions
from retrieval.dedupe import duplicates_among, shingles
from retrieval.feedback import feedback_lists
from retrieval.hits import Mode
from retrieval.search import Searcher


@dataclass(frozen=True)
class Goals:
    """Latency goals on unseen questions (milliseconds); None: no goal at this size."""

    p50_ms: float
    p95_ms: float | None
    http_p50_ms: float
    k_ratio: float = 2.0  # k=100's p50 over k=10's


CORPUS_GOALS = Goals(p50_ms=40.0, p95_ms=100.0, http_p50_ms=60.0)
LARGE_GOALS = Goals(p50_ms=100.0, p95_ms=None, http_p50_ms=100.0)

# The in-process passes on unseen questions: name -> (k, mode, a new Searcher per question).
PASSES: dict[str, tuple[int, Mode, bool]] = {
    "hybrid k=10": (10, "hybrid", False),
    "hybrid k=100": (100, "hybrid", False),
    "bm25 k=10": (10, "bm25", False),
    "dense k=10": (10, "dense", False),
    "hybrid k=10, new Searcher each question": (10, "hybrid", True),
}
ONE_THREAD = "hybrid k=10, 1 torch/FAISS thread"
STAGES = "stages"
PROFILE = "profile"
WARMUP = "warm-up"


def question_plan(n: int, warmup: int, one_thread: bool, profile: bool) -> dict[str, int]:
    """How many questions each set gets: ``n`` for both hybrid sets, half that for the others."""
    sizes = {"hybrid k=10": n, "hybrid k=100": n}
    others = [*list(PASSES)[2:], STAGES]
    others += ([ONE_THREAD] if one_thread else []) + ([PROFILE] if profile else [])
    sizes.update({name: max(1, n // 2) for name in others})
    sizes[WARMUP] = warmup
    return sizes


# ---- in-process ------------------------------------------------------------------------------


@dataclass
class Samples:
    """Wall and CPU seconds of calls, one per question."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def measure(self, fn: Callable[[], object]) -> None:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        self.cpu.append(time.process_time() - start_cpu)
        self.wall.append(time.perf_counter() - start)

    def summary(self, **extra: Any) -> dict[str, Any]:
        return {"wall_s": Stats.of(self.wall), "cpu_s": Stats.of(self.cpu), **extra}


def unseen_passes(searcher: Searcher, sets: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Each pass of ``PASSES`` over its own questions, each asked once, the passes in turn."""
    samples = {name: Samples() for name in PASSES}
    longest = max(len(sets[name]) for name in PASSES)
    for i in range(longest):
        for name, (k, mode, new_searcher) in PASSES.items():
            if i >= len(sets[name]):
                continue
            s = searcher
            if new_searcher:  # built outside the timing: it only reads the document titles
                s = Searcher(searcher.store, searcher.embedder, options=searcher.options)
            samples[name].measure(partial(s.search, sets[name][i], k=k, mode=mode))
    return {
        name: samples[name].summary(k=k, mode=mode, questions=len(sets[name]))
        for name, (k, mode, _) in PASSES.items()
    }


def one_thread_pass(searcher: Searcher, questions: list[str]) -> dict[str, Any]:
    """Hybrid k=10 with one intra-op thread for torch and FAISS, on questions of its own.

    On a busy machine (other requests, other processes) their thread pools can cost more than
    they gain.
    """
    threads = thread_settings()
    samples = Samples()
    set_threads(1)
    try:
        for question in questions:
            samples.measure(partial(searcher.search, question, k=10))
    finally:
        set_threads(max(threads["torch"], threads["faiss"]))
        if threads["OMP_NUM_THREADS"] is None:
            os.environ.pop("OMP_NUM_THREADS", None)
    return samples.summary(k=10, mode="hybrid", questions=len(questions))


def repeated_pass(searcher: Searcher, questions: list[str], repeats: int) -> dict[str, Any]:
    """Hybrid k=10 on questions already asked: the figure a cache would show, not a new one's."""
    samples = Samples()
    for _ in range(repeats):
        for question in questions:
            samples.measure(partial(searcher.search, question, k=10))
    return samples.summary(k=10, mode="hybrid", questions=len(questions), passes=repeats)


class Laps:
    """Consecutive stage timings: ``lap(name)`` records the time since the previous lap."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self._last = time.perf_counter()

    def start(self) -> None:
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.samples.setdefault(name, []).append(now - self._last)
        self._last = now


def stage_times(searcher: Searcher, questions: list[str], k: int = 10) -> dict[str, Any]:
    """The hybrid path's stages one after another, as the searcher runs them, per question.

    Shingling is timed apart from grouping: the searcher keeps each passage's shingles, so it
    shingles a passage only the first time a question brings it up.
    """
    store, options = searcher.store, searcher.options
    depth = max(options.min_depth, 2 * k)
    laps = Laps()
    candidates = []
    for question in questions:
        laps.start()
        vector = searcher.embedder.encode_query(question)
        laps.lap("query embedding")
        bm25 = store.bm25_search(question, depth)
        laps.lap(f"BM25 top-{depth}")
        dense = store.vector_search(vector, depth)
        laps.lap(f"FAISS top-{depth}")
        lists = {
            "bm25": [(s.chunk_id, s.score) for s in bm25],
            "dense": [(s.chunk_id, s.score) for s in dense],
        }
        second, second_vector = searcher.embedder.second, None
        if searcher.fuses_second and second is not None and searcher.second_name is not None:
            second_vector = second.encode_query(question)
            laps.lap("second model's query embedding")
            found = store.second_vector_search(second_vector, depth)
            lists[searcher.second_name] = [(s.chunk_id, s.score) for s in found]
            laps.lap(f"FAISS top-{depth} (second model)")
        ranked = searcher.fuse_lists(lists, options.default_fusion)
        laps.lap("fusion")
        if options.feedback_passages > 0:
            top = [cid for cid, _ in ranked[: options.feedback_passages]]
            vectors = {"dense": vector}
            if second_vector is not None and searcher.second_name is not None:
                vectors[searcher.second_name] = second_vector
            lists.update(feedback_lists(store, vectors, top, options.feedback_weight, depth))
            laps.lap(f"feedback: {len(top)} passages' vectors, the dense lists again")
            ranked = searcher.fuse_lists(lists, options.default_fusion)
            laps.lap("fusion again")
        chunks = store.get_chunks([cid for cid, _ in ranked])
        laps.lap("fetching the fused chunks (SQLite)")
        shingled = [shingles(c.text) for c in chunks]
        laps.lap("shingling them (a passage's first time only)")
        duplicates_among(shingled)
        laps.lap("near-duplicate grouping")
        store.sentences([c.chunk_id for c in chunks[:k]])
        laps.lap(f"fetching sentences of {k} passages (store.sentences)")
        candidates.append(len(chunks))
    return {
        "stages": {name: Stats.of(s) for name, s in laps.samples.items()},
        "fused_candidates_mean": float(np.mean(candidates)),
        "questions": len(questions),
    }


def profile_hybrid(searcher: Searcher, questions: list[str], path: Path) -> str:
    """cProfile hybrid searches of unseen questions; write and return the top of the listing."""
    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        searcher.search(question, k=10)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(35)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return buffer.getvalue()


def in_process(
    searcher: Searcher, sets: dict[str, list[str]], repeats: int, profile_path: Path | None
) -> dict[str, Any]:
    """Warm-up, the unseen passes, the stages, then the repeats, in that order."""
    for question in sets[WARMUP]:
        for k, mode, _ in PASSES.values():
            searcher.search(question, k=k, mode=mode)
    out: dict[str, Any] = {"unseen": unseen_passes(searcher, sets)}
    if ONE_THREAD in sets:
        out["unseen"][ONE_THREAD] = one_thread_pass(searcher, sets[ONE_THREAD])
    out.update(stage_times(searcher, sets[STAGES]))
    out["repeated"] = {"hybrid k=10": repeated_pass(searcher, sets["hybrid k=10"], repeats)}
    if profile_path is not None:
        out["profile"] = str(profile_path)
        profile_hybrid(searcher, sets[PROFILE], profile_path)
    return out


# ---- over HTTP -------------------------------------------------------------------------------


def http_search(client: httpx.Client, question: str, k: int) -> tuple[float, bool]:
    """Seconds for one search request, and whether it was answered with 200."""
    start = time.perf_counter()
    try:
        ok = client.get("/api/search", params={"q": question, "k": k}).status_code == 200
    except httpx.HTTPError:
        ok = False
    return time.perf_counter() - start, ok


def _http_summary(calls: list[tuple[float, bool]], **extra: Any) -> dict[str, Any]:
    return {
        "latency_s": Stats.of([seconds for seconds, _ in calls]),
        "errors": sum(not ok for _, ok in calls),
        **extra,
    }


def http_passes(url: str, sets: dict[str, list[str]], repeats: int) -> dict[str, Any]:
    """One client: warm-up, the hybrid questions once each (k=10 and k=100 in turn), then the
    k=10 ones again as repeats. The server is a process of its own, started fresh: every
    question is new to it."""
    ks = {"hybrid k=10": 10, "hybrid k=100": 100}
    calls: dict[str, list[tuple[float, bool]]] = {name: [] for name in ks}
    with httpx.Client(base_url=url, timeout=60.0) as client:
        for question in sets[WARMUP]:
            http_search(client, question, 10)
        for i in range(max(len(sets[name]) for name in ks)):
            for name, k in ks.items():
                if i < len(sets[name]):
                    calls[name].append(http_search(client, sets[name][i], k))
        repeated = [
            http_search(client, question, 10)
            for _ in range(repeats)
            for question in sets["hybrid k=10"]
        ]
    return {
        "unseen": {
            name: _http_summary(calls[name], k=k, questions=len(sets[name]))
            for name, k in ks.items()
        },
        "repeated": {
            "hybrid k=10": _http_summary(
                repeated, k=10, questions=len(sets["hybrid k=10"]), passes=repeats
            )
        },
    }


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
    """A published store of ``n_chunks`` synthetic chunks at ``directory`` (replacing any there),
    written by the store's own code.

    Each document is its chunks joined by blank lines, on one page (so no page lookups); the
    vectors are clustered unit vectors. Returns seconds per stage.
    """
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    texts = synthetic_texts(n_chunks, seed).texts
    vectors = ClusteredVectors(dim=model.dimension, seed=seed).sample(n_chunks, seed + 1)
    # The second model's vectors (``ModelInfo.second``), when the store holds them: another draw.
    second = (
        ClusteredVectors(dim=model.second.dimension, seed=seed + 2).sample(n_chunks, seed + 3)
        if model.second is not None
        else None
    )
    seconds["generate"] = time.perf_counter() - began
    began = time.perf_counter()
    with open_writer(directory, model=model, options=options, fresh=True) as store:
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
            doc = one_page_document(doc_id, f"Synthetic report {d}", body)
            store.add_document(
                PreparedDocument(
                    doc,
                    chunks,
                    vectors[start : start + len(part)],
                    second_vectors=(
                        second[start : start + len(part)] if second is not None else None
                    ),
                )
            )
        seconds["add documents"] = time.perf_counter() - began
        began = time.perf_counter()
        store.commit()
        seconds["commit (build indexes, write, checksum)"] = time.perf_counter() - began
        store.publish()
    return seconds


def open_or_build_synthetic(
    store_dir: Path, n_chunks: int, embedder: Embedder, seed: int
) -> dict[str, float]:
    """Reuse a synthetic store of the right size and model at ``store_dir``, or build one there."""
    model = ModelInfo.of(embedder)
    try:
        with open_reader(store_dir, model=model) as store:
            if store.chunk_count == n_chunks:
                print(f"reusing the synthetic store at {store_dir}", flush=True)
                return {}
    except IndexMismatch:  # missing, or written for another model
        pass
    if store_dir.is_dir() and not store_dir.is_symlink():  # a store written before generations
        shutil.rmtree(store_dir, ignore_errors=True)
    print(f"building a synthetic store of {n_chunks:,} chunks at {store_dir}", flush=True)
    return build_synthetic_store(store_dir, n_chunks, model, seed=seed)


def queries_from_store(store_dir: Path, n: int, seed: int) -> list[str]:
    """Keyword queries drawn from the chunks of 50 random documents of a store."""
    with open_reader(store_dir) as store:
        doc_ids = [info.meta.doc_id for info in store.documents()]
        rng = np.random.default_rng(seed)
        picked = rng.choice(len(doc_ids), size=min(50, len(doc_ids)), replace=False)
        texts = [c.text for i in picked for c in store.chunks_of(doc_ids[int(i)])]
    return synthetic_queries(texts, n, seed)


# ---- the run ---------------------------------------------------------------------------------


def run(
    index_dir: Path,
    sets: dict[str, list[str]],
    embedder: Embedder,
    *,
    repeats: int,
    load_seconds: float,
    concurrency: Sequence[int],
    profile_path: Path | None,
) -> dict[str, Any]:
    before = rss_mb()
    open_s, store = timed(lambda: open_reader(index_dir, model=ModelInfo.of(embedder)))
    with store:
        searcher = Searcher(store, embedder)
        result: dict[str, Any] = {
            "index_dir": str(index_dir),
            "chunks": store.chunk_count,
            "questions": {name: len(questions) for name, questions in sets.items()},
            "open_s": open_s,
            "index_rss_mb": rss_mb() - before,
        }
        print(
            f"opened {result['chunks']:,} chunks in {open_s:.1f} s; timing in-process", flush=True
        )
        result["in_process"] = in_process(searcher, sets, repeats, profile_path)
        del searcher

    print("starting the HTTP server", flush=True)
    with Server(index_dir) as server:
        result["server_first_answer_s"] = server.wait_for_search(sets[WARMUP][0])
        result["http"] = http_passes(server.url, sets, repeats)
        # The load cycles through the hybrid questions (seen by the server by now).
        questions = sets["hybrid k=10"] + sets["hybrid k=100"]
        result["load"] = []
        for clients in concurrency:
            print(f"HTTP load: {clients} clients for {load_seconds:.0f} s", flush=True)
            result["load"].append(http_load(server.url, questions, clients, load_seconds))
        result["server_rss_mb"] = server.rss_mb()
    return result


def goal_rows(result: dict[str, Any], goals: Goals) -> list[dict[str, Any]]:
    """The goals on unseen questions, each with the figure measured and whether it is met."""
    unseen = result["in_process"]["unseen"]
    k10 = unseen["hybrid k=10"]["wall_s"]
    k100 = unseen["hybrid k=100"]["wall_s"]
    http = result["http"]["unseen"]["hybrid k=10"]["latency_s"]
    rows = [
        ("in-process hybrid k=10, p50", k10.median * 1e3, goals.p50_ms, "ms"),
        ("in-process hybrid k=10, p95", k10.p95 * 1e3, goals.p95_ms, "ms"),
        ("HTTP hybrid k=10, p50", http.median * 1e3, goals.http_p50_ms, "ms"),
        ("k=100 p50 / k=10 p50, in-process", k100.median / k10.median, goals.k_ratio, "x"),
    ]
    return [
        {"figure": figure, "measured": value, "goal": goal, "unit": unit, "met": value <= goal}
        for figure, value, goal, unit in rows
        if goal is not None
    ]


def tables(result: dict[str, Any], label: str) -> list[Table]:
    inproc, http = result["in_process"], result["http"]
    goals = Table(
        f"Goals on {label}: questions the process has never seen",
        ["figure", "measured", "goal", "met"],
    )
    for row in result["goals"]:
        unit = " ms" if row["unit"] == "ms" else "x"
        goals.add(
            row["figure"],
            f"{fmt(row['measured'])}{unit}",
            f"<= {row['goal']:g}{unit}",
            "yes" if row["met"] else "NO",
        )

    unseen = Table(
        f"Search latency on {label}: unseen questions, each asked once (answer sentence included)",
        ["path", "questions", "p50 ms", "p95 ms", "p99 ms", "CPU ms p50", "errors"],
    )
    for name, entry in inproc["unseen"].items():
        s = entry["wall_s"]
        unseen.add(
            f"in-process {name}",
            entry["questions"],
            s.median * 1e3,
            s.p95 * 1e3,
            s.p99 * 1e3,
            entry["cpu_s"].median * 1e3,
            0,
        )
    for name, entry in http["unseen"].items():
        s = entry["latency_s"]
        unseen.add(
            f"HTTP {name}, 1 client",
            entry["questions"],
            s.median * 1e3,
            s.p95 * 1e3,
            s.p99 * 1e3,
            None,
            entry["errors"],
        )
    unseen.notes += [
        f"every row asks questions of its own (disjoint sets of the QA questions, then fixed "
        f"rewordings), after a warm-up on {result['questions'][WARMUP]} other questions; the "
        "in-process passes take their questions in turn",
        "a new Searcher per question keeps no passage from earlier questions (what the first "
        "questions after a start meet); model load and the first search are bench.startup's",
        "CPU ms: CPU time of this process per search, all its threads; with one thread it is "
        "close to the wall time an otherwise idle machine would show",
        f"index of {result['chunks']:,} chunks opened in {result['open_s']:.1f} s",
    ]

    repeated = Table(
        f"Repeated questions on {label}: asked before by the same process (a cache figure, "
        "not what a new question costs)",
        ["path", "questions x passes", "p50 ms", "p95 ms", "p99 ms", "p50 vs unseen"],
    )
    for path, entry, first in (
        (
            "in-process hybrid k=10",
            inproc["repeated"]["hybrid k=10"],
            inproc["unseen"]["hybrid k=10"]["wall_s"],
        ),
        (
            "HTTP hybrid k=10, 1 client",
            http["repeated"]["hybrid k=10"],
            http["unseen"]["hybrid k=10"]["latency_s"],
        ),
    ):
        s = entry.get("wall_s") or entry["latency_s"]
        repeated.add(
            path,
            f"{entry['questions']} x {entry['passes']}",
            s.median * 1e3,
            s.p95 * 1e3,
            s.p99 * 1e3,
            ratio(s.median, first.median),
        )

    stages = Table(
        f"Hybrid path on {label}, k=10: each stage alone, on {inproc['questions']} unseen questions",
        ["stage", "p50 ms", "p95 ms", "share of hybrid p50"],
    )
    hybrid_p50 = inproc["unseen"]["hybrid k=10"]["wall_s"].median
    for name, s in inproc["stages"].items():
        stages.add(name, s.median * 1e3, s.p95 * 1e3, ratio(s.median, hybrid_p50))
    stages.notes.append(
        f"{inproc['fused_candidates_mean']:.0f} fused candidates per question on average; the "
        "rest of the hybrid time is sentence scoring (stored sentence vectors), the answer and "
        "building the result"
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
        "the clients cycle through the hybrid questions (seen by the server by then); server "
        f"resident memory after the load: {result['server_rss_mb']:,.0f} MiB; first search "
        f"answered {result['server_first_answer_s']:.1f} s after the process started"
    )
    return [goals, unseen, repeated, stages, load]


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "end-to-end benchmark")
    parser.add_argument("--index-dir", type=Path, help="a prebuilt corpus index (else built)")
    parser.add_argument(
        "--queries",
        type=int,
        default=60,
        help="questions in each hybrid set (k=10, k=100); the other sets get half (default 60)",
    )
    parser.add_argument("--warmup", type=int, default=10, help="warm-up questions (not timed)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="passes over the k=10 questions asked again"
    )
    parser.add_argument("--load-seconds", type=float, default=10.0, help="per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[8, 32])
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
    if args.warmup < 1 or args.queries < 2:
        parser.error("--warmup must be at least 1 and --queries at least 2")

    embedder = Embedder()
    data: dict[str, Any] = {"model": embedder.model_name}
    with tempfile.TemporaryDirectory(prefix="citesearch-bench-") as tmp:
        if args.synthetic:
            store_dir = args.store_dir or Path(tmp) / "synthetic"
            data["store_build_s"] = open_or_build_synthetic(
                store_dir, args.synthetic, embedder, args.seed
            )
            index_dir, label, name = store_dir, f"{args.synthetic:,} synthetic chunks", "e2e-large"
            goals = LARGE_GOALS
        else:
            index_dir = args.index_dir or Path(tmp) / "index"
            if args.index_dir is None:
                print("building the corpus index", flush=True)
                data["build"] = build_index([CORPUS_DIR], index_dir, embedder=embedder).seconds
            label, name, goals = "the corpus", "e2e", CORPUS_GOALS
        # After any store build, so building keeps every core; only the searches are limited.
        set_threads(args.threads)
        threads = thread_settings()
        sizes = question_plan(
            args.queries,
            args.warmup,
            one_thread=threads["torch"] > 1 or threads["faiss"] > 1,
            profile=args.profile,
        )
        if args.synthetic:
            pool = queries_from_store(index_dir, sum(sizes.values()), args.seed)
        else:
            pool = qa_questions()
        sets = question_sets(pool, sizes, args.seed)
        data.update(
            run(
                index_dir,
                sets,
                embedder,
                repeats=args.repeats,
                load_seconds=args.load_seconds,
                concurrency=args.concurrency,
                profile_path=(args.out_dir / f"{name}_profile.txt") if args.profile else None,
            )
        )
    data["threads"] = threads
    data["goals"] = goal_rows(data, goals)
    label += f", {threads['torch']} torch thread(s)"
    report(args.name or name, tables(data, label), data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
