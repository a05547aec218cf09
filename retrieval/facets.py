"""Facets of a search: how many of the matching passages fall under each value.

People, organisations and places come from the entities each passage mentions (stored at index
time, ``index/text/entities.py``); document, type (the file's suffix), year (of its date) and
language from its document. Each value is given as the query language writes it, so a value
shown is a filter to add (``person:"Alexander Lukashenko"``, ``year:2021``).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from index.records import Chunk, DocumentMeta, Mention

FACET_FIELDS = ("person", "org", "place", "document", "type", "year", "language")
ENTITY_KINDS = ("person", "org", "place")
TOP_VALUES = 10  # values listed per facet, most passages first
FacetEntity = tuple[str, str, str]  # (kind, key, name) of a person, organisation or place


@dataclass
class FacetValue:
    """One value of a facet: ``value`` as a filter takes it, ``count`` matching passages."""

    value: str
    count: int


def document_facets(metas: Iterable[DocumentMeta]) -> dict[str, dict[str, str]]:
    """Each document's type, year and language (those it has), lower-case, by doc id.

    >>> document_facets([DocumentMeta("a", "A", path="x/a.PDF", published="2021-03-09")])
    {'a': {'type': 'pdf', 'year': '2021'}}
    """
    found: dict[str, dict[str, str]] = {}
    for meta in metas:
        values = {}
        suffix = PurePath(meta.path).suffix.lstrip(".").lower() if meta.path else ""
        if suffix:
            values["type"] = suffix
        year = (meta.published or "")[:4]
        if year.isdigit():
            values["year"] = year
        if meta.language:
            values["language"] = meta.language.lower()
        found[meta.doc_id] = values
    return found


def facet_entities(mentions: Iterable[Mention]) -> list[FacetEntity]:
    """A passage's distinct people, organisations and places, as facets count them."""
    return list(dict.fromkeys((m.kind, m.key, m.name) for m in mentions if m.kind in ENTITY_KINDS))


class FacetEntityCache:
    """Each passage's facet entities, read from the store (``StoreReader.chunk_entities``) the
    first time a search counts it and kept: a searcher serves one published generation, so they
    never change (as ``retrieval.dedupe``'s shingles are kept); about 1 KB a passage."""

    def __init__(
        self, read: Callable[[list[str]], Mapping[str, list[Mention]]], size: int = 20_000
    ) -> None:
        self.read, self.size = read, size
        self._kept: OrderedDict[str, list[FacetEntity]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, chunk_ids: Sequence[str]) -> dict[str, list[FacetEntity]]:
        """The facet entities of these passages, by chunk id."""
        with self._lock:
            found = {cid: self._kept[cid] for cid in chunk_ids if cid in self._kept}
        missing = [cid for cid in dict.fromkeys(chunk_ids) if cid not in found]
        if missing:
            read = self.read(missing)
            fresh = {cid: facet_entities(read.get(cid, ())) for cid in missing}
            found.update(fresh)
            with self._lock:
                self._kept.update(fresh)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return found


def _entity_counts(
    chunk_ids: Sequence[str], entities: Mapping[str, Sequence[FacetEntity]]
) -> dict[str, list[FacetValue]]:
    """Passages per entity of each kind; a surname alone counted with the one full name that
    ends in it among these passages; each shown by the name most of its passages give."""
    passages: dict[tuple[str, str], set[str]] = defaultdict(set)
    spelled: Counter[FacetEntity] = Counter()
    for chunk_id in chunk_ids:
        held = entities.get(chunk_id, ())
        spelled.update(held)
        for kind, key, _ in held:
            passages[kind, key].add(chunk_id)
    full = defaultdict(list)
    for kind, key in passages:
        if "/" in key:
            full[kind, key.split("/", 1)[0]].append(key)
    for kind, key in [k for k in passages if len(full.get(k, [])) == 1]:
        passages[kind, full[kind, key][0]] |= passages.pop((kind, key))
    shown: dict[tuple[str, str], tuple[int, str]] = {}
    for (kind, key, name), n in spelled.items():
        if (kind, key) in passages and (n, name) > shown.get((kind, key), (0, "")):
            shown[kind, key] = (n, name)
    found: dict[str, list[FacetValue]] = {kind: [] for kind in ENTITY_KINDS}
    for (kind, key), ids in passages.items():
        found[kind].append(FacetValue(shown[kind, key][1], len(ids)))
    return {
        kind: sorted(values, key=lambda v: (-v.count, v.value))[:TOP_VALUES]
        for kind, values in found.items()
    }


def facet_counts(
    chunks: Sequence[Chunk],
    facets_of: Mapping[str, Mapping[str, str]],
    entities: Mapping[str, Sequence[FacetEntity]],
) -> dict[str, list[FacetValue]]:
    """Each facet's values over ``chunks`` (the matching passages, each once), most first;
    ``entities``: each one's facet entities (``FacetEntityCache``), by chunk id."""
    found = _entity_counts([chunk.chunk_id for chunk in chunks], entities)
    for field in ("document", "type", "year", "language"):
        counter: Counter[str] = Counter()
        for chunk in chunks:
            value = (
                chunk.doc_id if field == "document" else facets_of.get(chunk.doc_id, {}).get(field)
            )
            if value:
                counter[value] += 1
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_VALUES]
        found[field] = [FacetValue(v, n) for v, n in ranked]
    return found
