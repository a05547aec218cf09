"""Entities at index time (index/text/entities.py), with stand-in taggers: what is done with the
spans a tagger gives (kinds settled per document, acronyms, list bullets), not the tagger."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.records import Chunk
from index.text.entities import Found, tag_chunks


def _chunk(text: str, n: int = 0) -> Chunk:
    return Chunk(f"doc:{n}", "doc", n, text, [], 1, 1, 0, len(text))


def _tagger(labels: dict[str, tuple[str, str]]) -> Callable[[Sequence[str]], list[list[Found]]]:
    """A tagger that finds each of ``labels`` (surface -> (kind, spaCy label)) wherever it is."""

    def tag(texts: Sequence[str]) -> list[list[Found]]:
        found = []
        for text in texts:
            spans = []
            for surface, (kind, label) in labels.items():
                at = text.find(surface)
                while at >= 0:
                    spans.append((kind, at, at + len(surface), label))
                    at = text.find(surface, at + len(surface))
            found.append(spans)
        return found

    return tag


def _mentions(chunks: list[Chunk]) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for c in chunks for m in c.entities]


def test_a_country_tagged_as_an_organisation_is_a_place_and_stays_one() -> None:
    # The per-document vote made a tie of "Belarus" ORG and GPE an organisation everywhere.
    chunks = [_chunk("Belarus signed.", 0), _chunk("Trade with Belarus grew.", 1)]
    english = _tagger({"Belarus signed": ("org", "ORG"), "Belarus grew": ("place", "GPE")})
    tag_chunks(
        chunks,
        english=lambda texts: [
            [(k, s, s + 7, label) for k, s, _, label in spans] for spans in english(texts)
        ],
    )
    assert _mentions(chunks) == [("place", "Belarus"), ("place", "Belarus")]
    assert {m.key for c in chunks for m in c.entities} == {"place:BY"}


def test_a_name_and_its_acronym_are_two_organisations() -> None:
    text = (
        "Pakistan joined the Shanghai Cooperation Organization (SCO) and the International "
        "Monetary Fund (IMF) lent to it."
    )
    chunks = [_chunk(text)]
    english = _tagger(
        {
            "Shanghai Cooperation Organization (SCO": ("org", "ORG"),
            "International Monetary Fund": ("org", "ORG"),
        }
    )
    tag_chunks(chunks, english=english)
    orgs = [m for m in chunks[0].entities if m.kind == "org"]  # "Pakistan" is a place
    assert [(m.kind, m.text) for m in orgs] == [
        ("org", "Shanghai Cooperation Organization"),
        ("org", "SCO"),
        ("org", "International Monetary Fund"),
        ("org", "IMF"),
    ]
    # One entity each: the acronym is keyed and shown as the name it stands for.
    keys = [(m.key, m.name) for m in orgs]
    assert keys[0] == keys[1] and keys[2] == keys[3] and keys[0] != keys[2]


def test_a_list_items_bullet_is_not_part_of_the_name() -> None:
    text = "Steps:\n• Minsk hosts the forum."
    chunks = [_chunk(text)]
    tag_chunks(chunks, english=_tagger({"• Minsk": ("place", "GPE")}))
    (mention,) = chunks[0].entities
    assert (mention.text, text[mention.start : mention.end]) == ("Minsk", "Minsk")


def test_a_country_run_into_a_persons_name_is_a_place_beside_the_person() -> None:
    # A table's country column read with the name beside it: "Belarus - Vladimir Makei".
    chunks = [_chunk("Belarus - Vladimir Makei met Belarus Nikolai Borisevich in Minsk.")]
    english = _tagger(
        {
            "Belarus - Vladimir Makei": ("person", "PERSON"),
            "Belarus Nikolai Borisevich": ("person", "PERSON"),
        }
    )
    tag_chunks(chunks, english=english)
    assert _mentions(chunks) == [
        ("place", "Belarus"),
        ("person", "Vladimir Makei"),
        ("place", "Belarus"),
        ("person", "Nikolai Borisevich"),
    ]


def test_a_company_tagged_as_a_person_or_place_is_an_organisation() -> None:
    chunks = [_chunk("Barkhim OJSC and Minsk Tractor Works and Belagro Bel' signed.")]
    english = _tagger(
        {
            "Barkhim OJSC": ("person", "PERSON"),
            "Minsk Tractor Works": ("place", "GPE"),
            "Belagro Bel'": ("person", "PERSON"),
        }
    )
    tag_chunks(chunks, english=english)
    assert [kind for kind, _ in _mentions(chunks)] == ["org", "org", "org"]


def test_a_given_name_that_is_a_country_stays_in_the_name() -> None:
    chunks = [_chunk("Jordan Peterson spoke.")]
    tag_chunks(chunks, english=_tagger({"Jordan Peterson": ("person", "PERSON")}))
    assert _mentions(chunks) == [("person", "Jordan Peterson")]


def _tagged(spans_of: Sequence[list[tuple[str, str, str]]]) -> Callable:
    """A tagger that gives the i-th text the spans (kind, surface, spaCy label) listed i-th, each
    at the surface's first place."""

    def tag(texts: Sequence[str]) -> list[list[Found]]:
        out = []
        for text, spans in zip(texts, spans_of, strict=True):
            found = []
            for kind, surface, label in spans:
                at = text.index(surface)
                found.append((kind, at, at + len(surface), label))
            out.append(found)
        return out

    return tag


