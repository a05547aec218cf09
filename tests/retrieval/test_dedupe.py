"""Near-duplicate detection between passages."""

from __future__ import annotations

from retrieval.dedupe import near_duplicate_of

BASE = (
    "In October 2021 the fifth meeting of the Belarus-Pakistan Business Council was held, "
    "attended by representatives of more than 60 companies from this South Asian country."
)


def test_same_passage_cut_differently_is_a_duplicate() -> None:
    other = "Overall, trade grew. " + BASE[:-1] + ", representing chemicals and textiles."
    assert near_duplicate_of([BASE, other]) == [None, 0]


def test_different_passages_are_not_duplicates() -> None:
    other = "Belarusian exports to the Asian continent reached about two billion dollars in 2020."
    assert near_duplicate_of([BASE, other]) == [None, None]


def test_duplicate_points_at_the_first_original() -> None:
    assert near_duplicate_of([BASE, "Something else entirely here.", BASE]) == [None, None, 0]
