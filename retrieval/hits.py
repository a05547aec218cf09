"""Records the query side returns: one ranked hit, the answer sentence, a whole search result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from index.records import Citation
from retrieval.facets import FacetValue

Mode = Literal["bm25", "dense", "hybrid"]
Fusion = Literal["rrf", "weighted"]
# How a sentence's notes were found (retrieval/sentence_citations.py): a marker in it or right
# after it, the marker closing the quotation it is part of, or the next note of its paragraph.
Attribution = Literal["in the sentence", "closing the quotation", "end of paragraph"]
# What the answer box says (retrieval/answer.py): one sentence that answers ("strong"), or a few
# candidate sentences to check ("candidates"); no answer at all is "not found".
AnswerState = Literal["strong", "candidates"]
# Why a hit is in the matching set (retrieval/matching.py): it holds the query's words (in its
# text or its notes), or none of them but a sentence close in meaning; None: it is only ranked.
Matched = Literal["words", "meaning"]
# The order of the passages listed: the ranking, or the matching passages newest first
# (retrieval/date_sort.py).
Sort = Literal["relevance", "date"]


@dataclass
class SentenceCitations:
    """The notes that source one sentence (offsets relative to its start; past its end when
    taken from a later marker), and how they were attributed (None: no note sources it)."""

    citations: list[Citation]
    attribution: Attribution | None


@dataclass
class Highlight:
    """The sentence of a passage that best answers the query; offsets into the passage text."""

    text: str
    start: int
    end: int
    score: float
    # The notes that source the sentence (retrieval/sentence_citations.py), offsets from start.
    citations: list[Citation] = field(default_factory=list)
    attribution: Attribution | None = None


@dataclass
class RetrieverScore:
    """One retriever's view of a hit (``None`` when that retriever did not return it)."""

    score: float | None
    rank: int | None


@dataclass
class DocumentLink:
    """Another document named by id and title (an e-mail attachment's message)."""

    doc_id: str
    title: str


@dataclass
class DuplicatePassage:
    """Another place the same passage appears (near-duplicates are shown once)."""

    chunk_id: str
    doc_id: str
    title: str
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    citations: list[Citation]
    page_label_start: str = ""  # the page numbers printed on the pages (retrieval/printed_pages.py)
    page_label_end: str = ""


@dataclass
class Hit:
    """One ranked passage with its provenance and the footnotes whose markers fall inside it."""

    rank: int
    chunk_id: str
    doc_id: str
    title: str
    text: str
    score: float
    scores: dict[str, RetrieverScore]
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    highlight: Highlight | None
    citations: list[Citation]
    also_in: list[DuplicatePassage] = field(default_factory=list)
    page_label_start: str = ""  # the page numbers printed on the pages (retrieval/printed_pages.py)
    page_label_end: str = ""
    attachment_of: DocumentLink | None = None  # the message a passage's document came with
    # The note the hit was found through: its notes, not its text, hold what the query asked for
    # (a word no sentence of it has, or a cites: value). Shown as "cited in note 12: ...".
    matched_note: Citation | None = None
    matched: Matched | None = "words"
    # The query's words in ``text`` as BM25 matched them (retrieval/word_spans.py): [start, end).
    word_spans: list[tuple[int, int]] = field(default_factory=list)
    # Published by its words while its vectors are made (an upload's first step): meaning search
    # cannot find it yet, and its answer sentence is chosen by the query's words.
    meaning_pending: bool = False


@dataclass
class AnswerSentence:
    """A sentence from a document quoted as (a candidate for) the answer, never generated text."""

    text: str
    score: float
    chunk_id: str
    doc_id: str
    title: str
    page: int
    start: int  # offsets of the sentence in the passage text
    end: int
    citations: list[Citation]  # the sentence's sources (retrieval/sentence_citations.py)
    page_label: str = ""  # the page number printed on ``page``
    attribution: Attribution | None = None
    char_start: int = -1  # the passage's range in the document's source text (a viewer link)
    char_end: int = -1


@dataclass
class Answer(AnswerSentence):
    """The best sentence across the top passages and how far to trust it: ``state`` "strong"
    (quote it), or "candidates" (the best few sentences of different passages, ``candidates``,
    the first being this one: check them)."""

    confidence: Literal["strong match", "partial match"] = "partial match"
    state: AnswerState = "candidates"
    candidates: list[AnswerSentence] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    mode: Mode
    fusion: Fusion | None
    k: int
    offset: int
    total: int  # how many passages were ranked (before pagination)
    answer: Answer | None
    hits: list[Hit]
    took_ms: float
    # "Did you mean": the query with words the collection lacks corrected (None when none), and
    # the query actually searched when the original found too little (None: the original).
    suggestion: str | None = None
    searched_for: str | None = None
    # The query's words no document holds, nor any note ("Brazil"): named to the user, and a
    # reason to abstain; and its cites: values no note cites, as typed ("cites:belta.bz").
    missing: list[str] = field(default_factory=list)
    # Per facet (retrieval.facets.FACET_FIELDS), its values over the matching passages.
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # The matching passages (retrieval/matching.py): how many of those ranked hold the query's
    # words, and how many more hold none but are close in meaning (hybrid and dense search).
    with_words: int = 0
    by_meaning: int = 0
    sort: Sort = "relevance"
