"""The fusion sweep scores a setting exactly as the runner scores the searcher under it, and picks
settings across collections the way its report says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.beir import load_beir
from eval.beir_index import ensure_beir_index
from eval.qa import load_questions
from eval.results import RunConfig
from eval.runner import run_beir
from eval.sweep import (
    Collection,
    FusionSetting,
    beir_collection,
    default_settings,
    fuse,
    qa_collection,
    sweep,
    sweep_markdown,
    write_sweep,
)
from index.models.embedder import Embedder
from retrieval.search import Searcher, SearchOptions, open_searcher


def _run_config(setting: FusionSetting) -> RunConfig:
    share, feedback = setting.second_share, setting.feedback
    if setting.method == "rrf":
        k = int(setting.parameter or 0)
        return RunConfig(
            "hybrid-rrf", "hybrid", fusion="rrf", rrf_k=k, second_share=share, feedback=feedback
        )
    if setting.method == "weighted":
        return RunConfig(
            "hybrid-weighted",
            "hybrid",
            fusion="weighted",
            dense_weight=setting.parameter,
            second_share=share,
            feedback=feedback,
        )
    return RunConfig(setting.method, setting.method)


@pytest.fixture(scope="module")
def vaswani_index(
    vaswani_slice: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    dataset = load_beir(vaswani_slice)
    return ensure_beir_index(vaswani_slice, dataset, tmp_path_factory.mktemp("beir"), embedder).path


def test_sweep_figures_equal_the_runners_for_the_same_setting(
    vaswani_slice: Path, vaswani_index: Path, embedder: Embedder
) -> None:
    dataset = load_beir(vaswani_slice)
    searcher = open_searcher(vaswani_index, embedder=embedder)
    collection = beir_collection(searcher, "vaswani-slice", dataset.queries, dataset.qrels, 100)
    assert collection.second is not None  # the index holds MiniLM's vectors beside e5's
    settings = [
        FusionSetting("bm25", depth=100),
        FusionSetting("dense", depth=100),
        FusionSetting("rrf", 60.0, 50),
        FusionSetting("rrf", 10.0, 20, second_share=1.0),
        FusionSetting("weighted", 0.3, 50),
        FusionSetting("weighted", 0.6, 20, second_share=0.5),
        FusionSetting("weighted", 0.4, 50, second_share=0.75),
        # Pseudo-relevance feedback: the sweep searches again as the searcher does.
        FusionSetting("rrf", 60.0, 50, second_share=1.0, feedback=4),
        FusionSetting("weighted", 0.6, 50, second_share=0.5, feedback=4),
        FusionSetting("weighted", 0.3, 20, feedback=2),
    ]
    result = sweep([collection], settings)
    moved = FusionSetting("weighted", 0.6, 50, second_share=0.5, feedback=4)
    plain = FusionSetting("weighted", 0.6, 50, second_share=0.5)
    assert any(
        fuse(moved, text, *lists) != fuse(plain, text, *lists)
        for qid, text in collection.queries.items()
        for lists in [
            (
                collection.bm25[qid],
                collection.dense[qid],
                (collection.second or {})[qid],
                collection.feedback[qid],
            )
        ]
    )  # feedback changes some ranking
    for row in result.rows:
        setting = row.setting
        # Ten results fuse max(min_depth, 20) of each list: min_depth is the setting's depth.
        options = SearchOptions(min_depth=min(setting.depth, 50))
        runner_searcher = open_searcher(vaswani_index, embedder=embedder, options=options)
        report = run_beir(runner_searcher, dataset, [_run_config(setting)], k=10)
        searched = report.results[0].metrics["ndcg@10"]
        assert row.scores["vaswani-slice"]["ndcg@10"] == pytest.approx(searched, abs=1e-9), setting
    # Among 80 distractors every setting puts judged abstracts at the top of these queries.
    assert min(row.scores["vaswani-slice"]["ndcg@10"] for row in result.rows) >= 0.5


def test_a_russian_question_is_ranked_by_the_dense_list_alone_under_the_rule(
    searcher: Searcher,
) -> None:
    questions = load_questions()
    russian = [item for item in questions if item.lang == "ru"][:3]
    english = [item for item in questions if item.lang == "en"][:3]
    collection = qa_collection(searcher, russian + english, 50)
    assert collection.subsets == {"ru": [item.id for item in russian]}
    ruled = FusionSetting("weighted", 0.3, 50, cyrillic_dense=True)
    plain = FusionSetting("weighted", 0.3, 50)
    for item in russian + english:
        bm25, dense = collection.bm25[item.id], collection.dense[item.id]
        expected = dense if item.lang == "ru" else fuse(plain, item.question, bm25, dense)
        assert fuse(ruled, item.question, bm25, dense) == expected
    # BM25 alone keeps only chunks sharing a term with the question (the searcher's filter).
    for item in russian + english:
        ranked = fuse(FusionSetting("bm25"), item.question, collection.bm25[item.id], [])
        assert all(score > 0 for _, score in ranked)
    scores = sweep([collection], [plain, ruled]).rows
    assert set(scores[0].scores["qa"]) == {"ndcg@10", "recall@5", "mrr@10", "recall@10/ru"}


def test_leave_one_out_picks_on_the_other_collections_and_scores_the_held_out(
    vaswani_slice: Path, vaswani_index: Path, embedder: Embedder, tmp_path: Path
) -> None:
    dataset = load_beir(vaswani_slice)
    searcher = open_searcher(vaswani_index, embedder=embedder)
    full = beir_collection(searcher, "all", dataset.queries, dataset.qrels, 100)

    def part(name: str, ids: list[str]) -> Collection:
        return Collection(
            name,
            {q: full.queries[q] for q in ids},
            {q: full.qrels[q] for q in ids},
            {q: full.bm25[q] for q in ids},
            {q: full.dense[q] for q in ids},
            second={q: full.second[q] for q in ids} if full.second is not None else None,
        )

    collections = [part("one", ["1"]), part("two", ["2"]), part("three", ["3"])]
    settings = default_settings(
        rrf_ks=[10, 60], dense_weights=[0.3, 0.7], depths=[20, 100], feedbacks=[0]
    )
    result = sweep(collections, settings)
    # Three lists alone; then per rule and depth, RRF with and without the second list and
    # weighted min-max with each of four second shares.
    assert len(result.rows) == len(settings) == 3 + 2 * 2 * (2 * 2 + 2 * 4)
    assert len(default_settings(rrf_ks=[10, 60], dense_weights=[0.3, 0.7], depths=[20, 100])) == (
        3 + 2 * 2 * 2 * (2 * 2 + 2 * 4)
    )  # each fusion with and without feedback
    rows = {row.setting.name: row for row in result.rows}
    best = rows[result.best]
    assert all(best.mean >= row.mean for row in result.rows)
    assert best.mean == pytest.approx(
        sum(best.scores[c]["ndcg@10"] for c in ("one", "two", "three")) / 3
    )
    for lo in result.leave_one_out:
        others = [c for c in ("one", "two", "three") if c != lo.held_out]
        chosen = rows[lo.chosen]
        assert all(
            sum(chosen.scores[c]["ndcg@10"] for c in others)
            >= sum(row.scores[c]["ndcg@10"] for c in others) - 1e-12
            for row in result.rows
        )
        assert lo.chosen_score == chosen.scores[lo.held_out]["ndcg@10"]
        assert lo.best_score == max(row.scores[lo.held_out]["ndcg@10"] for row in result.rows)
        assert lo.chosen_score <= lo.best_score

    md, js = write_sweep(result, tmp_path)
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["best"] == result.best and len(data["settings"]) == len(settings)
    text = md.read_text(encoding="utf-8")
    assert text == sweep_markdown(result)
    assert f"**{result.best}**" in text
    assert text.count("\n| rrf-") == 2 * 2 * 2 * 2  # every setting has its row


def test_settings_refuse_parameters_that_would_be_ignored() -> None:
    with pytest.raises(ValueError, match="parameter"):
        FusionSetting("bm25", 0.3)
    with pytest.raises(ValueError, match="parameter"):
        FusionSetting("rrf")
    with pytest.raises(ValueError, match="between 0 and 1"):
        FusionSetting("weighted", 1.5)
    assert FusionSetting("weighted", 0.3, 50, True).name == "weighted-0.3-d50+cyr-dense"
    assert FusionSetting("weighted", 0.6, 200, True, 0.5).name == (
        "weighted-0.6-d200+second0.5+cyr-dense"
    )
    with pytest.raises(ValueError, match="second"):
        FusionSetting("weighted", 0.3, 50, second_share=2.0)
    with pytest.raises(ValueError, match="second model's list"):
        fuse(FusionSetting("weighted", 0.3, 50, second_share=0.5), "q", [("a", 1.0)], [])
    assert FusionSetting("weighted", 0.6, 200, True, 0.5, 4).name == (
        "weighted-0.6-d200+second0.5+prf4+cyr-dense"
    )
    with pytest.raises(ValueError, match="feedback"):
        FusionSetting("dense", feedback=4)
    with pytest.raises(ValueError, match="feedback lists"):
        fuse(FusionSetting("weighted", 0.3, 50, feedback=4), "q", [("a", 1.0)], [])
