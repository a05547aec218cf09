"""Fuzzing the build side with mutated real files: it may refuse a file, never crash on one.

Inputs are the corpus texts and the real PDFs, mutated (bytes flipped, cut, deleted, repeated,
junk and tricky text inserted). Each goes through the loader, page splitter, footnote parser,
cleaner and chunker (``parse_file``/``parse_text`` and ``chunk_document`` with a word counter).
What must hold is what a reader relies on: either a ``LoadError`` with a reason, or a document
whose every passage maps back to the source, carries only footnotes that exist, fits the model's
budget and loses no word of the body.

``CITESEARCH_FUZZ_EXAMPLES`` sets the cases per test (60 here; ``make fuzz`` runs thousands). An
input that once failed is kept in ``regressions/`` and replayed by ``test_regressions``.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from reliability_support import CORPUS_DIR, FUZZ_EXAMPLES, FUZZ_RANDOM, REPO_ROOT, count_words

from index.ingest.readers import read_source
from index.ingest.source import LoadError
from index.parse import parse_file, parse_text
from index.parse_worker import ParseWorker
from index.records import Chunk, DocumentMeta, ParsedDocument
from index.text.chunk import DEFAULT_MAX_TOKENS, chunk_document

REGRESSIONS = Path(__file__).parent / "regressions"

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=not FUZZ_RANDOM,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces that steer the parsers into their corners: page breaks, note numbers and markers, links
# cut by a line end, HTML remnants, hyphens at line ends, odd spaces, bidi and zero-width marks.
TRICKY = [
    "\f",
    "\r\n",
    "\n\n",
    "\n1. ",
    "\n12 ",
    "[3]",
    "¹²",
    "⁴",
    "(5)",
    "\n________\n",
    "https://example.org/a-\nlong/path",
    "http://",
    "<p>",
    "</div>",
    "<br/>",
    "&amp;",
    "&#x41;",
    "&nbsp;",
    "co-\noperation",
    "-\n",
    "\u00ad",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x0b",
    "Page 7",
    "- 12 -",
    "       ",
    ". . . . .",
    "...",
    "“",
    "»",
    "Ibid.",
    "\t\t",
    "\u2028",
]


def _corpus_texts() -> list[str]:
    """Each corpus document cut to its first and last 6,000 characters (body and notes)."""
    texts = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts.append(text if len(text) <= 12_000 else text[:6_000] + text[-6_000:])
    return texts


CORPUS_TEXTS = _corpus_texts()


def _pdf_slices(shared_pdf: Callable[[str], Path]) -> list[bytes]:
    """Small real PDFs: the footnote PDF whole, and three pages of R-intro rewritten by pypdf."""
    footnotes = shared_pdf("mdwtools-footnote.pdf").read_bytes()
    reader = PdfReader(shared_pdf("R-intro.pdf"))
    writer = PdfWriter()
    for number in (10, 11, 12):
        writer.add_page(reader.pages[number])
    out = io.BytesIO()
    writer.write(out)
    return [footnotes, out.getvalue()]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the fuzz cases write their file into (one at a time)."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def pdf_bases(shared_pdf: Callable[[str], Path]) -> list[bytes]:
    return _pdf_slices(shared_pdf)


WORDS = ["Belarus", "exports", "grew", "by", "12%", "in", "2021.", "See", "note", "The", "report"]


@st.composite
def tricky_soup(draw: st.DrawFn) -> str:
    """Text made only of the parsers' corner cases and a few words, in any order."""
    return "".join(draw(st.lists(st.sampled_from(TRICKY + WORDS + [" "] * 8), max_size=400)))


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """A corpus text (or tricky soup) with a few edits: insertions, cuts, repeats."""
    text = draw(st.one_of(st.sampled_from(CORPUS_TEXTS), tricky_soup()))
    inserts = st.one_of(
        st.sampled_from(TRICKY),
        st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40),
    )
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["insert", "insert", "delete", "repeat", "cut"]))
        at = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:at] + draw(inserts) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 2_000)) :]
        elif op == "repeat":
            text = text[:at] + text[at : at + draw(st.integers(1, 500))] * 3 + text[at:]
        else:
            text = text[:at] if draw(st.booleans()) else text[at:]
    return text


@st.composite
def mutated_bytes(draw: st.DrawFn, bases: list[bytes]) -> bytes:
    """Real file bytes with a few edits: flipped bytes, cuts, deleted or repeated runs, junk."""
    data = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "flip", "delete", "repeat", "junk", "cut"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 4_096))]
        elif op == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 4_096))]
        elif op == "junk":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[at:]
    return bytes(data)


def assert_readable(doc: ParsedDocument, chunks: list[Chunk]) -> None:
    """What a reader relies on: passages map to the source, notes exist, no word is lost."""
    source, body = doc.source_text, doc.body
    assert len(doc.offsets) == len(body)
    assert all(0 <= o < len(source) for o in doc.offsets)
    assert all(a <= b for a, b in zip(doc.offsets, doc.offsets[1:], strict=False))
    # A letter of the body is the letter at its place in the source (or an HTML entity there).
    for i, ch in enumerate(body):
        if ch.isalnum():
            assert source[doc.offsets[i]] in (ch, "&"), (i, ch, source[doc.offsets[i]])
    assert all(0 <= pos <= len(body) for pos, _ in doc.marker_positions)
    page_numbers = {p.number for p in doc.pages}
    notes = {f.n for f in doc.footnotes}
    for chunk in chunks:
        assert chunk.text.strip() and chunk.text in body
        assert 0 <= chunk.char_start < chunk.char_end <= len(source)
        assert chunk.page_start <= chunk.page_end
        assert {chunk.page_start, chunk.page_end} <= page_numbers or not page_numbers
        assert count_words(chunk.text) <= DEFAULT_MAX_TOKENS
        for citation in chunk.citations:
            assert citation.n in notes
            assert 0 <= citation.offset <= len(chunk.text)
    assert set(body.split()) <= {w for c in chunks for w in c.text.split()}


