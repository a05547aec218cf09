"""What a searcher reads or works out per passage, kept: a searcher serves one published
generation, whose passages never change, so a passage's row, sentences or shingles read for one
question serve every later one (the most recently used, up to a size)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Kept(Generic[Value]):
    """``read`` (chunk ids -> their values, leaving out any it has none for) behind a cache of
    the ``size`` most recently used values; safe to share between threads.

    >>> reads = []
    >>> kept = Kept(lambda ids: reads.append(ids) or {i: i.upper() for i in ids if i != "x"}, 2)
    >>> kept(["a", "b", "x"]), kept(["b", "c"]), reads
    ({'a': 'A', 'b': 'B'}, {'b': 'B', 'c': 'C'}, [['a', 'b', 'x'], ['c']])
    >>> kept(["c", "a"]), reads[-1]  # "a" was the oldest of three kept in two: read again
    ({'c': 'C', 'a': 'A'}, ['a'])
    """

    def __init__(self, read: Callable[[list[str]], Mapping[str, Value]], size: int) -> None:
        self.read, self.size = read, size
        self._kept: OrderedDict[str, Value] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, chunk_ids: Sequence[str]) -> dict[str, Value]:
        """The values of those of ``chunk_ids`` that have one, by chunk id in their order."""
        found: dict[str, Value] = {}
        missing: list[str] = []
        with self._lock:
            for cid in dict.fromkeys(chunk_ids):
                value = self._kept.get(cid)
                if value is None:
                    missing.append(cid)
                else:
                    self._kept.move_to_end(cid)
                    found[cid] = value
        if not missing:
            return found
        fresh = self.read(missing)
        with self._lock:
            for cid in missing:
                if cid in fresh:
                    self._kept[cid] = fresh[cid]
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        found.update((cid, fresh[cid]) for cid in missing if cid in fresh)
        return {cid: found[cid] for cid in dict.fromkeys(chunk_ids) if cid in found}
