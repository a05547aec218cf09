"""Each passage's scores per ranked list, worked out when asked for (``ListScores``), agree with
every entry built up front: the scores and ranks a hit shows, which passages a list holds and
how many lists rank a passage near the top."""

from __future__ import annotations

import random

from retrieval.hits import RetrieverScore
from retrieval.list_scores import ListScores


def plain_scores(
    lists: dict[str, list[tuple[str, float]]],
) -> dict[str, dict[str, RetrieverScore]]:
    """Every entry of every list, as hits show them (the definition)."""
    found: dict[str, dict[str, RetrieverScore]] = {}
    for name, pairs in lists.items():
        for rank, (cid, score) in enumerate(pairs, start=1):
            found.setdefault(cid, {})[name] = RetrieverScore(round(score, 6), rank)
    return found


def _random_lists(rng: random.Random) -> dict[str, list[tuple[str, float]]]:
    ids = [f"c{i}" for i in range(60)]
    return {
        name: [(cid, rng.random() * 10) for cid in rng.sample(ids, rng.randint(0, 40))]
        for name in ("bm25", "dense", "minilm", "notes")
    }


def test_scores_and_ranks_agree_with_every_entry_built_up_front() -> None:
    rng = random.Random(3)
    for _ in range(50):
        lists = _random_lists(rng)
        plain = plain_scores(lists)
        scores = ListScores(lists)
        assert list(scores) == list(plain) and len(scores) == len(plain)
        assert {cid: scores[cid] for cid in plain} == plain
        assert all(list(scores[cid]) == list(plain[cid]) for cid in plain)  # lists' order
        assert scores.in_list("bm25") == {cid for cid, s in plain.items() if "bm25" in s}
        names = ("bm25", "dense", None)
        assert scores.agreeing(names, 5) == {
            cid: sum(1 for n in names if n in s and (s[n].rank or 0) <= 5)
            for cid, s in plain.items()
        }
        assert scores.get("absent") is None and "absent" not in scores


def test_a_list_added_later_comes_last_in_each_passages_scores() -> None:
    lists = {"bm25": [("a", 2.0), ("b", 1.0)], "dense": [("b", 0.5)]}
    scores = ListScores(lists)
    assert list(scores["b"]) == ["bm25", "dense"]  # read before the rerank list is added
    scores.add_list("rerank", [("b", 0.91234567), ("a", 0.2)])
    assert scores["b"] == {**plain_scores(lists)["b"], "rerank": RetrieverScore(0.912346, 1)}
    assert list(scores["a"]) == ["bm25", "rerank"]
