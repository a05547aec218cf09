"""Hybrid search: BM25 and dense retrieval fused, near-duplicates merged, sentences highlighted.

One ``Searcher`` holds an open store and the loaded embedding model; build it once per process
with ``open_searcher`` and reuse it (the API, the CLI's --batch and eval all do).
"""

from __future__ import annotations

import bisect
import functools
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import numpy as np

from index.models.by_name import encoder_by_name
from index.models.embedder import Embedder
from index.models.encoder import Encoder
from index.models.passage_vectors import chunk_sentences
from index.models.specs import short_name
from index.records import Chunk, ChunkSentences, Citation, ParsedDocument
from index.stores.annotations import AnnotationStore
from index.stores.base import IndexMismatch, ModelInfo, StoreReader
from index.stores.factory import Location, open_reader, recorded_model
from index.text.tokenize import terms_at, tokenize
from retrieval.annotated import with_annotations
from retrieval.answer import (
    ANSWER_THRESHOLD,
    STRONG_MATCH,
    answer_state,
    bare_word,
    best_highlight,
    idf,
    is_run_on,
    missing_names,
    missing_share,
    score_sentences,
)
from retrieval.answer_candidates import (
    AGREE_TOP,
    SentenceCandidate,
    is_decisive,
    pick_candidates,
    rank_candidates,
)
from retrieval.cites import CiteMatch, closest_domain, note_for_terms
from retrieval.date_sort import by_date
from retrieval.dedupe import Shingles, duplicates_among, shingles
from retrieval.facets import FacetEntityCache, document_facets
from retrieval.feedback import FEEDBACK_PASSAGES, FEEDBACK_WEIGHT, dense_lists, feedback_lists
from retrieval.fusion import (
    is_cyrillic,
    reciprocal_rank_fusion,
    weighted_score_fusion,
    weighted_score_sum,
)
from retrieval.hits import (
    Answer,
    AnswerSentence,
    DocumentLink,
    DuplicatePassage,
    Fusion,
    Hit,
    Mode,
    SearchResult,
    Sort,
)
from retrieval.kept import Kept
from retrieval.list_scores import ListScores
from retrieval.matching import Matching, matching_passages, with_matching
from retrieval.meta_answer import metadata_answer
from retrieval.name_terms import name_terms
from retrieval.printed_pages import PageLabels
from retrieval.query import (
    FEW_PASSAGES,
    CitesFilter,
    Query,
    QueryError,
    QueryPlan,
    Vocabulary,
    Word,
    apply_corrections,
    finds_little,
    max_edits,
    narrow_documents,
    parse_query,
    plain_query,
    plan_query,
    spelled_from_passages,
    spelling_corrections,
    surface_form,
)
from retrieval.rerank import CrossEncoderReranker
from retrieval.sentence_citations import cite_sentence
from retrieval.word_spans import PlacedTerms, mark_words, placed_terms
from retrieval.words_only import rescale_words_only

MAX_QUERY_CHARS = 500
MAX_K = 100
MAX_OFFSET = 1000
ANSWER_FROM_TOP = 5
# Chosen by the mean nDCG@10 over the question set, Vaswani and CISI (`python -m eval.sweep`):
# weighted min-max fusion, 200 of each list, a Cyrillic question over a Latin collection ranked by
# the dense list alone, the dense weight split evenly between two models (docs/DECISIONS.md:
# fusion defaults).
DEFAULT_FUSION: Fusion = "weighted"
DENSE_WEIGHT = 0.5
DENSE_WEIGHT_WITH_SECOND = 0.6
SECOND_SHARE = 0.5
MIN_DEPTH = 200
# A query with filters (a phrase, -word, OR with a phrase) fetches deeper: some candidates fail.
FILTER_DEPTH = 100
# The lexical list is BM25 of a passage's text plus, for the query's words no passage says
# ("Pivovar", an author only notes name), BM25 of the notes it cites times this weight
# (retrieval.fusion.weighted_score_sum). Words the passages say are never looked up in notes: on
# the question set every weight that let them lowered BM25's MRR@10 (docs/DECISIONS.md:
# searchable notes).
NOTE_WEIGHT = 1.0
# A Cyrillic question's names the collection holds ("Лукашенко Имран Хан"): BM25 of them fused
# with e5's list at this weight. On the 25 Russian questions of the question set (13 name one):
# R@10 0.96 -> 1.00, MRR@10 0.755 -> 0.745; 0.1 leaves the Imran Khan meeting 5th, 0.4 and more
# lose R@10 (docs/DECISIONS.md: names in any script).
CYRILLIC_NAME_WEIGHT = 0.2


