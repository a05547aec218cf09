"""Run every query of a test set through each search configuration and score the rankings.

Two test sets:

- The project's question set (``eval/data/qa.jsonl``), on the corpus index. A chunk is relevant
  to a question when its own text contains the question's key (``eval.qa.is_relevant``): a hit is
  judged by the passage a reader sees, not by the other copies it lists under ``also_in``. The
  qrels are complete: every chunk of the index is judged once, so recall's denominator counts each
  chunk holding the key (one, or two when the key falls in the sentence two neighbouring chunks
  share).
- A BEIR collection (Vaswani), on an index of its corpus (``eval.beir_index``), with its qrels.

A run lists the chunks a reader is shown, in the order shown: each hit, then the copies it merged
as near-duplicates (``also_in``, each judged on its own), where a plain ranker would have put them.
Scores in a run are rank-derived (the first chunk scores the length of the list, the last 1) so
that ``trec_eval`` ranks exactly as the searcher did, whatever ties the fused scores had.

Latency is the wall time of one ``Searcher.search`` call (embedding the query, both retrievers,
fusion, de-duplication, highlights and the answering sentence). Each query is searched once per
configuration and embedded once per run (``QueryVectors``, shared by the configurations; each
latency still counts the embedding's measured time): the only model work is the query's
embedding, since sentence vectors are read from the index. The wall time of each
configuration is kept with its result, so a report says where an evaluation's time goes.

The question set may mix languages (``QAItem.lang``): each language is scored as its own test set
(``qa`` for English, ``qa-ru`` for the Russian questions over the same English reports).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar, cast

import numpy as np

from eval.answers import (
    ANSWERS_CALIBRATION_FILE,
    AnswerReport,
    calibration_questions,
    load_unanswerable,
    run_answers,
    split_of,
)
from eval.beir import BeirDataset, load_beir
from eval.beir_index import ensure_beir_index
from eval.citations import cites_correctly
from eval.metrics import Qrels, Run, evaluate, judged_queries, rank_documents
from eval.qa import DEFAULT_QA_PATH, QAItem, by_language, is_relevant, load_questions, padded
from eval.query_vectors import QueryVectors
from eval.reference_bm25 import ReferenceBM25
from eval.report import markdown_report, write_report
from eval.results import ConfigResult, EvalReport, RunConfig
from index.models.embedder import Embedder
from index.models.encoder import Encoder
from index.records import Chunk
from index.stores.base import IndexLocked, IndexMismatch, StoreReader
from index.stores.factory import Location, as_location
from retrieval.hits import Fusion, Hit, Mode
from retrieval.search import QueryError, Searcher, SearchOptions, open_searcher

QA_METRICS = [
    "recall@1",
    "recall@5",
    "recall@10",
    "answered@1",
    "answered@10",
    "mrr@10",
    "ndcg@10",
    "citations",
    "citations_with_note",
]
BEIR_METRICS = [
    "recall@1",
    "recall@5",
    "recall@10",
    "recall@100",
    "mrr@10",
    "ndcg@10",
    "map",
    "precision@10",
]
LATENCY_METRICS = ["latency_p50_ms", "latency_p95_ms"]
_RANK_METRICS = {"recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"}  # eval.metrics names
QUICK_QUERIES = 8
"""Queries per test set with ``--quick``."""


DEFAULT_CONFIGS: tuple[RunConfig, ...] = (
    RunConfig("bm25", "bm25"),
    RunConfig("dense", "dense"),
    RunConfig("hybrid-rrf", "hybrid", fusion="rrf", rrf_k=60),
    RunConfig("hybrid-weighted-0.4", "hybrid", fusion="weighted", dense_weight=0.4),
    RunConfig("hybrid-weighted-0.5", "hybrid", fusion="weighted", dense_weight=0.5),
    RunConfig("hybrid-weighted-0.6", "hybrid", fusion="weighted", dense_weight=0.6),
    RunConfig("hybrid-weighted-0.7", "hybrid", fusion="weighted", dense_weight=0.7),
    # The default before pseudo-relevance feedback (with MiniLM's list): no second search.
    RunConfig(
        "hybrid-weighted-0.6-no-feedback",
        "hybrid",
        fusion="weighted",
        dense_weight=0.6,
        feedback=0,
    ),
    # The default before the second model: two lists, dense weight 0.4, no feedback.
    RunConfig(
        "hybrid-two-lists-0.4",
        "hybrid",
        fusion="weighted",
        dense_weight=0.4,
        second_share=0.0,
        feedback=0,
    ),
    RunConfig("rank-bm25", "rank-bm25"),
)

_T = TypeVar("_T")

# One record serves both test sets; the names say which a function returns.
QAReport = EvalReport
BeirReport = EvalReport


# ---- the two test sets ----------------------------------------------------------------------


def run_qa(
    searcher: Searcher,
    questions: Sequence[QAItem],
    configs: Sequence[RunConfig] = DEFAULT_CONFIGS,
    k: int = 100,
    *,
    name: str = "qa",
    progress: bool = False,
) -> QAReport:
    """Evaluate the question set on the searcher's index under each configuration.

    ``progress`` shows a progress bar per configuration on stderr.
    """
    chunks = all_chunks(searcher.store)
    qrels = qa_qrels(questions, chunks)
    queries = {item.id: item.question for item in questions}
    by_id = {item.id: item for item in questions}
    stored_notes = _NoteLookup(searcher.store)
    vectors = QueryVectors(searcher.embedder)
    results = []
    for config in configs:
        started = time.perf_counter()
        outcome = _run_config(searcher, chunks, config, queries, k, progress, vectors)
        seconds = time.perf_counter() - started
        metrics = evaluate(outcome.run, qrels, [m for m in QA_METRICS if m in _RANK_METRICS])
        metrics.update(answered_at(outcome.run, qrels, [1, 10]))
        if config.engine != "rank-bm25":  # it ranks chunk ids: no hits, no citations shown
            items = [by_id[qid] for qid in queries]
            metrics.update(citation_accuracy(items, outcome.hits, stored_notes.notes_of))
        metrics.update(latency_summary(outcome.latencies_ms))
        results.append(
            ConfigResult(
                config, metrics, outcome.run, outcome.latencies_ms, outcome.failed, seconds
            )
        )
    notes = _qa_notes(questions, qrels)
    curve_k = min(20, k)
    return EvalReport(
        kind="qa",
        name=name,
        k=k,
        metric_names=QA_METRICS + LATENCY_METRICS,
        qrels=qrels,
        results=results,
        recall_curve={r.config.name: recall_curve(r.run, qrels, curve_k) for r in results},
        notes=notes,
    )


def run_beir(
    searcher: Searcher,
    dataset: BeirDataset,
    configs: Sequence[RunConfig] = DEFAULT_CONFIGS,
    k: int = 100,
    *,
    name: str = "beir",
    query_ids: Sequence[str] | None = None,
    progress: bool = False,
) -> BeirReport:
    """Evaluate a BEIR collection, whose corpus the searcher's index holds (``eval.beir_index``).

    ``query_ids`` limits the run to some queries (the qrels are limited alike); ``progress``
    shows a progress bar per configuration on stderr.
    """
    wanted = list(query_ids) if query_ids is not None else sorted(dataset.queries, key=_natural)
    queries = {qid: dataset.queries[qid] for qid in wanted}
    qrels = {qid: dict(dataset.qrels[qid]) for qid in wanted if qid in dataset.qrels}
    chunks = all_chunks(searcher.store)
    vectors = QueryVectors(searcher.embedder)
    results = []
    for config in configs:
        started = time.perf_counter()
        outcome = _run_config(searcher, chunks, config, queries, k, progress, vectors)
        seconds = time.perf_counter() - started
        metrics = evaluate(outcome.run, qrels, BEIR_METRICS)
        metrics.update(latency_summary(outcome.latencies_ms))
        results.append(
            ConfigResult(
                config, metrics, outcome.run, outcome.latencies_ms, outcome.failed, seconds
            )
        )
    notes = [
        f"{len(queries)} queries, {sum(len(d) for d in qrels.values())} judgments, "
        f"{len(chunks)} documents indexed (one chunk each); runs cut at {k}.",
        f"MAP and recall are over the top {k} (published BM25 baselines usually rank 1000).",
    ]
    return EvalReport(
        kind="beir",
        name=name,
        k=k,
        metric_names=BEIR_METRICS + LATENCY_METRICS,
        qrels=qrels,
        results=results,
        recall_curve={r.config.name: recall_curve(r.run, qrels, k) for r in results},
        notes=notes,
    )


# ---- pure pieces ------------------------------------------------------------------------------


def all_chunks(store: StoreReader) -> list[Chunk]:
    """Every chunk of a store, document by document, in order."""
    return [chunk for info in store.documents() for chunk in store.chunks_of(info.meta.doc_id)]


def qa_qrels(questions: Iterable[QAItem], chunks: Sequence[Chunk]) -> Qrels:
    """Complete qrels: for each question, every chunk whose text contains its key (grade 1), as
    ``eval.qa.is_relevant`` says (each passage normalised once, not once per question)."""
    texts = [(chunk.chunk_id, padded(chunk.text)) for chunk in chunks]
    qrels: Qrels = {}
    for item in questions:
        needle = padded(item.key)
        qrels[item.id] = {chunk_id: 1 for chunk_id, text in texts if needle in text}
    return qrels


def shown_order(hits: Sequence[Hit]) -> list[str]:
    """Chunk ids in the order a reader meets them: each hit, then the copies it merged."""
    order: list[str] = []
    for hit in hits:
        for chunk_id in [hit.chunk_id, *(source.chunk_id for source in hit.also_in)]:
            if chunk_id not in order:
                order.append(chunk_id)
    return order


def rank_scores(chunk_ids: Sequence[str]) -> dict[str, float]:
    """Rank-derived run scores: n for the first of n chunks down to 1 for the last."""
    return {chunk_id: float(len(chunk_ids) - i) for i, chunk_id in enumerate(chunk_ids)}


def answered_at(run: Run, qrels: Qrels, cutoffs: Iterable[int]) -> dict[str, float]:
    """Share of questions with at least one relevant chunk in the top k (success@k).

    Unlike recall@k this does not ask for *every* chunk holding the key: one answers the reader.
    Queries as in ``eval.metrics`` (those with a relevant chunk; a missing run scores 0).
    """
    queries = judged_queries(qrels)
    out: dict[str, float] = {}
    for k in cutoffs:
        found = 0
        for qid in queries:
            ranking = rank_documents(run.get(qid, {}))[:k]
            found += any(qrels[qid].get(doc, 0) >= 1 for doc in ranking)
        out[f"answered@{k}"] = found / len(queries) if queries else 0.0
    return out


def citation_accuracy(
    questions: Sequence[QAItem],
    hits: Mapping[str, Sequence[Hit]],
    notes_of: Callable[[str], Mapping[int, set[str | None]]],
) -> dict[str, float]:
    """Share of the questions with footnotes whose first relevant hit cites them rightly.

    ``citations``: the hit's citations of the key's sentence are exactly the question's footnote
    numbers, each with the note the index stores for that number in the hit's document.
    ``citations_with_note``: the same, and every note has text (fails where the note was lost in
    extraction or the source has none). A question whose answer was not retrieved counts as a
    failure on both.
    """
    cited = [item for item in questions if item.footnotes]
    right = with_note = 0
    for item in cited:
        first = next((hit for hit in hits.get(item.id, []) if is_relevant(item, hit.text)), None)
        if first is None:
            continue
        notes = notes_of(first.doc_id)
        right += cites_correctly(item, first.text, first.citations, notes)
        with_note += cites_correctly(
            item, first.text, first.citations, notes, require_note_text=True
        )
    total = len(cited)
    return {
        "citations": right / total if total else 0.0,
        "citations_with_note": with_note / total if total else 0.0,
    }


def latency_summary(latencies_ms: Mapping[str, float]) -> dict[str, float]:
    """Median and 95th percentile (linear interpolation) of per-query latencies, in ms."""
    values = np.asarray(list(latencies_ms.values()), dtype=np.float64)
    if values.size == 0:
        return {"latency_p50_ms": 0.0, "latency_p95_ms": 0.0}
    return {
        "latency_p50_ms": float(np.percentile(values, 50)),
        "latency_p95_ms": float(np.percentile(values, 95)),
    }


def recall_curve(run: Run, qrels: Qrels, max_k: int) -> list[float]:
    """Mean recall at k for k = 1..max_k."""
    names = [f"recall@{k}" for k in range(1, max_k + 1)]
    means = evaluate(run, qrels, names)
    return [means[name] for name in names]


# ---- running one configuration ---------------------------------------------------------------


@dataclass
class _Outcome:
    run: Run
    latencies_ms: dict[str, float]
    hits: dict[str, list[Hit]]
    failed: dict[str, str]


def _run_config(
    searcher: Searcher,
    chunks: Sequence[Chunk],
    config: RunConfig,
    queries: Mapping[str, str],
    k: int,
    progress: bool,
    query_vectors: QueryVectors | None = None,
) -> _Outcome:
    """Every query under ``config``; a query the searcher refuses gets an empty ranking.

    ``query_vectors`` shared by the configurations of a run embeds each query once.
    """
    outcome = _Outcome(run={}, latencies_ms={}, hits={}, failed={})
    items: Iterable[tuple[str, str]] = queries.items()
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc=config.name, total=len(queries), unit="query")
    if config.engine == "rank-bm25":
        reference = ReferenceBM25(chunks)
        for qid, text in items:
            started = time.perf_counter()
            pairs = reference.search(text, k)
            outcome.latencies_ms[qid] = (time.perf_counter() - started) * 1000
            outcome.run[qid] = rank_scores([chunk_id for chunk_id, _ in pairs])
        return outcome
    configured = configured_searcher(searcher, config)
    vectors = query_vectors or QueryVectors(searcher.embedder)
    configured.embedder = cast(Encoder, vectors)
    mode: Mode = config.engine
    for qid, text in items:
        try:
            vectors.start_call()
            started = time.perf_counter()
            hits = _search(configured, text, k, mode, config.fusion)
            elapsed = time.perf_counter() - started
            outcome.latencies_ms[qid] = vectors.latency_of_call(elapsed) * 1000
        except QueryError as exc:
            outcome.failed[qid] = str(exc)
            hits = []
        outcome.hits[qid] = hits
        outcome.run[qid] = rank_scores(shown_order(hits))
    return outcome


def _search(searcher: Searcher, text: str, k: int, mode: Mode, fusion: Fusion | None) -> list[Hit]:
    return searcher.search(text, k=k, mode=mode, fusion=fusion).hits


def configured_searcher(base: Searcher, config: RunConfig) -> Searcher:
    """A searcher with the config's fusion settings, sharing ``base``'s store, model and caches.

    A shallow copy shares the searcher's caches (shingles, documents); ``base`` itself is left as
    it was.
    """
    options = base.options
    if config.fusion is not None:
        options = replace(options, default_fusion=config.fusion)
    if config.dense_weight is not None:
        options = replace(options, dense_weight=config.dense_weight)
    if config.rrf_k is not None:
        options = replace(options, rrf_k=config.rrf_k)
    if config.second_share is not None:
        options = replace(options, second_share=config.second_share)
    if config.feedback is not None:
        options = replace(options, feedback_passages=config.feedback)
    configured = copy.copy(base)
    configured.options = options
    return configured


class _NoteLookup:
    """Footnote number -> stored notes, per document, read from the store once each."""

    def __init__(self, store: StoreReader) -> None:
        self._store = store
        self._cache: dict[str, dict[int, set[str | None]]] = {}

    def notes_of(self, doc_id: str) -> dict[int, set[str | None]]:
        if doc_id not in self._cache:
            notes: dict[int, set[str | None]] = {}
            for footnote in self._store.footnotes(doc_id):
                notes.setdefault(footnote.n, set()).add(footnote.note)
            self._cache[doc_id] = notes
        return self._cache[doc_id]


def _qa_notes(questions: Sequence[QAItem], qrels: Qrels) -> list[str]:
    unanswerable = sorted(item.id for item in questions if not qrels.get(item.id))
    two = sum(1 for item in questions if len(qrels.get(item.id, {})) > 1)
    notes = [
        f"{len(questions) - len(unanswerable)} questions scored; {two} of them have their key in "
        "two chunks (the sentence neighbouring chunks share), so their recall@1 is at most 0.5; "
        "answered@k asks for one relevant chunk in the top k.",
        f"{sum(1 for item in questions if item.footnotes)} questions have footnotes: "
        "citations and citations_with_note are shares of those.",
    ]
    if unanswerable:
        notes.append(
            f"{len(unanswerable)} question(s) have no chunk holding their key (the key was cut "
            f"by a chunk boundary or lost in cleaning) and are left out: {', '.join(unanswerable)}."
        )
    return notes


def _natural(qid: str) -> tuple[int, str]:
    """Numeric ids in numeric order, others after them."""
    return (int(qid), "") if qid.isdigit() else (sys.maxsize, qid)


# ---- command line ------------------------------------------------------------------------------


def cli_eval(
    qa: Path | None,
    beir: Path | None,
    index_dir: Path | Location,
    out: Path | None,
    quick: bool = False,
    *,
    embedder: Encoder | None = None,
    unanswerable: Path | None = None,
) -> int:
    """``citesearch eval``: evaluate the question set and/or a BEIR collection; print the tables.

    ``qa`` is a question set evaluated on the index at ``index_dir``, each language of its
    questions as its own table (``out/qa`` for English, ``out/qa-ru`` for Russian); ``beir`` a
    BEIR folder, evaluated on its own index cached in
    ``<index_dir's parent>/beir/<model key>/<folder name>`` (built on first use, reused while the
    corpus and the model are unchanged). With ``out`` the files of ``eval.report.write_report``
    go to those folders and ``out/<folder name>``. With ``qa``, the answers of the default searcher
    are scored too (``eval.answers``: accuracy on the question set, abstention on ``unanswerable``,
    by default ``unanswerable.jsonl`` next to ``qa`` when it exists, and the threshold curve), as
    the section "Answers" of the English report. ``quick`` runs the first few queries only,
    with k=20. ``embedder`` is loaded when not given. Prints where the time went (model load,
    index build, each configuration). Returns the process exit code: 0, or 2 when an input or the
    index cannot be used (the message says why).
    """
    if qa is None and beir is None:
        print("citesearch eval: give --qa FILE and/or --beir DIR", file=sys.stderr)
        return 2
    k = 20 if quick else 100
    timings = StageTimer()
    with timings.stage("load model"):
        embedder = embedder or Embedder()
    try:
        if qa is not None:
            questions = load_questions(qa)
            unanswerable = unanswerable or _beside(qa, "unanswerable.jsonl")
            outside = load_unanswerable(unanswerable) if unanswerable else []
            searcher = open_searcher(index_dir, embedder=embedder)
            splits = split_of([item.id for item in questions] + [item.id for item in outside])
            asked = [
                item for group in by_language(questions).values() for item in _first(group, quick)
            ]
            # Questions written for the answer box's calibration alone: scored as answers, not
            # in the retrieval tables (whose figures stay those of the question set).
            more = _beside(qa, ANSWERS_CALIBRATION_FILE)
            asked += _first(calibration_questions(more), quick) if more else []
            with timings.stage("answers: every threshold"):
                answers = run_answers(
                    searcher, asked, _first(outside, quick), splits=splits, progress=True
                )
            if unanswerable is None:
                answers.notes.append("no unanswerable set: abstention is not measured")
            pending: AnswerReport | None = answers
            for lang, group in by_language(questions).items():
                folder = "qa" if lang == "en" else f"qa-{lang}"
                limited = _first(group, quick)
                name = str(qa) if lang == "en" else f"{qa} ({lang})"
                with timings.stage(f"{folder}: every configuration"):
                    report = run_qa(searcher, limited, k=k, name=name, progress=True)
                # Both languages' answers in one section, in the first table (English).
                report.answers, pending = pending, None
                timings.add_configs(folder, report)
                _emit(report, out, folder)
        if beir is not None:
            dataset = load_beir(beir)
            name = Path(beir).resolve().name
            with timings.stage(f"{name}: index (build or reuse)"):
                built = ensure_beir_index(
                    beir,
                    dataset,
                    as_location(index_dir).directory.parent / "beir",
                    embedder,
                    progress=True,
                )
            timings.notes.append(
                f"{name}: index {'built' if built.built else 'reused'} ({built.documents} documents)"
            )
            # A test collection's queries are prose, some long (CISI: up to 2,083 characters):
            # read as plain words, never refused as syntax or length.
            searcher = open_searcher(
                built.path,
                embedder=embedder,
                options=SearchOptions(max_query_chars=100_000, syntax=False),
            )
            ids = sorted(dataset.queries, key=_natural)
            wanted = ids[:QUICK_QUERIES] if quick else ids
            with timings.stage(f"{name}: every configuration"):
                report = run_beir(
                    searcher, dataset, k=k, name=name, query_ids=wanted, progress=True
                )
            timings.add_configs(name, report)
            _emit(report, out, name)
    except (OSError, ValueError, IndexMismatch, IndexLocked) as exc:
        # A missing or malformed input file, or no usable index: the message says which.
        print(f"citesearch eval: {exc}", file=sys.stderr)
        return 2
    print(timings.markdown())
    return 0


class StageTimer:
    """Wall time of each stage of an evaluation, in the order run, printed as a Markdown list."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stages: list[tuple[str, float]] = []
        self.notes: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages.append((name, time.perf_counter() - started))

    def add_configs(self, prefix: str, report: EvalReport) -> None:
        """Each configuration's wall time, as sub-stages of the test set's run."""
        for result in report.results:
            self.stages.append((f"{prefix}: {result.config.name}", result.seconds))

    def markdown(self) -> str:
        total = time.perf_counter() - self.started
        lines = ["### Time", ""]
        lines += [f"- {name}: {seconds:.1f} s" for name, seconds in self.stages]
        lines += [f"- {note}" for note in self.notes]
        lines.append(f"- total: {total:.1f} s")
        return "\n".join(lines) + "\n"


def _beside(path: Path, name: str) -> Path | None:
    """``name`` in the folder of ``path``, when that file exists."""
    candidate = Path(path).parent / name
    return candidate if candidate.is_file() else None


def _first(items: Sequence[_T], quick: bool) -> list[_T]:
    """The first few items with ``--quick``, else all."""
    return list(items[:QUICK_QUERIES] if quick else items)


def _emit(report: EvalReport, out: Path | None, folder: str) -> None:
    print(markdown_report(report))
    if out is not None:
        written = write_report(report, Path(out) / folder)
        print(f"wrote {len(written)} files to {Path(out) / folder}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eval.runner``: the same as ``citesearch eval``."""
    parser = argparse.ArgumentParser(prog="python -m eval.runner", description=cli_eval.__doc__)
    parser.add_argument("--qa", type=Path, nargs="?", const=DEFAULT_QA_PATH, default=None)
    parser.add_argument("--beir", type=Path, default=None)
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--unanswerable", type=Path, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    return cli_eval(
        args.qa, args.beir, args.index_dir, args.out, args.quick, unanswerable=args.unanswerable
    )


if __name__ == "__main__":
    sys.exit(main())
