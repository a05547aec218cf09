"""Clean quotes and one highlight per answer, on a tiny index (hash encoder: mechanics only).

An e-mail's header lines and a text file's headings are never the answer, a candidate or a
highlight; the passage an answer or a candidate comes from highlights that very sentence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from api.schema import SearchResponse
from index.build import build_index
from index.models.hash_encoder import HashEncoder
from retrieval.search import Searcher, SearchOptions, open_searcher

MAIL = """From: Anna Desk <anna@example.org>
To: desk@example.org
Subject: Shipment of potash to Brazil
Date: Tue, 31 May 2022 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi desk,

The ship carrying 40,000 tonnes of potash left Klaipeda on 30 May 2022. It is due in Santos in June.

Regards,
Anna
"""

REPORT = """Potash exports to Brazil
The ship carrying potash left Klaipeda in May 2022 with 40,000 tonnes on board. It is due in
Santos in June after a stop in Rotterdam.

Cargo and insurance
The cargo was insured by a Lithuanian firm. The premium was not disclosed by the firm.
"""

HEADINGS = ("Potash exports to Brazil", "Cargo and insurance")
HEADER = ("From:", "To:", "Subject:", "Date:", "Attachments:")


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory: pytest.TempPathFactory, hash_encoder: HashEncoder) -> Path:
    folder = tmp_path_factory.mktemp("quotes-corpus")
    (folder / "note.eml").write_text(MAIL, encoding="utf-8")
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("quotes-index")
    build_index([folder], index_dir, embedder=hash_encoder)
    return index_dir


def _searcher(index_dir: Path, encoder: HashEncoder, strong: float) -> Searcher:
    # Thresholds the hash encoder's cosines reach: what is tested is which sentences are quoted.
    options = SearchOptions(answer_threshold=-10.0, strong_threshold=strong)
    return open_searcher(index_dir, embedder=encoder, options=options)


QUESTIONS = [
    "When is the ship carrying potash due in Santos?",
    "Shipment of potash to Brazil",
    "potash exports to Brazil",
    "Who insured the cargo?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_header_or_heading_is_ever_quoted(
    tiny_index: Path, hash_encoder: HashEncoder, question: str
) -> None:
    result = _searcher(tiny_index, hash_encoder, strong=10.0).search(question, k=10)
    assert result.answer is not None and result.answer.state == "candidates"
    quotes = [result.answer.text, *(c.text for c in result.answer.candidates)]
    quotes += [hit.highlight.text for hit in result.hits if hit.highlight is not None]
    for quote in quotes:
        assert not quote.lstrip().startswith(HEADER), quote
        assert not any(quote.startswith(heading) for heading in HEADINGS), quote
        assert quote not in HEADINGS


def test_candidates_come_with_their_documents_and_highlights(
    tiny_index: Path, hash_encoder: HashEncoder
) -> None:
    result = _searcher(tiny_index, hash_encoder, strong=10.0).search(QUESTIONS[0], k=10)
    answer = result.answer
    assert answer is not None and answer.confidence == "partial match"
    assert 2 <= len(answer.candidates) <= 3
    assert (answer.chunk_id, answer.text) == (answer.candidates[0].chunk_id, answer.text)
    highlights = {hit.chunk_id: hit.highlight for hit in result.hits}
    for candidate in answer.candidates:
        assert candidate.title and candidate.page_label
        first = next(c for c in answer.candidates if c.chunk_id == candidate.chunk_id)
        highlight = highlights.get(candidate.chunk_id)
        assert highlight is not None and highlight.text == first.text
    # The API's JSON: the state and the candidates beside the old fields.
    data = SearchResponse.from_result(result).model_dump()
    assert data["answer"]["state"] == "candidates"
    assert [c["text"] for c in data["answer"]["candidates"]] == [c.text for c in answer.candidates]


def test_a_strong_answer_is_its_passages_highlight(
    tiny_index: Path, hash_encoder: HashEncoder
) -> None:
    result = _searcher(tiny_index, hash_encoder, strong=-10.0).search(QUESTIONS[3], k=10)
    answer = result.answer
    assert answer is not None and answer.state == "strong" and answer.candidates == []
    assert answer.confidence == "strong match"
    hit = next(hit for hit in result.hits if hit.chunk_id == answer.chunk_id)
    assert hit.highlight is not None
    assert (hit.highlight.start, hit.highlight.end) == (answer.start, answer.end)