@dataclass
class SearchOptions:
    """Query-side settings, validated once."""

    default_mode: Mode = "hybrid"
    default_fusion: Fusion = DEFAULT_FUSION
    # None: DENSE_WEIGHT_WITH_SECOND when the second model's list is fused, else DENSE_WEIGHT.
    dense_weight: float | None = None
    # The second model's part of the dense weight when the index holds its vectors (the first
    # model has the rest); 0 leaves it out of hybrid search.
    second_share: float = SECOND_SHARE
    rrf_k: int = 60
    min_depth: int = MIN_DEPTH
    # The API's cap; an evaluation over a test collection raises it (CISI has 2,083-character
    # queries) and reads its queries as plain words (``syntax=False``).
    max_query_chars: int = MAX_QUERY_CHARS
    # Below this an answer is withheld (retrieval.answer); eval sweeps it for its coverage curve.
    answer_threshold: float = ANSWER_THRESHOLD
    # From this score on the answer is one sentence ("strong"), below it a few candidates;
    # eval reads its precision curve from a run with it at ``answer_threshold``.
    strong_threshold: float = STRONG_MATCH
    syntax: bool = True
    cyrillic_dense_only: bool = True
    # A Cyrillic question over a Latin collection that names what the collection holds fuses
    # BM25 of those names with this weight (the dense list has the rest); 0: dense alone.
    cyrillic_name_weight: float = CYRILLIC_NAME_WEIGHT
    # Hybrid search's pseudo-relevance feedback (retrieval.feedback): the first fused ranking's
    # top passages move each model's query vector by the weight; 0 passages turns it off.
    feedback_passages: int = FEEDBACK_PASSAGES
    feedback_weight: float = FEEDBACK_WEIGHT
    shingle_cache_size: int = (
        20_000  # shingles, and terms for the word marks, kept: about 2 KB a passage each
    )
    chunk_cache_size: int = 5_000  # passages' rows kept (retrieval.kept): about 3 KB each
    sentence_cache_size: int = 2_000  # passages' stored sentences kept: about 10 KB each
    # The notes' weight in the lexical list for words no passage says (NOTE_WEIGHT); 0 leaves
    # notes out of ranking (a cites: filter still works, a cites:-only query is still ranked by
    # its notes).
    note_weight: float = NOTE_WEIGHT
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default_mode not in get_args(Mode):
            raise ValueError(f"mode must be one of {get_args(Mode)}, not {self.default_mode!r}")
        if self.default_fusion not in get_args(Fusion):
            raise ValueError(
                f"fusion must be one of {get_args(Fusion)}, not {self.default_fusion!r}"
            )
        if self.dense_weight is not None and not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("dense_weight must be between 0 and 1")
        if not 0.0 <= self.second_share <= 1.0:
            raise ValueError("second_share must be between 0 and 1")
        if self.feedback_passages < 0:
            raise ValueError("feedback_passages must be 0 or more")
        if self.feedback_weight < 0:
            raise ValueError("feedback_weight must be 0 or more")
        if self.note_weight < 0:
            raise ValueError("note_weight must be 0 or more")
        if not 0.0 <= self.cyrillic_name_weight <= 1.0:
            raise ValueError("cyrillic_name_weight must be between 0 and 1")
        if min(self.shingle_cache_size, self.chunk_cache_size, self.sentence_cache_size) < 0:
            raise ValueError("cache sizes must be 0 or more")


