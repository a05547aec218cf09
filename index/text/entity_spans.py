"""Repairs of the spans an English tagger gives, before they are keyed (pure; no model).

spaCy's small model reads a passage a few words at a time, and on reports, court papers and
company lists it cuts and joins names where a reader would not: a span runs over a line break
("Day Pitney\\n\\nP.O. Box"), a name loses its "Jr." or its given name ("Frank" a place, then
"E. Borowsky" a person), a company its legal form ("Belsolod" before "OJSC"), and one-word
companies in a list of companies come out as people or places. Each rule here reads the form
of the text around a span, never a list of this corpus's names.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

import pycountry

from index.text.entity_names import country_named, country_of, known_place
from index.text.lexicon import english_words

Found = tuple[str, int, int, str]  # (kind, start, end, label), as index.text.entities has it
FACETS = ("person", "org", "place")

# A company's legal form or kind closing its name: an organisation whatever the tagger said.
COMPANY = re.compile(
    r"(?:\b(?:OJSC|CJSC|JSC|LLC|LLP|Ltd|Inc|PLC|GmbH|Corporation|Company|Holding|Plant|Works|"
    r"Factory|Associates|Partners)"
    r"\.?|\bBel'?)$"
)
# The word an organisation's name is built on ("Pakistan-Belarus Business Forum").
ORG_HEAD = (
    r"(?:Forum|Council|Embassy|Ministry|Committee|Commission|Bank|Fund|University|Academy|"
    r"Association|Organi[sz]ation|Agency|Chamber|Institute|Cent(?:er|re)|Federation|Parks?|"
    r"Court|Department|Authority)"
)
_HEADED = re.compile(rf"\b{ORG_HEAD}$")
# A legal form written after a company's name ("Belsolod OJSC", "Dammann & Co., Inc.",
# "Kalinkovichi Dairy Plant UE": a unitary enterprise), or before it ("OOO Amkodor-Bel").
_FORM = r"(?:OJSC|CJSC|JSC|LLC|LLP|Ltd\.?|Inc\.?|PLC|GmbH|UE|Co\.(?:,? Inc\.?)?|Corp\.?)"
_FORM_AFTER = re.compile(rf",? (?:{_FORM})(?![\w])", re.IGNORECASE)
_FORM_END = re.compile(rf"\b{_FORM}$", re.IGNORECASE)
_FORM_BEFORE = re.compile(r"(?:OOO|OAO|ZAO|ChUP|RUE|JV) $")
_FORM_WORD = re.compile(rf"(?<![\w&.]){_FORM}(?![\w])")
_CORPORATE = re.compile(r"\b(?:Company|Corporation|Incorporated)$", re.IGNORECASE)
_FORM_FIRST = re.compile(r"\b(?:OOO|OAO|ZAO|ChUP|RUE|JV)(?: [A-Z][\w'&.-]*){1,4}")
# Capitalised words right before a name that ends in a legal form are part of it
# ("Svetlogorsk" before "Khimvolokno OJSC"), unless they open a sentence or a phrase.
_NAME_TOKEN = re.compile(r"[A-Z][\w'.-]*|&")
_OPENERS = frozenset(
    ["The", "A", "An", "In", "At", "On", "From", "By", "For", "With", "And", "Of", "Among", "As"]
)
# What follows a person's name and belongs to it.
_SUFFIX = re.compile(r",? (?:Jr|Sr)\.|,? (?:II|III|IV)\b")
_SUFFIX_ONLY = re.compile(r"^(?:Jr|Sr)\.?$")
_INITIAL = re.compile(r"^[A-Z]\.\s")
_CAPITAL_WORD = re.compile(r"^[A-Z][^\W\d_]+$")
_TRAILING_LOWER = re.compile(r"(?:\s+(?:[a-z][a-z.]*|[-–—]))+$")
_TRAILING_SHORT = re.compile(r"(?:\s+(?:[a-z]{1,3}|[-–—]))+$")
_COMPASS = re.compile(
    r"^(?:(?:North|South|East|West)(?:[- ]?(?:East|West|ern))?|Eastern|Western|Northern|"
    r"Southern)$"
)
_HYPHENED = re.compile(r"^[A-Z][^\W\d_]*(?:-[A-Z][^\W\d_]*)+$")
_WORD = re.compile(r"[A-Z][^\W\d_]*")
# A word in small letters after capitals: where one name ends, after two words in capitals.
_TO_SMALL = re.compile(r" (?=[A-Z][a-z])")
_BULLET = re.compile(r"[•·▪◦‣∙*–—-]+\s*")
_OPENING = re.compile(r"(?:^|\n|[.!?:]\s|[•·▪*–-]\s)\s*(?=.$)", re.DOTALL)
# Where a span runs into markup or an address ("Initiative][kwi", "Rentz ✉ mailto:"): a name
# holds no bracket, symbol character or URL, so the span ends there.
_MARKUP = re.compile(r"[\[\]{}<>|@✉☎✆]|https?:|mailto:|www\.")
# An opening quotation mark inside a span: a descriptor, then the name it quotes ("Industrial
# Park "Great Stone", FEZ "Mogilev").
_OPEN_QUOTE = re.compile(r"(?:(?<=\s)\"|[“«])(?=[A-Z])")
# A post-office box: an address, no organisation.
_PO_BOX = re.compile(r"^P\.?\s?O\.?\s+Box$", re.IGNORECASE)
# A path or a run of words joined by slashes ("org/EIPS/eip-2930", "Project/Product"): no name.
_SLASHED = re.compile(r"[a-z]/|/[a-z]")
# A token no person's name has: a digit, or a leader of dots ("Goonight.170", "Versions 2").
_NOT_A_NAME_TOKEN = re.compile(r"\d|\.\.")
_EVENT = re.compile(r"\b(?:Expo|Exhibition|Summit|Conference|Festival|Games|Olympics)$")
_HONORIFIC = re.compile(r"^(?:Hon(?:ou?rable|\.)|Mrs?\.?|Ms\.?|Dr\.?|Judge|Justice) [A-Z]")
# A line break: a name never runs over one in the tagger's reading of a page's lines.
_BREAK = re.compile(r"\s*\n\s*")
# "Morristown, NJ 07962": a town in a US address; "GUSTAFSON, Judge:" a judge's name.
_ADDRESS = re.compile(
    r"\b(?P<town>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}), (?P<state>[A-Z]{2}) \d{5}(?:-\d{4})?\b"
)
_NAME = r"[A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,3}"
_BENCH = re.compile(
    rf"(?P<names>{_NAME}(?:(?:,\s+|\s+and\s+|,\s+and\s+){_NAME})*),\s+"
    r"(?:(?:Chief|Circuit|District|Senior|Associate|Magistrate|Presiding) )?(?:Judge|Justice)s?\b"
)
_BENCH_GAP = re.compile(r",\s+(?:and\s+)?|\s+and\s+")
_BENCH_WORDS = frozenset(["Before", "The", "Chief", "Senior", "Circuit", "District", "Honorable"])
_FILL = "fill"
_FILLER = re.compile(r",\s+(?P<name>[A-Z][\w'-]+(?: [A-Z][\w'-]+)?)(?:,\s+|,?\s+and\s+)")
# The last item of a list, after "and" or "or", then a word in small letters ("... MTZ, Amkodor
# and Integral have").
_LAST_FILLER = re.compile(
    r",?\s+(?:and|or)\s+(?P<name>[A-Z][\w'-]+(?: [A-Z][\w'-]+)?)(?=[ ,;:]+[a-z]|\.\s)"
)
_PARTNER = r"[A-Z][a-z][\w'-]*"
_FIRM = re.compile(
    rf"(?<!, )(?<!& )(?<![\w&.])(?:{_PARTNER}, ){{0,3}}{_PARTNER} & {_PARTNER}\b(?!\.? ?&)"
)
_NAME_BEFORE = re.compile(r"[A-Z][\w'.-]* $")
_NAME_GOES_ON = re.compile(r",? [A-Z]")
_FIRM_FORMS = frozenset(["Co", "Company", "Inc", "Ltd", "Corp", "Sons", "Associates", "Partners"])
# Between two items of one enumeration.
_LIST_GAP = re.compile(r"^\s*(?:,|;|,? and|,? or)\s*$")


@functools.cache
def _us_states() -> frozenset[str]:
    """The postal codes of the US states and territories (ISO 3166-2, from pycountry)."""
    return frozenset(s.code[3:] for s in pycountry.subdivisions.get(country_code="US"))


def _parts(text: str, found: Found) -> list[Found]:
    """A span cut at its line breaks and where its words turn from capitals to small letters
    ("NATIONWIDE MUTUAL INSURANCE COMPANY International Flavors & Fragrances Inc.": two
    names), into the parts that keep a capital letter, a part of one English word ("Argued"
    on the next line) left out; a place of countries joined by hyphens ("Belarusian-Afghan"),
    into each country."""
    kind, start, end, label = found
    cuts = [c.span() for c in _BREAK.finditer(text, start, end)]
    for turn in _TO_SMALL.finditer(text, start, end):
        before = text[start : turn.start()].split()[-2:]
        if len(before) == 2 and all(w.isupper() and len(w) > 1 for w in before):
            cuts.append(turn.span())
    parts, at = [], start
    for a, b in sorted(cuts):
        parts.append((at, a))
        at = b
    parts.append((at, end))
    if kind == "place" and len(parts) == 1 and _HYPHENED.match(text[start:end]):
        words = list(_WORD.finditer(text, start, end))
        if all(country_of(w.group()) is not None for w in words):
            parts = [w.span() for w in words]
    if len(parts) > 1:
        parts = [(a, b) for a, b in parts if not _a_word(text[a:b])]
    return [(kind, a, b, label) for a, b in parts if b > a and _has_capital(text[a:b])]


def _a_word(surface: str) -> bool:
    """Whether a span's text is one English word (small words after it aside)."""
    return _TRAILING_SHORT.sub("", surface).lower() in english_words()


