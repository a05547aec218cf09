"""Read a file into source text: decoded text for .txt/.md, pypdf's text page by page for .pdf."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".pdf", ".docx", ".html", ".htm", ".eml", ".msg"})
PAGE_SEPARATOR = "\f"


class LoadError(ValueError):
    """A file that cannot be read; the message says why, in words a reporter understands."""


@dataclass
class Source:
    """A file's text. For a PDF, ``page_spans`` are the pages' (start, end) in ``text`` and
    ``page_labels`` the page numbers printed on them (``index/page_labels.py``)."""

    text: str
    page_spans: list[tuple[int, int]] | None
    warnings: list[str] = field(default_factory=list)
    page_labels: list[str] | None = None
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text is from OCR


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes: BOMs first, then UTF-8, then what charset-normalizer finds, else
    Windows-1252 (each guess with a warning).

    charset-normalizer tells UTF-16/32 without a BOM (any script, either byte order) and the
    other scripts' code pages (Cyrillic Windows-1251, Shift-JIS, GB18030...); among the Western
    single-byte code pages it cannot tell one from another on short texts, so those read as
    Windows-1252, the one that holds curly quotes and dashes.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # NUL bytes are no text: UTF-16 of a non-Latin script is often valid UTF-8 byte by byte.
        if "\x00" not in text:
            return text, []
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    if guess is not None:
        name = guess.encoding
        if name.startswith(("utf_16", "utf_32")):
            label = "UTF-16" if name.startswith("utf_16") else "UTF-32"
            return data.decode(name, errors="replace"), [f"decoded as {label} (no BOM)"]
        if name not in _WESTERN_SINGLE_BYTE:
            return data.decode(name, errors="replace"), [f"not UTF-8: decoded as {name}"]
    return data.decode("cp1252", errors="replace"), ["not UTF-8: decoded as Windows-1252"]


# charset-normalizer's names of the Latin-script single-byte code pages (read as Windows-1252).
_WESTERN_SINGLE_BYTE = frozenset(
    {
        "ascii",
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "cp437",
        "cp850",
        "cp858",
        "latin_1",
        "iso8859_2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_14",
        "iso8859_15",
        "iso8859_16",
        "mac_latin2",
        "mac_roman",
        "mac_iceland",
        "mac_turkish",
    }
)


def read_pdf(path: Path) -> Source:
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
        parts.append(text.replace(PAGE_SEPARATOR, " "))
    if failed:
        warnings.append(f"text of page(s) {', '.join(map(str, failed[:20]))} could not be read")
    ocr_done = _ocr_empty_pages(path, parts, warnings)
    if not any(part.strip() for part in parts):
        raise LoadError("the PDF has no text layer (a scan?): nothing to index")
    spans: list[tuple[int, int]] = []
    offset = 0
    for part in parts:
        spans.append((offset, offset + len(part)))
        offset += len(part) + len(PAGE_SEPARATOR)
    from index.page_labels import pdf_page_labels

    labels = pdf_page_labels(reader, parts)
    return Source(
        PAGE_SEPARATOR.join(parts), spans, warnings, page_labels=labels, ocr_pages=ocr_done
    )


def _ocr_empty_pages(path: Path, parts: list[str], warnings: list[str]) -> list[int]:
    """Fill the pages without a text layer with Tesseract's reading (``index/ocr.py``), in place;
    returns their 1-based numbers. Without Tesseract they stay empty, with a warning."""
    empty = [i for i, part in enumerate(parts) if not part.strip()]
    if not empty:
        return []
    from index.ocr import ocr_languages, ocr_pdf_pages

    languages = ocr_languages()
    if languages is None:
        warnings.append(f"{len(empty)} page(s) without a text layer: OCR (tesseract) not installed")
        return []
    done = []
    for number, text in ocr_pdf_pages(path, empty, languages).items():
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


def read_source(path: Path) -> Source:
    """Read a supported file; raise LoadError with a reason for anything else."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            f"unsupported file type {suffix or '(none)'}: use .txt, .md, .pdf, .docx, .html, "
            ".eml or .msg"
        )
    if suffix == ".docx":
        from index.word import read_docx

        return read_docx(path)
    if suffix in (".html", ".htm"):
        from index.web import read_html

        return read_html(path)
    if suffix in (".eml", ".msg"):  # the message's own text; its attachments: pipeline.py
        from index.mail import read_message

        return read_message(path).source
    if suffix == ".pdf":
        try:
            return read_pdf(path)
        except OSError as exc:
            raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    text, warnings = read_decoded(path, "text")
    return Source(text, None, warnings)


def read_file_bytes(path: Path) -> bytes:
    """A file's bytes; LoadError when it cannot be read or holds nothing but white space."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise LoadError("the file is empty")
    return data


def read_decoded(path: Path, kind: str) -> tuple[str, list[str]]:
    """A text file's decoded text and warnings; LoadError when it cannot be read, is empty, is a
    PDF under another name or is binary (``kind`` names what it should have been)."""
    data = read_file_bytes(path)
    if data.startswith(b"%PDF"):
        raise LoadError(f"a PDF named as {kind}: rename it to .pdf")
    text, warnings = decode_text(data)
    if "\x00" in text:
        raise LoadError(f"binary data, not {kind}")
    return text, warnings
