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
    assert _mentions(chunks) == [
        ("org", "Shanghai Cooperation Organization"),
        ("org", "SCO"),
        ("org", "International Monetary Fund"),
        ("org", "IMF"),
    ]
    # One entity each: the acronym is keyed and shown as the name it stands for.
    keys = [(m.key, m.name) for m in chunks[0].entities]
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
