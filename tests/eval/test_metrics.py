"""Our metrics against pytrec_eval (trec_eval 9) on hand-made, random and real Vaswani runs."""

from __future__ import annotations

import math
import random
from pathlib import Path

import bm25s
import pytest
import pytrec_eval
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.beir import BeirDataset, load_beir
from eval.metrics import (
    Qrels,
    Run,
    evaluate,
    judged_queries,
    mrr_at_k,
    ndcg_at_k,
    per_query_values,
    precision_at_k,
    rank_documents,
)

VASWANI = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "vaswani"
CUTOFFS = (1, 5, 10, 100)
# Our name -> pytrec_eval's name; mrr@k is derived from recip_rank below.
PYTREC_NAMES = {
    "recall": "recall_{k}",
    "precision": "P_{k}",
    "ndcg": "ndcg_cut_{k}",
}
ALL_METRICS = ["map"] + [
    f"{name}@{k}" for name in ("recall", "precision", "mrr", "ndcg") for k in CUTOFFS
]


def reference_per_query(run: Run, qrels: Qrels, metric: str) -> dict[str, float]:
    """pytrec_eval's per-query figure for one of our metric names, over our query set.

    pytrec_eval leaves out queries missing from the run; ours count them as 0 (trec_eval -c).
    """
    cut = ",".join(str(k) for k in CUTOFFS)
    measures = {"map", "recip_rank", f"recall.{cut}", f"P.{cut}", f"ndcg_cut.{cut}"}
    results = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    values: dict[str, float] = {}
    for qid in judged_queries(qrels):
        if qid not in results:
            values[qid] = 0.0
            continue
        figures = results[qid]
        if metric == "map":
            values[qid] = figures["map"]
            continue
        name, k = metric.split("@")
        if name == "mrr":
            # recip_rank is 1/rank of the first relevant document over the whole run: cut at k,
            # it stays when that rank is at most k.
            rr = figures["recip_rank"]
            values[qid] = rr if rr >= 1.0 / int(k) else 0.0
        else:
            values[qid] = figures[PYTREC_NAMES[name].format(k=k)]
    return values


def assert_agrees_with_pytrec_eval(run: Run, qrels: Qrels) -> None:
    for metric in ALL_METRICS:
        ours = per_query_values(run, qrels, metric)
        reference = reference_per_query(run, qrels, metric)
        assert ours.keys() == reference.keys(), metric
        for qid, value in reference.items():
            assert ours[qid] == pytest.approx(value, abs=1e-9), (metric, qid)
        mean = sum(reference.values()) / len(reference) if reference else 0.0
        assert evaluate(run, qrels, [metric])[metric] == pytest.approx(mean, abs=1e-9), metric


# Graded judgments, a tie block, a query whose only judgment is "not relevant", a query the run
# skips, a query the qrels do not know, and a negative grade (counted as gain 0 by trec_eval).
HAND_QRELS: Qrels = {
    "q1": {"a": 1, "b": 2, "c": 0},
    "q2": {"x": 0},
    "q3": {"y": 1},
    "q4": {"n": -1, "m": 1, "o": 3},
}
HAND_RUN: Run = {
    "q1": {"a": 1.0, "b": 1.0, "c": 1.0, "d": 2.0},
    "q2": {"x": 1.0},
    "q4": {"n": 3.0, "m": 2.0, "o": 0.5},
    "q5": {"z": 1.0},
}


def test_hand_made_run_agrees_with_pytrec_eval() -> None:
    assert_agrees_with_pytrec_eval(HAND_RUN, HAND_QRELS)


def test_ties_are_broken_by_document_id_descending_like_trec_eval() -> None:
    assert rank_documents(HAND_RUN["q1"]) == ["d", "c", "b", "a"]
    # "b", the first relevant document, comes third after "d" and its tie "c".
    assert mrr_at_k(HAND_RUN, HAND_QRELS, 10)["q1"] == pytest.approx(1 / 3)
    assert mrr_at_k(HAND_RUN, HAND_QRELS, 2)["q1"] == 0.0


def test_query_set_skips_unjudged_and_zeroes_unanswered_queries() -> None:
    # q2 has no relevant document and q5 no judgments: neither is averaged. q3 is judged but
    # missing from the run: it counts, as 0.
    per_query = precision_at_k(HAND_RUN, HAND_QRELS, 5)
    assert per_query == {"q1": 0.4, "q3": 0.0, "q4": 0.4}
    assert evaluate(HAND_RUN, HAND_QRELS, ["precision@5"]) == {
        "precision@5": pytest.approx(0.8 / 3)
    }


