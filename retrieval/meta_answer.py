"""Questions about a document answered from its metadata: "Who wrote <title>?", "When was
<title> published?", "What language is <title> in?" (and "Кто автор ...", "Когда опубликован
...").

No passage says who wrote a report, so the passages cannot answer that; the document's record
can (``index.records.DocumentMeta``: the manifest's or the file's own title, authors, date and
language). A question is one of these when it asks for one of those fields and names a document
by its title (most of the title's words, or of the part before a colon) or by its id. The
sentence is built from the record and says so; a field the record leaves empty is never
answered here (the question goes to the passages).

Pure: the searcher hands in the documents' records and each document's first passage.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import pycountry

from index.records import Chunk, DocumentMeta
from index.text.tokenize import tokenize
from retrieval.hits import Answer

MetaField = Literal["authors", "published", "language"]

# The ways a question asks for a field, English and Russian (lower-cased question). A bare
# "authors of X" only opens one: "what do the authors of X say" asks the passages.
_CUES: list[tuple[MetaField, bool, re.Pattern[str]]] = [
    (
        "authors",
        False,
        re.compile(
            r"\bwho\s+(?:is|are|was|were)\s+(?:the\s+)?authors?\s+of\b|\bwho\s+(?:wrote|authored)\b"
            r"|\bby\s+whom\s+was\b|^(?:the\s+)?authors?\s+of\b|\bwritten\s+by\s+whom\b"
        ),
    ),
    (
        "published",
        False,
        re.compile(
            r"\bwhen\s+(?:was|were|is)\b(?=.*\b(?:published|written|released|issued)\b)"
            r"|\b(?:publication|release)\s+date\s+of\b|\bwhat\s+(?:year|date)\s+was\b"
            r"(?=.*\b(?:published|written|released|issued)\b)"
        ),
    ),
    (
        "language",
        False,
        re.compile(r"\b(?:what|which)\s+language\s+(?:is|was|are)\b|^(?:the\s+)?language\s+of\b"),
    ),
    ("authors", True, re.compile(r"\bкто\s+(?:автор\w*|написал\w*)|^автор\w*\s+(?=\S)")),
    (
        "published",
        True,
        re.compile(
            r"\bкогда\s+(?:был[аои]?\s+)?(?:опубликован\w*|вышл?[аио]?|издан\w*)|\bдата\s+публикации\b"
        ),
    ),
    ("language", True, re.compile(r"\bна\s+каком\s+языке\b|^язык\w*\s+(?=\S)")),
]
# The words that ask, never counted as naming a title ("published" in "When was X published?").
_ASKING = re.compile(
    r"\b(?:published|written|released|issued|document|report|article|paper|in|"
    r"статья|статьи|статью|доклад\w*|документ\w*|отч[её]т\w*)\b"
)
_DOC_ID = re.compile(r"\bdoc:\s*(\S+)")
# The share of a title's words a question must hold to name it, and at least this many of them
# (all of them when the title has fewer).
TITLE_SHARE = 0.6
TITLE_WORDS = 2

_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTHS_RU = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class MetaQuestion:
    """A question asking for one field of a document's record; ``rest``: its words other than
    those that ask (what names the document)."""

    field: MetaField
    russian: bool
    rest: str


def meta_question(question: str) -> MetaQuestion | None:
    """The field a question asks for, or None when it asks for none of them.

    >>> meta_question("Who wrote Reinvigorating Pakistan-Belarus Relations?").field
    'authors'
    """
    text = " ".join(question.lower().split())
    for field_name, russian, cue in _CUES:
        found = cue.search(text)
        if found is not None:
            rest = _ASKING.sub(" ", text[: found.start()] + " " + text[found.end() :])
            return MetaQuestion(field_name, russian, rest)
    return None


def named_document(text: str, documents: Sequence[DocumentMeta]) -> DocumentMeta | None:
    """The one document ``text`` names by its id or by most of its title's words (or of the
    title's part before a colon, which people quote alone); None when none does or two do as
    well."""
    lowered = text.lower()
    for meta in documents:
        ids = {m.group(1).strip(".,?!;:") for m in _DOC_ID.finditer(lowered)}
        if meta.doc_id.lower() in ids or re.search(
            rf"(?<![\w-]){re.escape(meta.doc_id.lower())}(?![\w-])", lowered
        ):
            return meta
    asked = set(tokenize(text))
    scored: list[tuple[tuple[float, int], DocumentMeta]] = []
    for meta in documents:
        score = max(
            (_title_share(words, asked) for words in _title_forms(meta.title)), default=(0.0, 0)
        )
        if score[0] > 0:
            scored.append((score, meta))
    scored.sort(key=lambda item: item[0], reverse=True)
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _title_forms(title: str) -> list[set[str]]:
    """A title's words, whole and before its first colon (when that part is more than one word:
    "Belarus: building on ..." is not quoted as "Belarus")."""
    forms = [set(tokenize(title))]
    if ":" in title:
        forms.append(set(tokenize(title.split(":", 1)[0])))
    return [words for i, words in enumerate(forms) if words and (i == 0 or len(words) >= 2)]


def _title_share(words: set[str], asked: set[str]) -> tuple[float, int]:
    """The share of a title's words the question holds and how many (0, 0 below what names it)."""
    held = len(words & asked)
    if held < min(TITLE_WORDS, len(words)) or held / len(words) < TITLE_SHARE:
        return 0.0, 0
    return held / len(words), held


