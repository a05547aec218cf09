"""The annotation store (``index.stores.annotations``) on both backends: SQLite beside the
embedded index, a table in the distributed index's PostgreSQL schema (only PostgreSQL is started:
annotations never touch Milvus)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.records import Chunk
from index.stores.annotations import (
    MAX_NOTE_CHARS,
    MAX_TAG_CHARS,
    Annotation,
    AnnotationError,
    AnnotationStore,
    Target,
    open_annotations,
    place,
    with_note,
    with_star,
    with_tag,
    without_tag,
)
from index.stores.factory import Location


@pytest.fixture(params=["embedded", "milvus"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Location]:
    if request.param == "embedded":
        yield Location(tmp_path / "index")
        return
    postgres = request.getfixturevalue("postgres_server")
    yield Location(tmp_path / tmp_path.name, "http://127.0.0.1:1", postgres.url)
    import psycopg

    from index.stores.milvus.catalog import schema_name

    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema_name(tmp_path.name)} CASCADE")


def _chunk(doc_id: str, ordinal: int, text: str, start: int) -> Chunk:
    return Chunk(f"{doc_id}#{ordinal}", doc_id, ordinal, text, [], 1, 1, start, start + len(text))


def test_tags_stars_and_notes_are_kept_and_reopened(location: Location) -> None:
    passage = Target.of_chunk(_chunk("report", 3, "Tractors went to Pakistan.", 120))
    store: AnnotationStore = open_annotations(location)
    store.update(Target("report"), with_tag("to check"))
    store.update(Target("report"), with_tag("To  Check"))  # the same tag: kept once
    store.update(passage, with_star(True))
    store.update(passage, with_note("  Ask the ministry.  "))
    store.update(passage, with_tag("tractors"))
    store.close()

    store = open_annotations(location)
    doc, kept = store.of_document("report")
    assert (doc.tags, doc.starred, doc.note) == (("to check",), False, None)
    assert (kept.tags, kept.starred, kept.note) == (("tractors",), True, "Ask the ministry.")
    assert kept.target == passage and kept.updated
    store.update(passage, without_tag("TRACTORS"))
    store.update(passage, with_note(None))
    assert store.get(passage) is not None
    store.update(passage, with_star(False))  # nothing left: the row goes
    assert store.get(passage) is None
    assert [a.target for a in store.all()] == [Target("report")]
    with pytest.raises(LookupError):
        store.update(Target("report"), without_tag("absent"))
    store.close()


def test_bad_tags_and_notes_are_refused_and_change_nothing(location: Location) -> None:
    store = open_annotations(location)
    for bad in ("   ", "x" * (MAX_TAG_CHARS + 1), 'say "hi"', "nul\x00", "\ud800"):
        with pytest.raises(AnnotationError):
            store.update(Target("report"), with_tag(bad))
    with pytest.raises(AnnotationError, match="too long"):
        store.update(Target("report"), with_note("n" * (MAX_NOTE_CHARS + 1)))
    assert store.all() == []
    store.close()


def test_a_passage_is_found_again_after_re_chunking_or_flagged_when_its_text_changed() -> None:
    before = [_chunk("r", 0, "Intro.", 0), _chunk("r", 1, "Tractors went east.", 7)]
    kept = [
        with_tag("east")(Annotation(Target.of_chunk(before[1]))),
        with_tag("intro")(Annotation(Target.of_chunk(before[0]))),
        with_tag("doc")(Annotation(Target("r"))),
    ]
    moved = [_chunk("r", 0, "A longer intro.", 0), _chunk("r", 1, "Tractors went east.", 16)]
    assert [(p.annotation.tags, p.chunk_id, p.changed, p.span) for p in place(kept, moved)] == [
        (("east",), "r#1", False, (16, 35)),  # the same text, further on
        (("intro",), None, True, None),  # its text changed: kept, flagged
        (("doc",), None, False, None),
    ]
