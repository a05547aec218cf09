"""The query language: parse a query into a small syntax tree, plan it against the collection's
vocabulary, and test passages against the plan. Pure functions; the searcher does the I/O.

    tractor exports        words are ranked by BM25 (none of them is required)
    "Great Stone"          a phrase is required: its words in this order, side by side
    -tractors, NOT tractors   excluded (also -"a phrase", -tract*, -doc:ID)
    Pakistan OR Vietnam    alternatives; a group with a phrase in it requires one of them
    tract*                 words starting with "tract" (at least two letters before the *)
    tractr~, tractr~1      words within edit distance 2 (or 1) of "tractr"
    doc:ID                 only this document (several doc: filters: any of them)
    cites:belta.by         only passages whose notes link to belta.by (retrieval.cites)
    cites:Pivovar          only passages whose notes name Pivovar (cites:"two words" too);
                           several cites: filters: all of them; -cites: leaves them out
    person:"Imran Khan"    only passages mentioning him (place:Pakistan, org:WTO too; the
                           entities found at index time, any spelling or script; alone, the
                           name is also what is searched for)
    year:2021 type:pdf     only documents of that year, file type (language:en too)
    tag:"to check"         only passages tagged so, or in a document tagged so (starred:yes:
                           starred ones); the reader's annotations, given by the caller

A query may be ``cites:`` filters alone ("which claims cite BelTA?"): the passages are then ranked
by their notes. A query of doc: filters or exclusions alone is refused: it asks for nothing.

Words are matched as BM25 terms (``index.text.tokenize``): stemmed, romanised, stop words out, so
``-tractors`` also excludes "tractor" and a phrase's stop words only hold their place.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from index.records import Citation
from index.text.entity_names import query_key
from index.text.lexicon import english_words
from index.text.tokenize import TermAt, romanise, terms_at, tokenize
from retrieval.cites import CiteMatch, plan_cite

PREFIX_EXPANSIONS = 50  # most frequent vocabulary terms a prefix stands for
FUZZY_EXPANSIONS = 20
MIN_PREFIX_LETTERS = 2
FEW_PASSAGES = 3  # fewer BM25 matches than this and a spelling suggestion is searched instead

_FUZZY = re.compile(r"^(?P<word>.+?)~(?P<distance>[12]?)$")
_LETTERS = re.compile(r"[^\W_]")
_WORDS = re.compile(r"[^\W_]+")
SYNTAX_HELP = (
    '"exact phrase"  -word or NOT word  a OR b  prefix*  word~ (spelling)  doc:ID (one document)'
    "  cites:belta.by or cites:Pivovar (passages whose notes cite it)"
    '  person:"Imran Khan" place:Pakistan org:WTO (passages naming it)  year:2021 type:pdf'
    " language:en (documents)"
    '  tag:"to check" starred:yes (your tags and stars)'
)


class QueryError(ValueError):
    """A query the user must change: the message says how."""


# ---- the syntax tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A plain word (or a run of text without spaces, like ``Belarus-Pakistan``)."""

    text: str
    start: int  # its span in the query, so a spelling suggestion can replace it
    end: int


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Prefix:
    text: str  # without the *


@dataclass(frozen=True)
class Fuzzy:
    text: str  # without the ~
    distance: int


@dataclass(frozen=True)
class DocFilter:
    doc_id: str


@dataclass(frozen=True)
class CitesFilter:
    """``cites:belta.by``, ``cites:Pivovar`` or ``cites:"World Bank"`` (``phrase``)."""

    text: str
    start: int  # the whole filter's span in the query, so a suggestion can replace it
    end: int
    phrase: bool = False


@dataclass(frozen=True)
class FacetFilter:
    """``person:"Imran Khan"``, ``place:Pakistan``, ``org:WTO`` (passages mentioning it) or
    ``year:2021``, ``type:pdf``, ``language:en`` (documents of that year, file type, language)."""

    field: str
    value: str


Atom = Word | Phrase | Prefix | Fuzzy
Narrowing = DocFilter | CitesFilter | FacetFilter
ENTITY_FIELDS = ("person", "place", "org")
DOCUMENT_FIELDS = ("year", "type", "language")
ANNOTATION_FIELDS = ("tag", "starred")  # resolved by retrieval.annotated, not by the index
_FACET_PREFIXES = tuple(f"{f}:" for f in (*ENTITY_FIELDS, *DOCUMENT_FIELDS, *ANNOTATION_FIELDS))


