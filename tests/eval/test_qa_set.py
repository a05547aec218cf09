"""The shipped question set is sound: every key answers in exactly one place of the real corpus.

These checks run on the corpus files themselves, so a typo in a key, a key copied from the wrong
document, or a mistyped footnote number fails here rather than silently skewing an evaluation.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from eval.answers import ANSWERS_CALIBRATION_FILE
from eval.qa import (
    DEFAULT_QA_PATH,
    LANGUAGES,
    QUESTION_TYPES,
    QAItem,
    by_language,
    is_relevant,
    key_spans,
    load_questions,
    normalize,
)

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MARKER_WINDOW = 300  # body characters after the key in which its footnote markers must appear
MARKER_LOOKBACK = 40  # a marker may also sit just before the key, earlier in the same sentence
# A page's notes start after a line of spaces and run until the body resumes on a line that
# begins with a space (how the two PDF-extracted chapters lay out their pages).
NOTE_SEPARATOR = re.compile(r"\n[ \t]{20,}\n")


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    texts = {path.stem: path.read_text(encoding="utf-8") for path in CORPUS_DIR.glob("*.txt")}
    assert texts, f"no corpus files in {CORPUS_DIR}"
    return texts


@pytest.fixture(scope="module")
def questions() -> list[QAItem]:
    # The question set and the answer box's own calibration questions (eval.answers): both
    # must answer in exactly one place of the corpus.
    more = DEFAULT_QA_PATH.parent / ANSWERS_CALIBRATION_FILE
    return load_questions(DEFAULT_QA_PATH) + load_questions(more)


def _body_after(raw: str, start: int, length: int) -> str:
    """Up to ``length`` characters of body text from ``start``, skipping page-bottom note blocks."""
    out: list[str] = []
    pos = start
    while pos < len(raw) and sum(map(len, out)) < length:
        sep = NOTE_SEPARATOR.search(raw, pos)
        stop = sep.start() if sep else len(raw)
        out.append(raw[pos:stop])
        if sep is None:
            break
        resume = re.compile(r"\n ").search(raw, sep.end())
        pos = resume.start() + 1 if resume else len(raw)
    return "".join(out)[:length]


def _has_marker(text: str, n: int) -> bool:
    """A digit run equal to n that reads as a marker, not as part of an amount or a percentage.

    Markers glued to a year are allowed (``IN 202031.`` is 2020 + marker 31, ``2021.11`` is
    2021 + marker 11).
    """
    pattern = rf"(?<![\d$])(?<!\d[.,])(?:(?:19|20)\d\d\.?)?{n}(?![\d%]|[.,]\d)"
    return re.search(pattern, text) is not None


def test_set_is_large_enough_and_ids_are_unique(questions: list[QAItem]) -> None:
    assert len(questions) >= 80
    ids = [item.id for item in questions]
    duplicates = [i for i, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"


def test_russian_questions_ask_in_russian_for_english_text(questions: list[QAItem]) -> None:
    groups = by_language(questions)
    assert set(groups) <= set(LANGUAGES)
    russian = groups["ru"]
    assert len(russian) >= 20
    problems = []
    for item in russian:
        letters = [ch for ch in item.question if ch.isalpha()]
        if sum(1 for ch in letters if CYRILLIC.match(ch)) < 0.9 * len(letters):
            problems.append(f"{item.id}: the question is not written in Russian")
        if CYRILLIC.search(item.key):
            problems.append(f"{item.id}: the key must be English text of the report")
    for item in groups["en"]:
        if CYRILLIC.search(item.question):
            problems.append(f"{item.id}: a Cyrillic question is marked as English")
    assert not problems, "\n".join(problems)
    # They are asked of more than one report (the key-occurrence checks below cover them too).
    assert len({item.doc_id for item in russian}) >= 4


def test_every_document_is_asked_about(questions: list[QAItem], corpus: dict[str, str]) -> None:
    per_doc = Counter(item.doc_id for item in questions)
    unknown = set(per_doc) - set(corpus)
    assert not unknown, f"questions name documents not in the corpus: {unknown}"
    for doc_id in corpus:
        assert per_doc[doc_id] >= 5, f"{doc_id}: only {per_doc[doc_id]} questions"


def test_types_and_footnote_numbers_are_valid(questions: list[QAItem]) -> None:
    for item in questions:
        assert item.type in QUESTION_TYPES, f"{item.id}: type {item.type!r}"
        assert all(type(n) is int for n in item.footnotes), f"{item.id}: {item.footnotes!r}"


def test_every_key_occurs_exactly_once_in_its_document(
    questions: list[QAItem], corpus: dict[str, str]
) -> None:
    normalized = {doc_id: f" {normalize(text)} " for doc_id, text in corpus.items()}
    problems = []
    for item in questions:
        needle = f" {normalize(item.key)} "
        found = {doc: text.count(needle) for doc, text in normalized.items() if needle in text}
        if found != {item.doc_id: 1}:
            problems.append(f"{item.id} {item.key!r}: {found or 'nowhere'}")
    assert not problems, "keys must occur once, in their own document:\n" + "\n".join(problems)


def test_key_is_a_short_span_of_body_text(questions: list[QAItem], corpus: dict[str, str]) -> None:
    problems = []
    for item in questions:
        words = len(normalize(item.key).split())
        if not 4 <= words <= 12:
            problems.append(f"{item.id}: key has {words} words")
        for start, end in key_spans(item.key, corpus[item.doc_id]):
            raw = corpus[item.doc_id][start:end]
            # A span much longer than the key has swallowed a page-bottom note block.
            if len(raw) > 2 * len(item.key) + 20:
                problems.append(f"{item.id}: key spans {len(raw)} raw characters")
            # A word hyphen-split at a line end ("coop-" / "eration") would only match by luck.
            if re.search(r"[a-z]-[ \t]*\n\s*[a-z]", raw):
                problems.append(f"{item.id}: key spans a hyphen-split word")
    assert not problems, "\n".join(problems)


def test_listed_footnotes_appear_as_markers_near_the_key(
    questions: list[QAItem], corpus: dict[str, str]
) -> None:
    problems = []
    for item in questions:
        raw = corpus[item.doc_id]
        spans = key_spans(item.key, raw)
        if len(spans) != 1:
            continue  # reported by the uniqueness test
        ((start, end),) = spans
        before = raw[max(0, start - MARKER_LOOKBACK) : start]
        after = _body_after(raw, end, MARKER_WINDOW)
        for n in item.footnotes:
            if not (_has_marker(after, n) or _has_marker(before, n)):
                problems.append(f"{item.id}: no marker {n} near {item.key!r}")
    assert not problems, "\n".join(problems)


def test_a_passage_holding_the_key_is_relevant_and_others_are_not(
    questions: list[QAItem], corpus: dict[str, str]
) -> None:
    # The wrapped, punctuated source around each key counts as relevant for its own question,
    # and the first key's passage does not answer a question about another document.
    first = questions[0]
    raw = corpus[first.doc_id]
    ((start, end),) = key_spans(first.key, raw)
    passage = raw[max(0, start - 200) : end + 200]
    assert is_relevant(first, passage)
    other = next(item for item in questions if item.doc_id != first.doc_id)
    assert not is_relevant(other, passage)


def test_normalize_folds_case_punctuation_and_unicode() -> None:
    assert normalize("  Belarus’ trade:\n\nUSD92.6 million (up 77%)  ") == (
        "belarus trade usd92 6 million up 77"
    )
    assert normalize("ﬁre-\n\nﬁghting") == "fire fighting"  # NFKC unfolds the ligature


def test_relevance_needs_whole_words() -> None:
    item = QAItem("x", "?", "doc", "Great Stone", [], "name")
    assert is_relevant(item, 'the Industrial Park "Great\n\nStone", the main')
    assert not is_relevant(item, "granite, limestone, clay")
    assert not is_relevant(item, "a great stonemason")


def test_load_questions_names_the_bad_line(tmp_path: Path) -> None:
    good = {
        "id": "q1",
        "question": "How much?",
        "doc_id": "d",
        "key": "some words here",
        "footnotes": [3],
        "type": "number",
    }
    bad_notes = "'footnotes' must be a list of positive integers"
    cases = {
        "{not json": "not valid JSON",
        json.dumps({**good, "type": "trivia"}): "type 'trivia'",
        json.dumps({**good, "footnotes": ["3"]}): bad_notes,
        json.dumps({**good, "footnotes": [True]}): bad_notes,
        json.dumps({k: v for k, v in good.items() if k != "key"}): "missing field(s) key",
        json.dumps({**good, "answer": "x"}): "unknown field(s) answer",
        json.dumps([good]): "expected a JSON object",
        json.dumps({**good, "lang": "fr"}): "lang 'fr' is not one of en, ru",
        json.dumps({**good, "split": "dev"}): "split 'dev' is not one of calibration, held-out",
    }
    for bad_line, message in cases.items():
        path = tmp_path / "qa.jsonl"
        path.write_text(json.dumps(good) + "\n\n" + bad_line + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match=re.escape(f"{path}:3: ")) as excinfo:
            load_questions(path)
        assert message in str(excinfo.value)
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    expected = QAItem("q1", "How much?", "d", "some words here", [3], "number")
    assert load_questions(path) == [expected]
    assert expected.lang == "en"  # a question without "lang" is English
    path.write_text(json.dumps({**good, "lang": "ru"}) + "\n", encoding="utf-8")
    assert load_questions(path)[0].lang == "ru"
    path.write_text(json.dumps({**good, "split": "calibration"}) + "\n", encoding="utf-8")
    assert load_questions(path)[0].split == "calibration"
    assert expected.split == ""  # a question without "split" takes its position's half
