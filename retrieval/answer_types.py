"""What exactly a question asks for, finer than ``retrieval.answer.expected_answer_kind``: a
count of something, a share or a change, a sum of money, a reason; and the years it names.

Used to order the candidate sentences (``retrieval.answer_candidates``), never to score an answer
against the thresholds: "how many projects" is answered by "a fund of 80 Belarusian projects",
not by "its first three residents"; "how large was trade" by "200 million dollars", not by "the
30th anniversary"; "why" by a sentence that gives a reason ("since ...", "because ..."). Pure and
cheap: a few regular expressions per sentence of the top passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text.tokenize import tokenize
from retrieval.answer import expected_answer_kind

_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
# A share or a change: answered by a percentage or a ratio.
_SHARE_ASKED = re.compile(
    r"\b(?:share|percentage|percent|proportion|grow|grew|growth|increase[sd]?|rise|rose|fall|"
    r"fell|decline[sd]?|drop(?:ped)?|cut)\b|дол[юяи]|вырос|рост|снизил|насколько|во сколько раз",
    re.I,
)
_SHARE = re.compile(r"%|per ?cent|times\b|fold\b|twice|doubled|tripled|\bhalf\b|\bраза?\b")
# A sum of money: answered by a currency or a large round figure.
_MONEY_ASKED = re.compile(
    r"\b(?:trade|turnover|costs?|worth|value|earn(?:ed|ings)?|invest\w*|surplus|deficit|"
    r"profits?|prices?|revenues?|sales|budget|exports?|imports?)\b|товарооборот|стоимост|сумм",
    re.I,
)
_MONEY = re.compile(
    r"[$€£¥]|\b(?:usd|eur|euros?|dollars?|rub|rubles?|roubles?|byn|yuan|million|billion|"
    r"thousand)\b|млн|млрд|долл|руб"
)
# "How many <things> ...": the things, up to the verb or preposition that ends them; their
# capitalised words ("Belarusian", "Indian") are left out: they say which things, and a report
# names them everywhere ("its first three residents: the Sino-Belarusian Center").
_HOW_MANY = re.compile(r"\bhow many\s+([^?]*)", re.I)
_ENDS_THINGS = re.compile(
    r"^(?:did|does|do|were|was|are|is|has|have|had|will|would|can|could|should|in|at|on|to|"
    r"from|for|of|by|with|since|during|and|or)$",
    re.I,
)
_FIGURE = re.compile(
    r"\d[\d.,]*|(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|dozen|dozens|hundreds|thousands)"
)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)$")
# A reason: "why" is answered by a sentence that gives one.
_WHY_ASKED = re.compile(r"^\s*why\b|\bwhat (?:is|was|are|were) the reasons?\b|почему|зачем", re.I)
_REASON = re.compile(
    r"\b(?:because|since|due to|owing to|thanks to|as a result|the reason|so that|in order to|"
    r"therefore|hence)\b|потому что|так как|благодаря|из-за"
)
_TOKEN = re.compile(r"[\w$%€.,-]+")
# How many words after a figure may still name what it counts ("80 Belarusian projects").
COUNT_WINDOW = 3
THINGS_WORDS = 3


@dataclass(frozen=True)
class AskedDetail:
    """What a question asks for beyond its kind: ``counted`` the terms of the things a "how many"
    question counts (empty: not such a question), ``share`` a percentage or ratio, ``money`` a
    sum, ``reason`` a why; and ``years`` the years it names."""

    counted: frozenset[str] = frozenset()
    share: bool = False
    money: bool = False
    reason: bool = False
    years: frozenset[str] = frozenset()

    @property
    def asks(self) -> bool:
        """Whether anything is asked that a sentence may lack."""
        return bool(self.counted) or self.share or self.money or self.reason


def asked_detail(question: str) -> AskedDetail:
    """What ``question`` asks for exactly (a "how much"/"how many" question's unit; a reason).

    >>> sorted(asked_detail("How many Belarusian projects underpin the technopark?").counted)
    ['project', 'underpin']
    >>> d = asked_detail("How large was Belarus-Vietnam trade in 2021?")
    >>> (d.money, d.share, sorted(d.years))
    (True, False, ['2021'])
    """
    years = frozenset(_YEAR.findall(question))
    reason = _WHY_ASKED.search(question) is not None
    if expected_answer_kind(question) != "number":
        return AskedDetail(reason=reason, years=years)
    if many := _HOW_MANY.search(question):
        things: list[str] = []
        for word in many.group(1).split()[:THINGS_WORDS]:
            if _ENDS_THINGS.match(word):
                break
            if not word[:1].isupper():
                things += tokenize(word)
        if things:
            return AskedDetail(counted=frozenset(things), reason=reason, years=years)
    return AskedDetail(
        share=_SHARE_ASKED.search(question) is not None,
        money=_MONEY_ASKED.search(question) is not None,
        reason=reason,
        years=years,
    )


def fits_detail(asked: AskedDetail, sentence: str) -> bool:
    """Whether ``sentence`` holds one of the things ``asked`` (true when nothing is asked).

    >>> asked = asked_detail("How many Belarusian projects underpin the technopark?")
    >>> fits_detail(asked, "It has already received its first three residents.")
    False
    >>> fits_detail(asked, 'The development is based on "a fund of 80 Belarusian projects".')
    True
    """
    if not asked.asks:
        return True
    # Lower-cased once, the patterns without re.I: this runs on every sentence of the top
    # passages (about 40 a question).
    lowered = sentence.lower()
    return (
        (asked.share and _SHARE.search(lowered) is not None)
        or (asked.money and _MONEY.search(lowered) is not None)
        or (asked.reason and _REASON.search(lowered) is not None)
        or (bool(asked.counted) and _counts(asked.counted, lowered))
    )


def year_share(asked: AskedDetail, sentence: str) -> float:
    """The share of the question's years the sentence names (0 when it names none)."""
    if not asked.years:
        return 0.0
    return len(asked.years & set(_YEAR.findall(sentence))) / len(asked.years)


def _counts(counted: frozenset[str], sentence: str) -> bool:
    """Whether a figure in ``sentence`` (lower case) is followed closely by a term of the things
    counted."""
    words = _TOKEN.findall(sentence)
    for i, word in enumerate(words):
        if not _FIGURE.fullmatch(word) or _ORDINAL.match(word):
            continue
        for after in words[i + 1 : i + 1 + COUNT_WINDOW]:
            if counted.intersection(tokenize(after)):
                return True
    return False