def test_a_date_without_a_year_is_kept_and_today_is_not() -> None:
    # Dates without a year were all left out: "on Monday" was a miss for a reader.
    chunks = [_chunk("They met on Monday; today the talks go on.")]
    tag_chunks(chunks, english=_tagged([[("date", "Monday", "DATE"), ("date", "today", "DATE")]]))
    assert [(m.kind, m.text, m.key) for m in chunks[0].entities] == [
        ("date", "Monday", "date:monday")
    ]


def test_a_country_the_tagger_passed_by_is_a_place() -> None:
    text = (
        "Belarus is associated with the China-Pakistan-Belarus triangle, while the "
        "Pakistan-Belarus Business Forum met at the Embassy of Pakistan."
    )
    chunks = [_chunk(text)]
    tag_chunks(chunks, english=_tagged([[]]))
    assert _mentions(chunks) == [
        ("place", "Belarus"),
        ("place", "China"),
        ("place", "Pakistan"),
        ("place", "Belarus"),
        ("org", "Pakistan-Belarus Business Forum"),  # the countries in a name are not places
        ("org", "Embassy of Pakistan"),
    ]


def test_an_organisation_named_on_its_head_word_is_found_with_the_place_in_it() -> None:
    text = "Officials of the Development Bank of the Republic of Belarus met in Minsk."
    chunks = [_chunk(text)]
    english = _tagged([[("place", "Belarus", "GPE"), ("place", "Minsk", "GPE")]])
    tag_chunks(chunks, english=english)
    assert _mentions(chunks) == [
        ("org", "Development Bank of the Republic of Belarus"),
        ("place", "Minsk"),
    ]


def test_a_name_tagged_once_is_that_entity_again_in_the_document() -> None:
    chunks = [
        _chunk("The forum was co-chaired by Kamal.", 0),
        _chunk("Kamal further highlighted the forum.", 1),
    ]
    tag_chunks(chunks, english=_tagged([[("person", "Kamal", "PERSON")], []]))
    assert _mentions(chunks) == [("person", "Kamal"), ("person", "Kamal")]
    assert len({m.key for c in chunks for m in c.entities}) == 1


def test_a_word_written_in_lower_case_too_is_not_spread() -> None:
    # Nor kept where it was tagged: one English word the document writes in small letters too
    # is a common word (index/text/entity_words.py).
    chunks = [_chunk("Talks on Extending ties.", 0), _chunk("Extending is extending ties.", 1)]
    tag_chunks(chunks, english=_tagged([[("org", "Extending", "ORG")], []]))
    assert _mentions(chunks) == []


def test_a_brand_is_neither_a_countrys_adjective_nor_a_place() -> None:
    # "BelAZ" was read as an adjective of Belarus, "BelGee" as a place, "Western" as Western
    # Sahara.
    chunks = [_chunk("Western sanctions hit BelAZ spare parts and BelGee cars.")]
    english = _tagged(
        [[("place", "Western", "NORP"), ("place", "BelAZ", "NORP"), ("place", "BelGee", "GPE")]]
    )
    tag_chunks(chunks, english=english)
    assert _mentions(chunks) == [("org", "BelGee")]


