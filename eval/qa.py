"""The project's own question set: loading it, and deciding which passages answer a question.

Each line of ``eval/data/qa.jsonl`` is one question a journalist might ask of the corpus, with the
document that answers it, a short verbatim ``key`` from the answering sentence and the footnote
markers that source that sentence. A passage is relevant when its normalized text contains the
normalized key, so relevance survives line wrapping, punctuation and case differences between the
source file and whatever text a chunker produced. An optional ``lang`` (``"en"`` when absent)
says what language the question is written in: Russian questions ask about the English reports,
and their key is English text of the answering passage. An optional ``split`` puts a question
in the calibration or the held-out half whatever its position (``eval.answers.split_of``);
without it, its position decides.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

QUESTION_TYPES: tuple[str, ...] = ("keyword", "paraphrase", "number", "name", "similar")
"""Allowed values of ``QAItem.type``."""

LANGUAGES: tuple[str, ...] = ("en", "ru")
"""Allowed values of ``QAItem.lang``: the language the question is written in (the corpus is
English; a Russian question's key is still English text of the answering passage)."""

DEFAULT_QA_PATH = Path(__file__).parent / "data" / "qa.jsonl"
"""The question set shipped with the package."""

_NON_ALNUM = re.compile(r"[\W_]+")
_FIELDS = ("id", "question", "doc_id", "key", "footnotes", "type")
_OPTIONAL_FIELDS = ("lang", "split")

SPLITS: tuple[str, ...] = ("calibration", "held-out")
"""Allowed values of ``QAItem.split``."""


@dataclass
class QAItem:
    """One question, the document that answers it, and the evidence that proves an answer."""

    id: str
    question: str
    doc_id: str
    key: str
    footnotes: list[int]
    type: str
    lang: str = "en"
    split: str = ""  # "" : the half its id's position gives (``eval.answers.split_of``)


def normalize(text: str) -> str:
    """Unicode NFKC, lower-case, every run of non-alphanumeric characters to one space, strip.

    >>> normalize("Trade  stood at USD92.6\\nmillion, up 77%")
    'trade stood at usd92 6 million up 77'
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    # Letters and digits of any script survive; quotes, dashes, hyphens, line breaks and the
    # replacement glyphs left by PDF extraction all collapse to one space.
    return _NON_ALNUM.sub(" ", folded).strip()


def padded(text: str) -> str:
    """``text`` normalized, with a space at each end: a key matches whole words only."""
    return f" {normalize(text)} "


def is_relevant(item: QAItem, passage_text: str) -> bool:
    """True when the passage contains the item's key, both normalized."""
    return padded(item.key) in padded(passage_text)


def key_spans(key: str, text: str) -> list[tuple[int, int]]:
    """Where the normalized key occurs in ``text``, as ``(start, end)`` offsets into ``text`` itself.

    Lets a caller show the answering words in the original (wrapped, punctuated) source.
    """
    haystack, origin = _normalized_with_origin(text)
    needle = normalize(key)
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    for match in re.finditer(re.escape(needle), haystack):
        start, end = match.start(), match.end()
        # Whole words only, as in is_relevant: "stone" must not match inside "limestone".
        if (start > 0 and haystack[start - 1] != " ") or (
            end < len(haystack) and haystack[end] != " "
        ):
            continue
        spans.append((origin[start], origin[end - 1] + 1))
    return spans


@functools.lru_cache(maxsize=16)
def _normalized_with_origin(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` normalized as keys are, and the offset in ``text`` of each normalized character.

    Kept for the last few texts: a question set asks about the same reports over and over.
    """
    norm_chars: list[str] = []
    origin: list[int] = []  # origin[i] = offset in `text` of normalized character i
    pending_space = False
    for offset, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).lower():
            if _NON_ALNUM.fullmatch(folded):
                pending_space = bool(norm_chars)
                continue
            if pending_space:
                norm_chars.append(" ")
                origin.append(offset)
                pending_space = False
            norm_chars.append(folded)
            origin.append(offset)
    return "".join(norm_chars), tuple(origin)


def load_questions(path: str | Path = DEFAULT_QA_PATH) -> list[QAItem]:
    """Read a JSON-lines question set; raise ``ValueError`` naming the line for any bad record."""
    items: list[QAItem] = []
    text = Path(path).read_text(encoding="utf-8")
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not valid JSON ({exc.msg})") from exc
        items.append(_parse_record(record, where))
    return items


def _parse_record(record: object, where: str) -> QAItem:
    """Check one decoded line field by field; the error says which field is wrong and why."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    missing = [name for name in _FIELDS if name not in record]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(record) - set(_FIELDS) - set(_OPTIONAL_FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for name in ("id", "question", "doc_id", "key", "type"):
        value = record[name]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: field {name!r} must be a non-empty string, got {value!r}")
    if record["type"] not in QUESTION_TYPES:
        raise ValueError(
            f"{where}: type {record['type']!r} is not one of {', '.join(QUESTION_TYPES)}"
        )
    lang = record.get("lang", "en")
    if lang not in LANGUAGES:
        raise ValueError(f"{where}: lang {lang!r} is not one of {', '.join(LANGUAGES)}")
    split = record.get("split", "")
    if split and split not in SPLITS:
        raise ValueError(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}")
    notes = record["footnotes"]
    # bool is a subclass of int: reject it explicitly so `true` is not read as footnote 1.
    if not isinstance(notes, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in notes
    ):
        raise ValueError(f"{where}: 'footnotes' must be a list of positive integers, got {notes!r}")
    if not normalize(record["key"]):
        raise ValueError(f"{where}: key {record['key']!r} has no letters or digits")
    return QAItem(
        id=record["id"],
        question=record["question"],
        doc_id=record["doc_id"],
        key=record["key"],
        footnotes=list(notes),
        type=record["type"],
        lang=lang,
        split=split,
    )


def by_language(items: Iterable[QAItem]) -> dict[str, list[QAItem]]:
    """The questions grouped by ``lang``, in ``LANGUAGES`` order, each group in file order.

    >>> groups = by_language([QAItem("a", "?", "d", "k w", [], "name", "ru")])
    >>> list(groups), [item.id for item in groups["ru"]]
    (['ru'], ['a'])
    """
    groups: dict[str, list[QAItem]] = {lang: [] for lang in LANGUAGES}
    for item in items:
        groups[item.lang].append(item)
    return {lang: group for lang, group in groups.items() if group}
