"""Fusing ranked lists from several retrievers into one ranking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]], k: int = 60
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = sum over retrievers of 1 / (k + rank(d)).

    Cormack, Clarke and Büttcher (2009), "Reciprocal Rank Fusion outperforms Condorcet and
    individual rank learning methods", SIGIR. Ranks start at 1; ties broken by id for stability.

    >>> reciprocal_rank_fusion({"a": ["x", "y"], "b": ["y"]})[0][0]
    'y'
    """
    scores: dict[str, float] = {}
    for ranking in rankings.values():
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def weighted_score_fusion(
    scored: Mapping[str, Sequence[tuple[str, float]]], weights: Mapping[str, float]
) -> list[tuple[str, float]]:
    """A weighted sum of min-max normalised scores (CombSUM with weights).

    Fox and Shaw (1994), "Combination of multiple searches", TREC-2; normalisation as in Lee
    (1997), SIGIR. A retriever that did not return an item contributes 0 for it.

    >>> weighted_score_fusion({"a": [("x", 2.0), ("y", 1.0)]}, {"a": 1.0})
    [('x', 1.0), ('y', 0.0)]
    """
    fused: dict[str, float] = {}
    for name, pairs in scored.items():
        weight = weights.get(name, 0.0)
        if not pairs:
            continue
        values = [score for _, score in pairs]
        low, high = min(values), max(values)
        span = high - low
        for item, score in pairs:
            normalised = (score - low) / span if span > 0 else 1.0
            fused[item] = fused.get(item, 0.0) + weight * normalised
        for item, _ in pairs:
            fused.setdefault(item, 0.0)
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))


def weighted_score_sum(
    scored: Mapping[str, Sequence[tuple[str, float]]], weights: Mapping[str, float]
) -> list[tuple[str, float]]:
    """A weighted sum of raw scores, for lists on one scale: BM25 of a passage's fields (its own
    text, and the notes it cites) with the notes down-weighted.

    The linear combination of per-field BM25 scores, the baseline of Robertson, Zaragoza and
    Taylor (2004), "Simple BM25 extension to multiple weighted fields", CIKM: unlike BM25F it lets
    a term's weight in the notes add to its weight in the text, which a short field should not
    overrule when the weight is small. No normalisation: a list that matches weakly adds little.
    An item a list did not return gets 0 from it; ties keep the order items were first met in.

    >>> weighted_score_sum({"text": [("x", 2.0)], "notes": [("y", 3.0), ("x", 1.0)]},
    ...                    {"text": 1.0, "notes": 0.5})
    [('x', 2.5), ('y', 1.5)]
    """
    fused: dict[str, float] = {}
    for name, pairs in scored.items():
        weight = weights.get(name, 0.0)
        for item, score in pairs:
            fused[item] = fused.get(item, 0.0) + weight * score
    order = {item: i for i, item in enumerate(fused)}
    return sorted(fused.items(), key=lambda pair: (-pair[1], order[pair[0]]))


def is_cyrillic(text: str) -> bool:
    """True when most letters of ``text`` are Cyrillic.

    A question in Russian over English reports gains nothing from BM25 of all its words (romanised,
    they match names at most), so the searcher ranks it by meaning and BM25 of its names alone.

    >>> is_cyrillic("Какие страны граничат с Беларусью?"), is_cyrillic("BelAZ in Чили")
    (True, False)
    """
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    return bool(letters) and cyrillic * 2 > len(letters)
