"""The matching passages newest first: a search's results sorted by their documents' dates.

Sorting by date lists the passages that match (``retrieval.matching``: those holding the query's
words, and those close in meaning), never the whole ranked collection: in hybrid and meaning
search every passage is ranked, and the newest document's passages would come first whatever
was asked. A date is the document's ``published`` (ISO 8601: YYYY-MM-DD, YYYY-MM or YYYY, so its
text sorts as its time); documents without one come last; passages of the same date, and those
without one, keep their order by relevance. The passages are those the relevance order counts
as matching (``with_words`` + ``by_meaning``), so both orders list the same passages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

Group = Sequence[tuple[str, float]]  # ranked near-duplicates: (chunk id, score), the first shown


def by_date(
    groups: Sequence[Group],
    matching: Collection[str],
    doc_of: Mapping[str, str],
    published: Mapping[str, str | None],
) -> list[Group]:
    """The ``groups`` (best first) whose first passage is in ``matching``, sorted by the date
    ``published`` gives its document (``doc_of``: chunk id -> doc id): newest first, those
    without one last, ties in ranking order.

    >>> docs = {"a1": "a", "b1": "b", "c1": "c", "d1": "d", "e1": "e"}
    >>> dates = {"a": "2020-05-01", "b": None, "c": "2022", "d": "2021-01-09"}
    >>> groups = [[(cid, 1.0)] for cid in ("a1", "b1", "c1", "d1", "e1")]
    >>> [g[0][0] for g in by_date(groups, {"a1", "b1", "c1", "e1"}, docs, dates)]
    ['c1', 'a1', 'b1', 'e1']
    """
    wanted = set(matching)
    listed = [group for group in groups if group[0][0] in wanted]
    date = {group[0][0]: published.get(doc_of[group[0][0]]) or "" for group in listed}
    dated = [group for group in listed if date[group[0][0]]]
    undated = [group for group in listed if not date[group[0][0]]]
    # sort() is stable with reverse=True too: equal dates keep their order by relevance.
    dated.sort(key=lambda group: date[group[0][0]], reverse=True)
    return dated + undated
