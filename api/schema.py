"""The JSON citesearch speaks: one set of pydantic models for the API, the CLI's --json and eval."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, Field

from retrieval.hits import SearchResult


class CitationModel(BaseModel):
    n: int = Field(description="Footnote number as printed in the document.")
    note: str | None = Field(description="The note's text; null when lost in extraction.")
    urls: list[str] = Field(description="Links found in the note, repaired.")
    offset: int = Field(description="Position of the marker in the passage (or sentence) text.")


class HighlightModel(BaseModel):
    text: str
    start: int
    end: int
    score: float


class RetrieverScoreModel(BaseModel):
    score: float | None
    rank: int | None


class SourceModel(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    citations: list[CitationModel]
    page_label_start: str = Field(
        default="",
        description="The page number printed on page_start (PDF /PageLabels, else "
        "the number printed on the page, else the page index).",
    )
    page_label_end: str = Field(default="", description="The page number printed on page_end.")


class DocumentLinkModel(BaseModel):
    doc_id: str
    title: str


class HitModel(BaseModel):
    rank: int
    chunk_id: str
    doc_id: str
    title: str
    text: str
    score: float
    scores: dict[str, RetrieverScoreModel]
    page_start: int
    page_end: int
    char_start: int = Field(description="Start of the passage in the source text.")
    char_end: int
    highlight: HighlightModel | None
    citations: list[CitationModel]
    also_in: list[SourceModel] = Field(
        default_factory=list, description="The same passage in other documents."
    )
    page_label_start: str = Field(
        default="",
        description="The page number printed on page_start (PDF /PageLabels, else "
        "the number printed on the page, else the page index).",
    )
    page_label_end: str = Field(default="", description="The page number printed on page_end.")
    attachment_of: DocumentLinkModel | None = Field(
        default=None, description="The e-mail this passage's document was attached to, or null."
    )


class AnswerModel(BaseModel):
    text: str
    score: float
    chunk_id: str
    doc_id: str
    title: str
    page: int
    start: int
    end: int
    citations: list[CitationModel]
    page_label: str = Field(default="", description="The page number printed on page.")
    confidence: str = Field(
        default="partial match",
        description='How well the sentence answers, in words: "strong match" or "partial match".',
    )


class SearchResponse(BaseModel):
    query: str
    mode: str
    fusion: str | None
    k: int
    offset: int
    total: int
    answer: AnswerModel | None
    results: list[HitModel]
    took_ms: float
    suggestion: str | None = Field(
        default=None,
        description="Did you mean: the query with words no document has corrected, or null.",
    )
    searched_for: str | None = Field(
        default=None,
        description="The query searched instead of the one typed (it found too little), or null.",
    )
    missing: list[str] = Field(
        default_factory=list,
        description="Words of the query that no document holds (the answer is null when they "
        "decide it: not found in these documents).",
    )

    @classmethod
    def from_result(cls, result: SearchResult) -> SearchResponse:
        """Build the response from the query side's dataclasses."""
        data = asdict(result)
        data["results"] = data.pop("hits")
        return cls.model_validate(data)
