"""People named by the form of the text around them, whatever the tagger said (pure; no model).

A small tagger reads "W. N. Venables & D. M. Smith" as one company and "A.I. Mikhailov" as an
organisation, and takes the authors of a citation ("Szabo [1997]", "Dwork and Naor [1992]") for
places or passes them by. Two forms settle these: initials before a capitalised word, and a
capitalised word before a year in brackets. A court's name for a party ("Appellee",
"Petitioner") is a role, never a person, and is cut from a name it opens ("Appellee, Dammann &
Co."). Each rule reads the form of the text, never a list of names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.records import Chunk, Mention
from index.text.entity_names import canonical, clean_name, country_of, known_place
from index.text.lexicon import english_words

Found = tuple[str, int, int, str]  # (kind, start, end, label), as index.text.entities has it
FACETS = ("person", "org", "place")

_SURNAME = r"[A-Z][a-z][\w'’-]*"
# "W. N. Venables", "A.I. Mikhailov", "B.A. Davey": one to three initials, then a surname.
_INITIALED = re.compile(rf"(?<![\w.&])(?:[A-Z]\.\s?){{1,3}}(?P<surname>{_SURNAME})(?![\w&])")
# A capitalised word right before initials: a given name ("George A. Prutting"), the tagger's.
_GIVEN_BEFORE = re.compile(r"[A-Z][\w'’-]* $")
# Words after initials that make an address or an institution, no surname ("P.O. Box",
# "U.S. Army", "D.C. Circuit").
_NOT_SURNAMES = frozenset(
    ["Box", "Street", "Avenue", "Road", "Route", "Suite", "Circuit", "Court", "District", "Army",
     "Navy", "Air", "Department", "Government", "Code", "Individual", "Patent", "Supreme"]
)  # fmt: skip
# What opens a numbered part of a document: "Appendix A. Blockchain" names no one.
_PART_BEFORE = re.compile(r"(?:Appendix|Annex|Section|Part|Chapter|Figure|Fig\.|Table)\s+$")
# "Szabo [1997]", "Dwork and Naor [1992]", "Back [2002]", "Kuhn et al. (1970)": authors cited by
# year (one name before a year in parentheses is as often a company's: "Belstat (2021)").
_CITED = re.compile(
    rf"(?<![\w.])(?P<first>{_SURNAME})(?: and (?P<second>{_SURNAME}))?(?P<etal> et al\.)?"
    r" (?P<open>[\[(])(?:1[5-9]|20)\d\d[a-z]?[\])]"
)
# The names a court gives the parties of a case.
_ROLE = r"(?:Appellees?|Appellants?|Petitioners?|Respondents?|Plaintiffs?|Defendants?|Intervenors?)"
_ROLE_ONLY = re.compile(rf"^(?:(?:Third[- ]Party|Cross)[- ])?{_ROLE}$")
_ROLE_FIRST = re.compile(rf"^{_ROLE},?\s+(?=[A-Z])")


def _initialed(text: str) -> list[Found]:
    """Names of initials and a surname, as people."""
    found: list[Found] = []
    for hit in _INITIALED.finditer(text):
        initials = text[hit.start() : hit.start("surname")].replace(" ", "")
        if hit.group("surname") in _NOT_SURNAMES or country_of(initials) is not None:
            continue
        if known_place(hit.group("surname")) or _PART_BEFORE.search(text, 0, hit.start()):
            continue
        if _GIVEN_BEFORE.search(text, max(0, hit.start() - 40), hit.start()):
            continue
        found.append(("person", hit.start(), hit.end(), "PERSON"))
    return found


_MONTH = re.compile(
    r"^(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Spring|Summer|Autumn|Fall|Winter)$"
)


def _a_surname(word: str, bracketed: bool) -> bool:
    """Whether a capitalised word before a cited year can be an author's surname: no place or
    month; before a year in parentheses no English word either ("Windows (2019)")."""
    if country_of(word) is not None or known_place(word) or _MONTH.match(word):
        return False
    return bracketed or word.lower() not in english_words()


def _cited(text: str) -> list[Found]:
    """Authors cited by year, as people."""
    found: list[Found] = []
    for hit in _CITED.finditer(text):
        bracketed = hit.group("open") == "["
        if not bracketed and hit.group("second") is None and hit.group("etal") is None:
            continue  # "Belstat (2021)": a source, a company as often as an author
        for group in ("first", "second"):
            word = hit.group(group)
            if word is not None and _a_surname(word, bracketed):
                found.append(("person", hit.start(group), hit.end(group), "PERSON"))
    return found


# A line that opens a block of names, one a line: a report's or a paper's front matter.
_BYLINE_HEAD = re.compile(
    r"(?:authors?|author\(s\)|reviewers?|contributors?|editors?|written by|prepared by|by):?",
    re.IGNORECASE,
)
_NAME_WORD = r"(?:[A-Z][a-z][\w'’-]*|[A-Z]\.?)"
_NAME_LINE = re.compile(rf"{_NAME_WORD}(?: {_NAME_WORD}){{1,3}}")
_LINE = re.compile(r"[^\n]+")


def _name_lines(text: str) -> list[list[tuple[int, int]]]:
    """The blocks of lines shaped like names (two to four capitalised words or initials) that
    follow a line such as "Authors" or "Reviewers", each block as the lines' spans."""
    blocks: list[list[tuple[int, int]]] = []
    open_block = False
    for line in _LINE.finditer(text):
        body = line.group().strip()
        if not body:
            continue
        if _BYLINE_HEAD.fullmatch(body):
            blocks.append([])
            open_block = True
        elif open_block and _NAME_LINE.fullmatch(body):
            start = line.start() + line.group().index(body)
            blocks[-1].append((start, start + len(body)))
        else:
            open_block = False
    return blocks


