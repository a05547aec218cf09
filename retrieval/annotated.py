"""The query's ``tag:`` and ``starred:`` filters, resolved against the reader's annotations.

Annotations are not in the index (``index.stores.annotations``): each filter becomes the set of
passages it admits in the generation being searched, a passage admitted by its own tag (star) or
by its document's. The searcher then searches only the documents holding such passages and keeps
only the passages every filter admits, so the counts and facets are of those passages alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from index.stores.annotations import Annotation, AnnotationStore, place
from index.stores.base import StoreReader
from retrieval.query import PassageSelection, QueryError, QueryPlan


def _wanted(field: str, value: str) -> str:
    return "starred" if field == "starred" else f'tagged "{value}"'


def _holds(annotation: Annotation, field: str, value: str) -> bool:
    if field == "starred":
        return annotation.starred
    wanted = " ".join(value.split()).casefold()
    return any(t.casefold() == wanted for t in annotation.tags)


def selection(
    annotations: Iterable[Annotation], reader: StoreReader, field: str, value: str
) -> PassageSelection:
    """The passages of ``reader``'s generation that one ``tag:``/``starred:`` filter admits
    (a passage whose text changed since it was annotated is no longer one of them)."""
    documents: set[str] = set()
    by_doc: dict[str, list[Annotation]] = {}
    for a in annotations:
        if not _holds(a, field, value):
            continue
        if a.target.is_document:
            documents.add(a.target.doc_id)
        else:
            by_doc.setdefault(a.target.doc_id, []).append(a)
    passages = {
        (doc_id, p.chunk_id)
        for doc_id, kept in by_doc.items()
        for p in place(kept, reader.chunks_of(doc_id))
        if p.chunk_id is not None
    }
    return PassageSelection(
        documents=frozenset(d for d in documents if reader.document_info(d) is not None),
        passages=frozenset(cid for _, cid in passages),
        passage_documents=frozenset(doc_id for doc_id, _ in passages),
    )


def with_annotations(
    plan: QueryPlan,
    doc_filter: Sequence[str] | None,
    store: AnnotationStore | None,
    reader: StoreReader,
) -> tuple[QueryPlan, list[str] | None]:
    """The plan with its ``tag:``/``starred:`` filters resolved, and the documents to search
    narrowed to those holding admitted passages. QueryError when none does, or when there are
    no annotations to read (a searcher without them: the command line)."""
    if not plan.annotation_filters:
        return plan, list(doc_filter) if doc_filter is not None else None
    if store is None:
        raise QueryError("tag: and starred: filters need the server's annotations: search there")
    annotations = store.all()
    selections = tuple(selection(annotations, reader, f, v) for f, v in plan.annotation_filters)
    chosen = set(doc_filter) if doc_filter is not None else None
    for (field, value), chosen_by in zip(plan.annotation_filters, selections, strict=True):
        if not chosen_by.doc_ids:
            raise QueryError(f"no passage or document is {_wanted(field, value)}")
        chosen = set(chosen_by.doc_ids) if chosen is None else chosen & chosen_by.doc_ids
    if not chosen:
        shown = " and ".join(_wanted(f, v) for f, v in plan.annotation_filters)
        raise QueryError(f"no passage is {shown} in the documents chosen")
    return replace(plan, selections=selections), sorted(chosen)
