"""Ranking metrics over a run and qrels, with trec_eval's semantics so figures agree exactly.

Conventions shared by every metric here (all those of trec_eval 9, which pytrec_eval wraps):

- A run is ranked by score descending, ties broken by document id descending (trec_eval's
  ``comp_sim_docno``); ranks written in a run file are ignored.
- A document is relevant when its grade is at least 1 (trec_eval's default ``-l 1``); grades of 0
  or below, and unjudged documents, are not relevant.
- Per-query values are given for the queries of the qrels that have at least one relevant
  document. A query with none has no defined recall or nDCG, and counting it as 0 would lower
  every system's mean alike; a query missing from the run scores 0, as with ``trec_eval -c``, so
  a system that skips a query is penalised. pytrec_eval leaves out both kinds of query; its
  per-query values are otherwise the same as these.

Example::

    >>> run = {"q1": {"d1": 2.0, "d2": 1.0}}
    >>> qrels = {"q1": {"d2": 1}}
    >>> evaluate(run, qrels, ["mrr@10", "recall@1"])
    {'mrr@10': 0.5, 'recall@1': 0.0}
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

Run = dict[str, dict[str, float]]
"""Query id -> document id -> retrieval score (higher is better)."""

Qrels = dict[str, dict[str, int]]
"""Query id -> document id -> graded relevance (0 = judged not relevant)."""

RELEVANCE_LEVEL = 1
"""Lowest grade counted as relevant by the binary metrics (trec_eval's default ``-l 1``)."""


def rank_documents(scores: Mapping[str, float]) -> list[str]:
    """Document ids in trec_eval's order: score descending, then document id descending."""
    # Two stable sorts: the secondary key first.
    by_docno = sorted(scores, reverse=True)
    return sorted(by_docno, key=lambda doc: scores[doc], reverse=True)


def judged_queries(qrels: Qrels) -> list[str]:
    """Query ids of the qrels that have at least one relevant document, sorted."""
    return sorted(
        qid for qid, grades in qrels.items() if any(g >= RELEVANCE_LEVEL for g in grades.values())
    )


def _per_query(
    run: Run, qrels: Qrels, metric: Callable[[list[str], Mapping[str, int]], float]
) -> dict[str, float]:
    """Apply ``metric(ranking, grades)`` to each judged query; a query missing from the run gets 0."""
    return {
        qid: metric(rank_documents(run[qid]), qrels[qid]) if qid in run else 0.0
        for qid in judged_queries(qrels)
    }


def _num_relevant(grades: Mapping[str, int]) -> int:
    return sum(1 for g in grades.values() if g >= RELEVANCE_LEVEL)


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"cutoff k must be at least 1, got {k}")


def recall_at_k(run: Run, qrels: Qrels, k: int) -> dict[str, float]:
    """Recall at cutoff k per query: relevant documents in the top k / all relevant documents.

    trec_eval's ``recall.k`` (Manning, Raghavan & Schütze 2008, *Introduction to Information
    Retrieval*, §8.3).
    """
    _check_k(k)

    def metric(ranking: list[str], grades: Mapping[str, int]) -> float:
        found = sum(1 for doc in ranking[:k] if grades.get(doc, 0) >= RELEVANCE_LEVEL)
        return found / _num_relevant(grades)

    return _per_query(run, qrels, metric)


def precision_at_k(run: Run, qrels: Qrels, k: int) -> dict[str, float]:
    """Precision at cutoff k per query: relevant documents in the top k / k.

    trec_eval's ``P.k``: the divisor is k even when fewer than k documents were retrieved
    (Manning, Raghavan & Schütze 2008, §8.4).
    """
    _check_k(k)

    def metric(ranking: list[str], grades: Mapping[str, int]) -> float:
        return sum(1 for doc in ranking[:k] if grades.get(doc, 0) >= RELEVANCE_LEVEL) / k

    return _per_query(run, qrels, metric)