def _has_capital(surface: str) -> bool:
    return any(c.isupper() for c in surface)


def _trimmed(text: str, found: Found) -> Found | None:
    """A span without a leading "the" and trailing small words ("Dammann al", "IFF s",
    "Vietnan Expo -"): for a person any lower-case tail, for the others words of three letters
    or fewer. None when nothing with a capital is left (a person is no "polyvinyl chloride"),
    for a lone "Jr.", a compass point, or a person named like an event ("Vietnan Expo"). An
    organisation opening on an honorific ("Honorable Dickinson R. Debevoise") is a person."""
    kind, start, end, label = found
    bullet = _BULLET.match(text, start, end)
    start = bullet.end() if bullet is not None and bullet.end() < end else start
    if text.startswith("the ", start) and end > start + 4:
        start += 4
    if kind == "person" and _not_a_name(text, start, end):
        return None
    quoted = _OPEN_QUOTE.search(text, start, end)
    if quoted is not None and _has_capital(text[quoted.end() : end]):
        start = quoted.end()  # 'Industrial Park "Great Stone': the name is what is quoted
    end = len(text[start:end].rstrip('"”»')) + start
    cut = _MARKUP.search(text, start, end)
    end = len(text[: cut.start()].rstrip()) if cut is not None else end
    if _SLASHED.search(text, start, end):
        return None
    tail = (_TRAILING_LOWER if kind == "person" else _TRAILING_SHORT).search(text, start, end)
    if tail is not None and tail.start() > start:
        end = tail.start()
    surface = text[start:end]
    if not _has_capital(surface) or (kind == "person" and _SUFFIX_ONLY.match(surface)):
        return None
    if kind in ("place", "org") and (_COMPASS.match(surface) or _PO_BOX.match(surface)):
        return None  # "the East", "South-East": a direction, no place; "P.O. Box"
    if kind == "person" and _EVENT.search(surface):
        return None
    if kind == "org" and _HONORIFIC.match(surface) and not _certain(text, found):
        return "person", start, end, "PERSON"
    opening = kind != "person" and _OPENING.search(text, max(0, start - 4), start + 1)
    if opening and _a_word(surface) and not known_place(surface) and not country_of(surface):
        return None  # "Extending" opening a line: a word, capitalised for its place
    return kind, start, end, label


