"""Citations per sentence through the API and the CLI's exports (issue 23, item 3).

The "$53 million" sentence of the Belarus-Asia report has no marker of its own; note 48 follows
it in its paragraph (after the next sentence's quotation) and is its source. Its passage also
holds note 47 (the rice and wheat note), which must not be credited to it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cli import main

QUESTION = (
    "How much did trade turnover between Belarus and Pakistan exceed in eight months of 2021?"
)
SENTENCE = "exceeded $53 million."
NOTE_48 = "[48] Trade and economic relations between the Republic of Belarus"
URL_48 = "https://pakistan.mfa.gov.by/ru/trade_and_economic_bilateral_relations/"


def _cli(capsys: pytest.CaptureFixture[str], index: Path, fmt: str) -> str:
    assert main(["search", QUESTION, "-k", "5", "--index-dir", str(index), "--format", fmt]) == 0
    return capsys.readouterr().out


def test_answer_and_highlight_cite_48_not_47(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": QUESTION, "k": 5}).json()
    answer = data["answer"]
    assert answer is not None and answer["text"].endswith(SENTENCE)
    assert [c["n"] for c in answer["citations"]] == [48]
    assert answer["attribution"] == "end of paragraph"
    # The note was taken from the marker after the sentence: its offset lies past the end.
    assert answer["citations"][0]["offset"] > len(answer["text"])

    hit = next(h for h in data["results"] if h["chunk_id"] == answer["chunk_id"])
    assert {47, 48} <= {c["n"] for c in hit["citations"]}  # the passage lists all its notes
    highlight = hit["highlight"]
    assert highlight["text"] == answer["text"]
    assert [c["n"] for c in highlight["citations"]] == [48]
    assert highlight["attribution"] == "end of paragraph"
    assert highlight["citations"][0]["note"].startswith(NOTE_48[5:])


def test_openapi_documents_the_sentence_citations(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for model in ("HighlightModel", "AnswerModel"):
        fields = schemas[model]["properties"]
        assert "not all of" in fields["citations"]["description"]
        assert "end of paragraph" in fields["attribution"]["description"]
    assert "label" in schemas["CitationModel"]["properties"]


def test_markdown_export_quotes_the_sentence_with_its_own_note(
    corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = _cli(capsys, corpus_index, "markdown")
    answer = markdown.split("\n## Answer\n", 1)[1].split("\n## 1. ", 1)[0]
    assert "> It should be reminded" in answer and SENTENCE in answer
    assert "*Source: note 48, end of paragraph.*" in answer
    assert f"- {NOTE_48}" in answer and f"<{URL_48}>" in answer
    assert "[47]" not in answer
    # The passage's block quotes the same sentence with the same single note.
    block = next(b for b in markdown.split("\n## ")[2:] if SENTENCE in b)
    assert f"- {NOTE_48}" in block and "[47]" not in block


def test_csv_export_puts_the_quote_s_notes_apart_from_the_passage_s(
    corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(_cli(capsys, corpus_index, "csv"))))
    row = next(r for r in rows if r["quote"].endswith(SENTENCE))
    assert row["footnotes"].startswith(NOTE_48) and "[47]" not in row["footnotes"]
    assert row["source"] == "source: note 48, end of paragraph"
    assert "[47] " in row["passage_footnotes"] and "[48] " in row["passage_footnotes"]
    # Note 48's link only; note 47's (belta.by) belongs to another sentence of the passage.
    assert row["urls"] == URL_48


def test_terminal_listing_says_where_the_note_comes_from(
    corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _cli(capsys, corpus_index, "text")
    answer = text.split("\n\n", 1)[0]
    assert "source: note 48, end of paragraph" in answer
    assert "[48] Trade and economic relations" in answer and "[47]" not in answer
    assert "highlighted sentence's notes: [48] (end of paragraph)" in text


def test_a_quote_is_not_credited_with_the_note_of_the_sentence_before_it(
    corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "... between Belarus and Tatarstan. \n25In April 2021, the two countries signed ...": note
    # 25's marker, displaced to the next line, sits at the answer's first character. It ends
    # the sentence before; the answer (a quotation never closed) has no note of its own.
    question = "When did Belarus and Tatarstan sign a protocol of agreements?"
    argv = ["search", question, "-k", "3", "--index-dir", str(corpus_index)]
    assert main([*argv, "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    answer = markdown.split("\n## Answer\n", 1)[1].split("\n## 1. ", 1)[0]
    assert answer.lstrip().startswith("> In April 2021, the two countries signed a protocol")
    assert "[25]" not in answer
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answer"]["citations"] == [] and data["answer"]["attribution"] is None
    hit = next(h for h in data["results"] if h["chunk_id"] == data["answer"]["chunk_id"])
    assert 25 in {c["n"] for c in hit["citations"]}  # the passage still lists it
