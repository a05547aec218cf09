"""Bad files in a collection: each is named with its reason, the rest is indexed, nothing hangs.

The bad files are made from real ones: R-intro.pdf cut short and with flipped bytes, the footnote
PDF encrypted with pypdf, a blank-page PDF, a 1.5 MB line of corpus text, corpus documents in other
encodings, and a generated PDF of 1,200 pages (10,000 in the slow variant). The collection is
indexed into a copy of the session's corpus index, so the corpus documents must survive too.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from reliability_support import CORPUS_DIR

from index.build import BuildReport, build_index
from index.ingest.readers import read_source
from index.ingest.source import LoadError
from index.models.encoder import Encoder
from index.parse_worker import ParseWorker
from index.stores.embedded.store import EmbeddedStore
from retrieval.search import open_searcher

SMALL_DOC = "belarus-asia-africa-latin-america-2021"  # 17 KB, every character in Windows-1252
GOOD_PHRASE = "Belarus"


def _pdf_bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _flip_bytes(data: bytes, count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    damaged = bytearray(data)
    for _ in range(count):
        at = rng.randrange(1_000, len(damaged) - 1_000)
        damaged[at] ^= 0xFF
    return bytes(damaged)


def _one_page_damaged(r_intro: Path) -> bytes:
    """Three pages of R-intro; the middle page's content stream garbled and cut off mid-string."""
    reader = PdfReader(r_intro)
    writer = PdfWriter()
    for number in (10, 11, 12):
        writer.add_page(reader.pages[number])
    cut = DecodedStreamObject()
    cut.set_data(b"BT /F1 12 Tf 72 700 Td [(The text) 120 (of this) /F1] TJ (page stops in the mid")
    writer.pages[1][NameObject("/Contents")] = writer._add_object(cut)
    return _pdf_bytes(writer)


def _encrypted(source: Path, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=source)
    # RC4: pypdf writes and reads it without the optional cryptography package.
    writer.encrypt(user_password, owner_password="owner-secret", algorithm="RC4-128")
    return _pdf_bytes(writer)


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return _pdf_bytes(writer)


HUGE_LINE_BYTES = 1_500_000
# Past a thousand: four-digit page numbers to drop, the last page cited as printed. The parse and
# the passages grow with the pages and no limit lies between this and 10,000 (the slow variant).
BIG_PDF_PAGES = 1_200