def _not_a_name(text: str, start: int, end: int) -> bool:
    """Whether a person's span is shaped like no name: a token with a digit or a leader of
    dots ("Goonight.170", "Appendix II - Software Groups....")."""
    return bool(_NOT_A_NAME_TOKEN.search(text, start, end))


def _one_word(text: str, found: Found) -> bool:
    surface = text[found[1] : found[2]]
    return bool(_CAPITAL_WORD.match(surface)) and country_named(surface) is None


def _joined(text: str, spans: list[Found]) -> list[Found]:
    """A person's name the tagger cut in two, joined: a given name before "E. Borowsky"
    ("Frank" tagged a place) and a last word after "Adán Chávez" ("Frías" a place)."""
    out: list[Found] = []
    for span in spans:
        prev = out[-1] if out else None
        if prev is not None and text[prev[2] : span[1]] == " ":
            given = span[0] == "person" and _INITIAL.match(text[span[1] : span[2]] + " ")
            if given and _one_word(text, prev):
                out[-1] = ("person", prev[1], span[2], "PERSON")
                continue
            whole = prev[0] == "person" and " " in text[prev[1] : prev[2]]
            if whole and span[0] in ("place", "org") and _one_word(text, span):
                out[-1] = ("person", prev[1], span[2], "PERSON")
                continue
        out.append(span)
    return out