def test_an_office_closing_an_organisation_span_leaves_the_country_a_place() -> None:
    chunks = [_chunk("Pakistan, Belarus Foreign Ministers pledge to trade.")]
    english = _tagged([[("place", "Pakistan", "GPE"), ("org", "Belarus Foreign Ministers", "ORG")]])
    tag_chunks(chunks, english=english)
    assert _mentions(chunks) == [("place", "Pakistan"), ("place", "Belarus")]


def test_a_city_tagged_an_organisation_and_a_place_is_a_place() -> None:
    # Most of a document's "Minsk hopes ..." were tagged ORG: the vote made the city an org.
    texts = ["Minsk hopes for trade.", "Minsk wants more.", "Trade fairs in Minsk grew."]
    chunks = [_chunk(t, i) for i, t in enumerate(texts)]
    tags = [[("org", "Minsk", "ORG")], [("org", "Minsk", "ORG")], [("place", "Minsk", "GPE")]]
    tag_chunks(chunks, english=_tagged(tags))
    assert _mentions(chunks) == [("place", "Minsk")] * 3


def test_a_legal_form_tagged_alone_takes_the_companys_name_before_it_or_is_dropped() -> None:
    chunks = [
        _chunk("In April 2017, BelMashService LLC opened a service centre."),
        _chunk("The partner, LLC, was registered there.", 1),
    ]
    tag_chunks(chunks, english=_tagger({"LLC": ("org", "ORG")}))
    assert _mentions(chunks) == [("org", "BelMashService LLC")]


def test_an_acronym_of_a_list_of_places_is_a_place_throughout_the_document() -> None:
    # belarus-asia-africa-latin-america-2021.txt, its first and third paragraphs.
    first = (
        "Belarus’ relations with Asia, Africa, and Latin America (AALA) continued to "
        "deteriorate in 2021."
    )
    later = "This was not a new trend: Belarus was trading with the AALA."
    chunks = [_chunk(first, 0), _chunk(later, 1)]
    english = _tagged(
        [
            [
                ("place", "Belarus", "GPE"),
                ("place", "Asia", "LOC"),
                ("place", "Africa", "LOC"),
                ("place", "Latin America", "LOC"),
                ("org", "AALA", "ORG"),
            ],
            [("place", "Belarus", "GPE"), ("org", "AALA", "ORG")],
        ]
    )
    tag_chunks(chunks, english=english)
    assert [(k, t) for k, t in _mentions(chunks) if t == "AALA"] == [
        ("place", "AALA"),
        ("place", "AALA"),
    ]


def test_an_acronym_defined_as_a_term_is_no_organisation() -> None:
    # pakistan-belarus-relations-akram-2021.txt; an organisation's acronym stays one.
    texts = [
        "In the modern era, Belarus has a special legal regime for IT companies. Information "
        "and Communication Technologies (ICT) is the fastest-growing sector in the national "
        "economy.",
        "CPEC is a mega project and will help in increasing interconnectivity in the regions. "
        "Pakistan joined the Shanghai Cooperation Organization (SCO).",
        "In this context, Belarus alignment in the China-Pakistan Economic Corridor (CPEC) "
        "would provide a number of opportunities for trade.",
    ]
    english = _tagged(
        [
            [
                ("place", "Belarus", "GPE"),
                ("org", "Communication Technologies", "ORG"),
                ("org", "ICT", "ORG"),
            ],
            [
                ("org", "CPEC", "ORG"),
                ("place", "Pakistan", "GPE"),
                ("org", "Shanghai Cooperation Organization", "ORG"),
                ("org", "SCO", "ORG"),
            ],
            [("org", "Belarus", "ORG"), ("place", "China", "GPE"), ("org", "CPEC", "ORG")],
        ]
    )
    chunks = [_chunk(text, n) for n, text in enumerate(texts)]
    tag_chunks(chunks, english=english)
    assert [(k, t) for k, t in _mentions(chunks) if k == "org"] == [
        ("org", "Shanghai Cooperation Organization"),
        ("org", "SCO"),
    ]
