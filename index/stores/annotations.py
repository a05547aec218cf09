"""Tags, stars and notes on documents and passages, kept beside the index and across re-indexing.

An annotation is the reader's, not the index's: it lives in its own table (a SQLite file beside
the embedded index's generations, a table in the distributed index's PostgreSQL schema), never in
a generation, so re-indexing and publishing leave it alone. A passage is anchored by its document,
its source char range and a hash of its text, not by its chunk id (an ordinal that re-chunking
moves): ``place`` finds it again in the chunks of the current generation, at the same range or,
when text before it changed, wherever the same text is; a passage whose text changed stays on its
document, flagged, and is never dropped.

``open_annotations`` opens the store of a location through the backend's own module, named here
so that nothing outside a backend imports one (``index.stores.factory`` does the same).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from index.records import Chunk
from index.stores.factory import BACKENDS, Location

MAX_TAG_CHARS = 60
MAX_TAGS = 30
MAX_NOTE_CHARS = 10_000
DOCUMENT = -1  # char_start and char_end of a document's own annotation

# The module of each backend package that provides ``open_store(location)``.
_MODULES = {"embedded": "annotation_rows", "milvus": "pg_annotations"}


class AnnotationError(ValueError):
    """A tag or note the user must change: the message says how."""


@dataclass(frozen=True)
class Target:
    """What is annotated: a document (``char_start`` -1) or one of its passages, anchored by its
    source char range and ``passage_hash`` of its text."""

    doc_id: str
    char_start: int = DOCUMENT
    char_end: int = DOCUMENT
    text_hash: str = ""

    @property
    def is_document(self) -> bool:
        return self.char_start == DOCUMENT

    @classmethod
    def of_chunk(cls, chunk: Chunk) -> Target:
        """The anchor of a passage of the current generation."""
        return cls(chunk.doc_id, chunk.char_start, chunk.char_end, passage_hash(chunk.text))


@dataclass(frozen=True)
class Annotation:
    """A target's tags (in the order added), star and note; ``updated`` is an ISO 8601 time."""

    target: Target
    tags: tuple[str, ...] = ()
    starred: bool = False
    note: str | None = None
    updated: str = ""

    @property
    def empty(self) -> bool:
        return not self.tags and not self.starred and not self.note


@dataclass(frozen=True)
class Placed:
    """An annotation found again in the current generation: ``chunk_id`` is its passage's id
    there and ``span`` its source char range now (None for a document's, and for a passage whose
    text changed: ``changed``)."""

    annotation: Annotation
    chunk_id: str | None = None
    changed: bool = False
    span: tuple[int, int] | None = None


class Anchored(Protocol):
    """A passage as a chunk and a hit both give it."""

    @property
    def chunk_id(self) -> str: ...
    @property
    def char_start(self) -> int: ...
    @property
    def char_end(self) -> int: ...
    @property
    def text(self) -> str: ...


class AnnotationStore(Protocol):
    """Where annotations are kept. Writes are atomic per target; readers see them at once."""

    def get(self, target: Target) -> Annotation | None:
        """The annotation of exactly this target (document, or passage range), or None."""
        ...

    def update(self, target: Target, change: Callable[[Annotation], Annotation]) -> Annotation:
        """Apply ``change`` to the target's annotation (an empty one when there is none) in one
        transaction and keep the result (an empty result is removed); returns it."""
        ...

    def of_document(self, doc_id: str) -> list[Annotation]:
        """The document's annotation and its passages', passages in source order."""
        ...

    def all(self) -> list[Annotation]:
        """Every annotation, by document and then source order."""
        ...

    def close(self) -> None: ...


def open_annotations(location: Location) -> AnnotationStore:
    """The annotation store of ``location`` (created when absent)."""
    name = location.backend
    module = importlib.import_module(f"{BACKENDS[name]}.{_MODULES[name]}")
    store: AnnotationStore = module.open_store(location)
    return store


def passage_hash(text: str) -> str:
    """What anchors a passage's text: the first 16 hex digits of its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def now() -> str:
    """The time an annotation is written, to the second, in UTC."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# ---- edits: pure functions from an annotation to the next -----------------------------------