def _widened(text: str, found: Found, taken: Sequence[Found]) -> Found:
    """A span with the legal form after or before it, and then an organisation, with the
    capitalised words before a legal form that no other span holds; a person's with "Jr."
    or "III" after it."""
    kind, start, end, label = found
    after = _FORM_AFTER.match(text, end)
    before = _FORM_BEFORE.search(text, max(0, start - 5), start)
    if after is None and before is None and not COMPANY.search(text[start:end]):
        suffix = _SUFFIX.match(text, end) if kind == "person" else None
        return (kind, start, suffix.end(), label) if suffix else found
    end = after.end() if after is not None else end
    start = before.start() if before is not None else start
    if _FORM_END.search(text, start, end):
        start = _name_start(text, start, taken)
    return "org", start, end, label


def _name_start(text: str, start: int, taken: Sequence[Found]) -> int:
    """Where a company's name starts that the tagger began at ``start``: earlier by the
    capitalised words (and "&") right before it, none opening a phrase, naming a country or
    tagged, four at most."""
    window = max(0, start - 80)
    at = start
    for token in reversed(list(_NAME_TOKEN.finditer(text, window, start))[-4:]):
        a, b = token.span()
        gap = text[b:at]
        if not gap or gap.strip() or token.group() in _OPENERS or not _free(taken, a, b):
            break
        if country_named(token.group()) is not None:
            break
        at = a
    if text.startswith("&", at):  # a name opens on a word, never on "&"
        at = start - len(text[at + 1 : start].lstrip())
    return at


def repair_spans(text: str, found: Sequence[Found]) -> list[Found]:
    """The tagger's spans of ``text`` repaired: cut at line breaks, trimmed, a person's name
    cut in two joined, companies widened to their legal form; spans left without a capital
    letter, a lone "Jr." or a compass point dropped."""
    other = [f for f in found if f[0] not in FACETS]
    parts = [p for f in found if f[0] in FACETS for p in _parts(text, f)]
    kept = other + [t for t in (_trimmed(text, p) for p in parts) if t is not None]
    joined = _joined(text, sorted(kept, key=lambda f: (f[1], f[2])))
    widened = [_widened(text, f, joined) if f[0] in FACETS else f for f in joined]
    return _without_overlaps(widened)


def _without_overlaps(spans: Sequence[Found]) -> list[Found]:
    """The spans, each dropped that lies inside one before it (a widened span takes in the
    "Jr." or the form the tagger gave apart)."""
    out: list[Found] = []
    for span in sorted(spans, key=lambda f: (f[1], -f[2])):
        if out and span[1] < out[-1][2]:
            continue
        out.append(span)
    return out


