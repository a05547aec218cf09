"""What a passage's notes cite: ``cites:`` values planned against the notes, and the note a hit was
found through. Pure functions over citations and the collection's note vocabulary
(``StoreReader.note_vocabulary``: every term of the passages' notes documents,
``index.text.note_terms``).

    cites:belta.by        passages with a note linking to belta.by (or to eng.belta.by, ...)
    cites:Pivovar         passages with a note naming Pivovar (a word of the note, any form)
    cites:"World Bank"    passages with a note holding these words in this order

A value that looks like a domain is one, unless no note links to it while the notes do hold its
words ("E.Pivovar" is a name). The store filters on the value's keys (a domain, or the name's
terms, all held by the passage's notes); ``CiteMatch.cited_by`` then says which single note holds
them, which is the reason a hit shows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from index.records import Citation
from index.text.note_terms import domain_key, note_terms, url_domains, without_urls
from index.text.tokenize import terms_at, tokenize

MAX_DOMAIN_EDITS = 2


@dataclass(frozen=True)
class CiteMatch:
    """A ``cites:`` value planned: the note terms the store filters on, and how one note must
    hold them."""

    text: str  # as typed (without "cites:" and the quotes)
    keys: tuple[str, ...]  # a domain key ("belta.by"), or the name's BM25 terms
    domain: bool
    phrase: bool = False  # a quoted name: its words in this order, side by side, in one note
    known: bool = True  # some passage's notes hold every key

    @property
    def shown(self) -> str:
        """The value as a query writes it."""
        return f'cites:"{self.text}"' if self.phrase else f"cites:{self.text}"

    def cited_by(self, note: Citation) -> bool:
        """Whether this one note is what the value names: it links to the domain, or holds the
        name's terms (a phrase: in order)."""
        if self.domain:
            return any(self.keys[0] in url_domains(url) for url in note.urls)
        held = set(note_terms(note.note, note.urls))
        if not all(key in held for key in self.keys):
            return False
        return not self.phrase or len(self.keys) < 2 or _in_order(self.text, note.note or "")

    def first_note(self, citations: Iterable[Citation]) -> Citation | None:
        """The first of a passage's notes the value names, or None."""
        return next((c for c in citations if self.cited_by(c)), None)


def _in_order(phrase: str, note: str) -> bool:
    """Whether the phrase's terms stand side by side, in order, in the note's words."""
    wanted = terms_at(phrase)
    base = wanted[0].position
    offsets = [(t.position - base, t.term) for t in wanted]
    found = terms_at(without_urls(note))
    at = {(t.position, t.term) for t in found}
    return any(
        all((t.position + offset, term) in at for offset, term in offsets)
        for t in found
        if t.term == offsets[0][1]
    )


def plan_cite(text: str, notes: Mapping[str, int], *, phrase: bool = False) -> CiteMatch | None:
    """A ``cites:`` value against the note vocabulary; None when it has nothing to match (a name
    of stop words only).

    >>> notes = {"belta.by": 40, "pivovar": 2, "e": 90, "belt": 40}
    >>> plan_cite("www.BelTA.by", notes)
    CiteMatch(text='www.BelTA.by', keys=('belta.by',), domain=True, phrase=False, known=True)
    >>> plan_cite("E.Pivovar", notes).keys, plan_cite("belta.bz", notes).known
    (('e', 'pivovar'), False)
    """
    domain = None if phrase else domain_key(text)
    words = tuple(dict.fromkeys(tokenize(text)))
    name_known = bool(words) and all(w in notes for w in words)
    if domain is not None and (domain in notes or not name_known):
        return CiteMatch(text, (domain,), domain=True, known=domain in notes)
    if not words:
        return None
    return CiteMatch(text, words, domain=False, phrase=phrase, known=name_known)


def closest_domain(domain: str, notes: Collection[str]) -> str | None:
    """The domain the notes link to that is fewest edits from ``domain`` (at most two), if any.

    >>> closest_domain("belta.bz", ["belta.by", "sb.by", "pivovar"])
    'belta.by'
    """
    known = [term for term in notes if "." in term]
    best = process.extractOne(
        domain, known, scorer=Levenshtein.distance, score_cutoff=MAX_DOMAIN_EDITS
    )
    return str(best[0]) if best else None


def note_for_terms(
    citations: Sequence[Citation], query_terms: Collection[str], weights: Mapping[str, float]
) -> Citation | None:
    """The passage's note holding the most of the query's terms (by ``weights``, their IDF in the
    notes; ties: the first), or None when no note holds any.

    >>> a = Citation(3, "Zalessky, B. Belarus - Asia", [], 10)
    >>> b = Citation(4, "Pivovar, E. Supplies to Asia", [], 20)
    >>> note_for_terms([a, b], ["pivovar", "asia"], {"pivovar": 5.0, "asia": 1.0}).n
    4
    """
    best: tuple[float, Citation] | None = None
    wanted = set(query_terms)
    for citation in citations:
        held = wanted & set(note_terms(citation.note, citation.urls))
        score = sum(weights.get(term, 0.0) for term in held)
        if held and (best is None or score > best[0]):
            best = (score, citation)
    return best[1] if best else None
