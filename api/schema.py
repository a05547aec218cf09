"""The JSON citesearch speaks: one set of pydantic models for the API, the CLI's --json and eval."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, Field

from api.annotation_view import AnnotationModel
from retrieval.hits import AnswerState, Attribution, Matched, SearchResult, Sort


class CitationModel(BaseModel):
    n: int = Field(description="Footnote number: the note's place in the document's notes.")
    note: str | None = Field(description="The note's text; null when lost in extraction.")
    urls: list[str] = Field(description="Links found in the note, repaired.")
    offset: int = Field(
        description="Position of the marker in the passage text; in a sentence's citations, "
        "relative to the sentence's start (past its end when the note was taken from a later "
        "marker: see attribution)."
    )
    label: str = Field(
        default="",
        description='The note\'s mark as printed when it is not its number ("*", "a", "iv"); '
        "show it in place of n when not empty.",
    )


ATTRIBUTION_DESCRIPTION = (
    "How the sentence's citations were found: 'in the sentence' (a marker inside it or right "
    "after its full stop), 'closing the quotation' (a marker closing the quotation it is part "
    "of), 'end of paragraph' (no marker of its own: the first note after it in its paragraph; "
    "say so when quoting it); null when no note sources the sentence."
)


class HighlightModel(BaseModel):
    text: str
    start: int
    end: int
    score: float
    citations: list[CitationModel] = Field(
        default_factory=list,
        description="The notes that source this sentence (not all of the passage's): what "
        "copy citation and the exports quote with it.",
    )
    attribution: Attribution | None = Field(default=None, description=ATTRIBUTION_DESCRIPTION)


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
    highlight: HighlightModel | None = Field(
        description="The passage's sentence that best answers the query, with its own notes."
    )
    citations: list[CitationModel] = Field(
        description="All the notes whose markers fall in the passage, offsets in its text."
    )
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
    matched_note: CitationModel | None = Field(
        default=None,
        description="The note this passage was found through: one of its citations whose note, "
        "not the passage's text, holds what the query asked for (words only a note has, or a "
        "cites: value); shown as 'cited in note 12: ...'. Null otherwise.",
    )
    matched: Matched | None = Field(
        default="words",
        description="Why the passage matches: 'words' (it holds one of the query's words, in "
        "its text or its notes), 'meaning' (none of them, but a sentence as close in meaning "
        "as an answer must be), or null (neither: only ranked, by the dense list).",
    )
    word_spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="The query's words in text, [start, end) each, as BM25 matched them: the "
        "same stem or name key in any script ('tractors' marks 'tractor', 'Лукашенко' marks "
        "'Lukashenko'); stop words never alone; a phrase whole.",
    )
    meaning_pending: bool = Field(
        default=False,
        description="True while the passage is found by its words only: an upload published "
        "before its vectors, which follow (meaning search cannot find it yet).",
    )
    annotations: AnnotationModel | None = Field(
        default=None, description="The reader's tags, star and note on this passage (API only)."
    )


class AnswerSentenceModel(BaseModel):
    """A sentence quoted from a document as (a candidate for) the answer."""

    text: str
    score: float
    chunk_id: str
    doc_id: str
    title: str
    page: int
    start: int = Field(description="Start of the sentence in its passage's text.")
    end: int
    citations: list[CitationModel] = Field(
        description="The notes that source this sentence (not all of its passage's)."
    )
    attribution: Attribution | None = Field(default=None, description=ATTRIBUTION_DESCRIPTION)
    page_label: str = Field(default="", description="The page number printed on page.")
    char_start: int = Field(
        default=-1,
        description="Start of the sentence's passage in the document's source text (with "
        "start/end, where a viewer marks the sentence); -1 when unknown.",
    )
    char_end: int = Field(default=-1, description="End of that passage in the source text.")


class AnswerModel(AnswerSentenceModel):
    """The answer box: one sentence that answers, or the candidates to check. (No answer at
    all, "not found", is a null answer.)"""

    confidence: str = Field(
        default="partial match",
        description='How well the sentence answers, in words: "strong match" (state "strong") '
        'or "partial match" (state "candidates").',
    )
    state: AnswerState = Field(
        default="candidates",
        description='"strong": this sentence answers (the threshold is set so that 0.93 of '
        "such answers held the key on the calibration questions; 0.88 on held-out ones). "
        '"candidates": no sentence is trusted alone; show '
        '"Possible answers", the sentences in candidates, and ask the reader to check them (text, '
        "score and the other fields above are the first candidate's).",
    )
    candidates: list[AnswerSentenceModel] = Field(
        default_factory=list,
        description='With state "candidates": the best two or three sentences (at most two '
        "from one passage), best first, each with its document, page and notes; empty when "
        '"strong".',
    )


class FacetValueModel(BaseModel):
    value: str = Field(description='As a filter takes it: person:"<value>", year:<value>...')
    count: int = Field(description="Matching passages with this value.")


class SearchResponse(BaseModel):
    query: str
    mode: str
    fusion: str | None
    k: int
    offset: int
    total: int
    answer: AnswerModel | None = Field(
        description="The answer box (its state: strong or candidates), or null: not found in "
        "these documents."
    )
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
        description="Words of the query that no document or note holds (the answer is null when "
        "they decide it: not found in these documents), and its cites: values no note cites "
        "(written as in the query, e.g. 'cites:belta.bz': then no passage is returned).",
    )
    facets: dict[str, list[FacetValueModel]] = Field(
        default_factory=dict,
        description="Per facet (person, org, place, document, type, year, language), its most "
        "frequent values over the matching passages (with_words + by_meaning; not only this "
        "page), with their counts.",
    )
    with_words: int = Field(
        default=0,
        description="How many of the passages ranked hold the query's words (in their text "
        "or their notes), after every filter.",
    )
    by_meaning: int = Field(
        default=0,
        description="How many more hold none of them but are close in meaning (hybrid and "
        "dense search): total also counts passages that are neither, ranked by the dense list.",
    )
    sort: Sort = Field(
        default="relevance",
        description="The order of results: 'relevance' (the ranking), or 'date' (the matching "
        "passages, newest document first, those without a date last; total counts them).",
    )

    @classmethod
    def from_result(cls, result: SearchResult) -> SearchResponse:
        """Build the response from the query side's dataclasses."""
        data = asdict(result)
        data["results"] = data.pop("hits")
        return cls.model_validate(data)