def mrr_at_k(run: Run, qrels: Qrels, k: int) -> dict[str, float]:
    """Reciprocal rank cut at k per query: 1 / rank of the first relevant document, 0 past rank k.

    Voorhees 1999, *The TREC-8 Question Answering Track Report*; equals trec_eval's
    ``recip_rank`` on the run truncated to its top k documents. Its mean is MRR@k.
    """
    _check_k(k)

    def metric(ranking: list[str], grades: Mapping[str, int]) -> float:
        for rank, doc in enumerate(ranking[:k], start=1):
            if grades.get(doc, 0) >= RELEVANCE_LEVEL:
                return 1.0 / rank
        return 0.0

    return _per_query(run, qrels, metric)


def _dcg(gains: list[int]) -> float:
    # Rank r (1-based) is discounted by log2(r + 1): rank 1 is not discounted.
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1) if gain)


def ndcg_at_k(run: Run, qrels: Qrels, k: int) -> dict[str, float]:
    """Normalised discounted cumulative gain at cutoff k per query, with graded gains.

    Järvelin & Kekäläinen 2002, *Cumulated gain-based evaluation of IR techniques* (ACM TOIS
    20(4)), in trec_eval's ``ndcg_cut.k`` form: the gain is the grade itself (negative grades gain
    0), discounted by log2(rank + 1); the ideal ranking orders all judged documents by grade.
    """
    _check_k(k)

    def metric(ranking: list[str], grades: Mapping[str, int]) -> float:
        gains = [max(grades.get(doc, 0), 0) for doc in ranking[:k]]
        ideal = sorted((max(g, 0) for g in grades.values()), reverse=True)[:k]
        ideal_dcg = _dcg(ideal)
        return _dcg(gains) / ideal_dcg if ideal_dcg > 0 else 0.0

    return _per_query(run, qrels, metric)


def average_precision(run: Run, qrels: Qrels) -> dict[str, float]:
    """Average precision over the whole ranking per query; its mean is MAP.

    trec_eval's ``map``: the sum of the precision at the rank of each relevant retrieved document,
    divided by the number of relevant documents, retrieved or not (Buckley & Voorhees 2000,
    *Evaluating evaluation measure stability*, SIGIR).
    """

    def metric(ranking: list[str], grades: Mapping[str, int]) -> float:
        found = 0
        total = 0.0
        for rank, doc in enumerate(ranking, start=1):
            if grades.get(doc, 0) >= RELEVANCE_LEVEL:
                found += 1
                total += found / rank
        return total / _num_relevant(grades)

    return _per_query(run, qrels, metric)


def mean_over_queries(per_query: Mapping[str, float]) -> float:
    """Arithmetic mean of per-query values; 0 when there is no query."""
    return sum(per_query.values()) / len(per_query) if per_query else 0.0


_CUT_METRICS: dict[str, Callable[[Run, Qrels, int], dict[str, float]]] = {
    "recall": recall_at_k,
    "precision": precision_at_k,
    "mrr": mrr_at_k,
    "ndcg": ndcg_at_k,
}
_METRIC_NAME = re.compile(r"(?P<name>[a-z]+)@(?P<k>[0-9]+)")


def per_query_values(run: Run, qrels: Qrels, metric: str) -> dict[str, float]:
    """Per-query values of one metric named like ``"ndcg@10"``, ``"recall@100"`` or ``"map"``."""
    if metric == "map":
        return average_precision(run, qrels)
    match = _METRIC_NAME.fullmatch(metric)
    if match is None or match["name"] not in _CUT_METRICS:
        known = ", ".join(f"{name}@k" for name in _CUT_METRICS)
        raise ValueError(f"unknown metric {metric!r}: expected map or one of {known}")
    return _CUT_METRICS[match["name"]](run, qrels, int(match["k"]))


def evaluate(run: Run, qrels: Qrels, metrics: list[str]) -> dict[str, float]:
    """Mean of each named metric over the queries of ``qrels`` that have a relevant document."""
    return {metric: mean_over_queries(per_query_values(run, qrels, metric)) for metric in metrics}
