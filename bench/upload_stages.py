"""An upload searchable at once (issue 27): where a one-page upload's seconds go, and how soon it
is found over HTTP.

Two parts, both with the real models, warm (loaded, a first passage embedded):

1. **Stage table**, in this process, with the calls the server's quick lane makes for an upload
   (``index.build.prepare_files`` with a parse child and no embedding, ``write_prepared``,
   ``SearcherSlot.open``; then ``index.build.write_meaning``) on a copy of the corpus index: starting a parse
   child, parsing and chunking the page in a child already started, writing and publishing the
   words generation, opening it, the first search of the page's words; then embedding (both
   models, sentences), writing and publishing the meaning generation, opening it. Medians of
   ``--runs`` pages.
2. **Over HTTP**: ``citesearch serve`` with a token on another copy, warmed by a first upload;
   then each page uploaded alone, the seconds from the end of its upload to a search that finds
   it by its words (goal 1.5 s: the words step publishes before any model runs) and to its job
   being done (its vectors published: found by meaning too); then ``--burst`` pages uploaded at
   once: the seconds until all are found, by words and by meaning, and how many generations
   they made (``index_version`` of ``/api/health``). The load average is reported beside.

Each page is a distinct page of real text (corpus paragraphs, a made-up place name to find it).

    python -m bench.upload_stages [--index-dir DIR] [--runs 5] [--burst 5]
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.common import CORPUS_DIR, Table, base_parser, report
from bench.hostile_uploads import AUTH, Served

GOAL_SECONDS = 1.5
T = TypeVar("T")
_PLACES = ("Vorskla", "Zhytkavichy", "Lyntupy", "Braslaw", "Myadzel", "Krychaw", "Khotsimsk")


def one_page(number: int) -> tuple[str, bytes, str]:
    """A one-page .txt (about 3,000 characters of corpus text) that only a search for its own
    place name and number finds: (file name, bytes, query)."""
    paragraphs = [
        p.strip()
        for path in sorted(CORPUS_DIR.glob("*.txt"))
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if len(p.strip()) > 200
    ]
    place = f"{_PLACES[number % len(_PLACES)]}{number}"
    body, size, start = [], 0, (number * 7) % max(1, len(paragraphs))
    for paragraph in paragraphs[start:] + paragraphs[:start]:
        body.append(paragraph)
        size += len(paragraph)
        if size > 3000:
            break
    text = f"Field report from {place}\n\nThe {place} survey counted okapis.\n\n"
    return f"page-{number}.txt", (text + "\n\n".join(body) + "\n").encode(), f"{place} survey"


def _timed(fn: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    out = fn()
    return time.perf_counter() - began, out


def stage_table(index_dir: Path, work: Path, runs: int) -> dict[str, list[float]]:
    """Seconds per stage of a one-page upload, with the calls the server makes for it: the words
    step in the quick lane, then the meaning step in the meaning lane (``index.build.write_meaning``)."""
    from api.job_lanes import QUICK_PARSE_SECONDS
    from api.live_index import SearcherSlot
    from index.build import (
        embedded_passages,
        prepare_files,
        waiting_passages,
        write_meaning,
        write_prepared,
    )
    from index.models.embedder import Embedder
    from index.parse_worker import ParseWorker

    embedder = Embedder()
    embedder.encode(["warm"])
    assert embedder.second is not None
    embedder.second.encode(["warm"])
    slot = SearcherSlot(index_dir, embedder)
    slot.open(strict=True)
    stages: dict[str, list[float]] = {}
    for number in range(runs):
        name, data, query = one_page(100 + number)
        path = work / name
        path.write_bytes(data)
        tiny = work / f"tiny-{number}.txt"
        tiny.write_bytes(b"A line.\n")
        with ParseWorker(QUICK_PARSE_SECONDS) as worker:
            start, _ = _timed(partial(worker.parse_all, tiny))
            prepared = prepare_files([path], embedder=embedder, worker=worker, embed=False)
        write, _ = _timed(partial(write_prepared, prepared, index_dir, embedder=embedder))
        reopen, searcher = _timed(slot.open)
        assert searcher is not None
        search, result = _timed(partial(searcher.search, query, k=3))
        assert path.stem in [hit.doc_id for hit in result.hits], query
        waiting = waiting_passages(searcher.store)
        embed, pending = _timed(partial(embedded_passages, waiting, embedder))
        meaning, took = _timed(partial(write_meaning, pending, index_dir, embedder=embedder))
        assert took == [path.stem], took
        reopen_meaning, _ = _timed(slot.open)
        for key, seconds in (
            ("parse child start (one-line file)", start),
            ("parse and chunk (child started)", prepared.report.seconds["parse"]),
            ("words: write and publish the generation", write),
            ("words: open the new generation for search", reopen),
            ("words: first search of the page", search),
            ("meaning: embed (both models, sentences)", embed),
            ("meaning: write and publish the generation", meaning),
            ("meaning: open the new generation for search", reopen_meaning),
        ):
            stages.setdefault(key, []).append(seconds)
        print(f"stages, page {number + 1}: {sum(v[-1] for v in stages.values()):.2f} s", flush=True)
    slot.close()
    return stages


def _upload(client: httpx.Client, name: str, data: bytes) -> tuple[float, str]:
    """Upload a file; (when the upload ended, its job's id)."""
    response = client.post("/api/documents", files={"file": (name, data)}, headers=AUTH)
    response.raise_for_status()
    return time.monotonic(), str(response.json()["id"])


def _found(client: httpx.Client, query: str, doc_id: str, since: float, timeout: float) -> float:
    """Seconds from ``since`` until a search for ``query`` lists ``doc_id`` among its first
    three (by its words: its vectors may not exist yet)."""
    while time.monotonic() - since < timeout:
        response = client.get("/api/search", params={"q": query, "k": 3})
        found = response.json()["results"] if response.status_code == 200 else []
        if doc_id in [hit["doc_id"] for hit in found]:
            return time.monotonic() - since
        time.sleep(0.02)
    raise TimeoutError(f"{doc_id} not searchable after {timeout} s")


def _done(client: httpx.Client, job_id: str, since: float, timeout: float) -> float:
    """Seconds from ``since`` until the job is done: its vectors published (meaning search)."""
    while time.monotonic() - since < timeout:
        job = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        if job["status"] == "done":
            return time.monotonic() - since
        if job["status"] not in ("queued", "running"):
            raise RuntimeError(f"job {job_id} ended {job['status']}: {job.get('error')}")
        time.sleep(0.02)
    raise TimeoutError(f"job {job_id} not done after {timeout} s")


def over_http(index_dir: Path, work: Path, runs: int, burst: int) -> dict[str, Any]:
    """Seconds from each upload's end to its being found by its words, then by meaning, alone;
    and in a burst."""
    served = Served(index_dir, work / "server.log")
    try:
        with httpx.Client(base_url=served.url, timeout=120) as client:
            name, data, query = one_page(0)
            ended, job = _upload(client, name, data)
            _found(client, query, Path(name).stem, ended, 600)  # warm
            _done(client, job, ended, 600)
            alone, meaning, loads = [], [], []
            for number in range(1, runs + 1):
                name, data, query = one_page(number)
                loads.append(os.getloadavg()[0])
                ended, job = _upload(client, name, data)
                alone.append(_found(client, query, Path(name).stem, ended, 120))
                meaning.append(_done(client, job, ended, 300))
                print(
                    f"alone, page {number}: words {alone[-1]:.2f} s, meaning {meaning[-1]:.2f} s",
                    flush=True,
                )
            before = client.get("/api/health").json()["index_version"]
            pages = [one_page(1000 + n) for n in range(burst)]
            with ThreadPoolExecutor(burst) as pool:
                sent = list(pool.map(lambda p: _upload(client, p[0], p[1]), pages))
            last = max(end for end, _ in sent)
            together = max(_found(client, q, Path(n).stem, last, 300) for n, _, q in pages)
            all_meaning = max(_done(client, job, last, 600) for _, job in sent)
            generations = client.get("/api/health").json()["index_version"] - before
    finally:
        served.stop()
    return {
        "alone_s": alone,
        "alone_meaning_s": meaning,
        "load_average_1m": loads,
        "burst_all_found_s": together,
        "burst_all_meaning_s": all_meaning,
        "burst_generations": generations,
    }


def _copy(index_dir: Path, root: Path) -> Path:
    shutil.copytree(index_dir.parent, root, symlinks=True)
    return root / index_dir.name


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "upload stages")
    parser.add_argument("--index-dir", type=Path, help="a prebuilt corpus index (else built)")
    parser.add_argument("--runs", type=int, default=5, help="pages measured one at a time")
    parser.add_argument("--burst", type=int, default=5, help="pages uploaded at once")
    parser.add_argument("--skip-stages", action="store_true", help="the HTTP part only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citesearch-upload-stages-") as tmp:
        work = Path(tmp)
        base = args.index_dir
        if base is None:
            from bench.startup import build_corpus_index

            base = work / "base" / "index"
            print("building the corpus index", flush=True)
            build_corpus_index(base)
        stages = {} if args.skip_stages else stage_table(_copy(base, work / "a"), work, args.runs)
        http = over_http(_copy(base, work / "b"), work, args.runs, args.burst)
    return _report(stages, http, args)


