"""Dense stage: FAISS exact search against HNSW, IVF and compressed (fp16, 8-bit) indexes.

On synthetic 384-dim unit vectors (clustered by default, see ``bench.synthetic``), each index is
built once and searched one query at a time for the 50 nearest (the depth the searcher asks
for); recall@10 is measured against the exact top-10 of IndexFlatIP, which is the reference for
the latency ratio too. "flat" and "hnsw" go through the store's own ``index.stores.vector_index``
(M=32, efConstruction=200, efSearch=128 as ``StoreOptions`` sets them); the others are plain
FAISS indexes this project does not use yet. Memory is the serialized index size, which for
these index types is what they hold in RAM.

Run: ``python -m bench.dense`` (100k vectors); ``--size 1000000`` for 1M.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bench.common import Stats, Table, base_parser, ratio, report, time_calls, timed
from bench.synthetic import ClusteredVectors, random_unit_vectors
from index.stores.vector_index import VectorIndex

DEPTH = 50  # the searcher asks each retriever for max(50, 2 * (offset + k)) results
RECALL_AT = 10
HNSW_M = 32
EF_CONSTRUCTION = 200

SearchFn = Callable[[np.ndarray], np.ndarray]  # one query vector -> row ids, best first


@dataclass
class Built:
    """An index ready to search, with what it cost to build and keep."""

    index: Any
    search: SearchFn
    build_s: float
    bytes: int


def _faiss(index: Any) -> SearchFn:
    def search(query: np.ndarray) -> np.ndarray:
        _, ids = index.search(query.reshape(1, -1), DEPTH)
        return np.asarray(ids[0])

    return search


def _project(index: VectorIndex) -> SearchFn:
    def search(query: np.ndarray) -> np.ndarray:
        return np.asarray([row for row, _ in index.top_k(query, DEPTH)], dtype=np.int64)

    return search


def _size(index: Any) -> int:
    return int(faiss.serialize_index(index).nbytes)


def load_project(path: Path, n: int) -> Built:
    """An HNSW index the store wrote (``vectors.faiss``), instead of building one here."""
    index = VectorIndex.load(path, "hnsw")
    if index.ntotal != n:
        raise ValueError(f"{path} holds {index.ntotal} vectors, not {n}")
    return Built(index, _project(index), float("nan"), _size(index._index))


def build_project(vectors: np.ndarray, kind: str) -> Built:
    """The store's own VectorIndex ("flat" or "hnsw", with StoreOptions' parameters)."""
    seconds, index = timed(
        lambda: VectorIndex.build(vectors, kind, hnsw_m=HNSW_M, ef_construction=EF_CONSTRUCTION)  # type: ignore[arg-type]
    )
    return Built(index, _project(index), seconds, _size(index._index))


def _train_sample(vectors: np.ndarray, n: int, seed: int) -> np.ndarray:
    if len(vectors) <= n:
        return vectors
    rows = np.random.default_rng(seed).choice(len(vectors), size=n, replace=False)
    return vectors[np.sort(rows)]


def build_faiss(vectors: np.ndarray, kind: str, seed: int) -> Built:
    """A FAISS index the project does not use (yet): compressed flat, HNSW over SQ, IVF."""
    dim = vectors.shape[1]
    lib: Any = faiss  # faiss's stubs type the scalar quantizer kinds wrongly
    ip = lib.METRIC_INNER_PRODUCT
    nlist = max(16, int(4 * math.sqrt(len(vectors))))
    index: Any
    if kind == "flat-fp16":
        index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, ip)
    elif kind == "flat-sq8":
        index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit, ip)
    elif kind in ("hnsw-sq8", "hnsw-fp16"):
        qtype = (
            faiss.ScalarQuantizer.QT_8bit if kind == "hnsw-sq8" else faiss.ScalarQuantizer.QT_fp16
        )
        index = lib.IndexHNSWSQ(dim, qtype, HNSW_M, ip)
        index.hnsw.efConstruction = EF_CONSTRUCTION
        index.hnsw.efSearch = 128
    elif kind in ("ivf", "ivf-sq8"):
        quantizer = faiss.IndexFlatIP(dim)
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, ip)
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, ip
            )
        index.nprobe = 16
    else:
        raise ValueError(f"unknown index kind {kind!r}")

    def build() -> None:
        if not index.is_trained:
            index.train(_train_sample(vectors, max(20_000, 40 * nlist), seed))
        index.add(vectors)

    seconds, _ = timed(build)
    return Built(index, _faiss(index), seconds, _size(index))


def _collecting(search: SearchFn, found: list[np.ndarray]) -> Callable[[np.ndarray], None]:
    def call(query: np.ndarray) -> None:
        found.append(search(query))

    return call


def recall_at(found: Sequence[np.ndarray], exact: Sequence[np.ndarray], k: int) -> float:
    """Mean share of the exact top-k found in the approximate top-k."""
    shares = [
        len(set(f[:k].tolist()) & set(e[:k].tolist())) / k
        for f, e in zip(found, exact, strict=True)
    ]
    return float(np.mean(shares))


# (label, kind, setting name, setting values): each setting value is one row of the table.
VARIANTS: dict[str, tuple[str, str | None, tuple[int, ...]]] = {
    "flat": ("exact IndexFlatIP (store)", None, (0,)),
    "flat-1t": ("exact IndexFlatIP (store), 1 OpenMP thread", None, (0,)),
    "hnsw": ("HNSW M=32 (store)", "efSearch", (64, 128, 256)),
    "hnsw-sq8": ("HNSW M=32 over 8-bit SQ", "efSearch", (128, 256)),
    "hnsw-fp16": ("HNSW M=32 over fp16", "efSearch", (128,)),
    "flat-fp16": ("exact over fp16", None, (0,)),
    "flat-sq8": ("exact over 8-bit SQ", None, (0,)),
    "ivf": ("IVF-Flat", "nprobe", (8, 32)),
    "ivf-sq8": ("IVF over 8-bit SQ", "nprobe", (16, 64)),
}
DEFAULT_KINDS = ["flat", "flat-1t", "hnsw", "flat-fp16", "flat-sq8", "ivf", "ivf-sq8"]


def _apply(built: Built, kind: str, setting: str | None, value: int) -> None:
    if setting == "efSearch":
        if isinstance(built.index, VectorIndex):
            built.index.ef_search = value
        else:
            built.index.hnsw.efSearch = value
    elif setting == "nprobe":
        built.index.nprobe = value


def run(
    n: int,
    kinds: Sequence[str],
    n_queries: int,
    vectors_kind: str,
    seed: int,
    dim: int = 384,
    hnsw_index: Path | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Build every kind over ``n`` vectors and measure each setting; returns rows and context."""
    if vectors_kind == "clustered":
        generator = ClusteredVectors(dim=dim, seed=seed)
        gen_s, vectors = timed(lambda: generator.sample(n, seed + 1))
        queries = generator.sample(n_queries, seed + 2)
    else:
        gen_s, vectors = timed(lambda: random_unit_vectors(n, dim, seed + 1))
        queries = random_unit_vectors(n_queries, dim, seed + 2)
    print(f"{n} {vectors_kind} vectors generated in {gen_s:.1f} s", flush=True)

    exact_index = faiss.IndexFlatIP(dim)
    exact_index.add(vectors)
    _, exact_ids = exact_index.search(queries, RECALL_AT)  # batched: fast, and exact
    exact = list(exact_ids)
    del exact_index

    rows: list[dict[str, Any]] = []
    default_threads = faiss.omp_get_max_threads()
    for kind in kinds:
        label, setting, values = VARIANTS[kind]
        if kind == "hnsw" and hnsw_index is not None:
            built = load_project(hnsw_index, n)
        elif kind in ("flat", "flat-1t", "hnsw"):
            built = build_project(vectors, kind.removesuffix("-1t"))
        else:
            built = build_faiss(vectors, kind, seed)
        print(f"{kind}: built in {built.build_s:.1f} s", flush=True)
        # FAISS parallelises one query over its OpenMP threads; with every core busy (other
        # requests, other processes) that can cost more than it gains, hence the 1-thread row.
        faiss.omp_set_num_threads(1 if kind.endswith("-1t") else default_threads)
        for value in values:
            _apply(built, kind, setting, value)
            for query in queries[:5]:  # warm-up: first-touch page faults, thread start
                built.search(query)
            found: list[np.ndarray] = []
            latency = Stats.of(time_calls(_collecting(built.search, found), list(queries)))
            rows.append(
                {
                    "kind": kind,
                    "label": label + (f", {setting}={value}" if setting else ""),
                    "setting": {setting: value} if setting else {},
                    "build_s": built.build_s,
                    "bytes": built.bytes,
                    "bytes_per_vector": built.bytes / n,
                    "latency_s": latency,
                    "recall_at_10": recall_at(found, exact, RECALL_AT),
                }
            )
        del built
    faiss.omp_set_num_threads(default_threads)
    context = {
        "n": n,
        "dim": dim,
        "queries": n_queries,
        "vectors": vectors_kind,
        "depth": DEPTH,
        "faiss_threads": faiss.omp_get_max_threads(),
    }
    return rows, context


