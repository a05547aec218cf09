"""Run every benchmark, each in its own process, then print the figures that answer the goals.

Default sizes: Vaswani and 100k synthetic chunks (BM25), 100k vectors (dense), the corpus (end to
end on unseen and repeated questions, indexing with e5 from scratch and passages/s of MiniLM and
e5, startup; embedding models, torch and ONNX Runtime, on 128 corpus chunks; Dask embedding of
2,000 short passages on two local workers against one process). About 15-18 minutes on 2 idle
cores (an estimate from small runs: the corpus index built once, about 1.5 minutes; indexing
about 3; end to end about 1.5; startup under 1; embedding 2-3; Dask embedding 2-3; BM25 and
dense about 3-4); on a machine busy with other work the wall time grows with the load, and more than
in proportion with 2 torch threads (each result records the load average).
``--large`` adds BM25 and dense at 1M chunks (the HNSW build alone takes 30-40 minutes) and the
Milvus + PostgreSQL backend at 1M real passages repeated (``bench.milvus_large``: hours);
``--large-e2e`` adds a 1M-chunk synthetic store served end to end (var/bench/store-1m, about
12 GB of SQLite, and over an hour to write on 2 cores).

Run: ``python -m bench.run_all [--large] [--large-e2e] [--only bm25 dense ...]``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    CORPUS_DIR,
    REPO_ROOT,
    Table,
    base_parser,
    citesearch_command,
    fmt,
    machine_line,
    offline_env,
    write_result,
)

LARGE = 1_000_000

# name -> (module, arguments); the name is also the JSON result's name.
DEFAULT_RUNS: dict[str, tuple[str, list[str]]] = {
    "bm25": ("bench.bm25", []),
    "dense": ("bench.dense", []),
    "e2e": ("bench.e2e", []),
    "indexing": ("bench.indexing", []),
    # 128 chunks at one batch size keeps it to a few minutes; ONNX Runtime when installed.
    "embedding": ("bench.embedding", ["--chunks", "128", "--batch-sizes", "16"]),
    "startup": ("bench.startup", []),
    # 2,000 short passages with e5, three runs each side: a few minutes.
    "dask-embedding": ("bench.dask_embedding", []),
    # A one-page upload on a warm server: its stages, and seconds until a search finds it.
    "upload-stages": ("bench.upload_stages", []),
}
# Runs given a prebuilt corpus index (built once by run_all with `citesearch index`).
NEEDS_INDEX = {"e2e", "e2e-1thread", "startup", "upload-stages", "milvus-large"}
# Only with --only: the whole end-to-end run, HTTP included, with one torch/FAISS thread.
OPTIONAL_RUNS: dict[str, tuple[str, list[str]]] = {
    "e2e-1thread": ("bench.e2e", ["--threads", "1", "--name", "e2e-1thread"]),
}
LARGE_RUNS: dict[str, tuple[str, list[str]]] = {
    # Milvus + PostgreSQL at 1M passages: the corpus's and BEIR's real passages repeated.
    "milvus-large": ("bench.milvus_large", ["--passages", str(LARGE)]),
    "bm25-1m": (
        "bench.bm25",
        ["--no-vaswani", "--sizes", str(LARGE), "--reference-queries", "20", "--name", "bm25-1m"],
    ),
    "dense-1m": (
        "bench.dense",
        [
            "--size",
            str(LARGE),
            "--queries",
            "200",
            "--kinds",
            "flat",
            "flat-1t",
            "hnsw",
            "flat-sq8",
            "ivf",
            "ivf-sq8",
            "--name",
            "dense-1m",
        ],
    ),
}
LARGE_E2E_RUNS: dict[str, tuple[str, list[str]]] = {
    "e2e-1m": (
        "bench.e2e",
        [
            "--synthetic",
            str(LARGE),
            "--store-dir",
            str(REPO_ROOT / "var" / "bench" / "store-1m"),
            "--threads",
            "1",
            "--name",
            "e2e-1m",
        ],
    ),
}


def run_one(name: str, module: str, args: list[str], out_dir: Path) -> dict[str, Any]:
    """Run one benchmark module in a child process, its output streamed to ours."""
    command = [sys.executable, "-m", module, *args, "--out-dir", str(out_dir)]
    print(f"\n===== {name}: {' '.join(command[1:])}", flush=True)
    began = time.perf_counter()
    code = subprocess.call(command, cwd=REPO_ROOT, env=offline_env())
    seconds = time.perf_counter() - began
    print(f"===== {name}: exit {code} after {seconds:.0f} s", flush=True)
    return {"name": name, "exit_code": code, "seconds": seconds}


def _load(out_dir: Path, name: str) -> dict[str, Any] | None:
    path = out_dir / f"{name}.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data["data"]


def summary(out_dir: Path, names: Sequence[str]) -> Table:
    """The figures the goals ask about, from the JSON results of this run."""
    table = Table("Summary against the goals (2 cores)", ["figure", "measured", "goal"])
    for name in names:
        data = _load(out_dir, name)
        if data is None:
            continue
        if name.startswith("bm25"):
            for r in data["results"]:
                p = r["parity"]
                table.add(
                    f"BM25 q/s vs rank-bm25, {r['collection']} ({r['docs']:,} docs)",
                    f"{r['speedup_qps']:.0f}x, top-10 identical {p['identical']}/{p['queries']}",
                    ">= 100x at 100k, identical top-10",
                )
        elif name.startswith("dense"):
            n = data["context"]["n"]
            for r in data["rows"]:
                if r["kind"] in ("flat", "flat-1t", "hnsw") or r["kind"].endswith("sq8"):
                    lat = r["latency_s"]
                    table.add(
                        f"dense {r['label']}, {n:,} vectors",
                        f"p50 {lat['median'] * 1e3:.2f} ms, recall@10 {r['recall_at_10']:.3f}, "
                        f"{r['bytes'] / 2**20:,.0f} MiB",
                        "1M in < 4 GB" if n >= LARGE else "-",
                    )
        elif name.startswith("e2e"):
            threads = data.get("threads", {}).get("torch")
            label = f"{name} ({data['chunks']:,} chunks, {threads} torch thread(s))"
            for goal in data["goals"]:
                unit = " ms" if goal["unit"] == "ms" else "x"
                table.add(
                    f"{label}: {goal['figure']}, unseen questions",
                    f"{fmt(goal['measured'])}{unit}" + ("" if goal["met"] else " (missed)"),
                    f"<= {goal['goal']:g}{unit}",
                )
            repeated = data["in_process"]["repeated"]["hybrid k=10"]["wall_s"]
            table.add(
                f"{label}: in-process hybrid k=10 p50, repeated questions (cache figure)",
                f"{repeated['median'] * 1e3:.1f} ms",
                "-",
            )
            for load in data["load"]:
                table.add(
                    f"{label}: HTTP, {load['clients']} clients",
                    f"{load['throughput_rps']:.1f} req/s, {load['errors']} errors",
                    "0 errors",
                )
            table.add(
                f"{label}: server memory",
                f"{data['server_rss_mb']:,.0f} MiB",
                "< 4 GB at 1M" if "1m" in name else "-",
            )
        elif name == "indexing":
            full = data["full_build"]
            edited = data["incremental"]["one file edited"]["seconds"]
            table.add(
                f"indexing the corpus from scratch ({data['model']})",
                f"{full['seconds']:.0f} s, {full['chunks']} chunks, peak "
                f"{data['peak_rss_mb']:,.0f} MiB",
                "< 240 s",
            )
            if "reference_s" in data:
                peer = statistics.median(data["reference_s"])
                table.add(
                    "corpus build from scratch vs a plain MiniLM encoding of its passages",
                    f"{full['seconds']:.0f} s vs {peer:.0f} s ({full['seconds'] / peer:.1f}x)",
                    "<= 1.2x",
                )
            for row in data["passages"]:
                table.add(
                    f"passages/s, {row['model']} {row['backend']}, corpus {row['kind']}",
                    f"{row['per_s']:.1f}",
                    "-",
                )
            table.add(
                "re-index after editing one file", f"{sorted(edited)[len(edited) // 2]:.1f} s", "-"
            )
        elif name == "embedding":
            for row in data["speed"]:
                table.add(
                    f"passages/s, {row['model']}, corpus chunks of <= {row['budget']} pieces, "
                    f"batch {row['batch']}",
                    f"{row['per_s']:.1f}",
                    "-",
                )
        elif name == "dask-embedding":
            table.add(
                f"Dask embedding, {data['workers']} local workers vs one process "
                f"({data['model']}, {data['passages']:,} short passages)",
                f"{data['dask_median_per_s']:.1f} vs {data['single_median_per_s']:.1f} "
                f"passages/s ({data['ratio']:.2f}x), identical vectors {data['identical']}",
                "identical vectors",
            )
        elif name == "milvus-large":
            for key, label in (("in_process", "in-process"), ("http", "over HTTP")):
                lat = data[key]["latency_s"]
                table.add(
                    f"Milvus + PostgreSQL, {data['rows']:,} passages: hybrid k=10 {label}",
                    f"p50 {lat['median'] * 1e3:.0f} ms, p95 {lat['p95'] * 1e3:.0f} ms",
                    "-",
                )
            build_min, memory_gib = data["write"]["wall_s"] / 60, data["milvus_rss_loaded"] / 2**30
            table.add(
                f"Milvus + PostgreSQL, {data['rows']:,} passages: build, Milvus memory",
                f"{build_min:.0f} min, {memory_gib:.1f} GiB",
                "-",
            )
        elif name == "startup":
            table.add(
                "serve -> first answered search",
                f"{data['first_answer_s']['median']:.1f} s",
                "-",
            )
        elif name == "upload-stages":
            table.add(
                "one-page upload -> found by its words (warm server, p50)",
                f"{data['alone_median_s']:.1f} s",
                f"<= {data['goal_s']} s",
            )
            table.add(
                "one-page upload -> found by meaning too (its vectors published, p50)",
                f"{data['alone_meaning_median_s']:.1f} s",
                "-",
            )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "all benchmarks")
    parser.add_argument("--large", action="store_true", help="add BM25 and dense at 1M chunks")
    parser.add_argument(
        "--large-e2e", action="store_true", help="add a 1M-chunk synthetic store end to end"
    )
    parser.add_argument("--only", nargs="*", default=None, help="run only these names")
    parser.add_argument("--skip-default", action="store_true", help="only the large runs")
    args = parser.parse_args(argv)

    runs: dict[str, tuple[str, list[str]]] = {} if args.skip_default else dict(DEFAULT_RUNS)
    if args.large:
        runs.update(LARGE_RUNS)
    if args.large_e2e:
        runs.update(LARGE_E2E_RUNS)
    if args.only:
        every = {**DEFAULT_RUNS, **OPTIONAL_RUNS, **LARGE_RUNS, **LARGE_E2E_RUNS}
        unknown = set(args.only) - set(every)
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        runs = {n: r for n, r in every.items() if n in args.only}

    print(machine_line(), flush=True)
    began = time.perf_counter()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="citesearch-bench-") as tmp:
        index_dir = Path(tmp) / "index"
        if NEEDS_INDEX & set(runs):
            print(f"building the corpus index once, in {index_dir}", flush=True)
            command = citesearch_command() + [
                "index",
                "--index-dir",
                str(index_dir),
                str(CORPUS_DIR),
            ]
            subprocess.run(command, cwd=REPO_ROOT, env=offline_env(), check=True)
        for name, (module, extra) in runs.items():
            if name in NEEDS_INDEX:
                extra = [*extra, "--index-dir", str(index_dir)]
            outcomes.append(run_one(name, module, extra, args.out_dir))
    total = time.perf_counter() - began
    table = summary(args.out_dir, [o["name"] for o in outcomes if o["exit_code"] == 0])
    table.notes.append(
        f"ran {', '.join(o['name'] for o in outcomes)} in {total / 60:.1f} min; "
        f"failed: {', '.join(o['name'] for o in outcomes if o['exit_code']) or 'none'}"
    )
    print()
    print(table.render(), end="")
    path = write_result(
        "summary", [table], {"runs": outcomes, "seconds": total}, out_dir=args.out_dir
    )
    print(f"\nwrote {path}")
    return 1 if any(o["exit_code"] for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
