"""Each passage's score and rank in each ranked list it is in, worked out when asked for.

A hybrid search ranks the whole depth of every list (BM25, two models, the notes: 600-800
entries), but only the passages shown need their scores as a hit shows them; the rest of the
search asks which passages a list holds, or which it ranks near the top. Building every entry
up front was a few milliseconds of each search.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from retrieval.hits import RetrieverScore

Ranked = Sequence[tuple[str, float]]  # (chunk id, score), best first


class ListScores(Mapping[str, dict[str, RetrieverScore]]):
    """Chunk id -> {list name: its score (rounded to 6 places) and 1-based rank there}, the
    lists in the order given, for every passage in any of them.

    >>> scores = ListScores({"bm25": [("a", 2.0), ("b", 1.0)], "dense": [("b", 0.9)]})
    >>> scores["b"]
    {'bm25': RetrieverScore(score=1.0, rank=2), 'dense': RetrieverScore(score=0.9, rank=1)}
    >>> list(scores), sorted(scores.in_list("dense")), scores.agreeing(["bm25", "dense"], 1)
    (['a', 'b'], ['b'], {'a': 1, 'b': 1})
    """

    def __init__(self, lists: Mapping[str, Ranked]) -> None:
        self._lists: dict[str, Ranked] = {}
        self._position: dict[str, dict[str, int]] = {}
        self._made: dict[str, dict[str, RetrieverScore]] = {}
        self._ids: dict[str, None] | None = None
        for name, pairs in lists.items():
            self.add_list(name, pairs)

    def add_list(self, name: str, pairs: Ranked) -> None:
        """Another list, after those given (a reranker's order, say)."""
        self._lists[name] = pairs
        self._position[name] = {cid: i for i, (cid, _) in enumerate(pairs)}
        self._made.clear()
        self._ids = None

    def in_list(self, name: str) -> set[str]:
        """The passages the list ``name`` holds (none when there is no such list)."""
        return set(self._position.get(name, ()))

    def agreeing(self, names: Sequence[str | None], top: int) -> dict[str, int]:
        """Passage id -> how many of the lists ``names`` rank it in their first ``top``."""
        counts: Counter[str] = Counter()
        for name in names:
            if name is not None and name in self._lists:
                counts.update(cid for cid, _ in self._lists[name][:top])
        return {cid: counts.get(cid, 0) for cid in self}

    def __getitem__(self, chunk_id: str) -> dict[str, RetrieverScore]:
        made = self._made.get(chunk_id)
        if made is None:
            made = {}
            for name, position in self._position.items():
                i = position.get(chunk_id)
                if i is not None:
                    made[name] = RetrieverScore(round(self._lists[name][i][1], 6), i + 1)
            if not made:
                raise KeyError(chunk_id)
            self._made[chunk_id] = made
        return made

    def _all_ids(self) -> dict[str, None]:
        if self._ids is None:
            self._ids = dict.fromkeys(cid for pairs in self._lists.values() for cid, _ in pairs)
        return self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_ids())

    def __len__(self) -> int:
        return len(self._all_ids())

    def __contains__(self, chunk_id: object) -> bool:
        return any(chunk_id in position for position in self._position.values())
