"""Questions about a document answered from its record (retrieval/meta_answer.py): who wrote it,
when it was published, its language; pure, then through the Searcher on the corpus indexed with
the hash encoder (the answer comes from the record, not from vectors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.models.hash_encoder import HashEncoder
from index.records import DocumentMeta
from retrieval.meta_answer import meta_question, meta_sentence, named_document
from retrieval.search import Searcher, open_searcher

AKRAM = "pakistan-belarus-relations-akram-2021"
QA = Path(__file__).resolve().parents[2] / "eval" / "data" / "qa.jsonl"
RECORDS = [
    DocumentMeta(AKRAM, "Reinvigorating Pakistan-Belarus Relations: Building Blocks", ["K. Akram"]),
    DocumentMeta("exports", "Belarus: building on development new export markets"),
    DocumentMeta("ru", "Беларусь и Азия", ["Сергей Богдан", "Анна Ким"], "2022-05", language="ru"),
]


@pytest.fixture(scope="module")
def searcher(hash_corpus_index: Path, hash_encoder: HashEncoder) -> Searcher:
    return open_searcher(hash_corpus_index, embedder=hash_encoder)


@pytest.mark.parametrize(
    ("question", "field", "doc_id"),
    [
        ("Who is the author of Reinvigorating Pakistan-Belarus Relations?", "authors", AKRAM),
        ("who wrote reinvigorating pakistan belarus relations", "authors", AKRAM),
        ("When was Reinvigorating Pakistan-Belarus Relations published?", "published", AKRAM),
        ("What language is Reinvigorating Pakistan-Belarus Relations in?", "language", AKRAM),
        (f"Who wrote {AKRAM}?", "authors", AKRAM),
        ("Кто автор статьи «Беларусь и Азия»?", "authors", "ru"),
        ("Когда опубликована «Беларусь и Азия»?", "published", "ru"),
        ("На каком языке «Беларусь и Азия»?", "language", "ru"),
        ("Authors of Беларусь и Азия", "authors", "ru"),
    ],
)
def test_a_question_about_a_record_names_its_field_and_document(
    question: str, field: str, doc_id: str
) -> None:
    asked = meta_question(question)
    assert asked is not None and asked.field == field
    named = named_document(asked.rest, RECORDS)
    assert named is not None and named.doc_id == doc_id


def test_a_title_word_or_a_question_about_the_text_names_no_record() -> None:
    # "Belarus" alone is the part of a title before its colon, not a title quoted alone.
    assert named_document("who wrote about Belarus", RECORDS) is None
    assert meta_question("When was the Belarusian-Chinese technopark in Changchun opened?") is None
    assert (
        meta_question("Why has Belarus lost strategic value for China, in the authors' view?")
        is None
    )
    assert meta_question("What do the authors of Беларусь и Азия say about trade?") is None
    assert meta_question("Что авторы «Беларусь и Азия» пишут о торговле?") is None


def test_the_sentence_says_the_record_and_never_fills_an_empty_field() -> None:
    akram, exports, ru = RECORDS
    assert meta_sentence(akram, "authors", False) == (
        "Reinvigorating Pakistan-Belarus Relations: Building Blocks is by K. Akram "
        "(document metadata)."
    )
    assert meta_sentence(ru, "authors", False) == (
        "Беларусь и Азия is by Сергей Богдан and Анна Ким (document metadata)."
    )
    assert meta_sentence(ru, "published", False) == (
        "Беларусь и Азия was published in May 2022 (document metadata)."
    )
    assert meta_sentence(ru, "published", True) == (
        "Дата публикации «Беларусь и Азия»: мая 2022 г. (метаданные документа)."
    )
    assert (
        meta_sentence(ru, "language", False) == "Беларусь и Азия is in Russian (document metadata)."
    )
    assert (
        meta_sentence(ru, "language", True)
        == "Язык «Беларусь и Азия»: русский (метаданные документа)."
    )
    for field in ("authors", "published", "language"):
        assert meta_sentence(exports, field, False) is None  # type: ignore[arg-type]


def test_the_author_question_is_answered_from_the_record(searcher: Searcher) -> None:
    # Issue 26: "Who is the author of Reinvigorating Pakistan-Belarus Relations?" was "Not found".
    result = searcher.search("Who is the author of Reinvigorating Pakistan-Belarus Relations?")
    answer = result.answer
    assert answer is not None and answer.state == "strong"
    assert answer.text.startswith("Reinvigorating Pakistan-Belarus Relations")
    assert answer.text.endswith("is by Khalid Taimur Akram (document metadata).")
    first = searcher.store.chunks_of(AKRAM)[0]
    assert (answer.doc_id, answer.chunk_id) == (AKRAM, first.chunk_id)
    assert (answer.char_start, answer.char_end) == (first.char_start, first.char_end)
    assert first.text[answer.start : answer.end] == "Khalid Taimur Akram"  # its byline, marked


def test_date_and_russian_questions_are_answered_from_the_record(searcher: Searcher) -> None:
    published = searcher.search("When was Reinvigorating Pakistan-Belarus Relations published?")
    assert published.answer is not None and published.answer.state == "strong"
    assert "was published on 9 March 2021 (document metadata)." in published.answer.text
    russian = searcher.search("Кто авторы Belarus' relations with Asia, Africa and Latin America?")
    assert russian.answer is not None and russian.answer.state == "strong"
    assert russian.answer.text.endswith(
        ": Sergei Bogdan и Angelika Pobedonostseva-Kaya (метаданные документа)."
    )


def test_a_record_without_the_field_leaves_the_question_to_the_passages(
    searcher: Searcher,
) -> None:
    # The corpus records no author for this chapter and no language for any document.
    for question in (
        "Who wrote Prospects for effective cooperation?",
        "What language is Reinvigorating Pakistan-Belarus Relations in?",
    ):
        answer = searcher.search(question).answer
        assert answer is None or "(document metadata)" not in answer.text
    # A filter leaving the document out leaves its record out too.
    filtered = searcher.search(
        "Who wrote Reinvigorating Pakistan-Belarus Relations?",
        doc_ids=["belarus-new-export-markets"],
    )
    assert filtered.answer is None or filtered.answer.doc_id == "belarus-new-export-markets"


def test_no_question_of_the_question_set_asks_for_a_record() -> None:
    # Eval's answers stay as they were: the record answers only questions about it.
    records = [DocumentMeta(d, t) for d, t in [(AKRAM, RECORDS[0].title)]]
    for line in QA.read_text(encoding="utf-8").splitlines():
        asked = meta_question(json.loads(line)["question"])
        assert asked is None or named_document(asked.rest, records) is None