def _huge_line() -> bytes:
    """1.5 MB without a line break: a corpus article's sentences run together, over and over.

    About 1,500 passages, half again the 1,000 asked for. No limit of the build side lies between
    this and the 10 MB it once was (text is refused past ``MAX_TEXT_CHARS``, 20 million
    characters), and every passage is entity-tagged and stored: 10 MB cost the suite a minute.
    The repeats make only a dozen distinct passages, so the model embeds a dozen texts.
    """
    text = (CORPUS_DIR / "pakistan-belarus-foreign-ministers-meeting.txt").read_text("utf-8")
    line = " ".join(text.split()) + " "
    return (line * (HUGE_LINE_BYTES // len(line) + 1)).encode("utf-8")


def _write_collection(folder: Path, shared_pdf: Callable[[str], Path], pages_pdf: Path) -> None:
    """Good and bad files side by side, as a reporter's download folder might hold them."""
    folder.mkdir()
    r_intro = shared_pdf("R-intro.pdf")
    footnote_pdf = shared_pdf("mdwtools-footnote.pdf")
    text = (CORPUS_DIR / f"{SMALL_DOC}.txt").read_text(encoding="utf-8")
    files = {
        # good, in odd encodings: indexed, a guessed encoding said so
        "good-copy.txt": text.encode("utf-8"),
        "cp1252.txt": ("Café " + text).encode("cp1252"),
        "utf16-bom.txt": text.encode("utf-16"),
        "utf16-no-bom.txt": text.encode("utf-16-le"),
        "utf8-bom.md": b"\xef\xbb\xbf" + text.encode("utf-8"),
        # damaged: indexed in part, or refused with the reason
        "empty.txt": b"",
        "blank-lines.md": b"\n   \n\t\n",
        "empty-file.pdf": b"",
        "junk.pdf": random.Random(1).randbytes(50_000),
        "binary-named.txt": bytes(range(256)) * 40,
        "cut-short.pdf": r_intro.read_bytes()[: r_intro.stat().st_size * 6 // 10],
        "flipped.pdf": _flip_bytes(r_intro.read_bytes(), 100, seed=7),
        "one-page-damaged.pdf": _one_page_damaged(r_intro),
        "encrypted.pdf": _encrypted(footnote_pdf, user_password="reporter-secret"),
        "encrypted-no-password.pdf": _encrypted(footnote_pdf, user_password=""),
        "blank-page.pdf": _blank_pdf(),
        "huge-line.txt": _huge_line(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    shutil.copy(pages_pdf, folder / pages_pdf.name)


REFUSED = {
    "empty.txt": "the file is empty",
    "blank-lines.md": "the file is empty",
    "empty-file.pdf": "not a readable PDF: the file is empty",
    "junk.pdf": "does not start like a PDF",
    "binary-named.txt": "binary data, not text",
    "cut-short.pdf": "cut short",
    "encrypted.pdf": "encrypted PDF: a password is needed",
    "blank-page.pdf": "no text layer",
}
WARNED = {
    "cp1252.txt": "decoded as Windows-1252",
    "utf16-no-bom.txt": "decoded as UTF-16",
    "one-page-damaged.pdf": "page(s) 2 could not be read",
}
INDEXED = {"good-copy", "utf16-bom", "utf8-bom", "encrypted-no-password", "huge-line"}


def _check_collection_report(report: BuildReport, pages_stem: str) -> None:
    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    warned = {Path(p).name: "; ".join(w) for p, w in report.warnings.items()}
    # flipped.pdf: 100 flipped bytes leave pypdf a few pages or nothing; either way it says so.
    flipped = skipped.pop("flipped.pdf", None) or warned.get("flipped.pdf", "")
    assert "could not be read" in flipped or "not a readable PDF" in flipped, flipped
    assert set(skipped) == set(REFUSED), skipped
    for name, reason in REFUSED.items():
        assert reason in skipped[name], (name, skipped[name])
    for name, warning in WARNED.items():
        assert warning in warned.get(name, ""), (name, warned)
    expected = INDEXED | {Path(n).stem for n in WARNED} | {pages_stem}
    assert expected <= set(report.added), sorted(report.added)
    assert report.published


def _tail_query(body: str) -> str:
    """The last 30 words of a generated document as a query: its last page or two, each page's
    line made of the halves of two report lines (the last few words alone also end other pages);
    words only, in lower case (no quotation a line opens and does not close, no operator)."""
    return " ".join(re.findall(r"\w+", body.lower())[-30:])


def test_a_collection_of_good_and_bad_files_is_indexed(
    index_copy: Path,
    tmp_path: Path,
    embedder: Encoder,
    shared_pdf: Callable[[str], Path],
    pages_pdf: Callable[[int], Path],
) -> None:
    folder = tmp_path / "downloads"
    big = pages_pdf(BIG_PDF_PAGES)
    _write_collection(folder, shared_pdf, big)

    report = build_index([folder], index_copy, embedder=embedder)
    _check_collection_report(report, big.stem)
    summary = report.summary()
    assert all(name in summary for name in REFUSED)  # the CLI prints this, file by file

    searcher = open_searcher(index_copy, embedder=embedder)
    assert isinstance(searcher.store, EmbeddedStore)
    try:
        docs = {d.meta.doc_id: d for d in searcher.store.documents()}
        # The corpus indexed before is all still there, next to the good new files.
        assert {p.stem for p in CORPUS_DIR.glob("*.txt")} <= set(docs)
        assert docs[big.stem].pages == BIG_PDF_PAGES and docs[big.stem].chunks > 50
        assert docs["huge-line"].chunks > 1_000
        # The encodings were read right: the same text as the UTF-8 copy, accents intact.
        same = {docs[d].chunks for d in ("good-copy", "utf16-bom", "utf16-no-bom", "utf8-bom")}
        assert same == {docs[SMALL_DOC].chunks}
        cp1252 = searcher.search("Café", k=3, mode="bm25", doc_ids=["cp1252"])
        assert cp1252.hits and "Café" in cp1252.hits[0].text
        # The last of the pages is searchable and cited at its page.
        last = searcher.store.document_text(big.stem)
        assert last is not None
        hits = searcher.search(_tail_query(last.body), k=5, doc_ids=[big.stem]).hits
        assert hits and any(h.page_end == BIG_PDF_PAGES for h in hits)
        # A file indexed in part keeps its good pages: pages 1 and 3 of the damaged PDF.
        damaged = searcher.store.document_text("one-page-damaged")
        assert damaged is not None and len(damaged.pages) == 3 and len(damaged.body) > 1_000
    finally:
        searcher.store.close()


@pytest.mark.slow
def test_a_10000_page_pdf_is_indexed_whole(
    tmp_path: Path, embedder: Encoder, pages_pdf: Callable[[int], Path]
) -> None:
    big = pages_pdf(10_000)
    report = build_index([big], tmp_path / "index", embedder=embedder)
    assert report.added == [big.stem] and not report.skipped
    searcher = open_searcher(tmp_path / "index", embedder=embedder)
    assert isinstance(searcher.store, EmbeddedStore)
    try:
        (info,) = searcher.store.documents()
        assert info.pages == 10_000
        doc = searcher.store.document_text(big.stem)
        assert doc is not None
        hits = searcher.search(_tail_query(doc.body), k=5).hits
        assert hits and any(h.page_end == 10_000 for h in hits)
    finally:
        searcher.store.close()


def _worker_children() -> set[int]:
    """Our child processes that are parse workers."""
    found = set()
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"index.parse_worker" in cmdline:
                found.add(int(pid))
    return found


def test_a_file_over_the_time_limit_is_skipped_and_the_rest_indexed(
    tmp_path: Path, embedder: Encoder, pages_pdf: Callable[[int], Path]
) -> None:
    """A 10,000-page PDF takes far more than a second to parse; with a one-second limit it is
    skipped, its parser killed, and the files after it are parsed by a fresh one."""
    folder = tmp_path / "collection"
    folder.mkdir()
    shutil.copy(pages_pdf(10_000), folder / "a-very-long.pdf")
    shutil.copy(CORPUS_DIR / "pakistan-belarus-foreign-ministers-meeting.txt", folder / "b.txt")
    before = _worker_children()

    report = build_index([folder], tmp_path / "index", embedder=embedder, parse_timeout=1.0)

    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        (
            "a-very-long.pdf",
            "took longer than 1 s to read and parse (a damaged file, or one too large for the "
            "time limit)",
        )
    ]
    assert report.added == ["b"]
    assert _worker_children() == before  # the killed parser and its successor are both gone


def test_a_parser_killed_mid_file_costs_only_that_file(
    tmp_path: Path, pages_pdf: Callable[[int], Path]
) -> None:
    """The kernel's OOM killer (here: our SIGKILL) takes the parser down during a long PDF."""
    good = CORPUS_DIR / f"{SMALL_DOC}.txt"
    with ParseWorker(timeout=None) as worker:
        assert worker.parse(good).meta.doc_id == SMALL_DOC  # the child is up and warm
        (pid,) = _worker_children()
        killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))
        killer.start()
        with pytest.raises(
            LoadError, match=r"the parser crashed on this file \(killed by SIGKILL\)"
        ):
            worker.parse(pages_pdf(10_000))
        killer.join()
        assert worker.parse(good).body  # a new child takes the next file
        assert worker.started == 2


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_in_cyrillic_is_read_not_refused_as_binary(
    tmp_path: Path, encoding: str
) -> None:
    """Cyrillic UTF-16 without a BOM has few NUL bytes (only after ASCII characters) and is
    valid UTF-8 byte by byte: it was refused as binary data."""
    text = (
        "Отчёт о тракторах.\n\nМинский тракторный завод в 2021 году поставил 412 тракторов "
        "в Пакистан и открыл сборку в Узбекистане.\n"
    )
    path = tmp_path / "otchet.txt"
    path.write_bytes(text.encode(encoding))
    source = read_source(path)
    assert source.text == text
    assert source.warnings == ["decoded as UTF-16 (no BOM)"]