def _firms(text: str, spans: Sequence[Found]) -> list[Found]:
    """Partnerships named by their partners' names and "&" ("Leary, Bride, Tinker & Moran",
    "Borowsky & Borowsky"), where the tagger found a name in them or a partner's name is no
    English word; a legal form after "&" is left to the company rules ("Dammann & Co.")."""
    found: list[Found] = []
    for hit in _FIRM.finditer(text):
        if _NAME_BEFORE.search(text, max(0, hit.start() - 40), hit.start()):
            continue  # "International Flavors & Fragrances": part of a longer name
        if _NAME_GOES_ON.match(text, hit.end()):
            continue  # "... & Fragrances Inc.", "Smith & Jones Holdings"
        words = [w.strip(",") for w in hit.group().split() if w != "&"]
        if words[-1] in _FIRM_FORMS or any(country_of(w) or known_place(w) for w in words):
            continue
        tagged = any(s[0] in FACETS and s[1] < hit.end() and hit.start() < s[2] for s in spans)
        if tagged or any(w.lower() not in english_words() for w in words):
            found.append(("org", hit.start(), hit.end(), "ORG"))
    return found


def _form_spans(text: str, spans: Sequence[Found]) -> list[Found]:
    """Places of US addresses, the names of judges and of partnerships, as their form says."""
    found: list[Found] = _firms(text, spans)
    for hit in _ADDRESS.finditer(text):
        if hit.group("state") in _us_states():
            found.append(("place", hit.start("town"), hit.end("town"), "GPE"))
            found.append(("place", hit.start("state"), hit.end("state"), "GPE"))
    for hit in _BENCH.finditer(text):
        at = hit.start("names")
        for gap in [*_BENCH_GAP.finditer(text, at, hit.end("names")), None]:
            end = gap.start() if gap is not None else hit.end("names")
            if text[at:end] not in _BENCH_WORDS:
                found.append(("person", at, end, "PERSON"))
            at = gap.end() if gap is not None else end
    return found


def _free(spans: Sequence[Found], start: int, end: int) -> bool:
    return all(end <= s[1] or start >= s[2] for s in spans)


def _untagged_companies(text: str, spans: Sequence[Found]) -> list[Found]:
    """Companies the tagger passed by, named by capitalised words and a legal form after them
    ("Silk Road International LLC") or a form and capitalised words ("OOO Molodechnomebel
    Trading House")."""
    found: list[Found] = []
    for hit in _FORM_WORD.finditer(text):
        start = _name_start(text, hit.start(), spans)
        if start < hit.start() and _free([*spans, *found], start, hit.end()):
            found.append(("org", start, hit.end(), "ORG"))
    for hit in _FORM_FIRST.finditer(text):
        end = hit.start() + len(hit.group().rstrip(".,"))
        if _free([*spans, *found], hit.start(), end):
            found.append(("org", hit.start(), end, "ORG"))
    return found


def by_form(text: str, spans: Sequence[Found]) -> list[Found]:
    """``spans`` with the places of US addresses ("Cedar Knolls, NJ 07927"), the names
    before ", Judge" or ", Circuit Judges" and partnerships ("Tinker & Moran") put in place
    of what the tagger found there."""
    forced = _form_spans(text, spans)
    kept = [s for s in spans if all(s[2] <= f[1] or s[1] >= f[2] for f in forced)]
    kept += _untagged_companies(text, kept + forced)
    return sorted(kept + forced, key=lambda f: f[1])


def _certain(text: str, span: Found) -> str | None:
    """The kind a span's own words settle: a company's form or an organisation's head word,
    or a country's name."""
    surface = text[span[1] : span[2]]
    if COMPANY.search(surface) or _HEADED.search(surface) or _FORM_AFTER.search(surface):
        return "org"
    return "place" if country_of(surface) is not None else None


