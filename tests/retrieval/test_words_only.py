"""Fusion fair to passages stored by their words alone (``retrieval.words_only``)."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.fusion import weighted_score_fusion
from retrieval.words_only import rescale_words_only


class _Store:
    """A reader whose only answer here is which chunks have no vectors; counts the calls."""

    def __init__(self, pending: set[str]) -> None:
        self.pending = pending
        self.asked: list[list[str]] = []

    def without_vectors(self, chunk_ids: Sequence[str]) -> set[str]:
        self.asked.append(list(chunk_ids))
        return self.pending.intersection(chunk_ids)


LISTS = {
    "bm25": [("new#0", 9.0), ("old#1", 3.0), ("old#2", 1.0)],
    "dense": [("old#1", 0.9), ("old#2", 0.8), ("old#3", 0.1)],
}
WEIGHTS = {"bm25": 0.3, "dense": 0.7}


def test_a_passage_without_vectors_is_scored_over_the_lists_that_can_hold_it() -> None:
    fused = weighted_score_fusion(LISTS, WEIGHTS)
    assert fused[0][0] == "old#1"  # the new page's best words lose to meaning
    store = _Store({"new#0"})
    out = rescale_words_only(fused, WEIGHTS, ["dense"], LISTS, store)  # type: ignore[arg-type]
    assert out[0][0] == "new#0" and abs(out[0][1] - 1.0) < 1e-9
    assert dict(out)["old#1"] == dict(fused)["old#1"]
    assert store.asked == [["new#0"]]  # only passages in no dense list are asked about


def test_nothing_changes_when_every_passage_has_its_vectors() -> None:
    fused = weighted_score_fusion(LISTS, WEIGHTS)
    store = _Store(set())
    assert rescale_words_only(fused, WEIGHTS, ["dense"], LISTS, store) == fused  # type: ignore[arg-type]
    everywhere = {"bm25": LISTS["bm25"], "dense": [*LISTS["dense"], ("new#0", 0.2)]}
    assert rescale_words_only(
        weighted_score_fusion(everywhere, WEIGHTS),
        WEIGHTS,
        ["dense"],
        everywhere,
        store,  # type: ignore[arg-type]
    )
    assert store.asked == [["new#0"]]  # the second call asked nothing: all were in a list