def test_ndcg_uses_the_grade_as_gain() -> None:
    # q4 ranked n(-1), m(1), o(3): DCG@3 = 0 + 1/log2(3) + 3/2; ideal = 3 + 1/log2(3) + 0.
    expected = (1 / math.log2(3) + 3 / 2) / (3 + 1 / math.log2(3))
    assert ndcg_at_k(HAND_RUN, HAND_QRELS, 3)["q4"] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", ["ndcg", "ndcg@0", "ndcg@-1", "dcg@10", "map@10", "P@10"])
def test_unknown_metric_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        evaluate(HAND_RUN, HAND_QRELS, [name])


DOC_IDS = st.sampled_from([f"d{i}" for i in range(12)] + ["D1", "d10x", "e"])
# Few distinct scores so that ties are frequent.
SCORES = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, -1.0, 3.25])
QUERY_IDS = st.sampled_from(["q1", "q2", "q3", "q4", "q5"])


@settings(max_examples=300, deadline=None)
@given(
    run=st.dictionaries(QUERY_IDS, st.dictionaries(DOC_IDS, SCORES, min_size=1, max_size=15)),
    qrels=st.dictionaries(
        QUERY_IDS,
        st.dictionaries(DOC_IDS, st.integers(min_value=-1, max_value=3), min_size=1, max_size=8),
    ),
)
def test_random_runs_agree_with_pytrec_eval(run: Run, qrels: Qrels) -> None:
    assert_agrees_with_pytrec_eval(run, qrels)


@pytest.fixture(scope="module")
def vaswani() -> BeirDataset:
    return load_beir(VASWANI)


@pytest.fixture(scope="module")
def bm25_run(vaswani: BeirDataset) -> Run:
    """BM25 (k1=0.9, b=0.4, English stemming and stopwords) top 1000 per Vaswani query."""
    doc_ids = list(vaswani.corpus)
    texts = [f"{title} {text}".strip() for title, text in vaswani.corpus.values()]
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25(k1=0.9, b=0.4)
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    query_ids = list(vaswani.queries)
    query_tokens = bm25s.tokenize(
        [vaswani.queries[qid] for qid in query_ids],
        stopwords="en",
        stemmer=stemmer,
        show_progress=False,
    )
    docs, scores = retriever.retrieve(query_tokens, k=1000, show_progress=False, n_threads=1)
    return {
        qid: {doc_ids[int(i)]: float(s) for i, s in zip(docs[n], scores[n], strict=True)}
        for n, qid in enumerate(query_ids)
    }


def test_bm25_run_on_vaswani_agrees_with_pytrec_eval(bm25_run: Run, vaswani: BeirDataset) -> None:
    # float32 BM25 scores tie often: the run exercises the tie order at scale.
    assert sum(len(docs) - len(set(docs.values())) for docs in bm25_run.values()) > 1000
    assert_agrees_with_pytrec_eval(bm25_run, vaswani.qrels)


def test_bm25_on_vaswani_is_near_the_published_lucene_figures(
    bm25_run: Run, vaswani: BeirDataset
) -> None:
    # Reference (shared/benchmarks/vaswani/README.md), Pyserini BM25 with Porter stemming:
    # nDCG@10 0.4368, MAP 0.2856, P@10 0.3624, R@1000 0.934. Tokenisers differ, figures are close.
    figures = evaluate(bm25_run, vaswani.qrels, ["ndcg@10", "map", "precision@10", "recall@1000"])
    assert figures["ndcg@10"] == pytest.approx(0.4368, abs=0.02)
    assert figures["map"] == pytest.approx(0.2856, abs=0.02)
    assert figures["precision@10"] == pytest.approx(0.3624, abs=0.02)
    assert figures["recall@1000"] == pytest.approx(0.934, abs=0.02)


def test_noisy_run_from_vaswani_qrels_agrees_with_pytrec_eval(vaswani: BeirDataset) -> None:
    # Relevant documents get a head start, everything is rounded to one decimal (ties), a few
    # relevant documents are dropped and every fifth query is left out of the run.
    rng = random.Random(7)
    doc_ids = list(vaswani.corpus)
    run: Run = {}
    for n, (qid, grades) in enumerate(sorted(vaswani.qrels.items())):
        if n % 5 == 0:
            continue
        docs = {doc: round(rng.random(), 1) for doc in rng.sample(doc_ids, 150)}
        for doc in grades:
            if rng.random() < 0.8:
                docs[doc] = round(rng.random() + 0.4, 1)
        run[qid] = docs
    assert_agrees_with_pytrec_eval(run, vaswani.qrels)
    assert evaluate(run, vaswani.qrels, ["recall@100"])["recall@100"] < 0.8
