"""A document's repeated passages are tagged once (index/text/entities.py, ``tag_chunks``): on a
file of repeats (a 10 MB pasted block, a running header's passage) the tagger was most of a
build's time. Each repeat still gets its own mentions, equal to the first's."""

from __future__ import annotations

from collections.abc import Sequence

from index.records import Chunk
from index.text.entities import Found, tag_chunks

TEXT = "Aleksandr Lukashenko met Imran Khan in Islamabad."
OTHER = "Минск и Исламабад подписали соглашение."


def _chunk(text: str, n: int) -> Chunk:
    return Chunk(f"doc:{n}", "doc", n, text, [], 1, 1, 0, len(text))


def test_a_text_repeated_in_a_document_is_tagged_once_and_each_copy_has_its_mentions() -> None:
    asked: list[str] = []

    def english(texts: Sequence[str]) -> list[list[Found]]:
        asked.extend(texts)
        at = TEXT.index("Islamabad")
        return [[("person", 0, 20, "PERSON"), ("place", at, at + 9, "GPE")] for _ in texts]

    def russian(texts: Sequence[str]) -> list[list[Found]]:
        asked.extend(texts)
        return [[("place", 0, 5, "LOC")] for _ in texts]

    chunks = [_chunk(t, n) for n, t in enumerate([TEXT, OTHER, TEXT, TEXT, OTHER])]
    tag_chunks(chunks, english=english, russian=russian)
    assert asked == [TEXT, OTHER]
    names = [[(m.kind, m.text) for m in c.entities] for c in chunks]
    first = [("person", "Aleksandr Lukashenko"), ("place", "Islamabad")]
    assert names[0] == names[2] == names[3] == first
    assert names[1] == names[4] == [("place", "Минск")]
    assert chunks[2].entities[0] is not chunks[0].entities[0]  # mentions of their own chunk
