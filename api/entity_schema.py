"""The JSON of entity pages (``GET /api/entities``): built from ``retrieval.entity_page``'s
dataclasses, its passages with their documents, printed pages and notes as hits carry them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from pydantic import BaseModel, Field

from api.schema import CitationModel
from retrieval.entity_page import EntityPage, EntityPassage, FoundEntity

Labels = Callable[[str, int], str]  # (doc id, page) -> the page number printed there


class EntityRefModel(BaseModel):
    kind: str = Field(description="person, org or place.")
    key: str = Field(
        description="The entity's page: GET /api/entities/{key} (one across spellings and "
        "scripts: Lukashenko, Lukashenka and Лукашенко are person:lukashenk)."
    )
    name: str = Field(description="The name most of its mentions give.")


class FoundEntityModel(EntityRefModel):
    passages: int = Field(description="Passages that mention it.")


class EntityListResponse(BaseModel):
    name: str
    entities: list[FoundEntityModel] = Field(
        description="The entities the name names (any spelling or script), else those whose "
        "names hold it; most passages first. Empty when none."
    )


class BesideModel(EntityRefModel):
    passages: int = Field(description="Of the page's passages, how many mention it too.")


class EntityPassageModel(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    published: str | None = Field(description="The document's date (ISO 8601), or null.")
    text: str
    page_start: int
    page_end: int
    page_label_start: str = Field(description="The page number printed on page_start.")
    page_label_end: str = Field(description="The page number printed on page_end.")
    char_start: int = Field(description="Start of the passage in the source text.")
    char_end: int
    citations: list[CitationModel] = Field(
        description="The notes whose markers fall in the passage, offsets in its text."
    )
    spans: list[tuple[int, int]] = Field(
        description="Where the passage names the entity, [start, end) in text."
    )
    entities: list[EntityRefModel] = Field(
        description="Every person, organisation and place the passage mentions, by page."
    )


class EntityPageResponse(BaseModel):
    entity: EntityRefModel
    total: int = Field(description="Passages that mention it, in every document.")
    documents: int = Field(description="Documents those passages are in.")
    offset: int
    passages: list[EntityPassageModel] = Field(
        description="This page of them: newest document first (undated last), then by their "
        "place in the document."
    )
    spellings: list[tuple[str, int]] = Field(
        description="How the documents write it, with the number of mentions of each."
    )
    beside: list[BesideModel] = Field(
        description="The entities mentioned most often in its passages, with how many."
    )


def found_entity_model(found: FoundEntity) -> FoundEntityModel:
    return FoundEntityModel(**asdict(found.entity), passages=found.passages)


def entity_page_response(page: EntityPage, labels: Labels) -> EntityPageResponse:
    """The response of ``page``; ``labels(doc_id, page)`` is the page number printed there."""
    return EntityPageResponse(
        entity=EntityRefModel(**asdict(page.entity)),
        total=page.total,
        documents=page.documents,
        offset=page.offset,
        passages=[_passage(p, labels) for p in page.passages],
        spellings=page.spellings,
        beside=[BesideModel(**asdict(b.entity), passages=b.passages) for b in page.beside],
    )


def _passage(p: EntityPassage, labels: Labels) -> EntityPassageModel:
    c = p.chunk
    return EntityPassageModel(
        chunk_id=c.chunk_id,
        doc_id=c.doc_id,
        title=p.title,
        published=p.published,
        text=c.text,
        page_start=c.page_start,
        page_end=c.page_end,
        page_label_start=labels(c.doc_id, c.page_start),
        page_label_end=labels(c.doc_id, c.page_end),
        char_start=c.char_start,
        char_end=c.char_end,
        citations=[CitationModel(**asdict(citation)) for citation in c.citations],
        spans=p.spans,
        entities=[EntityRefModel(**asdict(e)) for e in p.entities],
    )
