"""An entity's page: every passage that mentions it, across documents, by date, with the
entities mentioned most often beside it.

The people, organisations and places each passage mentions are stored at index time
(``StoreReader.chunk_entities``; keys from ``index.text.entity_names``, one across spellings and
scripts). ``EntityCatalog`` reads them once per published generation and groups them by page:
a page is a canonical key, except that a surname alone ("Lukashenka", "Лукашенко") and the one
full name that ends in it in the collection ("Alexander Lukashenko") are one page, as the
facets count them (``retrieval.facets``). A surname shared by several full names keeps one page
per full name, and the surname's page lists every passage naming any of them, as the filter
``person:Khan`` finds every Khan.

Passages are listed newest document first, undated ones last (``retrieval.date_sort``), and in
a document by their place in it.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from index.records import Chunk, Mention
from index.stores.base import StoreReader
from index.text.entity_names import canonical
from retrieval.date_sort import by_date

PAGE_KINDS = ("person", "org", "place")
BESIDE_SHOWN = 20  # entities listed beside a page, most shared passages first
FOUND_SHOWN = 20  # entities a name search lists


@dataclass(frozen=True)
class EntityRef:
    """An entity as a page names it: ``key`` the page's key (``person:lukashenk``,
    ``place:BY``), ``name`` the name most of its mentions give."""

    kind: str
    key: str
    name: str


@dataclass
class EntityPassage:
    """A passage on an entity's page: ``spans`` where it names the entity, ``entities`` every
    person, organisation and place it mentions (the page's own included), by page."""

    chunk: Chunk
    title: str
    published: str | None
    spans: list[tuple[int, int]]
    entities: list[EntityRef]


@dataclass
class BesideEntity:
    """An entity mentioned beside the page's: in ``passages`` of the page's passages."""

    entity: EntityRef
    passages: int


@dataclass
class FoundEntity:
    """An entity a name search found, with how many passages mention it."""

    entity: EntityRef
    passages: int


@dataclass
class EntityPage:
    """One page of an entity's passages (``offset`` of ``total``), its spellings as written
    with their mention counts, and the entities beside it over all of its passages."""

    entity: EntityRef
    total: int
    documents: int
    offset: int
    passages: list[EntityPassage]
    spellings: list[tuple[str, int]] = field(default_factory=list)
    beside: list[BesideEntity] = field(default_factory=list)


def _surname(key: str) -> str:
    return key.split("/", 1)[0]


def page_keys(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each (kind, key) mentioned in a collection -> the key of its page: a person's surname
    level when the collection has at most one full name with that surname.

    >>> pages = page_keys([("person", "person:lukashenk/a"), ("person", "person:lukashenk"),
    ...                    ("person", "person:khan/i"), ("person", "person:khan/a")])
    >>> pages["person", "person:lukashenk/a"], pages["person", "person:khan/i"]
    ('person:lukashenk', 'person:khan/i')
    """
    keys = list(dict.fromkeys(keys))
    full: dict[str, set[str]] = defaultdict(set)
    for kind, key in keys:
        if kind == "person" and "/" in key:
            full[_surname(key)].add(key)
    found = {}
    for kind, key in keys:
        if kind == "person" and len(full.get(_surname(key), ())) <= 1:
            found[kind, key] = _surname(key)
        else:
            found[kind, key] = key
    return found


class EntityCatalog:
    """The people, organisations and places of every passage of one generation, by page."""

    def __init__(
        self,
        entities: Mapping[str, Sequence[Mention]],
        order: Sequence[tuple[str, str]],
        titles: Mapping[str, str],
        published: Mapping[str, str | None],
    ) -> None:
        """``entities`` by chunk id; ``order``: every (chunk id, doc id) in document then
        passage order; ``titles``/``published``: each document's title and date."""
        self.titles, self.published = dict(titles), dict(published)
        self.doc_of = dict(order)
        mentions = {cid: [m for m in ms if m.kind in PAGE_KINDS] for cid, ms in entities.items()}
        self._page = page_keys((m.kind, m.key) for ms in mentions.values() for m in ms)
        names: dict[str, Counter[str]] = defaultdict(Counter)
        self._spelled: dict[str, Counter[str]] = defaultdict(Counter)
        self._kind: dict[str, str] = {}
        chunks_of: dict[str, list[str]] = defaultdict(list)  # page key -> its passages
        # Per passage: where it names each page, and the pages its mentions are their own.
        self._spans: dict[str, dict[str, list[tuple[int, int]]]] = {}
        self._own: dict[str, list[str]] = {}
        for cid, _ in order:
            spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
            own: dict[str, None] = {}
            for m in mentions.get(cid, ()):
                own[self._page[m.kind, m.key]] = None
                for key in self._pages_of(m):
                    spans[key].append((m.start, m.end))
                    self._spelled[key][m.text] += 1
                    self._kind[key] = m.kind
                    # A surname's page shared by several full names is named by the surname.
                    name = m.name if key == self._page[m.kind, m.key] else m.name.split()[-1]
                    names[key][name] += 1
            for key in spans:
                chunks_of[key].append(cid)
            if spans:
                self._spans[cid], self._own[cid] = dict(spans), list(own)
        self.refs = {
            key: EntityRef(self._kind[key], key, _shown_name(counts))
            for key, counts in names.items()
        }
        groups = {key: [[(cid, 0.0)] for cid in ids] for key, ids in chunks_of.items()}
        self._passages = {
            key: [g[0][0] for g in by_date(groups[key], ids, self.doc_of, self.published)]
            for key, ids in chunks_of.items()
        }

    def _pages_of(self, m: Mention) -> list[str]:
        """The pages a mention is on: its own, and its surname's when that is another page."""
        own = self._page[m.kind, m.key]
        if m.kind == "person" and own != _surname(m.key):
            return [own, _surname(m.key)]
        return [own]

    @classmethod
    def read(cls, store: StoreReader) -> EntityCatalog:
        """The catalog of everything ``store`` holds (one pass over its passages)."""
        order: list[tuple[str, str]] = []
        titles: dict[str, str] = {}
        published: dict[str, str | None] = {}
        for info in store.documents():
            doc_id = info.meta.doc_id
            titles[doc_id], published[doc_id] = info.meta.title, info.meta.published
            order += [(chunk.chunk_id, doc_id) for chunk in store.chunks_of(doc_id)]
        entities = store.chunk_entities([cid for cid, _ in order])
        return cls(entities, order, titles, published)

    def passages_of(self, key: str) -> list[str]:
        """The chunk ids of the page ``key``, in page order ([] when there is no such page)."""
        return list(self._passages.get(key, ()))

    def page_of(self, kind: str, key: str) -> str | None:
        """The page a mention's canonical key belongs to, or None when nothing mentions it."""
        if (kind, key) in self._page:
            return self._page[kind, key]
        return key if key in self.refs else None

    def named(self, name: str, kind: str | None = None) -> list[str]:
        """The pages of the entities ``name`` names (its ``canonical`` key of each kind, in any
        spelling or script: "Lukashenka", "Лукашенко", "President Lukashenko")."""
        keys = []
        for k in [kind] if kind else PAGE_KINDS:
            found = canonical(k, name)
            page = self.page_of(k, found[0]) if found is not None else None
            if page is not None and self.refs[page].kind == k:
                keys.append(page)
        return list(dict.fromkeys(keys))

    def find(self, name: str, kind: str | None = None) -> list[FoundEntity]:
        """The entities ``name`` names (``named``), else those whose name or a spelling holds
        it; most passages first."""
        keys = self.named(name, kind)
        wanted = " ".join(name.split()).casefold()
        if not keys and wanted:
            keys = [
                key
                for key, ref in self.refs.items()
                if ref.kind in ([kind] if kind else PAGE_KINDS)
                and any(wanted in s.casefold() for s in (ref.name, *self._spelled[key]))
            ]
        found = [FoundEntity(self.refs[k], len(self._passages[k])) for k in keys]
        found.sort(key=lambda f: (-f.passages, f.entity.name))
        return found[:FOUND_SHOWN]

    def beside(self, key: str) -> list[BesideEntity]:
        """The entities mentioned in the page's passages, by how many of them; the page's own
        (and, for a person, every page of the same surname) left out."""
        counts: Counter[str] = Counter()
        for cid in self._passages.get(key, ()):
            counts.update(k for k in self._own[cid] if not _same_entity(k, key))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], self.refs[kv[0]].name))
        return [BesideEntity(self.refs[k], n) for k, n in ranked[:BESIDE_SHOWN]]

    def page(
        self, store: StoreReader, key: str, offset: int = 0, limit: int = 20
    ) -> EntityPage | None:
        """The page ``key`` from ``offset`` (``limit`` passages, read from ``store``), or None."""
        ids = self._passages.get(key)
        if ids is None:
            return None
        shown = ids[offset : offset + limit]
        passages = [
            EntityPassage(
                chunk,
                self.titles.get(chunk.doc_id, chunk.doc_id),
                self.published.get(chunk.doc_id),
                sorted(self._spans[chunk.chunk_id][key]),
                [self.refs[k] for k in self._own[chunk.chunk_id]],
            )
            for chunk in store.get_chunks(shown)
        ]
        return EntityPage(
            entity=self.refs[key],
            total=len(ids),
            documents=len({self.doc_of[cid] for cid in ids}),
            offset=offset,
            passages=passages,
            spellings=sorted(self._spelled[key].items(), key=lambda kv: (-kv[1], kv[0])),
            beside=self.beside(key),
        )


def _same_entity(other: str, key: str) -> bool:
    """True when ``other`` is the page ``key`` or, for a person, a page of the same surname."""
    if other == key:
        return True
    return key.startswith("person:") and _surname(other) == _surname(key)


def _shown_name(counts: Counter[str]) -> str:
    """The name most mentions give; of equals, the longest (the full name over the surname)."""
    return max(counts.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]


class EntityCatalogs:
    """Each open store's catalog, read the first time a page asks for it and kept while the
    store is (a store serves one published generation, so its entities never change)."""

    def __init__(self) -> None:
        self._kept: weakref.WeakKeyDictionary[StoreReader, EntityCatalog] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def of(self, store: StoreReader) -> EntityCatalog:
        """``store``'s catalog (read once; concurrent first requests wait for the one read)."""
        with self._lock:
            found = self._kept.get(store)
            if found is None:
                found = self._kept[store] = EntityCatalog.read(store)
            return found