@dataclass(frozen=True)
class Not:
    operand: Atom | Narrowing


@dataclass(frozen=True)
class AnyOf:
    alternatives: tuple[Atom, ...]


Clause = Atom | Narrowing | Not | AnyOf


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]

    @property
    def words(self) -> list[Word]:
        """The plain words searched for (not excluded), in order."""
        found: list[Word] = []
        for clause in self.clauses:
            atoms = clause.alternatives if isinstance(clause, AnyOf) else (clause,)
            found += [atom for atom in atoms if isinstance(atom, Word)]
        return found


# ---- parsing ------------------------------------------------------------------------------------


def _lex(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, value, start, end) tokens: "phrase", "neg" (a leading -) or "bare"."""
    tokens: list[tuple[str, str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QueryError(
                    'unbalanced quote: close the phrase with another " or remove the quote'
                )
            tokens.append(("phrase", text[i + 1 : close], i, close + 1))
            i = close + 1
        elif ch == "-" and (i + 1 == n or text[i + 1].isspace() or text[i + 1] == "-"):
            raise QueryError("a lone '-': write -word (no space) to exclude a word")
        elif ch == "-":
            tokens.append(("neg", "-", i, i + 1))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] != '"':
                j += 1
            close = text.find('"', j + 1) if j < n and text[j] == '"' else -1
            if text[i:j].lower() == "cites:" and close > j:  # cites:"World Bank"
                tokens.append(("cites", text[j + 1 : close], i, close + 1))
                i = close + 1
                continue
            if text[i:j].lower() in _FACET_PREFIXES and close > j:  # person:"Imran Khan"
                tokens.append(("bare", text[i:j] + text[j + 1 : close], i, close + 1))
                i = close + 1
                continue
            tokens.append(("bare", text[i:j], i, j))
            i = j
    return tokens


def _atom(kind: str, value: str, start: int, end: int) -> Atom | Narrowing:
    if kind == "cites" or value.lower().startswith("cites:"):
        quoted = kind == "cites"
        cited = value if quoted else value[6:]
        if not cited.strip():
            raise QueryError(
                "cites: needs a domain or a name, e.g. cites:belta.by or cites:Pivovar"
            )
        return CitesFilter(cited, start, end, phrase=quoted)
    if kind == "phrase":
        if not tokenize(value):
            raise QueryError(
                f'the phrase "{value}" has no words to match: put words between the quotes'
            )
        return Phrase(value)
    field, colon, wanted = value.partition(":")
    if colon and f"{field.lower()}:" in _FACET_PREFIXES:  # "year" alone is a word
        if not wanted.strip():
            raise QueryError(f'{field.lower()}: needs a value, e.g. person:"Imran Khan"')
        return FacetFilter(field.lower(), " ".join(wanted.split()))
    if value.lower().startswith("doc:"):
        doc_id = value[4:]
        if not doc_id:
            raise QueryError("doc: needs a document id, e.g. doc:belarus-new-export-markets")
        return DocFilter(doc_id)
    if "*" in value:
        stem = value[:-1]
        if not value.endswith("*") or "*" in stem:
            raise QueryError(f"'{value}': * goes at the end of a word only, e.g. tract*")
        letters = len(_LETTERS.findall(stem))
        if letters == 0:
            raise QueryError("'*' alone: put it after the start of a word, e.g. tract*")
        if len(_words(stem)) > 1:
            raise QueryError(f"'{value}': a prefix is one word, e.g. tract*")
        if letters < MIN_PREFIX_LETTERS:
            raise QueryError(
                f"'{value}': give at least {MIN_PREFIX_LETTERS} letters before the *, e.g. tract*"
            )
        return Prefix(stem)
    fuzzy = _FUZZY.match(value)
    if fuzzy:
        word = fuzzy.group("word")
        if len(_words(word)) != 1:
            raise QueryError(f"'{value}': ~ follows one word, e.g. tractr~")
        return Fuzzy(word, int(fuzzy.group("distance") or 2))
    if value == "~":
        raise QueryError("a lone '~': put it right after a word, e.g. tractr~")
    return Word(value, start, end)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


def parse_query(text: str) -> Query:
    """The syntax tree of a query; raises QueryError saying what to fix.

    >>> parse_query('"Great Stone" -tractors doc:belarus-new-export-markets').clauses
    (Phrase(text='Great Stone'), Not(operand=Word(text='tractors', start=15, end=23)), DocFilter(doc_id='belarus-new-export-markets'))
    """
    clauses: list[Clause] = []
    negate = False  # a pending NOT or -
    join = False  # a pending OR
    for kind, value, start, end in _lex(text):
        if kind == "neg" or (kind == "bare" and value == "NOT"):
            if negate:
                raise QueryError("NOT twice in a row: exclude a word with one NOT or one -")
            if join:
                raise QueryError("OR joins words or phrases, not exclusions: remove the NOT")
            negate = True
            continue
        if kind == "bare" and value == "OR":
            if negate:
                raise QueryError("NOT OR: put a word to exclude after NOT")
            if (
                join
                or not clauses
                or not isinstance(clauses[-1], Word | Phrase | Prefix | Fuzzy | AnyOf)
            ):
                raise QueryError("OR needs a word or phrase on each side, e.g. Pakistan OR Vietnam")
            join = True
            continue
        atom = _atom(kind, value, start, end)
        if negate and isinstance(atom, FacetFilter):
            raise QueryError(f"{atom.field}: filters cannot be excluded")
        if negate:
            clauses.append(Not(atom))
            negate = False
        elif join:
            if isinstance(atom, DocFilter):
                raise QueryError(
                    "OR joins words or phrases; for several documents write doc:A doc:B"
                )
            if isinstance(atom, CitesFilter | FacetFilter):
                raise QueryError("OR joins words or phrases, not cites: filters or other filters")
            previous = clauses.pop()
            before = previous.alternatives if isinstance(previous, AnyOf) else (previous,)
            clauses.append(AnyOf((*before, atom)))
            join = False
        else:
            clauses.append(atom)
    if negate:
        raise QueryError("NOT or - at the end: put the word to exclude right after it")
    if join:
        raise QueryError("OR at the end: put a word or phrase after it, e.g. Pakistan OR Vietnam")
    return Query(tuple(clauses))


def plain_query(text: str) -> Query:
    """A query read as plain words, without syntax: a test collection's questions, or prose
    pasted to find where it is discussed ("-", quotes and "OR" are just text there).

    >>> [w.text for w in plain_query('tractors - "Belarus" OR Pakistan').words]
    ['tractors', '-', '"Belarus"', 'OR', 'Pakistan']
    """
    return Query(tuple(Word(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", text)))


# ---- the vocabulary -----------------------------------------------------------------------------


class Vocabulary:
    """The collection's BM25 terms with their document frequencies (what prefixes, fuzzy words
    and spelling suggestions are matched against)."""

    def __init__(self, frequencies: Mapping[str, int]) -> None:
        self.frequencies = dict(frequencies)
        self._terms = list(self.frequencies)

    def __contains__(self, term: object) -> bool:
        return term in self.frequencies

    def __len__(self) -> int:
        return len(self.frequencies)

    def _most_frequent(self, terms: Iterable[str], limit: int) -> tuple[str, ...]:
        return tuple(sorted(set(terms), key=lambda t: (-self.frequencies[t], t))[:limit])

    def with_prefix(self, prefix: str, limit: int = PREFIX_EXPANSIONS) -> tuple[str, ...]:
        """Terms of words that start with ``prefix``, most frequent first.

        Terms are stems, so a stem shorter than the prefix counts when the prefix starts with it
        and is at most two letters longer ("ministe*" finds "minist", the stem of "minister").

        >>> Vocabulary({"tractor": 9, "tract": 2, "trade": 30}).with_prefix("tract")
        ('tractor', 'tract')
        """
        prefix = romanise(prefix.lower())
        found = [
            t
            for t in self._terms
            if t.startswith(prefix) or (prefix.startswith(t) and len(t) >= len(prefix) - 2)
        ]
        found += [t for t in tokenize(prefix) if t in self.frequencies]
        return self._most_frequent(found, limit)

    def near(self, word: str, max_distance: int, limit: int = FUZZY_EXPANSIONS) -> list[str]:
        """Terms within ``max_distance`` edits of the word (typed form or term), closest and then
        most frequent first."""
        typed = romanise(word.lower())
        distances: dict[str, int] = {}
        for probe in {typed, *tokenize(word)}:
            for term, dist, _ in process.extract(
                probe,
                self._terms,
                scorer=Levenshtein.distance,
                score_cutoff=max_distance,
                limit=None,
            ):
                distances[term] = min(int(dist), distances.get(term, max_distance))
        return sorted(distances, key=lambda t: (distances[t], -self.frequencies[t], t))[:limit]


# ---- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermMatch:
    """A passage matches when it holds any of these terms."""

    terms: frozenset[str]


@dataclass(frozen=True)
class PhraseMatch:
    """A passage matches when it holds these terms at these word offsets from the first."""

    terms: tuple[tuple[int, str], ...]


Match = TermMatch | PhraseMatch


@dataclass(frozen=True)
class PassageSelection:
    """The passages one ``tag:`` or ``starred:`` filter admits: every passage of ``documents``
    and the passages ``passages`` (chunk ids), which lie in ``passage_documents``."""

    documents: frozenset[str] = frozenset()
    passages: frozenset[str] = frozenset()
    passage_documents: frozenset[str] = frozenset()

    @property
    def doc_ids(self) -> frozenset[str]:
        """The documents holding an admitted passage."""
        return self.documents | self.passage_documents

    def admits(self, chunk_id: str, doc_id: str) -> bool:
        return doc_id in self.documents or chunk_id in self.passages


@dataclass(frozen=True)
class QueryPlan:
    """What a parsed query asks of the retrievers and of each candidate passage."""

    bm25_terms: tuple[str, ...]  # searched with (expansions of prefixes and fuzzy words included)
    dense_text: str  # the query without its syntax, for the embedding model
    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "tract*" -> terms
    required: tuple[tuple[Match, ...], ...] = ()  # each group: one of its matches
    excluded: tuple[Match, ...] = ()
    doc_ids: frozenset[str] | None = None  # only these documents (None: all)
    excluded_docs: frozenset[str] = frozenset()
    cites: tuple[CiteMatch, ...] = ()  # each one a note of the passage must be
    excluded_cites: tuple[CiteMatch, ...] = ()  # none of the passage's notes may be these
    entity_keys: tuple[str, ...] = ()  # each one an entity the passage must mention
    document_facets: tuple[tuple[str, str], ...] = ()  # (field, value): year, type, language
    annotation_filters: tuple[tuple[str, str], ...] = ()  # (field, value): tag, starred
    selections: tuple[PassageSelection, ...] = ()  # those filters resolved: each must admit

    @property
    def filters(self) -> bool:
        """True when candidates must be checked against the passage text or its notes (a
        ``cites:`` of one key is the store's filter alone)."""
        return bool(
            self.required
            or self.excluded
            or self.excluded_cites
            or any(len(c.keys) > 1 for c in self.cites)
            or self.selections
        )

    def admits_passage(self, chunk_id: str, doc_id: str) -> bool:
        """True when every resolved ``tag:``/``starred:`` filter admits the passage."""
        return all(s.admits(chunk_id, doc_id) for s in self.selections)

    @property
    def cite_keys(self) -> tuple[str, ...]:
        """The note terms every passage must hold and the entities it must mention (keys
        prefixed ``@``, ``index.text.entity_names``): the store's ``cites`` filter."""
        notes = (key for cite in self.cites for key in cite.keys)
        return tuple(dict.fromkeys((*notes, *self.entity_keys)))

    @property
    def narrows_only(self) -> bool:
        """A query of ``cites:`` filters alone: ranked by the passages' notes, no words."""
        return not self.dense_text and bool(self.cites)

    def admits_notes(self, citations: Sequence[Citation]) -> bool:
        """True when each ``cites:`` names one of the passage's notes and no ``-cites:`` any."""
        if any(c.first_note(citations) is not None for c in self.excluded_cites):
            return False
        return all(c.first_note(citations) is not None for c in self.cites)

    def admits(self, passage: Sequence[TermAt]) -> bool:
        """True when a passage (its ``terms_at``) has every required match and no excluded one.

        >>> plan = plan_query(parse_query('"Great Stone" -tractors'), Vocabulary({}), [])
        >>> plan.admits(terms_at("the Great Stone park")), plan.admits(terms_at("Stone, great"))
        (True, False)
        >>> plan.admits(terms_at("Great Stone tractor plant"))
        False
        """
        present = {t.term for t in passage}
        if any(_matches(m, passage, present) for m in self.excluded):
            return False
        return all(any(_matches(m, passage, present) for m in group) for group in self.required)


def _matches(match: Match, passage: Sequence[TermAt], present: set[str]) -> bool:
    if isinstance(match, TermMatch):
        return not match.terms.isdisjoint(present)
    if not all(term in present for _, term in match.terms):
        return False
    at = {(t.position, t.term) for t in passage}
    first = match.terms[0][1]
    return any(
        all((t.position + offset, term) in at for offset, term in match.terms)
        for t in passage
        if t.term == first
    )


def _phrase(text: str) -> Match:
    found = terms_at(text)
    if len(found) == 1:
        return TermMatch(frozenset({found[0].term}))
    base = found[0].position
    return PhraseMatch(tuple((t.position - base, t.term) for t in found))


def _expand(atom: Prefix | Fuzzy, vocabulary: Vocabulary) -> tuple[str, ...]:
    if isinstance(atom, Prefix):
        return vocabulary.with_prefix(atom.text)
    return tuple(vocabulary.near(atom.text, atom.distance))


def _match(atom: Atom, vocabulary: Vocabulary, expansions: dict[str, tuple[str, ...]]) -> Match:
    """What a passage must hold to contain the atom (to require or exclude it)."""
    if isinstance(atom, Prefix | Fuzzy):
        key = _label(atom)
        expansions.setdefault(key, _expand(atom, vocabulary))
        return TermMatch(frozenset(expansions[key]))
    text = atom.text
    if not tokenize(text):
        raise QueryError(f"'{text}' is too common a word to require or exclude: use another")
    return _phrase(text)


def _label(atom: Prefix | Fuzzy) -> str:
    if isinstance(atom, Prefix):
        return f"{atom.text}*"
    return f"{atom.text}~" if atom.distance == 2 else f"{atom.text}~{atom.distance}"


def _closest_id(doc_id: str, known: Collection[str]) -> str:
    best = process.extractOne(doc_id, list(known)) if known else None
    return f"; did you mean doc:{best[0]}?" if best else ""


def _cite(cited: CitesFilter, notes: Mapping[str, int]) -> CiteMatch:
    planned = plan_cite(cited.text, notes, phrase=cited.phrase)
    if planned is None:
        raise QueryError(
            f"'cites:{cited.text}' is too common a word to look for in notes: use a name or a "
            "domain, e.g. cites:Pivovar or cites:belta.by"
        )
    return planned


def plan_query(
    query: Query,
    vocabulary: Vocabulary,
    documents: Collection[str],
    notes: Vocabulary | None = None,
) -> QueryPlan:
    """Turn a parsed query into BM25 terms, the dense text and the passage filters; ``notes``:
    the vocabulary of the passages' notes (``cites:`` values are planned against it). Raises
    QueryError for an unknown ``doc:`` and for a query that only excludes or narrows by
    document (``cites:`` filters alone are a question: which passages cite this?).
    """
    terms: list[str] = []
    dense: list[str] = []
    expansions: dict[str, tuple[str, ...]] = {}
    required: list[tuple[Match, ...]] = []
    excluded: list[Match] = []
    doc_ids: set[str] = set()
    excluded_docs: set[str] = set()
    cites: list[CiteMatch] = []
    excluded_cites: list[CiteMatch] = []
    note_terms = notes.frequencies if notes is not None else {}

    def positive(atom: Atom) -> None:
        if isinstance(atom, Prefix | Fuzzy):
            key = _label(atom)
            expansions.setdefault(key, _expand(atom, vocabulary))
            terms.extend(expansions[key])
        else:
            terms.extend(tokenize(atom.text))
        dense.append(atom.text)

    def document(doc_id: str) -> str:
        if doc_id not in documents:
            raise QueryError(f"unknown document in doc:{doc_id}{_closest_id(doc_id, documents)}")
        return doc_id

    for clause in (c for c in query.clauses if not isinstance(c, FacetFilter)):
        if isinstance(clause, DocFilter):
            doc_ids.add(document(clause.doc_id))
        elif isinstance(clause, CitesFilter):
            cites.append(_cite(clause, note_terms))
        elif isinstance(clause, Not):
            if isinstance(clause.operand, DocFilter):
                excluded_docs.add(document(clause.operand.doc_id))
            elif isinstance(clause.operand, CitesFilter):
                excluded_cites.append(_cite(clause.operand, note_terms))
            elif not isinstance(clause.operand, FacetFilter):  # parse_query refuses -person:
                excluded.append(_match(clause.operand, vocabulary, expansions))
        elif isinstance(clause, AnyOf):
            for atom in clause.alternatives:
                positive(atom)
            if any(isinstance(atom, Phrase) for atom in clause.alternatives):
                required.append(
                    tuple(
                        _match(a, vocabulary, expansions)
                        for a in clause.alternatives
                        if not isinstance(a, Word) or tokenize(a.text)
                    )
                )
        else:
            positive(clause)
            if isinstance(clause, Phrase):
                required.append((_match(clause, vocabulary, expansions),))
    facet_plan = _facet_plan(query, dense, terms, bool(cites))
    if not dense and not cites:
        raise QueryError("the query only excludes or narrows: add a word or phrase to search for")
    if doc_ids and doc_ids <= excluded_docs:
        raise QueryError("every doc: filter is also excluded with -doc:: remove one of them")
    return QueryPlan(
        bm25_terms=tuple(terms),
        dense_text=" ".join(dense),
        expansions=expansions,
        required=tuple(required),
        excluded=tuple(excluded),
        doc_ids=frozenset(doc_ids - excluded_docs) if doc_ids else None,
        excluded_docs=frozenset(excluded_docs),
        cites=tuple(cites),
        excluded_cites=tuple(excluded_cites),
        **facet_plan,
    )


def _facet_plan(query: Query, dense: list[str], terms: list[str], cites: bool) -> dict[str, Any]:
    """The plan's ``entity_keys`` (of ``person:``/``place:``/``org:`` filters) and
    ``document_facets``; with no words to search (nor ``cites:``), the entities' names become
    the words (passages naming him, searched by his name)."""
    facets = [c for c in query.clauses if isinstance(c, FacetFilter)]
    shown = tuple((f.field, f.value.lower()) for f in facets if f.field in DOCUMENT_FIELDS)
    if not dense and not cites:
        named = [f.value for f in facets if f.field in ENTITY_FIELDS]
        dense += named
        terms += [t for value in named for t in tokenize(value)]
    annotated = tuple((f.field, f.value) for f in facets if f.field in ANNOTATION_FIELDS)
    if any(f == "starred" and v.lower() != "yes" for f, v in annotated):
        raise QueryError("starred: takes yes (starred:yes), e.g. Belarus starred:yes")
    keys = []
    for facet in facets:
        if facet.field in ENTITY_FIELDS:
            key = query_key(facet.field, facet.value)
            if key is None:
                raise QueryError(f"'{facet.field}:{facet.value}' names nothing to look for")
            keys.append(key)
    return {
        "entity_keys": tuple(dict.fromkeys(keys)),
        "document_facets": shown,
        "annotation_filters": annotated,
    }


# ---- did you mean -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """A query word the collection does not have, and the term most likely meant."""

    word: Word
    term: str


def max_edits(word: str) -> int:
    """Edits allowed for a spelling suggestion: one for short words, two from six letters."""
    return 1 if len(word) < 6 else 2


def spelling_corrections(
    query: Query, vocabulary: Vocabulary, notes: Collection[str] = ()
) -> list[Correction]:
    """For each plain query word absent from the collection, the closest term it has, if any.

    Closest means fewest edits (to the typed word or its term), then the most documents. A real
    English word that the collection lacks ("Brazil") is left alone: it is missing, not misspelt;
    so are words in other scripts than Latin (the reports are English: a Russian word is not a
    misspelt English one), and words the passages' notes hold (``notes``: "Pivovar", an author
    the notes name, is found through them).

    >>> vocab = Vocabulary({"tractor": 12, "export": 40, "africa": 25, "african": 9})
    >>> [(c.word.text, c.term) for c in spelling_corrections(parse_query("tractr exports afrika?"), vocab)]
    [('tractr', 'tractor'), ('afrika', 'africa')]
    """
    corrections: list[Correction] = []
    lexicon = english_words()
    for word in query.words:
        letters = list(_WORDS.finditer(word.text))
        if len(letters) != 1:
            continue
        match = letters[0]
        typed = romanise(match.group().lower())
        found = tokenize(match.group())
        if not found or found[0] in vocabulary or found[0] in notes or typed in lexicon:
            continue
        if not typed.isalpha() or len(typed) < 3 or any(ch >= "\u0250" for ch in match.group()):
            continue
        near = vocabulary.near(match.group(), max_edits(typed), limit=1)
        if near:
            start = word.start + match.start()
            end = word.start + match.end()
            corrections.append(Correction(Word(match.group(), start, end), near[0]))
    return corrections


def surface_form(word: str, term: str, texts: Iterable[str]) -> str:
    """The word in ``texts`` whose term is ``term`` that is closest to what was typed, in the
    typed word's case; the term itself when no text has it.

    >>> surface_form("tractr", "tractor", ["Tractors and a tractor plant"])
    'tractor'
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text[t.start : t.end].lower() for t in terms_at(text) if t.term == term)
    if not counts:
        return term
    typed = word.lower()
    best = min(counts, key=lambda w: (Levenshtein.distance(typed, w), -counts[w], w))
    if word[:1].isupper():
        return best[:1].upper() + best[1:]
    return best


def apply_corrections(text: str, replacements: Sequence[tuple[Word, str]]) -> str:
    """The query text with each word replaced, everything else (syntax included) kept."""
    out, last = [], 0
    for word, replacement in sorted(replacements, key=lambda pair: pair[0].start):
        out += [text[last : word.start], replacement]
        last = word.end
    return "".join(out) + text[last:]


def finds_little(bm25_matches: int, unknown_words: int, words: int) -> bool:
    """Whether a query whose words are partly unknown should give way to its suggestion: BM25
    finds only a few passages, or half of its words or more match nothing."""
    return bm25_matches < FEW_PASSAGES or 2 * unknown_words >= max(words, 1)


def spelled_from_passages(
    corrections: Sequence[Correction], texts_with: Callable[[str], Iterable[str]]
) -> list[tuple[Word, str]]:
    """Each correction as a word of the collection (``texts_with(term)``: a few passage texts
    holding the term), kept only when that word is itself within the edits allowed of the typed
    one: a stem can be close to a word whose own words are not ("consignment": "consid", from
    "considered")."""
    fixes = []
    for c in corrections:
        surface = surface_form(c.word.text, c.term, texts_with(c.term))
        if Levenshtein.distance(c.word.text.lower(), surface.lower()) <= max_edits(c.word.text):
            fixes.append((c.word, surface))
    return fixes


def narrow_documents(
    doc_ids: Sequence[str] | None,
    plan: QueryPlan,
    known: Collection[str],
    facets_of: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str] | None:
    """The documents to search: the caller's choice, narrowed by the query's doc: filters and
    its ``year:``/``type:``/``language:`` filters (``facets_of``: each document's values,
    ``retrieval.facets.document_facets``), without its -doc: ones (None: every document)."""
    chosen = set(doc_ids) if doc_ids else None
    if plan.document_facets:
        facets = facets_of or {}
        matching = {
            d for d in known if all(facets.get(d, {}).get(f) == v for f, v in plan.document_facets)
        }
        if not matching:
            shown = " ".join(f"{f}:{v}" for f, v in plan.document_facets)
            raise QueryError(f"no document matches {shown}")
        chosen = matching & chosen if chosen is not None else matching
    if plan.doc_ids is not None:
        chosen = set(plan.doc_ids) & chosen if chosen is not None else set(plan.doc_ids)
        if not chosen:
            raise QueryError(
                "the query's doc: filter is outside the documents chosen: widen the choice"
            )
    if plan.excluded_docs:
        chosen = (chosen if chosen is not None else set(known)) - plan.excluded_docs
        if not chosen:
            raise QueryError("-doc: leaves no document to search: remove one of them")
    return sorted(chosen) if chosen is not None else None
