"""The answer figures count what the searcher answers: accuracy on answerable questions, "not found"
on unanswerable ones, per split and language, and along a threshold curve written as a plot."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from eval.answers import (
    ANSWERS_CALIBRATION_FILE,
    Split,
    UnanswerableItem,
    calibration_questions,
    fixed_splits,
    load_unanswerable,
    run_answers,
    split_of,
)
from eval.qa import DEFAULT_QA_PATH, QAItem, is_relevant, load_questions
from eval.report import write_report
from eval.results import RunConfig
from eval.runner import run_qa
from index.models.encoder import Encoder
from retrieval.search import Searcher, open_searcher

UNANSWERABLE_PATH = DEFAULT_QA_PATH.parent / "unanswerable.jsonl"


@pytest.fixture(scope="module")
def subset() -> tuple[list[QAItem], list[UnanswerableItem], dict[str, Split]]:
    """Eight English and two Russian questions, five unanswerable, and the files' whole split."""
    questions = load_questions()
    unanswerable = load_unanswerable(UNANSWERABLE_PATH)
    splits = split_of([q.id for q in questions] + [u.id for u in unanswerable])
    chosen = [q for q in questions if q.lang == "en"][:8] + [
        q for q in questions if q.lang == "ru"
    ][:2]
    return chosen, unanswerable[:5], splits


def test_splits_halve_both_files_by_sorted_id() -> None:
    questions = load_questions()
    unanswerable = load_unanswerable(UNANSWERABLE_PATH)
    assert len(unanswerable) >= 40
    splits = split_of([q.id for q in questions] + [u.id for u in unanswerable])
    ids = sorted(splits)
    assert [splits[i] for i in ids[:4]] == ["calibration", "held-out"] * 2
    held_out = [u.id for u in unanswerable if splits[u.id] == "held-out"]
    assert len(held_out) == len(unanswerable) // 2


def test_the_answers_calibration_questions_are_calibration_only_and_move_no_other() -> None:
    questions = load_questions()
    unanswerable = load_unanswerable(UNANSWERABLE_PATH)
    extra = calibration_questions(DEFAULT_QA_PATH.parent / ANSWERS_CALIBRATION_FILE)
    assert len(extra) >= 40 and {q.split for q in extra} == {"calibration"}
    old = [q.id for q in questions] + [u.id for u in unanswerable]
    assert not {q.id for q in extra} & set(old)
    # Named by their lines, they take no position: every old id keeps its half.
    fixed = fixed_splits(extra)
    assert split_of(old + list(fixed), fixed) == {**split_of(old), **fixed}


def test_run_answers_applies_a_questions_own_split(
    hash_corpus_index: Path, hash_encoder: Encoder
) -> None:
    searcher = open_searcher(hash_corpus_index, embedder=hash_encoder)
    questions = load_questions()
    unanswerable = load_unanswerable(UNANSWERABLE_PATH)
    by_position = split_of([q.id for q in questions] + [u.id for u in unanswerable])
    held_out = next(q for q in questions if by_position[q.id] == "held-out")
    # A question whose line says "calibration", at a held-out position.
    item = replace(held_out, split="calibration")
    report = run_answers(searcher, [item], [], splits=by_position, thresholds=())
    assert [o.split for o in report.outcomes] == ["calibration"]


def _direct_counts(
    searcher: Searcher, questions: list[QAItem], unanswerable: list[UnanswerableItem]
) -> tuple[dict[str, tuple[bool, bool]], dict[str, bool]]:
    """id -> (answered, the answer holds the key); id -> abstained, from plain searches."""
    answerable = {}
    for item in questions:
        answer = searcher.search(item.question, k=10).answer
        answerable[item.id] = (
            answer is not None,
            answer is not None and is_relevant(item, answer.text),
        )
    abstained = {u.id: searcher.search(u.question, k=10).answer is None for u in unanswerable}
    return answerable, abstained


def test_answer_figures_equal_a_count_of_the_searchers_answers(
    searcher: Searcher,
    subset: tuple[list[QAItem], list[UnanswerableItem], dict[str, Split]],
    tmp_path: Path,
) -> None:
    questions, unanswerable, splits = subset
    report = run_answers(searcher, questions, unanswerable, splits=splits, thresholds=(1.0, 1.3))
    assert searcher.options.answer_threshold == report.threshold  # the searcher is left as it was

    answered, abstained = _direct_counts(searcher, questions, unanswerable)
    by_key = {(f.group, f.lang): f for f in report.accuracy}
    assert {lang for _, lang in by_key} == {"all", "en", "ru"}
    for (group, lang), figures in by_key.items():
        ids = [
            q.id for q in questions if group in ("all", splits[q.id]) and lang in ("all", q.lang)
        ]
        assert figures.questions == len(ids), (group, lang)
        assert figures.answered == sum(answered[i][0] for i in ids), (group, lang)
        assert figures.correct == sum(answered[i][1] for i in ids), (group, lang)
        assert figures.accuracy == figures.correct / figures.questions
    for abstention in report.abstention:
        ids = [u.id for u in unanswerable if abstention.group in ("all", splits[u.id])]
        assert abstention.questions == len(ids)
        assert abstention.abstained == sum(abstained[i] for i in ids)

    # The curve: the default threshold is on it and agrees with the figures above; another
    # threshold counts what a searcher with that threshold answers.
    assert [p.threshold for p in report.curve] == sorted({1.0, 1.3, report.threshold})
    at_default = next(p for p in report.curve if p.threshold == report.threshold)
    assert at_default.accuracy["all"] == by_key[("all", "all")]
    strict = Searcher(
        searcher.store, searcher.embedder, options=replace(searcher.options, answer_threshold=1.3)
    )
    answered_strict, abstained_strict = _direct_counts(strict, questions, unanswerable)
    point = next(p for p in report.curve if p.threshold == 1.3)
    assert point.accuracy["all"].answered == sum(a for a, _ in answered_strict.values())
    assert point.accuracy["all"].correct == sum(c for _, c in answered_strict.values())
    assert point.abstention["all"].abstained == sum(abstained_strict.values())
    # A higher threshold never answers more.
    low = next(p for p in report.curve if p.threshold == 1.0)
    assert low.accuracy["all"].answered >= point.accuracy["all"].answered

    # The report: a section "Answers" in results.md and results.json, and the plot.
    qa_report = run_qa(searcher, questions[:2], [RunConfig("bm25", "bm25")], k=10, name="subset")
    qa_report.answers = report
    written = write_report(qa_report, tmp_path)
    plot = tmp_path / "answers.png"
    assert plot in written and plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "### Answers (threshold " in markdown and "| held-out | ru |" in markdown
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["answers"]
    assert len(data["outcomes"]) == len(questions) + len(unanswerable)
    assert data["accuracy"][0]["accuracy"] == by_key[("all", "all")].accuracy
    assert len(data["curve"]) == 3
