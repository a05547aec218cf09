"""Tags, stars and notes as the API shows them: on each hit and document of a response, and as
the annotation routes' answers (``index.stores.annotations`` keeps them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from pydantic import BaseModel, Field

from index.stores.annotations import Anchored, Annotation, AnnotationStore, Placed, place


class AnnotationModel(BaseModel):
    """The reader's tags, star and note on a passage or a document."""

    tags: list[str] = Field(default_factory=list, description="In the order added.")
    starred: bool = False
    note: str | None = None
    updated: str | None = Field(default=None, description="When last changed (ISO 8601, UTC).")
    document_tags: list[str] = Field(
        default_factory=list,
        description="On a hit: its document's tags (tag: filters match them too).",
    )

    @classmethod
    def of(cls, a: Annotation | None, document: Annotation | None = None) -> AnnotationModel:
        doc_tags = list(document.tags) if document is not None else []
        if a is None:
            return cls(document_tags=doc_tags)
        return cls(
            tags=list(a.tags),
            starred=a.starred,
            note=a.note,
            updated=a.updated or None,
            document_tags=doc_tags,
        )


class AnnotatedTarget(AnnotationModel):
    """An annotation with what it is on: a document (``chunk_id`` null, ``char_start`` -1) or
    a passage of it."""

    doc_id: str
    chunk_id: str | None = Field(
        description="The passage's id in the index now; null for the document itself, and for "
        "a passage whose text changed since it was annotated (changed)."
    )
    char_start: int = Field(
        description="The passage's start in the source text now (as annotated, when changed); "
        "-1: the document."
    )
    char_end: int
    changed: bool = Field(
        default=False,
        description="The passage's text is no longer in the document (it was re-indexed "
        "changed): the annotation is kept on the document, with the range it had.",
    )

    @classmethod
    def placed(cls, p: Placed) -> AnnotatedTarget:
        t = p.annotation.target
        start, end = p.span or (t.char_start, t.char_end)
        base = AnnotationModel.of(p.annotation).model_dump(exclude={"document_tags"})
        return cls(
            **base,
            doc_id=t.doc_id,
            chunk_id=p.chunk_id,
            char_start=start,
            char_end=end,
            changed=p.changed,
        )


class AnnotationList(BaseModel):
    annotations: list[AnnotatedTarget]


class Passage(Anchored, Protocol):
    """A hit or a chunk: a passage of a document."""

    @property
    def doc_id(self) -> str: ...


def passage_annotations(
    store: AnnotationStore, passages: Sequence[Passage]
) -> dict[str, tuple[Annotation | None, Annotation | None]]:
    """Each passage's own annotation and its document's, by chunk id (one read per document)."""
    found: dict[str, tuple[Annotation | None, Annotation | None]] = {}
    for doc_id in dict.fromkeys(p.doc_id for p in passages):
        kept = store.of_document(doc_id)
        document = next((a for a in kept if a.target.is_document), None)
        mine = [p for p in passages if p.doc_id == doc_id]
        own = {
            placed.chunk_id: placed.annotation
            for placed in place((a for a in kept if not a.target.is_document), mine)
            if placed.chunk_id is not None
        }
        for p in mine:
            found[p.chunk_id] = (own.get(p.chunk_id), document)
    return found


class AnnotatedHit(Passage, Protocol):
    annotations: AnnotationModel | None


def annotate_hits(hits: Sequence[AnnotatedHit], store: AnnotationStore | None) -> None:
    """Give each hit its passage's tags, star and note, and its document's tags."""
    if store is None or not hits:
        return
    found = passage_annotations(store, hits)
    for hit in hits:
        hit.annotations = AnnotationModel.of(*found[hit.chunk_id])


class AnnotatedDocument(Protocol):
    id: str
    annotations: AnnotationModel | None


def annotate_documents(
    documents: Sequence[AnnotatedDocument], store: AnnotationStore | None
) -> None:
    """Give each listed document its own tags, star and note (one read for all)."""
    if store is None:
        return
    kept = {a.target.doc_id: a for a in store.all() if a.target.is_document}
    for d in documents:
        d.annotations = AnnotationModel.of(kept.get(d.id))


def placed_in(
    annotations: Iterable[Annotation], chunks_of: Mapping[str, Sequence[Passage]]
) -> list[AnnotatedTarget]:
    """Annotations found again in the documents' passages now (``chunks_of`` by document)."""
    by_doc: dict[str, list[Annotation]] = {}
    for a in annotations:
        by_doc.setdefault(a.target.doc_id, []).append(a)
    return [
        AnnotatedTarget.placed(p)
        for doc_id, kept in by_doc.items()
        for p in place(kept, chunks_of.get(doc_id, ()))
    ]
