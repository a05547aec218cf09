"""Facets of a search: how many of the matching passages fall under each value.

People, organisations and places come from the entities each passage mentions (stored at index
time, ``index/text/entities.py``); document, type (the file's suffix), year (of its date) and
language from its document. Each value is given as the query language writes it, so a value
shown is a filter to add (``person:"Alexander Lukashenko"``, ``year:2021``).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from index.records import DocumentMeta, Mention

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
    first time a search counts it and kept as an array of codes into a table of the entities
    seen: a searcher serves one published generation, so they never change (as
    ``retrieval.dedupe``'s shingles are kept). Counting a search's matching passages is then a
    few array operations over their codes (``entity_counts``), not a loop over every mention.
    """

    def __init__(
        self, read: Callable[[list[str]], Mapping[str, list[Mention]]], size: int = 20_000
    ) -> None:
        self.read, self.size = read, size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._table = _EntityTable()

    def __call__(self, chunk_ids: Sequence[str]) -> dict[str, list[FacetEntity]]:
        """The facet entities of these passages, by chunk id."""
        codes = self._codes(chunk_ids)
        entities = self._table.entities
        return {cid: [entities[c] for c in codes[cid].tolist()] for cid in dict.fromkeys(chunk_ids)}

    def entity_counts(self, chunk_ids: Sequence[str]) -> dict[str, list[FacetValue]]:
        """Passages per person, organisation and place among ``chunk_ids`` (each once), the
        most first (``TOP_VALUES`` of each); a surname alone counted with the one full name
        that ends in it among these passages; each shown by the name most of its passages give.
        """
        codes = self._codes(chunk_ids)
        held = [codes[cid] for cid in dict.fromkeys(chunk_ids)]
        with self._lock:  # the table only grows: what it holds now covers these codes
            table = self._table.arrays()
        return _counted(held, table, self._table.entities)

    def _codes(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            found = {cid: self._kept[cid] for cid in chunk_ids if cid in self._kept}
        missing = [cid for cid in dict.fromkeys(chunk_ids) if cid not in found]
        if missing:
            read = self.read(missing)
            with self._lock:
                fresh = {
                    cid: self._table.codes(facet_entities(read.get(cid, ()))) for cid in missing
                }
                self._kept.update(fresh)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            found.update(fresh)
        return found


class _EntityTable:
    """Codes for facet entities and their (kind, key)s, given as they are first seen; each key
    with the code of its surname's key (``surname/...`` -> ``surname``), -1 for a key without
    one. Entries are only ever added, so codes given out stay valid as the table grows."""

    def __init__(self) -> None:
        self.entities: list[FacetEntity] = []
        self.keys: list[tuple[str, str]] = []
        self._entity_code: dict[FacetEntity, int] = {}
        self._key_code: dict[tuple[str, str], int] = {}
        self._key_of = np.zeros(64, dtype=np.int64)  # entity code -> key code
        self._surname_of = np.zeros(64, dtype=np.int64)  # key code -> surname's key code, or -1
        self._kind_of = np.zeros(64, dtype=np.int64)  # key code -> its kind's place in ENTITY_KINDS

    def codes(self, entities: Sequence[FacetEntity]) -> np.ndarray:
        """The codes of a passage's entities (new ones added to the table)."""
        return np.array([self._entity(e) for e in entities], dtype=np.int64)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(entity code -> key code, key code -> surname's key code, key code -> kind) for the
        codes given so far: views that later additions leave as they are."""
        n = len(self.keys)
        return self._key_of[: len(self.entities)], self._surname_of[:n], self._kind_of[:n]

    def _entity(self, entity: FacetEntity) -> int:
        code = self._entity_code.get(entity)
        if code is None:
            key = self._key(entity[0], entity[1])
            code = self._entity_code[entity] = len(self.entities)
            self._key_of = _set_grown(self._key_of, code, key)
            self.entities.append(entity)
        return code

    def _key(self, kind: str, key: str) -> int:
        code = self._key_code.get((kind, key))
        if code is None:
            surname = self._key(kind, key.split("/", 1)[0]) if "/" in key else -1
            code = self._key_code[kind, key] = len(self.keys)
            self._surname_of = _set_grown(self._surname_of, code, surname)
            self._kind_of = _set_grown(self._kind_of, code, ENTITY_KINDS.index(kind))
            self.keys.append((kind, key))
        return code


def _set_grown(array: np.ndarray, index: int, value: int) -> np.ndarray:
    """``array`` with ``array[index] = value``, copied to twice its size when it is full (the
    old array, which views may hold, is left as it was)."""
    if index >= len(array):
        array = np.concatenate([array, np.zeros(len(array), dtype=array.dtype)])
    array[index] = value
    return array


def _counted(
    held: Sequence[np.ndarray],
    table: tuple[np.ndarray, np.ndarray, np.ndarray],
    entities: Sequence[FacetEntity],
) -> dict[str, list[FacetValue]]:
    """``FacetEntityCache.entity_counts`` over the passages' entity codes (``held``, each
    passage's distinct), with the table's arrays and entries."""
    found: dict[str, list[FacetValue]] = {kind: [] for kind in ENTITY_KINDS}
    lengths = np.array([len(codes) for codes in held], dtype=np.int64)
    if not lengths.sum():
        return found
    key_of, surname_of, kind_of = table
    codes = np.concatenate(held)
    passage = np.repeat(np.arange(len(held)), lengths)
    # Keys numbered 0..m-1 among those present (``present[i]`` is key i's code).
    present, key = np.unique(key_of[codes], return_inverse=True)
    m = len(present)
    surname = np.searchsorted(present, surname_of[present])
    has_surname = (surname_of[present] >= 0) & (surname < m)
    has_surname[has_surname] = present[surname[has_surname]] == surname_of[present][has_surname]
    # A surname alone joins the full name when exactly one full name present ends in it.
    full = np.flatnonzero(has_surname)
    names_ending = np.bincount(surname[full], minlength=m)
    merged_into = np.arange(m)
    single = full[names_ending[surname[full]] == 1]
    merged_into[surname[single]] = single
    counted = merged_into[key]
    passages = np.bincount(np.unique(passage * m + counted) % m, minlength=m)
    # The name shown: the spelling most passages give (its key not merged away), then the
    # greatest name, as ``max`` over (count, name) picks.
    spellings, spelled = np.unique(codes, return_counts=True)
    names = [entities[code][2] for code in spellings.tolist()]
    name_rank = np.empty(len(names), dtype=np.int64)
    name_rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    spelling_key = np.searchsorted(present, key_of[spellings])
    alive = np.flatnonzero(merged_into[spelling_key] == spelling_key)
    order = alive[np.lexsort((name_rank[alive], spelled[alive], spelling_key[alive]))]
    grouped = spelling_key[order]
    shown = order[np.append(grouped[1:] != grouped[:-1], True)]  # each key's last: its best
    kinds = kind_of[present[spelling_key[shown]]]
    for i, kind in enumerate(ENTITY_KINDS):  # most passages first, then by name
        mine = shown[kinds == i]
        counts = passages[spelling_key[mine]]
        top = np.lexsort((name_rank[mine], -counts))[:TOP_VALUES]
        found[kind] = [
            FacetValue(names[j], n)
            for j, n in zip(mine[top].tolist(), counts[top].tolist(), strict=True)
        ]
    return found


def facet_counts(
    doc_ids: Sequence[str],
    facets_of: Mapping[str, Mapping[str, str]],
    entity_counts: Mapping[str, list[FacetValue]],
) -> dict[str, list[FacetValue]]:
    """Each facet's values over the matching passages, most first: ``entity_counts`` (people,
    organisations, places: ``FacetEntityCache.entity_counts``), then their documents
    (``doc_ids``: each passage's), types, years and languages.

    >>> facets = facet_counts(["a", "a", "b"], {"a": {"year": "2021"}}, {})
    >>> [(v.value, v.count) for v in facets["document"]], facets["year"][0].count
    ([('a', 2), ('b', 1)], 2)
    """
    found = dict(entity_counts)
    per_document = Counter(doc_ids)
    for field in ("document", "type", "year", "language"):
        counter: Counter[str] = Counter()
        for doc_id, n in per_document.items():
            value = doc_id if field == "document" else facets_of.get(doc_id, {}).get(field)
            if value:
                counter[value] += n
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_VALUES]
        found[field] = [FacetValue(v, n) for v, n in ranked]
    return found