def _text(value: str, what: str) -> str:
    """``value`` when both databases can keep it (UTF-8, no NUL); AnnotationError if not."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AnnotationError(f"{what} is not valid text (UTF-8)") from None
    if "\x00" in value:
        raise AnnotationError(f"{what} cannot hold a NUL character")
    return value


def clean_tag(tag: str) -> str:
    """A tag as kept: spaces collapsed; AnnotationError when empty or too long.

    >>> clean_tag("  to   check ")
    'to check'
    """
    cleaned = " ".join(_text(tag, "a tag").split())
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise AnnotationError("a tag cannot hold control characters")
    if not cleaned:
        raise AnnotationError("a tag needs at least one letter or digit")
    if len(cleaned) > MAX_TAG_CHARS:
        raise AnnotationError(
            f"the tag is too long: {len(cleaned)} characters, at most {MAX_TAG_CHARS}"
        )
    if '"' in cleaned:
        raise AnnotationError('a tag cannot hold a double quote (") : tag:"..." filters by it')
    return cleaned


def with_tag(tag: str) -> Callable[[Annotation], Annotation]:
    """Add a tag (once: a tag already there, in any case, is kept as it was)."""

    def change(a: Annotation) -> Annotation:
        cleaned = clean_tag(tag)
        if cleaned.casefold() in (t.casefold() for t in a.tags):
            return a
        if len(a.tags) >= MAX_TAGS:
            raise AnnotationError(f"at most {MAX_TAGS} tags on one document or passage")
        return replace(a, tags=(*a.tags, cleaned), updated=now())

    return change


def without_tag(tag: str) -> Callable[[Annotation], Annotation]:
    """Remove a tag (in any case); AnnotationError when the target does not have it."""
    wanted = " ".join(tag.split()).casefold()

    def change(a: Annotation) -> Annotation:
        kept = tuple(t for t in a.tags if t.casefold() != wanted)
        if len(kept) == len(a.tags):
            raise LookupError(f"not tagged {' '.join(tag.split())!r}")
        return replace(a, tags=kept, updated=now())

    return change


def with_star(starred: bool) -> Callable[[Annotation], Annotation]:
    """Star or unstar."""
    return lambda a: replace(a, starred=starred, updated=now())


def with_note(note: str | None) -> Callable[[Annotation], Annotation]:
    """Write, replace or (None, or only spaces) delete the note."""

    def change(a: Annotation) -> Annotation:
        text = _text(note, "the note").strip() if note is not None else ""
        if len(text) > MAX_NOTE_CHARS:
            raise AnnotationError(
                f"the note is too long: {len(text)} characters, at most {MAX_NOTE_CHARS}"
            )
        return replace(a, note=text or None, updated=now())

    return change


# ---- finding passages again -----------------------------------------------------------------


def place(annotations: Iterable[Annotation], chunks: Sequence[Anchored]) -> list[Placed]:
    """Each annotation of one document against that document's chunks in the current
    generation: a passage at the same range with the same text, else the same text elsewhere
    (text before it changed), else ``changed`` (kept on the document, its passage gone)."""
    by_range = {(c.char_start, c.char_end, passage_hash(c.text)): c for c in chunks}
    by_text: dict[str, Anchored] = {}
    for c in chunks:
        by_text.setdefault(passage_hash(c.text), c)
    placed = []
    for a in annotations:
        t = a.target
        if t.is_document:
            placed.append(Placed(a))
            continue
        found = by_range.get((t.char_start, t.char_end, t.text_hash)) or by_text.get(t.text_hash)
        if found is None:
            placed.append(Placed(a, changed=True))
        else:
            placed.append(Placed(a, found.chunk_id, span=(found.char_start, found.char_end)))
    return placed


# ---- rows: the columns both backends keep -----------------------------------------------------


def row_values(a: Annotation) -> tuple[Any, ...]:
    """An annotation as a table row, in the order of ``COLUMNS`` (``tags`` as a JSON list)."""
    t = a.target
    tags = json.dumps(list(a.tags))
    return (t.doc_id, t.char_start, t.char_end, t.text_hash, tags, a.starred, a.note, a.updated)


COLUMNS = ("doc_id", "char_start", "char_end", "text_hash", "tags", "starred", "note", "updated")


def annotation_from(row: Sequence[Any]) -> Annotation:
    """An annotation from a row's values in the order of ``COLUMNS``."""
    doc_id, start, end, text_hash, tags, starred, note, updated = row
    return Annotation(
        Target(doc_id, int(start), int(end), text_hash),
        tuple(json.loads(tags)),
        bool(starred),
        note,
        str(updated),
    )


def changed_target(kept: Annotation | None, target: Target) -> Annotation:
    """The annotation a change starts from: the kept one, re-anchored to the passage's text now
    (its range's text may have changed since), or an empty one."""
    if kept is None:
        return Annotation(target)
    return replace(kept, target=target)