def _runs(text: str, spans: Sequence[Found]) -> list[list[int]]:
    """The enumerations among ``spans`` (sorted by start): runs of names set apart by commas,
    "and" or "or" alone."""
    runs: list[list[int]] = []
    for i, span in enumerate(spans):
        if span[0] not in (*FACETS, _FILL):
            continue
        last = runs[-1][-1] if runs else None
        if last is not None and _LIST_GAP.match(text[spans[last][2] : span[1]]):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _with_fillers(text: str, spans: Sequence[Found]) -> list[Found]:
    """``spans`` (sorted) and, as stand-ins of kind ``_FILL``, the one or two capitalised
    words that stand alone between two of them in a list ("Kommunarka, Mashpischeprod,
    Lidapischekontserty": the tagger passed the middle one by) or after the last of them and
    "and" ("Amkodor and Integral have")."""
    out: list[Found] = []
    for i, span in enumerate(spans):
        if out and out[-1][0] in FACETS and span[0] in FACETS:
            gap = _FILLER.fullmatch(text, out[-1][2], span[1])
            if gap is not None:
                out.append((_FILL, gap.start("name"), gap.end("name"), "ORG"))
        out.append(span)
        last = _LAST_FILLER.match(text, span[2]) if span[0] in FACETS else None
        following = spans[i + 1][1] if i + 1 < len(spans) else len(text)
        if last is not None and last.end("name") <= following:
            out.append((_FILL, last.start("name"), last.end("name"), "ORG"))
    return out


def _listed_companies(text: str, spans: Sequence[Found]) -> list[int]:
    """The spans in enumerations of organisations (``listed_kinds``)."""
    listed = []
    for run in _runs(text, spans):
        named = [i for i in run if spans[i][0] != _FILL]
        certain = Counter(k for k in (_certain(text, spans[i]) for i in named) if k is not None)
        tagged = sum(spans[i][0] == "org" for i in named)
        most = certain["org"] >= 2 or 2 * tagged > len(named)
        # No name certainly anything else, and one certainly a company or three tagged ones.
        sure = set(certain) == {"org"} or (not certain and tagged >= 3)
        if len(named) >= 3 and sure and most:
            listed += run
    return listed


def _listed_people(text: str, spans: Sequence[Found]) -> list[int]:
    """The spans in enumerations of people (``listed_kinds``)."""
    listed = []
    for run in _runs(text, spans):
        named = [i for i in run if spans[i][0] != _FILL]
        full = sum(spans[i][0] == "person" and _full_name(text, spans[i]) for i in named)
        certain = any(_certain(text, spans[i]) is not None for i in named)
        if full >= 3 and not certain and 2 * full > len(named):
            listed += [i for i in named if _full_name(text, spans[i])]
    return listed


def _full_name(text: str, span: Found) -> bool:
    """Whether a span reads as a person's full name: two to four capitalised words."""
    words = text[span[1] : span[2]].split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words)


def listed_kinds(text: str, spans: Sequence[Found]) -> list[Found]:
    """Names listed together are of one kind: in an enumeration of three names or more
    ("Gomselmash, Minsk Tractor Works, Mogilevliftmash, Minsk Automobile Plant, Amkodor")
    where some are organisations by their own words (two, or one and most of the names
    tagged organisations) and none is certainly anything else (a country), the names the
    tagger called people or places, or passed by, are organisations too; and in one where
    most names, and three at least, are people's full names and none is certainly an
    organisation or a place ("Yves Hiltpold, James J. Keene, Sami Kuhmonen, John Marmion"),
    the full names are people."""
    out = _with_fillers(text, sorted(spans, key=lambda f: f[1]))
    for i in _listed_companies(text, out):
        out[i] = ("org", *out[i][1:])
    for i in _listed_people(text, out):
        out[i] = ("person", *out[i][1:])
    return [f for f in out if f[0] != _FILL]


def certain_companies(text: str, spans: Sequence[Found]) -> list[int]:
    """The organisations among ``spans`` (sorted by start) that their own words or their
    enumeration make one: what settles a name's kind across a document."""
    own = [i for i, f in enumerate(spans) if f[0] == "org" and _certain(text, f) == "org"]
    return sorted(set(own) | set(_listed_companies(text, spans)))


def company_head(name: str) -> str | None:
    """The first word of a company's name that ends in its legal form ("Dammann" of "Dammann
    & Co., Inc.", "Travelers" of "Travelers Indemnity Company"): what the text calls it for
    short. None for other names, a country's name or a short word."""
    words = name.split()
    if len(words) < 2 or not (_FORM_END.search(name) or _CORPORATE.search(name)):
        return None
    head = words[0]
    if not _CAPITAL_WORD.match(head.capitalize()) or len(head) < 3:
        return None
    return None if country_of(head) is not None else head
