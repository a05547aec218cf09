"""Tags, stars and notes on documents and passages (``index.stores.annotations``).

A document is ``/api/documents/{doc_id}``; a passage is ``/api/documents/{doc_id}/passages/{p}``,
``p`` its id (a hit's ``chunk_id``, URL-encoded) or its ordinal in the document. On either:
``POST .../tags`` ``{"tag": "to check"}``, ``DELETE .../tags/{tag}``, ``PUT``/``DELETE .../star``,
``PUT .../note`` ``{"note": "..."}``, ``DELETE .../note``. Writes need the upload token (as
uploads and deletions do); reads are open: ``GET /api/annotations`` (all, or by ``tag``/
``starred``) and ``GET /api/documents/{doc_id}/annotations``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from api.annotation_view import AnnotatedTarget, AnnotationList, placed_in
from api.routes.dependencies import ERRORS, WRITE_ERRORS, Reader, find_document
from api.routes.upload_routes import require_writer
from index.records import Chunk
from index.stores.annotations import (
    MAX_NOTE_CHARS,
    MAX_TAG_CHARS,
    Annotation,
    AnnotationError,
    AnnotationStore,
    Placed,
    Target,
    with_note,
    with_star,
    with_tag,
    without_tag,
)
from retrieval.search import Searcher

router = APIRouter()

DOCUMENT_PATH = "/api/documents/{doc_id}"
PASSAGE_PATH = "/api/documents/{doc_id}/passages/{passage}"


def annotation_store(request: Request) -> AnnotationStore:
    """The app's annotation store (``create_app`` opens it with the index); 503 when it could
    not be opened (the index's PostgreSQL unreachable at start)."""
    store: AnnotationStore | None = request.app.state.annotations
    if store is None:
        raise HTTPException(
            503, "Tags, stars and notes are unavailable: their database could not be reached."
        )
    return store


Annotations = Annotated[AnnotationStore, Depends(annotation_store)]


class TagRequest(BaseModel):
    tag: str = Field(description=f"The tag (at most {MAX_TAG_CHARS} characters).")


class NoteRequest(BaseModel):
    note: str = Field(description=f"The note (at most {MAX_NOTE_CHARS} characters).")


@dataclass(frozen=True)
class Chosen:
    """What a request annotates: its anchor now, and the passage's id (None: the document)."""

    target: Target
    chunk_id: str | None = None


def _chosen(doc_id: str, s: Reader, request: Request) -> Chosen:
    """The document of the path, or its passage when the path names one; 404 for either
    unknown."""
    find_document(s, doc_id)
    passage = request.path_params.get("passage")
    if passage is None:
        return Chosen(Target(doc_id))
    chunk = _find_passage(s, doc_id, passage)
    return Chosen(Target.of_chunk(chunk), chunk.chunk_id)


On = Annotated[Chosen, Depends(_chosen)]


def _passage_parameter(
    passage: Annotated[str, Path(description="The passage's id (chunk_id) or its ordinal.")],
) -> None:
    """Declares the passage routes' parameter (``_chosen`` reads it)."""


def _find_passage(s: Searcher, doc_id: str, passage: str) -> Chunk:
    found = s.store.get_chunks([passage])
    if found and found[0].doc_id == doc_id:
        return found[0]
    if passage.isascii() and passage.isdigit():
        for chunk in s.store.chunks_of(doc_id):
            if chunk.ordinal == int(passage):
                return chunk
    raise HTTPException(404, f"No passage {passage!r} in document {doc_id!r}.")


def _change(
    store: AnnotationStore, on: Chosen, change: Callable[[Annotation], Annotation]
) -> AnnotatedTarget:
    try:
        changed = store.update(on.target, change)
    except AnnotationError as exc:
        raise HTTPException(400, f"Not saved: {exc}.") from None
    except LookupError as exc:
        raise HTTPException(404, f"Not changed: {str(exc).strip(chr(39))}.") from None
    span = None if on.target.is_document else (on.target.char_start, on.target.char_end)
    return AnnotatedTarget.placed(Placed(changed, on.chunk_id, span=span))


def _add_routes(path: str, what: str) -> None:
    """The six writes on ``path`` (a document or a passage), each needing the token."""
    extra = [Depends(_passage_parameter)] if "{passage}" in path else []
    write: dict[str, Any] = {
        "response_model": AnnotatedTarget,
        "responses": WRITE_ERRORS,
        "tags": ["annotations"],
        "dependencies": [Depends(require_writer), *extra],
    }

    @router.post(f"{path}/tags", **write, summary=f"Tag a {what}")
    def add_tag(body: TagRequest, store: Annotations, on: On) -> AnnotatedTarget:
        """Add a tag (kept once, whatever its case); 400 when empty, too long or holding "."""
        return _change(store, on, with_tag(body.tag))

    @router.delete(f"{path}/tags/{{tag}}", **write, summary=f"Untag a {what}")
    def remove_tag(tag: str, store: Annotations, on: On) -> AnnotatedTarget:
        """Remove a tag (any case); 404 when it is not there."""
        return _change(store, on, without_tag(tag))

    @router.put(f"{path}/star", **write, summary=f"Star a {what}")
    def star(store: Annotations, on: On) -> AnnotatedTarget:
        return _change(store, on, with_star(True))

    @router.delete(f"{path}/star", **write, summary=f"Unstar a {what}")
    def unstar(store: Annotations, on: On) -> AnnotatedTarget:
        return _change(store, on, with_star(False))

    @router.put(f"{path}/note", **write, summary=f"Write the note of a {what}")
    def write_note(body: NoteRequest, store: Annotations, on: On) -> AnnotatedTarget:
        """Write or replace the note (empty deletes it); 400 when too long."""
        return _change(store, on, with_note(body.note))

    @router.delete(f"{path}/note", **write, summary=f"Delete the note of a {what}")
    def delete_note(store: Annotations, on: On) -> AnnotatedTarget:
        return _change(store, on, with_note(None))


_add_routes(DOCUMENT_PATH, "document")
_add_routes(PASSAGE_PATH, "passage")


def _listed(s: Searcher, annotations: list[Annotation]) -> AnnotationList:
    """Annotations found again in the passages now (a passage annotation needs its document's
    chunks read; documents no longer indexed keep theirs, listed as they were)."""
    wanted = {a.target.doc_id for a in annotations if not a.target.is_document}
    chunks = {doc_id: s.store.chunks_of(doc_id) for doc_id in sorted(wanted)}
    return AnnotationList(annotations=placed_in(annotations, chunks))


@router.get(
    "/api/annotations", response_model=AnnotationList, responses=ERRORS, tags=["annotations"]
)
def all_annotations(
    s: Reader,
    store: Annotations,
    tag: Annotated[str | None, Query(description="Only those with this tag.")] = None,
    starred: Annotated[bool, Query(description="Only starred ones.")] = False,
) -> AnnotationList:
    """Every tag, star and note, documents and passages, in document and source order."""
    wanted = " ".join((tag or "").split()).casefold()
    kept = [
        a
        for a in store.all()
        if (not wanted or wanted in (t.casefold() for t in a.tags)) and (a.starred or not starred)
    ]
    return _listed(s, kept)


@router.get(
    f"{DOCUMENT_PATH}/annotations",
    response_model=AnnotationList,
    responses=ERRORS,
    tags=["annotations"],
)
def document_annotations(doc_id: str, s: Reader, store: Annotations) -> AnnotationList:
    """A document's own tags, star and note, then its passages' (a passage whose text changed
    since is listed with ``changed``)."""
    find_document(s, doc_id)
    return _listed(s, store.of_document(doc_id))