def meta_sentence(meta: DocumentMeta, field_name: MetaField, russian: bool) -> str | None:
    """The sentence that answers from the record, saying where it comes from; None when the
    record leaves the field empty (never a guess)."""
    title = meta.title or meta.doc_id
    if field_name == "authors":
        if not meta.authors:
            return None
        if russian:
            return f"Автор «{title}»: {_joined(meta.authors, 'и')} (метаданные документа)."
        return f"{title} is by {_joined(meta.authors, 'and')} (document metadata)."
    if field_name == "published":
        if not meta.published:
            return None
        when = _date(meta.published, russian)
        if russian:
            return f"Дата публикации «{title}»: {when} (метаданные документа)."
        return f"{title} was published {when} (document metadata)."
    name = _language_name(meta.language or "", russian)
    if name is None:
        return None
    if russian:
        return f"Язык «{title}»: {name} (метаданные документа)."
    return f"{title} is in {name} (document metadata)."


def _joined(names: Sequence[str], conjunction: str) -> str:
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _date(published: str, russian: bool) -> str:
    """A record's date in words: "on 9 March 2021", "in March 2021", "in 2021" (as given when
    it is not an ISO date)."""
    found = _DATE.match(published.strip())
    if found is None:
        return published if russian else f"on {published}"
    year, month, day = found.groups()
    months = _MONTHS_RU if russian else _MONTHS_EN
    if month is None or not 1 <= int(month) <= 12:
        return f"{year} г." if russian else f"in {year}"
    name = months[int(month) - 1]
    if day is None:
        return f"{name} {year} г." if russian else f"in {name} {year}"
    return f"{int(day)} {name} {year} г." if russian else f"on {int(day)} {name} {year}"


def _language_name(tag: str, russian: bool) -> str | None:
    """The name of a language tag's language ("en-GB" -> "English"), None for an empty or
    unknown tag."""
    code = re.split(r"[-_]", tag.strip().lower())[0] if tag.strip() else ""
    language = None
    if len(code) == 2:
        language = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        language = pycountry.languages.get(alpha_3=code)
    if language is None:
        return None
    if not russian:
        return str(language.name)
    names = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    return names.gettext(language.name)


def metadata_answer(
    question: str,
    documents: Sequence[DocumentMeta],
    first_passage: Callable[[str], Chunk | None],
) -> Answer | None:
    """The strong answer to a question about a document's record, tied to the document's first
    passage (the place to open it); None when the question is not one, names no document, or
    the record leaves the field empty."""
    asked = meta_question(question)
    if asked is None:
        return None
    meta = named_document(asked.rest, documents)
    if meta is None:
        return None
    sentence = meta_sentence(meta, asked.field, asked.russian)
    chunk = first_passage(meta.doc_id) if sentence is not None else None
    if sentence is None or chunk is None:
        return None
    start, end = _shown_in(chunk.text, meta, asked.field)
    return Answer(
        text=sentence,
        score=1.0,
        chunk_id=chunk.chunk_id,
        doc_id=meta.doc_id,
        title=meta.title or meta.doc_id,
        page=chunk.page_start,
        start=start,
        end=end,
        citations=[],
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        confidence="strong match",
        state="strong",
    )


def _shown_in(text: str, meta: DocumentMeta, field_name: MetaField) -> tuple[int, int]:
    """Where the first passage itself says the answer (an author's byline), for a viewer to
    mark; (0, 0) when it does not."""
    if field_name == "authors":
        for name in meta.authors:
            at = text.find(name)
            if at >= 0:
                return at, at + len(name)
    return 0, 0