def tables(rows: list[dict[str, Any]], context: dict[str, Any]) -> list[Table]:
    n = context["n"]
    reference = next((r for r in rows if r["kind"] == "flat"), None)
    ref_ms = reference["latency_s"].median * 1e3 if reference else None
    table = Table(
        f"Dense stage: {n:,} {context['vectors']} {context['dim']}-dim vectors, "
        f"one query at a time, top-{context['depth']}",
        [
            "index",
            "p50 ms",
            "p95 ms",
            "p50 vs exact",
            "recall@10",
            "build s",
            "MiB",
            "MiB at 1M",
        ],
    )
    for r in rows:
        lat = r["latency_s"]
        table.add(
            r["label"],
            lat.median * 1e3,
            lat.p95 * 1e3,
            ratio(lat.median * 1e3, ref_ms) if ref_ms else None,
            r["recall_at_10"],
            r["build_s"],
            r["bytes"] / 2**20,
            r["bytes_per_vector"] * 1_000_000 / 2**20,
        )
    if context.get("hnsw_index"):
        table.notes.append(
            f"HNSW loaded from {context['hnsw_index']} (written by the store's own commit over "
            "these same vectors), so no build time here"
        )
    table.notes += [
        f"recall@10 against exact inner-product search; {context['queries']} queries from the "
        f"same distribution; FAISS with {context['faiss_threads']} OpenMP threads",
        "p50 vs exact: latency ratio to the exact IndexFlatIP measured in this run",
        "MiB = serialized index size (what these indexes hold in memory); 'MiB at 1M' scales "
        "bytes per vector measured here to 1,000,000 vectors"
        + (" (measured, not scaled)" if n == 1_000_000 else ""),
    ]
    return [table]


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "dense benchmark")
    parser.add_argument("--size", type=int, default=100_000, help="vectors (default 100000)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--kinds",
        nargs="*",
        default=DEFAULT_KINDS,
        choices=list(VARIANTS),
        help=f"indexes to build (default: {' '.join(DEFAULT_KINDS)})",
    )
    parser.add_argument("--vectors", choices=["clustered", "random"], default="clustered")
    parser.add_argument("--name", default="dense", help="result file name (default dense)")
    parser.add_argument(
        "--hnsw-index",
        type=Path,
        default=None,
        help="load the HNSW index a synthetic store wrote (its vectors.faiss: the same clustered "
        "vectors for the same --seed and --size) instead of building one",
    )
    args = parser.parse_args(argv)
    kinds = ["flat"] + [k for k in args.kinds if k != "flat"]  # the reference is always built
    rows, context = run(
        args.size, kinds, args.queries, args.vectors, args.seed, hnsw_index=args.hnsw_index
    )
    context["hnsw_index"] = args.hnsw_index
    report(args.name, tables(rows, context), {"context": context, "rows": rows}, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
