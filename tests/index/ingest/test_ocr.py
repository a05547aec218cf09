"""Scanned PDFs: pages without a text layer are read by Tesseract, marked, and answered from.

The scan is made here: three pages of R-intro.pdf rendered to images and saved as an image-only
PDF. Skipped when Tesseract is not installed (``make`` installs it as root), except on CI
(``CI=true``), where a missing Tesseract fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from api.models import page_texts
from index.build import build_index
from index.ingest.ocr import ocr_languages
from index.models.embedder import Embedder
from retrieval.search import open_searcher

FIRST_PAGE = 34  # 0-based: R-intro's printed pages 29-31, lists and data frames


def _require_tesseract() -> None:
    if ocr_languages() is None:
        message = "tesseract-ocr (with eng) is not installed: run make as root"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the OCR test")
        pytest.skip(message)


def make_scan(pdf: Path, out: Path, first: int, count: int, dpi: int = 200) -> Path:
    """An image-only PDF of ``count`` pages of ``pdf`` from ``first`` (0-based): no text layer."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        images = [
            document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for i in range(first, first + count)
        ]
    finally:
        document.close()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out


def test_scanned_pdf_is_read_by_ocr_and_answers_from_the_right_page(
    shared_pdf: Callable[[str], Path], embedder: Embedder, tmp_path: Path
) -> None:
    _require_tesseract()
    from pypdf import PdfReader

    folder = tmp_path / "scans"
    folder.mkdir()
    scan = make_scan(shared_pdf("R-intro.pdf"), folder / "r-lists-scan.pdf", FIRST_PAGE, 3)
    assert not any((p.extract_text() or "").strip() for p in PdfReader(scan).pages)

    index_dir = tmp_path / "index"
    report = build_index([folder], index_dir, embedder=embedder)
    assert report.added == ["r-lists-scan"], report.summary()
    warned = "; ".join(w for ws in report.warnings.values() for w in ws)
    assert "text of page(s) 1, 2, 3 from OCR" in warned, warned

    searcher = open_searcher(index_dir, embedder=embedder)
    doc = searcher.store.document_text("r-lists-scan")
    assert doc is not None and [p.ocr for p in doc.pages] == [True, True, True]
    assert "Concatenating lists" in doc.source_text
    assert [p.ocr for p in page_texts(doc)] == [True, True, True]  # the flag in the JSON

    question = "Which attributes, such as dim, are discarded when lists are concatenated?"
    result = searcher.search(question, k=3)
    assert result.hits[0].doc_id == "r-lists-scan"
    assert result.hits[0].page_start == 2  # R-intro's printed page 30
    # A passage of the top 3, on that page, holds the answer; the answer box may withhold an
    # answer from OCR text ("not found" below the threshold), never give one from another page.
    assert any("discarded" in h.text and h.page_start <= 2 <= h.page_end for h in result.hits)
    assert result.answer is None or result.answer.page == 2


def test_tesseract_runs_on_one_thread_and_the_environment_is_put_back(
    shared_pdf: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its OpenMP threads made a page five times slower on two cores (docs/DECISIONS.md)."""
    import pytesseract

    from index.ingest.ocr import ocr_pdf_pages

    seen: list[str | None] = []

    def read(image: object, lang: str, timeout: float = 0) -> str:
        seen.append(os.environ.get("OMP_THREAD_LIMIT"))
        return f"page read in {lang}"

    monkeypatch.setattr(pytesseract, "image_to_string", read)
    monkeypatch.setenv("OMP_THREAD_LIMIT", "4")
    texts = ocr_pdf_pages(shared_pdf("mdwtools-footnote.pdf"), [0, 1], "eng")
    assert texts == {0: "page read in eng", 1: "page read in eng"}
    assert seen == ["1", "1"]
    assert os.environ["OMP_THREAD_LIMIT"] == "4"
