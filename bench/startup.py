"""Startup: from launching ``citesearch serve`` to the first answered search.

The index is built beforehand (into a temporary directory unless ``--index-dir`` names one), so
the figure is process start + imports + model load + index open and check + the first query
(whose passages are all new to the process: their near-duplicate shingles are made then). Each
run starts a new server on a free port of 127.0.0.1. The latency of later questions, unseen and
repeated, is ``bench.e2e``'s.

Run: ``python -m bench.startup``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.common import CORPUS_DIR, Stats, Table, base_parser, report, set_threads
from bench.server import Server

QUERY = "Which four Asian countries did Belarus become more engaged with in 2021?"


def build_corpus_index(index_dir: Path) -> None:
    from index.build import build_index
    from index.models.embedder import Embedder

    build_index([CORPUS_DIR], index_dir, embedder=Embedder())


def measure(index_dir: Path, runs: int) -> dict[str, Any]:
    first, second, rss = [], [], []
    for i in range(runs):
        with Server(index_dir) as server:
            first.append(server.wait_for_search(QUERY))
            began = time.perf_counter()
            httpx.get(
                f"{server.url}/api/search", params={"q": QUERY}, timeout=60
            ).raise_for_status()
            second.append(time.perf_counter() - began)
            rss.append(server.rss_mb())
        print(f"run {i + 1}: first answer after {first[-1]:.1f} s", flush=True)
    return {
        "first_answer_s": Stats.of(first),
        "same_query_again_s": Stats.of(second),
        "server_rss_mb": max(rss),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "startup benchmark")
    parser.add_argument("--index-dir", type=Path, help="a prebuilt index (else the corpus)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for the server")
    args = parser.parse_args(argv)
    set_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="citesearch-bench-") as tmp:
        index_dir = args.index_dir
        if index_dir is None:
            index_dir = Path(tmp) / "index"
            print("building the corpus index", flush=True)
            build_corpus_index(index_dir)
        data = measure(index_dir, args.runs)
    table = Table(
        "Startup: `citesearch serve` to the first answered search (index prebuilt)",
        ["measure", "p50 s", "min s", "max s", "runs"],
    )
    for key, label in (
        ("first_answer_s", "launch -> first search answered"),
        ("same_query_again_s", "the same search again (a repeat)"),
    ):
        s = data[key]
        table.add(label, s.median, s.min, s.max, s.n)
    table.notes.append(
        f"index: {'given' if args.index_dir else 'the corpus'}; server resident memory "
        f"{data['server_rss_mb']:,.0f} MiB"
    )
    report("startup", [table], data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