class Searcher:
    """Answers queries from one store with one embedder (and, optionally, a reranker).

    When the store holds a second model's vectors (``ModelInfo.second``) and the embedder has
    that model (``Embedder.second``), hybrid search fuses three lists: BM25, the first model's
    and the second model's, each ``min_depth`` deep; the two models share ``dense_weight``
    (``second_share``). A Cyrillic question never gets the second list (MiniLM reads English), and
    over a collection with no Cyrillic title it is ranked by the first model, fused with BM25 of
    the names it holds that the collection knows (``cyrillic_name_weight``). Hybrid search
    then moves each model's query toward the first passages and searches again
    (``retrieval.feedback``; ``feedback_passages`` 0 turns it off).
    """

    def __init__(
        self,
        store: StoreReader,
        embedder: Encoder,
        *,
        reranker: CrossEncoderReranker | None = None,
        options: SearchOptions | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.reranker = reranker
        self.options = options or SearchOptions()
        second = store.model.second
        if second is not None and embedder.second is not None:
            loaded = ModelInfo.of(embedder.second)
            if loaded != second:
                raise IndexMismatch(
                    f"the index holds vectors of {second.name} ({second.weights_hash[:12]}), "
                    f"the second model loaded is {loaded.name} ({loaded.weights_hash[:12]}); "
                    "rebuild it with `citesearch index --rebuild <corpus>`"
                )
        # The second list's name, as hits show it ("minilm #3"); None: two lists.
        self.second_name: str | None = (
            short_name(second.name) if second is not None and embedder.second is not None else None
        )
        documents = store.documents()
        self.titles = {info.meta.doc_id: info.meta.title for info in documents}
        self.published = {info.meta.doc_id: info.meta.published for info in documents}
        self.metas = [info.meta for info in documents]  # what "who wrote <title>?" is told from
        self.facets_of = document_facets(info.meta for info in documents)
        self.facet_entities = FacetEntityCache(store.chunk_entities)
        # What the index holds, read once: a searcher serves one published generation, which
        # never changes (the page polls /api/health for these every few seconds).
        self.document_count = len(documents)
        self.passage_count = sum(info.chunks for info in documents)
        # E-mail attachments: document id -> its message's id.
        self.parents = {
            info.meta.doc_id: info.meta.parent for info in documents if info.meta.parent
        }
        self._documents: OrderedDict[str, ParsedDocument | None] = OrderedDict()
        self._lock = threading.Lock()
        # Passages' rows, stored sentences and shingles, kept across questions (retrieval.kept).
        self._chunks = Kept(self._read_chunks, self.options.chunk_cache_size)
        self._stored_sentences = Kept(store.sentences, self.options.sentence_cache_size)
        self._shingles = Kept(self._read_shingles, self.options.shingle_cache_size)
        self._placed = Kept(self._read_placed, self.options.shingle_cache_size)
        self.page_labels = PageLabels(store)

    # ---- public ------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        offset: int = 0,
        mode: Mode | None = None,
        fusion: Fusion | None = None,
        doc_ids: Sequence[str] | None = None,
        sort: Sort = "relevance",
        annotations: AnnotationStore | None = None,
    ) -> SearchResult:
        """Rank passages for ``query``; raises QueryError for input the user must change.
        ``annotations``: the reader's tags and stars, for ``tag:`` and ``starred:``."""
        started = time.perf_counter()
        query, mode, fusion, doc_filter = self._validate(query, k, offset, mode, fusion, doc_ids)
        plan, doc_filter, suggestion, searched_for = self._plan(query, doc_filter)
        plan, doc_filter = with_annotations(plan, doc_filter, annotations, self.store)
        query_vector = self._query_vector(plan)
        ranked, per_retriever, chunks = self._candidates(
            plan, query_vector, offset + k, mode, fusion, doc_filter
        )
        groups = self._group_duplicates(ranked, chunks)
        matching = self._matching(plan, groups, per_retriever, query_vector, mode, doc_filter)
        listed = groups if sort == "relevance" else self._by_date(groups, matching, chunks)
        shown = listed[offset : offset + k]
        # Sentence vectors were computed at index time: one read for every passage shown or
        # considered for the answer, and no model run beyond the query's embedding.
        sentences = self._sentences_of(
            [group[0][0] for group in shown + groups[:ANSWER_FROM_TOP]], chunks
        )
        reasons = self._matched_notes(
            plan, [group[0][0] for group in shown + groups[:1]], chunks, mode
        )
        if plan.narrows_only or self._found_through_notes(plan, mode):
            # "Which claims cite BelTA?", "Pivovar": the claim of the first passage citing it.
            strong = plan.narrows_only  # a claim citing what was named is exactly what was asked
            answer = self._cited_claim(groups[:1], chunks, sentences, reasons, strong=strong)
            missing: list[str] = []
        else:
            top = groups[:ANSWER_FROM_TOP]
            answer, missing = self._answer_and_missing(
                query, mode, plan, top, chunks, sentences, query_vector, per_retriever
            )
        answer = self._record_answer(query, doc_filter) or answer
        highlighted: set[tuple[str, str]] = set()
        quoted = _quoted_spans(answer)
        hits = [
            self._hit(
                rank,
                group,
                chunks,
                per_retriever,
                sentences,
                (frozenset(plan.bm25_terms), query_vector),
                highlighted,
                reasons.get(group[0][0]),
                quoted.get(group[0][0]),
            )
            for rank, group in enumerate(shown, start=offset + 1)
        ]
        # A cites: value no note holds matches no passage (the store's filter): ``missing`` says so.
        missing += [cite.shown for cite in plan.cites if not cite.known]
        result = SearchResult(
            query=query,
            mode=mode,
            fusion=fusion if mode == "hybrid" else None,
            k=k,
            offset=offset,
            total=len(listed),
            answer=answer,
            hits=hits,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            suggestion=suggestion,
            searched_for=searched_for,
            missing=missing,
        )
        return self._with_matching(self.page_labels.apply(result), matching, chunks, plan, sort)

    def _query_vector(self, plan: QueryPlan) -> np.ndarray:
        """The query's embedding; zeros for ``cites:`` filters alone, which have no words to
        embed (their passages are ranked by their notes)."""
        if plan.narrows_only:
            return np.zeros(self.embedder.dimension, dtype=np.float32)
        return self.embedder.encode_query(plan.dense_text)

    def _with_matching(
        self,
        result: SearchResult,
        matching: Matching,
        chunks: dict[str, Chunk],
        plan: QueryPlan,
        sort: Sort,
    ) -> SearchResult:
        """The result with its matching passages counted and their facets (retrieval.matching),
        its order, and the query's words marked in each hit (retrieval.word_spans)."""
        mark_words(result.hits, plan, self._placed([hit.chunk_id for hit in result.hits]))
        pending = self.store.without_vectors([hit.chunk_id for hit in result.hits])
        for hit in result.hits:
            hit.meaning_pending = hit.chunk_id in pending
        result.sort = sort
        return with_matching(
            result, matching, chunks, self.facets_of, self.facet_entities.entity_counts
        )

    def _by_date(
        self, groups: list[list[tuple[str, float]]], matching: Matching, chunks: dict[str, Chunk]
    ) -> list[list[tuple[str, float]]]:
        """The matching passages' groups, newest document first (retrieval.date_sort)."""
        doc_of = {cid: chunk.doc_id for cid, chunk in chunks.items()}
        return [list(g) for g in by_date(groups, matching.ids, doc_of, self.published)]

    def _matching(
        self,
        plan: QueryPlan,
        groups: Sequence[Sequence[tuple[str, float]]],
        per_retriever: ListScores,
        query_vector: np.ndarray,
        mode: Mode,
        doc_filter: list[str] | None,
    ) -> Matching:
        """The ranked passages holding the query's words (on the lexical list) and, in hybrid
        and dense search, those close in meaning without them (``retrieval.matching``)."""
        firsts = [group[0][0] for group in groups]
        if plan.narrows_only or mode == "bm25":  # every passage ranked is on the lexical list
            return Matching(firsts, [])
        if mode == "dense":
            depth = max(self.options.min_depth, len(firsts))
            found, _ = self.lexical_lists(plan.bm25_terms, depth, doc_filter, plan.cite_keys)
            lexical = {cid for cid, _ in found}
        else:
            lexical = per_retriever.in_list("bm25")
        comparable = not (mode == "hybrid" and self._by_meaning_alone(plan.dense_text))
        threshold = self.options.answer_threshold
        return matching_passages(
            firsts,
            lexical,
            self._stored_sentences,
            query_vector,
            threshold,
            words_comparable=comparable,
        )

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """The collection's BM25 terms, read once (a new index comes with a new Searcher)."""
        return Vocabulary(self.store.vocabulary())

    @functools.cached_property
    def note_vocabulary(self) -> Vocabulary:
        """The terms of the passages' notes (words and domains), read once."""
        return Vocabulary(self.store.note_vocabulary())

    def _note_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """How many passages' notes hold each term (0 when none does), from the note vocabulary
        read once."""
        known = self.note_vocabulary.frequencies
        return {t: known.get(t, 0) for t in sorted(set(terms))}

    # ---- stages ------------------------------------------------------------------------------

    def _plan(
        self, query: str, doc_filter: list[str] | None
    ) -> tuple[QueryPlan, list[str] | None, str | None, str | None]:
        """The query's plan and documents, and "did you mean": the query with words no passage
        has corrected, searched instead when the query as typed finds little."""
        parsed = self._parse(query)
        notes = self.note_vocabulary
        plan = plan_query(parsed, self.vocabulary, self.titles, notes)
        documents = narrow_documents(doc_filter, plan, self.titles, self.facets_of)
        if not self.options.syntax:
            return plan, documents, None, None
        if any(not cite.known for cite in plan.cites):
            return plan, documents, self._cites_suggestion(query, parsed, plan), None
        corrections = spelling_corrections(parsed, self.vocabulary, notes.frequencies)
        fixes = spelled_from_passages(corrections, self._texts_with) if corrections else []
        if not fixes:
            return plan, documents, None, None
        suggestion = apply_corrections(query, fixes)
        found = self.store.bm25_search(
            plan.bm25_terms, FEW_PASSAGES, documents, cites=plan.cite_keys
        )
        if not finds_little(len(found), len(fixes), len(parsed.words)):
            return plan, documents, suggestion, None
        plan = plan_query(parse_query(suggestion), self.vocabulary, self.titles, notes)
        return plan, narrow_documents(doc_filter, plan, self.titles), suggestion, suggestion

    def _cites_suggestion(self, query: str, parsed: Query, plan: QueryPlan) -> str | None:
        """The query with each ``cites:`` value no note holds replaced by the closest one the
        notes hold (a domain a note links to, a name's words as the notes spell them), or None
        when one of them has none close."""
        clauses = [c for c in parsed.clauses if isinstance(c, CitesFilter)]
        fixes: list[tuple[Word, str]] = []
        for clause, cite in zip(clauses, plan.cites, strict=True):
            if cite.known:
                continue
            fixed = self._cite_fix(cite)
            if fixed is None:
                return None
            shown = f'cites:"{fixed}"' if clause.phrase else f"cites:{fixed}"
            fixes.append((Word(clause.text, clause.start, clause.end), shown))
        return apply_corrections(query, fixes)

    def _cite_fix(self, cite: CiteMatch) -> str | None:
        """A ``cites:`` value the notes hold, closest to one they do not, or None."""
        notes = self.note_vocabulary
        if cite.domain:
            return closest_domain(cite.keys[0], notes.frequencies)
        fixes = []
        for match in re.finditer(r"[^\W_]+", cite.text):
            word = match.group()
            terms = tokenize(word)
            if not terms or terms[0] in notes:
                continue
            near = notes.near(word, max_edits(word), limit=1)
            if not near:
                return None
            texts = self._note_texts_with(near[0])
            fixes.append(
                (Word(word, match.start(), match.end()), surface_form(word, near[0], texts))
            )
        return apply_corrections(cite.text, fixes)

    def _note_texts_with(self, term: str) -> list[str]:
        """A few note texts holding a term (to show a suggestion as the notes spell it)."""
        found = self.store.note_search([term], 3)
        chunks = self.store.get_chunks([h.chunk_id for h in found])
        return [c.note for chunk in chunks for c in chunk.citations if c.note]

    def _candidates(
        self,
        plan: QueryPlan,
        query_vector: np.ndarray,
        wanted: int,
        mode: Mode,
        fusion: Fusion,
        doc_filter: list[str] | None,
    ) -> tuple[list[tuple[str, float]], ListScores, dict[str, Chunk]]:
        """The ranking deep enough for the first ``wanted`` passages, each passage's scores per
        retriever, and the chunks ranked (by id); passages the plan's filters refuse are out."""
        depth = max(self.options.min_depth, 2 * wanted)
        depth = max(depth, FILTER_DEPTH) if plan.filters else depth
        ranked, per_retriever = self._rank(plan, query_vector, depth, mode, fusion, doc_filter)
        chunks = self._chunks([cid for cid, _ in ranked])
        ranked = [(cid, score) for cid, score in ranked if cid in chunks]
        if plan.filters:  # phrases, exclusions: checked on each candidate's words and notes
            ranked = [
                (cid, score)
                for cid, score in ranked
                if plan.admits(terms_at(chunks[cid].text))
                and plan.admits_notes(chunks[cid].citations)
                and plan.admits_passage(cid, chunks[cid].doc_id)
            ]
        return ranked, per_retriever, chunks

    def _answer_and_missing(
        self,
        query: str,
        mode: Mode,
        plan: QueryPlan,
        top_groups: list[list[tuple[str, float]]],
        chunks: dict[str, Chunk],
        sentences: dict[str, ChunkSentences],
        query_vector: np.ndarray,
        per_retriever: ListScores | None = None,
    ) -> tuple[Answer | None, list[str]]:
        """The answer from the top groups, and the query's words no passage holds;
        ``per_retriever``: each passage's rank in each list (how many lists agree on it)."""
        # A question ranked by meaning alone (Russian over English reports) is answered by meaning
        # alone: its words are not the collection's, so none is "missing" and none is covered.
        by_meaning = mode == "hybrid" and self._by_meaning_alone(query)
        term_counts = {} if by_meaning else self.store.term_counts(sorted(plan.bm25_terms))
        # A word only the notes hold is not missing: the passages citing them were found by it.
        note_counts = {} if by_meaning else self._note_counts(plan.bm25_terms)
        held = {t: n + note_counts.get(t, 0) for t, n in term_counts.items()}
        missing = [] if by_meaning else self._missing_words(plan.dense_text, held)
        answer = self._answer(
            plan.dense_text,
            top_groups,
            chunks,
            sentences,
            term_counts,
            query_vector,
            missing_names(plan.dense_text, missing),
            per_retriever.agreeing(("bm25", "dense", self.second_name), AGREE_TOP)
            if per_retriever is not None
            else {},
        )
        return answer, missing

    def _notes_rank(self, mode: Mode, plan: QueryPlan) -> bool:
        """Whether the notes took part in ranking this query's passages (``lexical_lists``)."""
        return (
            mode != "dense"
            and self.options.note_weight > 0
            and not (mode == "hybrid" and self._by_meaning_alone(plan.dense_text))
        )

    def _found_through_notes(self, plan: QueryPlan, mode: Mode) -> bool:
        """Whether no passage holds any of the query's words and some of the notes they cite
        do ("Pivovar", an author only notes name): its passages were found through notes."""
        terms = sorted(set(plan.bm25_terms))
        if not terms or not self._notes_rank(mode, plan) or len(self.unsaid(terms)) < len(terms):
            return False
        return any(self._note_counts(terms).values())

    def _matched_notes(
        self,
        plan: QueryPlan,
        chunk_ids: Sequence[str],
        chunks: dict[str, Chunk],
        mode: Mode,
    ) -> dict[str, Citation]:
        """The note each of these passages was found through, where one was: the note a
        ``cites:`` value names, else (when notes ranked) the note holding the query's words no
        passage says."""
        reasons: dict[str, Citation] = {}
        ranked_by_notes = self._notes_rank(mode, plan)
        unsaid = set(self.unsaid(plan.bm25_terms)) if ranked_by_notes else set()
        weights: dict[str, float] = {}
        if unsaid and not plan.cites:  # the words' IDF in the notes: the rarest name decides
            n = max(self.store.chunk_count, 1)
            counts = self._note_counts(unsaid)
            weights = {t: idf(df, n) for t, df in counts.items() if df > 0}
        for chunk_id in dict.fromkeys(chunk_ids):
            citations = chunks[chunk_id].citations
            if plan.cites:
                note = plan.cites[0].first_note(citations)
            else:
                note = note_for_terms(citations, unsaid, weights) if unsaid else None
            if note is not None:
                reasons[chunk_id] = note
        return reasons

    def _cited_claim(
        self,
        groups: list[list[tuple[str, float]]],
        chunks: dict[str, Chunk],
        sentences: dict[str, ChunkSentences],
        reasons: dict[str, Citation],
        *,
        strong: bool,
    ) -> Answer | None:
        """The sentence of the first passage that carries the note it was found through (a
        claim citing what the query named), as the answer, scored at the threshold its
        confidence stands for; None without one."""
        if not groups or groups[0][0][0] not in reasons:
            return None
        chunk = chunks[groups[0][0][0]]
        span = _sentence_citing(sentences[chunk.chunk_id].spans, reasons[chunk.chunk_id])
        if span is None:
            return None
        threshold = self.options.answer_threshold
        score = max(self.options.strong_threshold, threshold) if strong else threshold
        claim = self._answer_sentence(SentenceCandidate(score, chunk, span[0], span[1], 0))
        return Answer(
            **vars(claim),
            confidence="strong match" if strong else "partial match",
            state="strong" if strong else "candidates",
            candidates=[] if strong else [claim],
        )

    def _parse(self, query: str) -> Query:
        return parse_query(query) if self.options.syntax else plain_query(query)

    def _texts_with(self, term: str) -> list[str]:
        """A few passage texts holding a term (to show a suggestion as a word, not a stem)."""
        hits = self.store.bm25_search([term], 3)
        return [chunk.text for chunk in self.store.get_chunks([h.chunk_id for h in hits])]

    def _validate(
        self,
        query: str,
        k: int,
        offset: int,
        mode: Mode | None,
        fusion: Fusion | None,
        doc_ids: Sequence[str] | None,
    ) -> tuple[str, Mode, Fusion, list[str] | None]:
        query = " ".join((query or "").split())
        if not query:
            raise QueryError("the query is empty: type a question or some words")
        if len(query) > self.options.max_query_chars:
            raise QueryError(
                f"the query is too long: at most {self.options.max_query_chars} characters"
            )
        self._parse(query)  # a syntax error first: its message says what to fix
        if not tokenize(query) and not any(ch.isalnum() for ch in query):
            raise QueryError("the query has no words to search for")
        if not 1 <= k <= MAX_K:
            raise QueryError(f"k must be between 1 and {MAX_K}")
        if not 0 <= offset <= MAX_OFFSET:
            raise QueryError(f"offset must be between 0 and {MAX_OFFSET}")
        mode = mode or self.options.default_mode
        if mode not in get_args(Mode):
            raise QueryError(f"mode must be one of {', '.join(get_args(Mode))}")
        fusion = fusion or self.options.default_fusion
        if fusion not in get_args(Fusion):
            raise QueryError(f"fusion must be one of {', '.join(get_args(Fusion))}")
        doc_filter = None
        if doc_ids:
            unknown = sorted(set(doc_ids) - set(self.titles))
            if unknown:
                raise QueryError(f"unknown document(s): {', '.join(unknown)}")
            doc_filter = sorted(set(doc_ids))
        return query, mode, fusion, doc_filter

    def _rank(
        self,
        plan: QueryPlan,
        query_vector: np.ndarray,
        depth: int,
        mode: Mode,
        fusion: Fusion,
        doc_ids: list[str] | None,
    ) -> tuple[list[tuple[str, float]], ListScores]:
        """The ranking and each passage's score and rank in each list, within the documents and
        the plan's ``cites:`` filter (phrases or exclusions, which drop some of it after, get no
        feedback)."""
        query, cites = plan.dense_text, plan.cite_keys
        if plan.narrows_only:  # cites: filters alone: the passages citing them, by their notes
            found = self.store.note_search(cites, depth, doc_ids, cites=cites)
            notes = [(s.chunk_id, s.score) for s in found]
            return notes, ListScores({"notes": notes})
        lists: dict[str, list[tuple[str, float]]] = {}
        shown: dict[str, list[tuple[str, float]]] = {}  # in each hit's scores, not fused
        by_meaning = mode == "hybrid" and self._by_meaning_alone(query)
        # A Cyrillic question's names the collection holds: their BM25 list is fused (alone:
        # the question's other words, romanised, are no English terms).
        names = self._known_names(query) if by_meaning else []
        if mode in ("bm25", "hybrid"):
            lists["bm25"], shown["notes"] = self.lexical_lists(
                names or plan.bm25_terms, depth, doc_ids, cites
            )
        # Each dense list's query vector: the first model's ("dense"), the second's (its name).
        vectors: dict[str, np.ndarray] = {}
        if mode in ("dense", "hybrid"):
            vectors["dense"] = query_vector
        # MiniLM reads English only: a Cyrillic question never gets its list, whatever the titles.
        second, second_name = self.embedder.second, self.second_name
        english = not is_cyrillic(query)
        if mode == "hybrid" and english and self.fuses_second and second and second_name:
            vectors[second_name] = second.encode_query(query)
        lists.update(dense_lists(self.store, vectors, depth, doc_ids, cites))
        ranked = self._fuse(lists, mode, fusion, by_meaning, bool(names))
        if self._feeds_back(mode, by_meaning, plan.filters) and ranked:
            # Pseudo-relevance feedback (retrieval.feedback): each model's query moved toward
            # the first passages' stored vectors, its list searched again, the lists fused again.
            # The dense lists (and so each hit's dense scores and ranks) are the moved queries'.
            top = [cid for cid, _ in ranked[: self.options.feedback_passages]]
            weight = self.options.feedback_weight
            moved = feedback_lists(self.store, vectors, top, weight, depth, doc_ids, cites)
            lists.update(moved)
            ranked = self._fuse(lists, mode, fusion, by_meaning, bool(names))
        per_retriever = ListScores({**lists, **shown})
        ranked = [pair for pair in ranked if pair[1] > 0 or mode != "bm25"]
        if self.reranker is not None:
            ranked = self._rerank(query, ranked, per_retriever)
        return ranked, per_retriever

    def lexical_lists(
        self,
        terms: Sequence[str],
        depth: int,
        doc_ids: Sequence[str] | None = None,
        cites: Sequence[str] = (),
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """The lexical list (fused as "bm25"): BM25 of the passages' text plus ``note_weight``
        times BM25 of the notes they cite for the terms no passage holds (``unsaid``;
        ``weighted_score_sum``), and the notes' own list (empty when no term is unsaid)."""
        found = self.store.bm25_search(terms, depth, doc_ids, cites=cites)
        text = [(s.chunk_id, s.score) for s in found]
        unsaid = self.unsaid(terms)
        weight = self.options.note_weight
        if weight <= 0 or not unsaid:
            return text, []
        notes = [
            (s.chunk_id, s.score)
            for s in self.store.note_search(unsaid, depth, doc_ids, cites=cites)
        ]
        if not notes:
            return text, []
        both = weighted_score_sum({"text": text, "notes": notes}, {"text": 1.0, "notes": weight})
        return both[:depth], notes

    def unsaid(self, terms: Sequence[str]) -> list[str]:
        """The terms no passage holds: the ones looked for in the notes passages cite."""
        return [term for term in terms if term not in self.vocabulary]

    def _feeds_back(self, mode: Mode, by_meaning: bool, filtered: bool) -> bool:
        """Whether pseudo-relevance feedback moves the query: in hybrid search, unless the query
        is ranked by e5 alone (its own top passages are the only evidence; it lost Russian
        questions) or has phrases or exclusions (its first passages may be ones it excludes)."""
        return (
            mode == "hybrid"
            and self.options.feedback_passages > 0
            and not by_meaning
            and not filtered
        )

    def _fuse(
        self,
        lists: dict[str, list[tuple[str, float]]],
        mode: Mode,
        fusion: Fusion,
        by_meaning: bool,
        names: bool = False,
    ) -> list[tuple[str, float]]:
        """One ranking from the lists: the mode's own list, or the fusion of all of them; a
        question ranked by meaning gets the dense list, fused with its ``names``' BM25 list."""
        if mode != "hybrid":
            return lists[mode]
        if by_meaning and names:
            if fusion == "rrf":
                return self.fuse_lists(lists, fusion)
            weight = self.options.cyrillic_name_weight
            return weighted_score_fusion(lists, {"bm25": weight, "dense": 1.0 - weight})
        if by_meaning:
            return lists["dense"]
        return self.fuse_lists(lists, fusion)

    def _known_names(self, query: str) -> list[str]:
        """The BM25 terms of the names in a question the collection holds (``name_terms``),
        none when their weight is 0."""
        if self.options.cyrillic_name_weight <= 0:
            return []
        return name_terms(query, self.vocabulary)

    def fuse_lists(
        self, lists: dict[str, list[tuple[str, float]]], fusion: Fusion
    ) -> list[tuple[str, float]]:
        """Hybrid search's fusion of the lists (list name -> (chunk id, score) pairs, best
        first): RRF with this searcher's k, or weighted min-max with its weights."""
        if fusion == "rrf":
            return reciprocal_rank_fusion(
                {name: [cid for cid, _ in pairs] for name, pairs in lists.items()},
                k=self.options.rrf_k,
            )
        weights = self.fusion_weights()
        fused = weighted_score_fusion(lists, weights)
        # An upload stored by its words alone is in no dense list yet (retrieval/words_only.py).
        dense = ("dense", self.second_name or "dense")
        return rescale_words_only(fused, weights, dense, lists, self.store)

    @property
    def fuses_second(self) -> bool:
        """Whether hybrid search fuses the second model's list (the index holds its vectors,
        this searcher has its model, and its share is above 0)."""
        return self.second_name is not None and self.options.second_share > 0

    def fusion_weights(self) -> dict[str, float]:
        """Weighted fusion's weight of each list: BM25, the first model, the second model."""
        dense = self.options.dense_weight
        if dense is None:
            dense = DENSE_WEIGHT_WITH_SECOND if self.fuses_second else DENSE_WEIGHT
        if self.second_name is None or not self.fuses_second:
            return {"bm25": 1.0 - dense, "dense": dense}
        share = self.options.second_share
        return {
            "bm25": 1.0 - dense,
            "dense": dense * (1.0 - share),
            self.second_name: dense * share,
        }

    def _by_meaning_alone(self, query: str) -> bool:
        """A Cyrillic question over a collection with no Cyrillic title is ranked by meaning: the
        dense list, fused only with BM25 of its names (``_known_names``), never of all its
        words, which match romanised names at best (on the question set's Russian questions
        hybrid R@10 fell from 0.96 dense alone to 0.72-0.88 with all of them)."""
        return (
            self.options.cyrillic_dense_only
            and is_cyrillic(query)
            and not any(is_cyrillic(title) for title in self.titles.values())
        )

    def _rerank(
        self,
        query: str,
        ranked: list[tuple[str, float]],
        per_retriever: ListScores,
    ) -> list[tuple[str, float]]:
        assert self.reranker is not None
        head = ranked[: self.reranker.top_n]
        chunks = {c.chunk_id: c for c in self.store.get_chunks([cid for cid, _ in head])}
        texts = [chunks[cid].text if cid in chunks else "" for cid, _ in head]
        scores = self.reranker.score(query, texts)
        order = sorted(range(len(head)), key=lambda i: -scores[i])
        per_retriever.add_list("rerank", [(head[i][0], scores[i]) for i in order])
        return [(head[i][0], scores[i]) for i in order] + ranked[len(head) :]

    def _group_duplicates(
        self, ranked: list[tuple[str, float]], chunks: dict[str, Chunk]
    ) -> list[list[tuple[str, float]]]:
        """Ranked groups: each group's first chunk is shown, the rest are listed as sources."""
        shingled = self._shingles([cid for cid, _ in ranked])
        duplicate_of = duplicates_among([shingled[cid] for cid, _ in ranked])
        groups: list[list[tuple[str, float]]] = []
        group_of: dict[int, int] = {}
        for i, pair in enumerate(ranked):
            original = duplicate_of[i]
            if original is None:
                group_of[i] = len(groups)
                groups.append([pair])
                continue
            group = groups[group_of[original]]
            group_of[i] = group_of[original]
            # Only another document's copy is a second source; an overlapping chunk of the same
            # document is simply the same passage again.
            if all(chunks[cid].doc_id != chunks[pair[0]].doc_id for cid, _ in group):
                group.append(pair)
        return groups

    def _hit(
        self,
        rank: int,
        group: list[tuple[str, float]],
        chunks: dict[str, Chunk],
        per_retriever: ListScores,
        sentences: dict[str, ChunkSentences],
        query: tuple[frozenset[str], np.ndarray],
        shown: set[tuple[str, str]],
        reason: Citation | None = None,
        quoted: tuple[int, int] | None = None,
    ) -> Hit:
        """One ranked passage; ``quoted``: the span of its sentence the answer box quotes, which
        is its highlight (one answer, one highlight)."""
        chunk_id, score = group[0]
        chunk = chunks[chunk_id]
        spans, scores = _sentence_scores(sentences[chunk_id], *query)
        citing = _sentence_citing(spans, reason) if reason is not None else None
        chosen = quoted if quoted in spans else citing
        if chosen is not None:  # the quoted sentence, or the claim citing the note it was found by
            spans, scores = [chosen], [scores[spans.index(chosen)]]
        # Overlapping passages of one document share a sentence: highlight it once, in the
        # higher-ranked passage, and the next best sentence in the other.
        fresh = [
            i for i, (a, b) in enumerate(spans) if (chunk.doc_id, chunk.text[a:b]) not in shown
        ]
        if fresh and len(fresh) < len(spans) and chosen is None:
            spans, scores = [spans[i] for i in fresh], [scores[i] for i in fresh]
        highlight = best_highlight(chunk.text, spans, scores, chunk.citations)
        if highlight is not None:
            shown.add((chunk.doc_id, highlight.text))
        return Hit(
            rank=rank,
            chunk_id=chunk_id,
            doc_id=chunk.doc_id,
            title=self.titles.get(chunk.doc_id, chunk.doc_id),
            text=chunk.text,
            score=round(score, 6),
            scores=per_retriever.get(chunk_id, {}),
            page_start=chunk.page_start,
            page_end=chunk.page_end,
            char_start=chunk.char_start,
            char_end=chunk.char_end,
            highlight=highlight,
            citations=chunk.citations,
            also_in=[self._source(chunks[cid]) for cid, _ in group[1:]],
            attachment_of=self._message_of(chunk.doc_id),
            matched_note=reason,
        )

    def _message_of(self, doc_id: str) -> DocumentLink | None:
        parent = self.parents.get(doc_id)
        return DocumentLink(parent, self.titles.get(parent, parent)) if parent else None

    def _source(self, chunk: Chunk) -> DuplicatePassage:
        return DuplicatePassage(
            chunk_id=chunk.chunk_id,
            doc_id=chunk.doc_id,
            title=self.titles.get(chunk.doc_id, chunk.doc_id),
            page_start=chunk.page_start,
            page_end=chunk.page_end,
            char_start=chunk.char_start,
            char_end=chunk.char_end,
            citations=chunk.citations,
        )

    def _missing_words(self, text: str, term_counts: dict[str, int]) -> list[str]:
        """The query's words that no passage holds (their every term is absent), possessive
        endings dropped ("Brazil's" is missing when no passage holds "Brazil")."""
        missing = []
        for word in dict.fromkeys(bare_word(w) for w in text.split()):
            terms = tokenize(word)
            if terms and all(term_counts.get(t, 0) == 0 for t in terms):
                missing.append(word)
        return missing

    def _answer(
        self,
        question: str,
        groups: list[list[tuple[str, float]]],
        chunks: dict[str, Chunk],
        sentences: dict[str, ChunkSentences],
        term_counts: dict[str, int],
        query_vector: np.ndarray,
        names_missing: Sequence[str] = (),
        agreeing: dict[str, int] | None = None,
    ) -> Answer | None:
        """The sentence of the top passages that answers best, with the other candidates when
        it is not a strong match, or None ("not found").

        ``names_missing``: names in the question no passage holds; any of them means "not found";
        ``agreeing``: passage id -> how many retrievers rank it near the top
        (``ListScores.agreeing``).
        """
        n = self.store.chunk_count
        passages = [chunks[group[0][0]] for group in groups]
        ranked = rank_candidates(
            question, passages, sentences, term_counts, query_vector, n, agreeing
        )
        if not ranked:
            return None
        # The best answer score decides "not found"; "strong" asks the order to agree with it and
        # no other sentence to score near it (is_decisive).
        surest = max(ranked, key=lambda c: c.score)
        state = answer_state(
            surest.score,
            missing_share(term_counts, max(n, 1)),
            self.options.answer_threshold,
            self.options.strong_threshold,
            name_missing=bool(names_missing),
            run_on=is_run_on(ranked[0].text),
            agreed=is_decisive(ranked, question),
        )
        if state is None:
            return None
        best = self._answer_sentence(ranked[0])
        shown = [] if state == "strong" else pick_candidates(ranked)
        return Answer(
            **vars(best),
            confidence="strong match" if state == "strong" else "partial match",
            state=state,
            candidates=[self._answer_sentence(c) for c in shown],
        )

    def _record_answer(self, query: str, doc_filter: list[str] | None) -> Answer | None:
        """The answer to "Who wrote <title>?" from the document's record, which no passage says
        (retrieval.meta_answer); None for any other question."""
        allowed = None if doc_filter is None else set(doc_filter)
        metas = [m for m in self.metas if allowed is None or m.doc_id in allowed]
        return metadata_answer(query, metas, self._first_passage)

    def _first_passage(self, doc_id: str) -> Chunk | None:
        chunks = self.store.chunks_of(doc_id)
        return chunks[0] if chunks else None

    def _answer_sentence(self, candidate: SentenceCandidate) -> AnswerSentence:
        """A candidate as quoted: its document, page and the notes that source it."""
        chunk, start, end = candidate.chunk, candidate.start, candidate.end
        sourced = cite_sentence(chunk.text, chunk.citations, start, end)
        return AnswerSentence(
            text=chunk.text[start:end],
            score=round(candidate.score, 4),
            chunk_id=chunk.chunk_id,
            doc_id=chunk.doc_id,
            title=self.titles.get(chunk.doc_id, chunk.doc_id),
            page=self._page_of(chunk, start),
            start=start,
            end=end,
            citations=sourced.citations,
            attribution=sourced.attribution,
            char_start=chunk.char_start,
            char_end=chunk.char_end,
        )

    # ---- caches ------------------------------------------------------------------------------

    def _sentences_of(
        self, chunk_ids: list[str], chunks: dict[str, Chunk]
    ) -> dict[str, ChunkSentences]:
        """Stored sentences of the chunks; a chunk stored without them gets its spans and terms
        here and no vectors (its sentences are then scored on the query's terms alone)."""
        found = self._stored_sentences(chunk_ids)
        dim = self.embedder.dimension
        for chunk_id in chunk_ids:
            if chunk_id not in found:
                spans, terms = chunk_sentences(chunks[chunk_id].text)
                found[chunk_id] = ChunkSentences(spans, terms, np.zeros((0, dim), np.float16))
        return found

    def _read_chunks(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        return {chunk.chunk_id: chunk for chunk in self.store.get_chunks(chunk_ids)}

    def _read_placed(self, chunk_ids: list[str]) -> dict[str, PlacedTerms]:
        """Passages' terms where they stand, for marking the query's words in the hits."""
        return {cid: placed_terms(chunk.text) for cid, chunk in self._chunks(chunk_ids).items()}

    def _read_shingles(self, chunk_ids: list[str]) -> dict[str, Shingles]:
        """Passages' shingles for near-duplicate grouping (their rows are kept by then)."""
        return {cid: shingles(chunk.text) for cid, chunk in self._chunks(chunk_ids).items()}

    def _page_of(self, chunk: Chunk, position: int) -> int:
        """The page of a position in a chunk's text, through the document's offset map."""
        if chunk.page_start == chunk.page_end:
            return chunk.page_start
        with self._lock:
            if chunk.doc_id not in self._documents:
                self._documents[chunk.doc_id] = self.store.document_text(chunk.doc_id)
                while len(self._documents) > 8:
                    self._documents.popitem(last=False)
            doc = self._documents[chunk.doc_id]
        if doc is None or not doc.offsets:
            return chunk.page_start
        body_start = bisect.bisect_left(doc.offsets, chunk.char_start)
        index = min(body_start + position, len(doc.offsets) - 1)
        return doc.page_of(doc.offsets[index])


def embedder_for(index_dir: Path | Location) -> Encoder:
    """The encoder of the models the index at ``index_dir`` was built with (e5 with MiniLM if
    none is recorded: a missing index is then reported by the store's own message)."""
    recorded = recorded_model(index_dir)
    if recorded is None:
        return Embedder()
    second = recorded.second.name if recorded.second is not None else None
    return encoder_by_name(recorded.name, second)


def open_searcher(
    index_dir: Path | Location,
    *,
    embedder: Encoder | None = None,
    reranker_path: Path | None = None,
    options: SearchOptions | None = None,
) -> Searcher:
    """Open the index at ``index_dir`` for searching, checking it was built with this model.

    Raises ``IndexMismatch`` (or ``IndexMissing``) with a message that says how to rebuild.
    The reranker comes from ``reranker_path`` or ``CITESEARCH_RERANKER``; by default there is none.
    """
    embedder = embedder or embedder_for(index_dir)
    store = open_reader(index_dir, model=ModelInfo.of(embedder))
    path = reranker_path or (
        Path(os.environ["CITESEARCH_RERANKER"]) if os.environ.get("CITESEARCH_RERANKER") else None
    )
    reranker = CrossEncoderReranker(path) if path else None
    return Searcher(store, embedder, reranker=reranker, options=options)


def _sentence_scores(
    sentences: ChunkSentences, query_terms: frozenset[str], query_vector: np.ndarray
) -> tuple[list[tuple[int, int]], list[float]]:
    """A chunk's sentence spans and their scores against the query."""
    vectors = sentences.vectors if len(sentences.vectors) == len(sentences.spans) else None
    terms = [frozenset(t) for t in sentences.terms]
    spans = [(start, end) for start, end in sentences.spans]  # tuples, as the answer's span
    return spans, score_sentences(query_terms, query_vector, terms, vectors)


def _quoted_spans(answer: Answer | None) -> dict[str, tuple[int, int]]:
    """Passage id -> the span of its sentence the answer box quotes (the answer, or each
    candidate shown)."""
    if answer is None:
        return {}
    quoted = {answer.chunk_id: (answer.start, answer.end)}
    for candidate in answer.candidates:
        quoted.setdefault(candidate.chunk_id, (candidate.start, candidate.end))
    return quoted


def _sentence_citing(spans: Sequence[tuple[int, int]], note: Citation) -> tuple[int, int] | None:
    """The sentence whose marker is the note's: the last one starting before the marker (a
    marker follows the words it sources), or None when the passage has no sentence."""
    before = [span for span in spans if span[0] < note.offset]
    return before[-1] if before else (spans[0] if spans else None)
