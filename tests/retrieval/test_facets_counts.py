"""Facet counts from each passage's entity codes agree with the plain definition: passages per
entity, a surname alone joined to the one full name ending in it, the name most passages give;
and through the searcher, with the passages a search matches."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from index.models.hash_encoder import HashEncoder
from index.records import Mention
from retrieval.facets import (
    ENTITY_KINDS,
    TOP_VALUES,
    FacetEntity,
    FacetEntityCache,
    FacetValue,
    facet_entities,
)
from retrieval.search import Searcher, open_searcher


def plain_entity_counts(
    chunk_ids: Sequence[str], entities: Mapping[str, Sequence[FacetEntity]]
) -> dict[str, list[tuple[str, int]]]:
    """The definition, written plainly: sets of passages per (kind, key)."""
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
    found: dict[str, list[tuple[str, int]]] = {kind: [] for kind in ENTITY_KINDS}
    for (kind, key), ids in passages.items():
        found[kind].append((shown[kind, key][1], len(ids)))
    return {
        kind: sorted(values, key=lambda v: (-v[1], v[0]))[:TOP_VALUES]
        for kind, values in found.items()
    }


def _pairs(counts: Mapping[str, list[FacetValue]]) -> dict[str, list[tuple[str, int]]]:
    return {kind: [(v.value, v.count) for v in values] for kind, values in counts.items()}


def _cache(mentions: Mapping[str, list[Mention]]) -> FacetEntityCache:
    return FacetEntityCache(lambda ids: {cid: mentions[cid] for cid in ids if cid in mentions})


def _person(key: str, name: str) -> Mention:
    return Mention("person", name, 0, len(name), key, name)


def test_a_surname_alone_joins_the_one_full_name_ending_in_it() -> None:
    lukashenko, alexander = _person("lukashenk", "Lukashenko"), _person("lukashenk/a", "Alexander")
    mentions = {"p1": [lukashenko], "p2": [alexander], "p3": [lukashenko, alexander]}
    counts = _pairs(_cache(mentions).entity_counts(["p1", "p2", "p3"]))
    assert counts["person"] == [("Alexander", 3)]
    # With a second full name ending in it the surname stands alone.
    mentions["p4"] = [_person("lukashenk/v", "Viktor")]
    counts = _pairs(_cache(mentions).entity_counts(["p1", "p2", "p3", "p4"]))
    assert counts["person"] == [("Alexander", 2), ("Lukashenko", 2), ("Viktor", 1)]


def test_the_name_shown_is_the_one_most_passages_give() -> None:
    mentions = {
        "p1": [_person("khan/i", "Imran Khan")],
        "p2": [_person("khan/i", "Imran Khan")],
        "p3": [_person("khan/i", "Khan, Imran")],
    }
    counts = _cache(mentions).entity_counts(["p1", "p2", "p3", "p3"])
    assert _pairs(counts)["person"] == [("Imran Khan", 3)]


def test_counts_agree_with_the_plain_definition_on_random_passages() -> None:
    rng = random.Random(7)
    # Surnames with several full names, spellings of one key, three kinds: over 64 entities,
    # so the code table grows while passages are counted.
    keys = [f"s{i}" for i in range(12)] + [f"s{i % 12}/{j}" for i in range(30) for j in range(2)]
    mentions: dict[str, list[Mention]] = {}
    for p in range(300):
        held = []
        for _ in range(rng.randint(0, 6)):
            kind, key = rng.choice(ENTITY_KINDS), rng.choice(keys)
            held.append(Mention(kind, "x", 0, 1, key, f"{key.upper()} {rng.randint(0, 2)}"))
        mentions[f"p{p}"] = held
    cache = _cache(mentions)
    entities = {cid: facet_entities(held) for cid, held in mentions.items()}
    for _ in range(60):
        ids = rng.sample(sorted(mentions), rng.randint(0, 120))
        assert _pairs(cache.entity_counts(ids)) == plain_entity_counts(ids, entities)


@pytest.fixture(scope="module")
def searcher(hash_corpus_index: Path, hash_encoder: HashEncoder) -> Searcher:
    return open_searcher(hash_corpus_index, embedder=hash_encoder)


@pytest.mark.parametrize("query", ["Imran Khan", "Pakistan", "Lukashenko visit", "tractors"])
def test_a_searchs_facets_are_those_of_the_passages_it_matches(
    searcher: Searcher, query: str
) -> None:
    result = searcher.search(query, k=100, mode="bm25")  # every passage listed matches
    assert 0 < result.total <= 100
    ids = [hit.chunk_id for hit in result.hits]
    read = searcher.store.chunk_entities(ids)
    entities = {cid: facet_entities(read.get(cid, ())) for cid in ids}
    expected = plain_entity_counts(ids, entities)
    documents = Counter(hit.doc_id for hit in result.hits)
    expected["document"] = sorted(documents.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_VALUES]
    assert {field: _pairs(result.facets)[field] for field in expected} == expected
    assert any(result.facets[kind] for kind in ENTITY_KINDS)
