"""PDF files as source text: pypdf's text page by page (word spaces it lost put back from PDFium's
glyphs, ``index/ingest/pdf_spaces.py``), scanned pages by OCR, printed page labels, and the notes
and margin notes that layout shows (``index/ingest/pdf_layout.py``)."""

from __future__ import annotations

from pathlib import Path

from index.ingest.file_meta import pdf_meta
from index.ingest.page_labels import pdf_page_labels
from index.ingest.pdf_glyphs import unfold_cork_ligatures
from index.ingest.pdf_layout import layout_notes
from index.ingest.pdf_spaces import restore_lost_spaces
from index.ingest.source import PAGE_SEPARATOR, LoadError, SourceText


def read_pdf(path: Path) -> SourceText:
    """Extract a PDF's text page by page with pypdf, joining pages with a form feed."""
    # pypdf is pure Python and well kept; its layout-free extraction keeps footnote blocks at the
    # end of each page, which is what the footnote parser expects.
    from pypdf import PdfReader

    warnings: list[str] = []
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported encryption
                raise LoadError(f"encrypted PDF that cannot be opened ({exc})") from exc
            if not ok:
                raise LoadError("encrypted PDF: a password is needed")
        pages = reader.pages
        count = len(pages)
    except LoadError:
        raise
    except Exception as exc:  # a corrupt PDF can make pypdf fail in many ways
        raise LoadError(f"not a readable PDF{_pdf_damage(path, exc)}") from exc

    parts: list[str] = []
    failed: list[int] = []
    for number in range(count):
        try:
            text = pages[number].extract_text() or ""
        except Exception:  # one broken page must not lose the others
            text = ""
            failed.append(number + 1)
        parts.append(unfold_cork_ligatures(text).replace(PAGE_SEPARATOR, " "))
    if failed:
        warnings.append(f"text of page(s) {', '.join(map(str, failed[:20]))} could not be read")
    ocr_done = _ocr_empty_pages(path, parts, warnings)
    parts = restore_lost_spaces(path, parts, skip=[number - 1 for number in ocr_done])
    if not any(part.strip() for part in parts):
        raise LoadError("the PDF has no text layer (a scan?): nothing to index")
    spans: list[tuple[int, int]] = []
    offset = 0
    for part in parts:
        spans.append((offset, offset + len(part)))
        offset += len(part) + len(PAGE_SEPARATOR)
    labels = pdf_page_labels(reader, parts)
    text = PAGE_SEPARATOR.join(parts)
    # Notes by layout where it is sure; else ``notes`` stays None and the text parser finds them.
    found = layout_notes(path, parts, [start for start, _ in spans], text)
    if found is not None:
        warnings += found.warnings
        if found.pages:  # notes drawn before body text, moved to their page's end
            parts = [found.pages.get(i, part) for i, part in enumerate(parts)]
            text = PAGE_SEPARATOR.join(parts)
    return SourceText(
        text,
        spans,
        warnings,
        page_labels=labels,
        ocr_pages=ocr_done,
        notes=found.notes if found is not None else None,
        markers=found.markers if found is not None else [],
        meta=pdf_meta(reader),
        furniture=found.furniture if found is not None else [],
    )


def _ocr_empty_pages(path: Path, parts: list[str], warnings: list[str]) -> list[int]:
    """Fill the pages without a text layer with Tesseract's reading (``index/ingest/ocr.py``), in place;
    returns their 1-based numbers. Without Tesseract they stay empty, with a warning."""
    empty = [i for i, part in enumerate(parts) if not part.strip()]
    if not empty:
        return []
    from index.ingest.ocr import ocr_languages, ocr_pdf_pages

    languages = ocr_languages()
    if languages is None:
        warnings.append(f"{len(empty)} page(s) without a text layer: OCR (tesseract) not installed")
        return []
    done = []
    for number, text in ocr_pdf_pages(path, empty, languages, warnings).items():
        if text.strip():
            parts[number] = text
            done.append(number + 1)
    if done:
        warnings.append(f"text of page(s) {', '.join(map(str, done[:20]))} from OCR")
    return sorted(done)


def _pdf_damage(path: Path, exc: Exception) -> str:
    """Why pypdf could not open a file named .pdf, when its first and last bytes tell."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 2048))
            tail = f.read()
    except OSError as error:
        return f" ({error.strerror or error})"
    if size == 0:
        return ": the file is empty"
    if b"%PDF-" not in head:
        return ": it does not start like a PDF (another kind of file named .pdf?)"
    if b"%%EOF" not in tail:
        return ": the file is cut short (an interrupted download or copy?)"
    return f": its structure is damaged ({type(exc).__name__}: {exc})"
