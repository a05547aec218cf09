"""What a query costs to plan and search, and the budget one query may spend.

Each fuzzy word (``tractr~``) scans the whole vocabulary and stands for up to
``FUZZY_EXPANSIONS`` terms, each prefix (``tract*``) for up to ``PREFIX_EXPANSIONS``, and each
phrase is checked word by word in every candidate passage: a 500-character query of 80 fuzzy
words or 83 phrases is valid syntax but costs many plain questions. The budget caps those per
query; the cost's ``units`` let the server run expensive queries in a lane of their own
(``api.search_gate``).
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.query import (
    AnyOf,
    CitesFilter,
    Clause,
    Fuzzy,
    Not,
    Phrase,
    Prefix,
    Query,
    QueryError,
    Word,
)

MAX_EXPANDED_WORDS = 12  # fuzzy (~) and prefix (*) words in one query
MAX_PHRASES = 12  # quoted phrases in one query (excluded ones too)
# Units of one expanded word: a vocabulary scan and up to tens of BM25 terms, against 1 a word.
EXPANDED_UNITS = 10
PHRASE_UNITS = 3  # a phrase is checked position by position in each candidate


@dataclass(frozen=True)
class QueryCost:
    """The parts of a query that cost: plain words, phrases, fuzzy and prefix words, filters."""

    words: int = 0
    phrases: int = 0
    expanded: int = 0
    filters: int = 0

    @property
    def units(self) -> int:
        """A rough cost in plain words' worth of work."""
        return (
            self.words + PHRASE_UNITS * self.phrases + EXPANDED_UNITS * self.expanded + self.filters
        )


def query_cost(query: Query) -> QueryCost:
    """Count what a parsed query asks for (excluded parts too: they are planned the same way).

    >>> from retrieval.query import parse_query
    >>> query_cost(parse_query('tract* exports "Great Stone" -tractr~ cites:belta.by'))
    QueryCost(words=1, phrases=1, expanded=2, filters=1)
    """
    words = phrases = expanded = filters = 0
    for clause in query.clauses:
        for atom in _atoms(clause):
            if isinstance(atom, Word):
                words += 1
            elif isinstance(atom, Phrase):
                phrases += 1
            elif isinstance(atom, Prefix | Fuzzy):
                expanded += 1
            elif isinstance(atom, CitesFilter):
                filters += 1
    return QueryCost(words=words, phrases=phrases, expanded=expanded, filters=filters)


def _atoms(clause: Clause) -> tuple[object, ...]:
    if isinstance(clause, AnyOf):
        return clause.alternatives
    if isinstance(clause, Not):
        return (clause.operand,)
    return (clause,)


def check_budget(cost: QueryCost) -> None:
    """Raise QueryError, saying what to change, when a query spends more than one may.

    >>> check_budget(QueryCost(words=40, phrases=2, expanded=3))
    >>> check_budget(QueryCost(expanded=80))
    Traceback (most recent call last):
    ...
    retrieval.query.QueryError: the query has 80 fuzzy (~) or prefix (*) words: at most 12 in one query; remove some or search for them one by one
    """
    if cost.expanded > MAX_EXPANDED_WORDS:
        raise QueryError(
            f"the query has {cost.expanded} fuzzy (~) or prefix (*) words: at most "
            f"{MAX_EXPANDED_WORDS} in one query; remove some or search for them one by one"
        )
    if cost.phrases > MAX_PHRASES:
        raise QueryError(
            f"the query has {cost.phrases} quoted phrases: at most {MAX_PHRASES} in one query; "
            "remove some quotes"
        )
