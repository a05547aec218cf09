"""A query's budget (issue 24, finding 7): fuzzy, prefix and phrase parts are capped per query,
with a message that says what to change; everyday queries are far under it."""

from __future__ import annotations

import pytest

from retrieval.query import QueryError, parse_query
from retrieval.query_budget import (
    MAX_EXPANDED_WORDS,
    MAX_PHRASES,
    check_budget,
    query_cost,
)

pytestmark = pytest.mark.unit


def _cost(text: str):  # type: ignore[no-untyped-def]
    return query_cost(parse_query(text))


def test_everyday_queries_are_within_the_budget() -> None:
    for text in (
        "Which dairy shipped its first products to Libya?",
        'tract* exports "Great Stone" -tractr~ cites:belta.by Pakistan OR Vietnam',
        " ".join(f"w{i}~" for i in range(MAX_EXPANDED_WORDS)),
        " ".join(f'"trade w{i}"' for i in range(MAX_PHRASES)),
    ):
        check_budget(_cost(text))


def test_many_fuzzy_or_prefix_words_are_refused_with_the_cap() -> None:
    fuzzy = " ".join(f"ab{c}~" for c in "bcdfghjklmnpqrstvwxz"[: MAX_EXPANDED_WORDS + 1])
    with pytest.raises(QueryError, match=f"{MAX_EXPANDED_WORDS + 1} fuzzy .* at most"):
        check_budget(_cost(fuzzy))
    # Excluded and alternative ones count too: they are expanded the same way.
    mixed = " ".join(
        ["trade"] + [f"-ex{i}*" for i in range(7)] + [f"a{i}~ OR b{i}*" for i in range(3)]
    )
    assert _cost(mixed).expanded == MAX_EXPANDED_WORDS + 1
    with pytest.raises(QueryError):
        check_budget(_cost(mixed))


def test_many_phrases_are_refused_with_the_cap() -> None:
    phrases = " ".join(f'"trade w{i}"' for i in range(MAX_PHRASES + 1))
    with pytest.raises(QueryError, match=f"{MAX_PHRASES + 1} quoted phrases"):
        check_budget(_cost(phrases))