def _report(stages: dict[str, list[float]], http: dict[str, Any], args: Any) -> int:
    table = Table(
        "A one-page .txt upload on a warm server: seconds per stage (median)",
        ["stage", "p50 s", "min s", "max s", "runs"],
    )
    for key, values in stages.items():
        table.add(key, statistics.median(values), min(values), max(values), len(values))
    if stages:
        table.add(
            "sum of the medians", sum(statistics.median(v) for v in stages.values()), "", "", ""
        )
    found = Table(
        "Over HTTP: from the end of the upload to a search that finds it by its words, and to "
        "its vectors published (meaning search)",
        ["measure", "p50 s", "min s", "max s", "goal"],
    )
    alone, meaning = http["alone_s"], http["alone_meaning_s"]
    found.add(
        "one page, alone: by words", statistics.median(alone), min(alone), max(alone), GOAL_SECONDS
    )
    found.add(
        "one page, alone: by meaning", statistics.median(meaning), min(meaning), max(meaning), ""
    )
    found.add(
        f"{args.burst} pages at once, until all are found by words",
        http["burst_all_found_s"],
        "",
        "",
        "",
    )
    found.add(
        f"{args.burst} pages at once, until all are found by meaning",
        http["burst_all_meaning_s"],
        "",
        "",
        "",
    )
    found.notes.append(
        f"the {args.burst} pages made {http['burst_generations']} index generation(s); load "
        f"average (1 min) at the single uploads: median {statistics.median(http['load_average_1m']):.1f}"
    )
    data = {
        "stages_s": stages,
        **http,
        "alone_median_s": statistics.median(alone),
        "alone_meaning_median_s": statistics.median(meaning),
        "goal_s": GOAL_SECONDS,
    }
    report("upload-stages", [table, found], data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
