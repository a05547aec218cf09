"""The evaluation runs end to end on the real corpus and on a slice of Vaswani, and its files hold
what it reports: every configuration, metrics that are shares, runs in the order users see."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from eval.beir import load_beir
from eval.beir_index import ensure_beir_index
from eval.citations import cites_correctly, key_citations
from eval.metrics import rank_documents
from eval.qa import DEFAULT_QA_PATH, is_relevant, load_questions
from eval.reference_bm25 import ReferenceBM25
from eval.report import markdown_table, write_report
from eval.results import RunConfig
from eval.runner import (
    DEFAULT_CONFIGS,
    all_chunks,
    answered_at,
    cli_eval,
    run_beir,
    run_qa,
    shown_order,
)
from eval.trec import read_qrels, read_run
from index.models.embedder import Embedder
from index.models.encoder import Encoder
from retrieval.search import Searcher, open_searcher

# One question of each type, three of them (q023, q083, q146) answered by a footnoted sentence.
QUICK_IDS = {"q001", "q002", "q003", "q007", "q023", "q083", "q146"}


def test_qa_evaluation_writes_every_config_and_its_run(searcher: Searcher, tmp_path: Path) -> None:
    # A handful of questions on the session's searcher (its caches are shared with other tests).
    questions = [item for item in load_questions() if item.id in QUICK_IDS]
    report = run_qa(searcher, questions, k=10)
    written = write_report(report, tmp_path)
    assert all(path.is_file() for path in written)

    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    names = [entry["config"]["name"] for entry in data["configs"]]
    assert names == [config.name for config in DEFAULT_CONFIGS]
    table = (tmp_path / "results.md").read_text(encoding="utf-8")
    for entry in data["configs"]:
        name = entry["config"]["name"]
        assert f"| {name} |" in table
        assert {"recall@1", "recall@10", "mrr@10", "ndcg@10", "latency_p50_ms"} <= set(
            entry["metrics"]
        )
        for metric, value in entry["metrics"].items():
            if metric.endswith("_ms"):
                assert value > 0, (name, metric)
            else:
                assert 0.0 <= value <= 1.0, (name, metric, value)
        run = read_run(tmp_path / "runs" / f"{name}.trec")
        assert set(run) == QUICK_IDS
    # The answers are found: most of these questions have their passage in the top 10.
    by_name = {entry["config"]["name"]: entry["metrics"] for entry in data["configs"]}
    assert by_name["hybrid-rrf"]["answered@10"] >= 0.75
    assert "citations" not in by_name["rank-bm25"]  # it shows no passages, so no citations
    assert (tmp_path / "recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The qrels name exactly the chunks that hold each key.
    qrels = read_qrels(tmp_path / "qrels.txt")
    chunks = {chunk.chunk_id: chunk for chunk in all_chunks(searcher.store)}
    for item in questions:
        assert qrels[item.id], f"{item.id}: no chunk holds the key"
        assert all(is_relevant(item, chunks[cid].text) for cid in qrels[item.id])

    # A run ranks the passages in the order the searcher shows them.
    bm25_run = read_run(tmp_path / "runs" / "bm25.trec")
    first = questions[0]
    shown = shown_order(searcher.search(first.question, k=10, mode="bm25").hits)
    assert rank_documents(bm25_run[first.id]) == shown


def test_citation_check_reads_the_marker_after_a_quotation(searcher: Searcher) -> None:
    # q023's key ends a sentence inside a quotation; marker 53 follows the closing quote.
    item = next(item for item in load_questions() if item.id == "q023")
    chunk = next(c for c in all_chunks(searcher.store) if is_relevant(item, c.text))
    notes: dict[int, set[str | None]] = {}
    for footnote in searcher.store.footnotes(chunk.doc_id):
        notes.setdefault(footnote.n, set()).add(footnote.note)
    found = key_citations(chunk.text, chunk.citations, item.key)
    assert found is not None and [c.n for c in found] == [53]
    assert cites_correctly(item, chunk.text, chunk.citations, notes, require_note_text=True)
    # The passage's other marker (52) sources an earlier sentence, not the key's.
    assert 52 in {c.n for c in chunk.citations}
    assert not cites_correctly(replace(item, footnotes=[52]), chunk.text, chunk.citations, notes)
    swapped = {53: {"a note from elsewhere"}}
    assert not cites_correctly(item, chunk.text, chunk.citations, swapped)


def test_reference_bm25_ranks_like_the_index_bm25(searcher: Searcher) -> None:
    # Same terms, same k1 and b; only the idf formula differs (see eval.reference_bm25).
    reference = ReferenceBM25(all_chunks(searcher.store))
    questions = [item for item in load_questions() if item.lang == "en"]
    same_first = 0
    overlap = 0.0
    for item in questions:
        ours = [s.chunk_id for s in searcher.store.bm25_search(item.question, 10)]
        theirs = [cid for cid, _ in reference.search(item.question, 10)]
        same_first += ours[:1] == theirs[:1]
        overlap += len(set(ours) & set(theirs)) / max(len(ours), 1)
    assert same_first / len(questions) >= 0.85
    assert overlap / len(questions) >= 0.85


def test_beir_index_is_built_once_and_evaluated(
    vaswani_slice: Path, hash_encoder: Encoder, tmp_path: Path
) -> None:
    """The cache, the run and its table; the only ranking checked is BM25's, so the hash encoder
    stands in for the model (the dense lists' figures are only checked to be figures)."""
    embedder = hash_encoder
    dataset = load_beir(vaswani_slice)
    cache = tmp_path / "beir"
    first = ensure_beir_index(vaswani_slice, dataset, cache, embedder)
    assert first.built and first.documents == len(dataset.corpus)
    again = ensure_beir_index(vaswani_slice, dataset, cache, embedder)
    assert not again.built and again.path == first.path

    configs = [c for c in DEFAULT_CONFIGS if c.name in ("bm25", "hybrid-rrf", "rank-bm25")]
    report = run_beir(open_searcher(first.path, embedder=embedder), dataset, configs, k=20)
    table = markdown_table(report)
    for result in report.results:
        assert f"| {result.config.name} |" in table
        assert set(result.run) == {"1", "2", "3"}
        # Runs are in the collection's own document ids.
        assert all(doc in dataset.corpus for docs in result.run.values() for doc in docs)
        for metric, value in result.metrics.items():
            assert value >= 0 if metric.endswith("_ms") else 0 <= value <= 1, metric
        assert len(report.recall_curve[result.config.name]) == 20
    by_name = {r.config.name: r.metrics for r in report.results}
    # Among 80 distractors, BM25 puts judged abstracts at the top for these queries.
    assert by_name["bm25"]["ndcg@10"] >= 0.5
    assert abs(by_name["bm25"]["ndcg@10"] - by_name["rank-bm25"]["ndcg@10"]) <= 0.1


def test_beir_index_is_rebuilt_when_the_corpus_changes(
    vaswani_slice: Path, hash_encoder: Encoder, tmp_path: Path
) -> None:
    """Mechanics of the cache: the hash encoder stands in for the model."""
    cache = tmp_path / "beir"
    embedder = hash_encoder
    ensure_beir_index(vaswani_slice, load_beir(vaswani_slice), cache, embedder)
    changed = tmp_path / vaswani_slice.name
    changed.mkdir()
    (changed / "qrels").mkdir()
    for name in ("queries.jsonl", "qrels/test.tsv"):
        (changed / name).write_bytes((vaswani_slice / name).read_bytes())
    lines = (vaswani_slice / "corpus.jsonl").read_text(encoding="utf-8").splitlines(True)
    (changed / "corpus.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
    rebuilt = ensure_beir_index(changed, load_beir(changed), cache, embedder)
    assert rebuilt.built and rebuilt.documents == len(lines) - 1


def test_cli_eval_says_when_there_is_no_index(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_eval(DEFAULT_QA_PATH, None, tmp_path / "nowhere", None, embedder=embedder)
    assert code == 2
    assert "no index at" in capsys.readouterr().err
    assert cli_eval(None, None, tmp_path, None, embedder=embedder) == 2


def test_answered_at_needs_one_relevant_chunk_in_the_top_k() -> None:
    run = {"q1": {"a": 3.0, "b": 2.0, "c": 1.0}, "q2": {"x": 1.0}}
    qrels = {"q1": {"b": 1, "c": 1}, "q2": {"y": 1}, "q3": {}}
    # q3 has nothing relevant and is not scored; q2 never finds its chunk.
    assert answered_at(run, qrels, [1, 2, 3]) == {
        "answered@1": 0.0,
        "answered@2": 0.5,
        "answered@3": 0.5,
    }


def test_run_configs_refuse_settings_that_would_be_ignored() -> None:
    with pytest.raises(ValueError, match="file-name-safe"):
        RunConfig("two words", "bm25")
    with pytest.raises(ValueError, match="fusion"):
        RunConfig("hybrid", "hybrid")
    with pytest.raises(ValueError, match="dense_weight"):
        RunConfig("rrf", "hybrid", fusion="rrf", dense_weight=0.5)
    with pytest.raises(ValueError, match="engine"):
        RunConfig("x", "splade")  # type: ignore[arg-type]


def test_cli_eval_reports_russian_questions_as_their_own_table(
    corpus_index: Path, embedder: Embedder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = load_questions()
    chosen = [q for q in questions if q.lang == "en"][:2] + [
        q for q in questions if q.lang == "ru"
    ][:2]
    qa = tmp_path / "qa.jsonl"
    lines = [
        DEFAULT_QA_PATH.read_text(encoding="utf-8").splitlines()[questions.index(q)] for q in chosen
    ]
    qa.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli_eval(qa, None, corpus_index, out, embedder=embedder) == 0
    english = json.loads((out / "qa" / "results.json").read_text(encoding="utf-8"))
    russian = json.loads((out / "qa-ru" / "results.json").read_text(encoding="utf-8"))
    assert english["queries"] == russian["queries"] == 2
    assert set(read_run(out / "qa-ru" / "runs" / "dense.trec")) == {q.id for q in chosen[2:]}
    for entry in russian["configs"]:
        assert 0.0 <= entry["metrics"]["recall@10"] <= 1.0
        wall = entry["seconds"]  # each configuration's wall time is recorded (not judged)
        assert isinstance(wall, float) and wall > 0
    printed = capsys.readouterr().out
    assert "### Question set: " in printed and " (ru) (2 queries, top 100)" in printed
    # Where the time went: each test set and each of its configurations.
    assert "- qa-ru: every configuration: " in printed and "- qa-ru: hybrid-rrf: " in printed


def test_each_query_reaches_the_model_once_per_run(searcher: Searcher) -> None:
    questions = [item for item in load_questions() if item.id in QUICK_IDS]
    before = searcher.embedder.texts_encoded
    configs = [c for c in DEFAULT_CONFIGS if c.engine != "rank-bm25"]
    report = run_qa(searcher, questions, configs, k=10)
    # Seven configurations, one embedding per question (the searcher embeds nothing else).
    assert searcher.embedder.texts_encoded - before == len(questions)
    for result in report.results:
        assert all(ms > 0 for ms in result.latencies_ms.values())