def _parse_and_chunk(path: Path) -> tuple[ParsedDocument, list[Chunk]] | None:
    """Parse a file as the builder would; None when it is refused with a reason."""
    try:
        doc = parse_file(path)
    except LoadError as exc:
        assert str(exc), "a refusal must say why"
        return None
    return doc, chunk_document(doc, count_words)


@FUZZ
@given(text=mutated_text())
def test_mutated_corpus_text_parses_into_readable_passages(text: str) -> None:
    doc = parse_text(text, DocumentMeta(doc_id="fuzz", title=""), "0" * 64)
    assert_readable(doc, chunk_document(doc, count_words))


@FUZZ
@given(data=mutated_bytes([p.read_bytes()[:40_000] for p in sorted(CORPUS_DIR.glob("*.txt"))]))
def test_mutated_text_files_are_read_or_refused(data: bytes, scratch: Path) -> None:
    path = scratch / "mutated.txt"
    path.write_bytes(data)
    parsed = _parse_and_chunk(path)
    if parsed is not None:
        assert_readable(*parsed)


def test_mutated_pdfs_are_read_or_refused(pdf_bases: list[bytes], scratch: Path) -> None:
    path = scratch / "mutated.pdf"
    outcomes = {"read": 0, "refused": 0}

    @FUZZ
    @given(data=mutated_bytes(pdf_bases))
    def check(data: bytes) -> None:
        path.write_bytes(data)
        parsed = _parse_and_chunk(path)
        outcomes["refused" if parsed is None else "read"] += 1
        if parsed is not None:
            assert_readable(*parsed)

    check()
    # Both sides were exercised: some damage is survivable, some is not.
    assert outcomes["read"] and outcomes["refused"], outcomes


@FUZZ
@given(data=st.binary(max_size=4_096), suffix=st.sampled_from([".txt", ".md", ".pdf"]))
def test_random_bytes_are_read_or_refused(data: bytes, suffix: str, scratch: Path) -> None:
    path = scratch / f"random{suffix}"
    path.write_bytes(data)
    try:
        source = read_source(path)
    except LoadError as exc:
        assert str(exc)
        return
    assert "\x00" not in source.text


REGRESSION_OUTCOMES = {
    "cyclic-page-tree.pdf": "cyclic page references",
    "self-drawing-xobject.pdf": None,  # read
    "page-count-lie.pdf": "no text layer",
    "deflate-bomb.pdf": "no text layer",
    "nested-arrays.pdf": "not a readable PDF",
}


def test_regressions() -> None:
    """Every kept input is read or refused as listed, within the parse worker's time limit."""
    inputs = sorted(p.name for p in REGRESSIONS.iterdir() if p.name != "README.md")
    assert inputs == sorted(REGRESSION_OUTCOMES), "list the expected outcome of each input"
    with ParseWorker(timeout=120) as worker:
        for name, refusal in REGRESSION_OUTCOMES.items():
            if refusal is None:
                doc = worker.parse(REGRESSIONS / name)
                assert_readable(doc, chunk_document(doc, count_words))
            else:
                with pytest.raises(LoadError, match=refusal):
                    worker.parse(REGRESSIONS / name)


HOSTILE_SHAPES = r"""
import sys
from index.text.chunk import chunk_document
from index.parse import parse_text
from index.records import DocumentMeta
shapes = {
    "dot run": "Contents " + ". " * 200_000 + "and so on",
    "short paragraphs": "A short paragraph ends here.\n\n" * 100_000,
    "form feeds": "Page text.\f" * 20_000,
}
for name, text in shapes.items():
    doc = parse_text(text, DocumentMeta(doc_id="shape", title=""), "0" * 64)
    chunks = chunk_document(doc, lambda s: len(s.split()))
    print(name, len(doc.body), len(chunks), flush=True)
"""


def test_hostile_text_shapes_parse_and_chunk() -> None:
    """Runs of dots and many short paragraphs once made sentence splitting quadratic (hours
    for a few MB). Run in a child so that a return of that bug fails instead of hanging."""
    done = subprocess.run(
        [sys.executable, "-c", HOSTILE_SHAPES],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    counts = {}
    for line in done.stdout.splitlines():
        name, body, chunks = line.rsplit(" ", 2)
        counts[name] = (int(body), int(chunks))
    assert set(counts) == {"dot run", "short paragraphs", "form feeds"}
    assert all(body > 0 and chunks > 0 for body, chunks in counts.values()), counts


def test_a_long_line_without_full_stops_is_chunked_in_linear_work() -> None:
    """A long line with no sentence end once made the chunker re-read the rest of the line for
    every passage: quadratic, hours for the 10 MB line of test_bad_files. Now each passage costs
    at most its own words (2 MB here: the old code passed the counter tens of gigabytes)."""
    text = " ".join(["cooperation", "between", "Belarus", "and", "Pakistan"] * 80_000)
    doc = parse_text(text, DocumentMeta(doc_id="long", title=""), "0" * 64)
    counted = 0

    def counter(piece: str) -> int:
        nonlocal counted
        counted += len(piece)
        return count_words(piece)

    chunks = chunk_document(doc, counter)
    assert len(text) >= 2_000_000
    assert sum(len(c.text.split()) for c in chunks) == 400_000
    # One pass over the line to size it, then a bounded search per passage.
    assert counted < 30 * len(text)