def _bylines(text: str, spans: Sequence[Found]) -> list[Found]:
    """The people named one a line under "Authors", "Reviewers" and the like: every line of a
    block where the tagger found a person, or with a word that is no English word ("Khalid
    Taimur Akram"; "Original White Paper" is none)."""
    people = [s for s in spans if s[0] == "person"]
    known = english_words()
    found: list[Found] = []
    for block in _name_lines(text):
        tagged = any(s[1] < b and a < s[2] for a, b in block for s in people)
        for a, b in block:
            strange = any(w.strip(".").lower() not in known for w in text[a:b].split())
            if tagged or strange:
                found.append(("person", a, b, "PERSON"))
    return found


def _overlaps(a: Found, b: Found) -> bool:
    return a[1] < b[2] and b[1] < a[2]


def _tagged_or_no_word(text: str, name: Found, tagged: Sequence[Found]) -> bool:
    """Whether a name of initials is one: the tagger tagged something there, or its surname
    is no English word ("H.A. Priestley" passed by; "J. Smith" left to the tagger)."""
    surname = text[name[1] : name[2]].split(".")[-1].strip()
    return any(_overlaps(name, s) for s in tagged) or surname.lower() not in english_words()


def people_by_form(text: str, spans: Sequence[Found]) -> list[Found]:
    """``spans`` with the people their form names put in place of the tagger's spans they
    overlap: names of initials the tagger tagged somehow ("A.I. Mikhailov" an organisation,
    "R. Gentleman & R. Ihaka" one company) or whose surname is no English word ("B.A. Davey
    and H.A. Priestley", the second passed by), authors cited by year ("Szabo [1997]"), and
    names one a line under "Authors" or "Reviewers"."""
    tagged = [s for s in spans if s[0] in FACETS]
    forced = [f for f in _initialed(text) if _tagged_or_no_word(text, f, tagged)]
    forced += [f for f in _cited(text) if all(not _overlaps(f, g) for g in forced)]
    forced += [f for f in _bylines(text, spans) if all(not _overlaps(f, g) for g in forced)]
    kept = [s for s in spans if s[0] not in FACETS or all(not _overlaps(s, f) for f in forced)]
    return sorted(kept + forced, key=lambda f: f[1])


def without_roles(text: str, spans: Sequence[Found]) -> list[Found]:
    """``spans`` without a party's role tagged as a name ("Appellee"), and with a role that
    opens a name cut from it ("Appellee, Dammann & Co." -> "Dammann & Co.")."""
    out: list[Found] = []
    for kind, start, end, label in spans:
        surface = text[start:end]
        if kind in FACETS and _ROLE_ONLY.match(surface):
            continue
        role = _ROLE_FIRST.match(surface) if kind in FACETS else None
        out.append((kind, start + role.end() if role else start, end, label))
    return out


def _full_names(mentions: Sequence[Mention]) -> dict[str, Mention]:
    """The document's people named in full, by their last word."""
    return {
        clean_name(m.text).split()[-1]: m
        for m in mentions
        if m.kind == "person" and " " in clean_name(m.text)
    }


_TITLE_WORD = re.compile(r"^[A-Z][a-z][\w'’-]*$")


def surnames_are_people(mentions: Sequence[Mention], companies: set[str]) -> None:
    """A one-word organisation (a capital, then small letters: no acronym) that is the surname
    of a person the document names in full ("Dorfmann" after "J.G. Dorfmann"), or that
    surname made plural ("the Bordelons" after "Rock Bordelon"), is that person: unless the
    document makes it a company (``companies``, lower case) or it names a country or a known
    place."""
    surnames = _full_names(mentions)
    for m in mentions:
        word = clean_name(m.text)
        if m.kind != "org" or not _TITLE_WORD.match(word) or word.lower() in companies:
            continue
        if country_of(word) is not None or known_place(word):
            continue
        full = surnames.get(word) or (surnames.get(word[:-1]) if word.endswith("s") else None)
        keyed = canonical("person", full.text) if full is not None else None
        if keyed is not None:
            m.kind, (m.key, m.name) = "person", keyed


# "the Gmail monitoring", "The Datadog model": a name between "the" and a word in small letters
# is a thing's, used as a modifier.
_THE_NAME_NOUN = re.compile(r"(?<![\w-])(?:the|The) (?P<name>[A-Z][\w-]*) [a-z]")


def things_named_like_people(chunks: Sequence[Chunk]) -> None:
    """Drop the person mentions of a one-word name the document also writes between "the" and
    a word in small letters ("the Gmail monitoring": a product's name, tagged a person in
    "applied to Gmail"), and of longer names it opens ("Gmail SRE"). A surname of one of the
    document's full names stays a person ("the Lukashenko regime" after "Alexander
    Lukashenko"), as do its plural ("the Bordelons resided")."""
    mentions = [m for c in chunks for m in c.entities]
    surnames = _full_names(mentions)
    single = {m.text for m in mentions if m.kind == "person" and " " not in m.text}
    things = {
        hit.group("name")
        for c in chunks
        for hit in _THE_NAME_NOUN.finditer(c.text)
        if hit.group("name") in single
    }
    things = {t for t in things if t not in surnames and t.removesuffix("s") not in surnames}
    if not things:
        return
    for c in chunks:
        c.entities = [
            m for m in c.entities if m.kind != "person" or m.text.split()[0] not in things
        ]
