"""Entity pages (retrieval/entity_page.py) over a small store of passages whose entities are
keyed as the build keys them (index.text.entity_names.canonical): four spellings of Lukashenko
in four documents are one page, listed newest document first, with the entities beside him
counted over his passages; namesakes keep pages of their own."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from index.records import Chunk, DocumentMeta, Mention
from index.stores.base import DocumentInfo
from index.text.entity_names import canonical
from retrieval.entity_page import EntityCatalog, EntityCatalogs, page_keys

# (doc id, published, passages: (text, [(kind, name as written)]))
DOCS = [
    ("a-undated", None, [("Lukashenka met Imran Khan in Minsk.", [("person", "Lukashenka"), ("person", "Imran Khan"), ("place", "Minsk")])]),
    ("b-2020", "2020-05-01", [
        ("Trade with China grew.", [("place", "China")]),
        ("Лукашенко посетил Пакистан.", [("person", "Лукашенко"), ("place", "Пакистан")]),
    ]),
    ("c-2021", "2021-03-09", [
        ("Alexander Lukashenko spoke in Minsk.", [("person", "Alexander Lukashenko"), ("place", "Minsk")]),
        ("President Lukashenko and Ayub Khan discussed Pakistan.", [("person", "President Lukashenko"), ("person", "Ayub Khan"), ("place", "Pakistan")]),
    ]),
    ("d-2019", "2019", [("Khan wrote about Belarusian tractors.", [("person", "Khan"), ("place", "Belarusian")])]),
]  # fmt: skip


class Store:
    """The part of a ``StoreReader`` entity pages read."""

    def __init__(self) -> None:
        self.metas = [
            DocumentMeta(doc_id, doc_id.upper(), published=date) for doc_id, date, _ in DOCS
        ]
        self.chunks: dict[str, list[Chunk]] = {}
        self.entities: dict[str, list[Mention]] = {}
        for doc_id, _, passages in DOCS:
            self.chunks[doc_id] = []
            for n, (text, named) in enumerate(passages):
                chunk = Chunk(f"{doc_id}#{n}", doc_id, n, text, [], 1, 1, 0, len(text))
                self.chunks[doc_id].append(chunk)
                self.entities[chunk.chunk_id] = [_mention(text, kind, name) for kind, name in named]
        self.asked: list[list[str]] = []

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo(m, "", 1, len(self.chunks[m.doc_id]), 0, 0, []) for m in self.metas]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return list(self.chunks.get(doc_id, []))

    def chunk_entities(self, chunk_ids: Sequence[str]) -> dict[str, list[Mention]]:
        self.asked.append(list(chunk_ids))
        return {cid: self.entities[cid] for cid in chunk_ids if self.entities.get(cid)}

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        every = {c.chunk_id: c for cs in self.chunks.values() for c in cs}
        return [every[cid] for cid in chunk_ids if cid in every]


def _mention(text: str, kind: str, written: str) -> Mention:
    found = canonical(kind, written)
    assert found is not None, written
    start = text.index(written)
    return Mention(kind, written, start, start + len(written), found[0], found[1])


@pytest.fixture(scope="module")
def store() -> Store:
    return Store()


@pytest.fixture(scope="module")
def catalog(store: Store) -> EntityCatalog:
    return EntityCatalog.read(store)  # type: ignore[arg-type]


def test_four_spellings_are_one_entity_with_one_page(store: Store, catalog: EntityCatalog) -> None:
    keys = {
        found.entity.key
        for name in ("Lukashenko", "Lukashenka", "Лукашенко", "President Lukashenko")
        for found in catalog.find(name)
    }
    assert keys == {"person:lukashenk"}
    page = catalog.page(store, "person:lukashenk")  # type: ignore[arg-type]
    assert page is not None and page.entity.name == "Alexander Lukashenko"
    # Every passage naming him, newest document first, by place in it, the undated last.
    assert [p.chunk.chunk_id for p in page.passages] == [
        "c-2021#0",
        "c-2021#1",
        "b-2020#1",
        "a-undated#0",
    ]
    assert page.total == 4 and page.documents == 3
    for p in page.passages:
        named = {p.chunk.text[a:b] for a, b in p.spans}
        assert named and all("укашенко" in n or "Lukashenk" in n for n in named)
        assert "person:lukashenk" in {e.key for e in p.entities}
    assert {text for text, _ in page.spellings} == {
        "Lukashenka", "Лукашенко", "Alexander Lukashenko", "President Lukashenko"
    }  # fmt: skip
    # The full name's own key (as a facet or a filter gives it) is the same page.
    assert catalog.page_of("person", "person:lukashenk/a") == "person:lukashenk"


def test_entities_beside_are_counted_over_the_pages_passages(
    store: Store, catalog: EntityCatalog
) -> None:
    page = catalog.page(store, "person:lukashenk", offset=1, limit=2)  # type: ignore[arg-type]
    assert page is not None and [p.chunk.chunk_id for p in page.passages] == [
        "c-2021#1",
        "b-2020#1",
    ]
    beside = {b.entity.name: b.passages for b in page.beside}
    # Counted over all four passages, not the two shown; Pakistan in two scripts is one place.
    assert beside == {"Minsk": 2, "Pakistan": 2, "Imran Khan": 1, "Ayub Khan": 1}


def test_namesakes_keep_their_own_pages_and_the_surname_lists_them_all(
    store: Store, catalog: EntityCatalog
) -> None:
    imran = catalog.find("Imran Khan")
    assert [f.entity.key for f in imran] == ["person:khan/i"] and imran[0].passages == 1
    khan = catalog.page(store, "person:khan")  # type: ignore[arg-type]
    assert khan is not None and khan.entity.name == "Khan"
    assert [p.chunk.chunk_id for p in khan.passages] == ["c-2021#1", "d-2019#0", "a-undated#0"]
    assert catalog.page(store, "person:nobody") is None  # type: ignore[arg-type]
    assert catalog.find("Belarus")[0].entity.key == "place:BY"
    assert catalog.find("nobody at all") == []
    # A part of a name finds it when no canonical key does.
    assert [f.entity.key for f in catalog.find("mins")] == ["place:minsk"]


def test_page_keys_merge_a_surname_with_its_one_full_name() -> None:
    pages = page_keys(
        [("person", "person:lukashenk"), ("person", "person:lukashenk/a"), ("org", "org:wto")]
    )
    assert pages == {
        ("person", "person:lukashenk"): "person:lukashenk",
        ("person", "person:lukashenk/a"): "person:lukashenk",
        ("org", "org:wto"): "org:wto",
    }  # fmt: skip


def test_a_stores_catalog_is_read_once() -> None:
    store, catalogs = Store(), EntityCatalogs()
    first = catalogs.of(store)  # type: ignore[arg-type]
    assert catalogs.of(store) is first and len(store.asked) == 1  # type: ignore[arg-type]
