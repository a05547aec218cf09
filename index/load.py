"""Read a file into source text: decoded text for .txt/.md, pypdf's text page by page for .pdf."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".pdf"})
PAGE_SEPARATOR = "\f"


class LoadError(ValueError):
    """A file that cannot be read; the message says why, in words a reporter understands."""


@dataclass
class Source:
    """A file's text. For a PDF, ``page_spans`` are the pages' (start, end) in ``text``."""

    text: str
    page_spans: list[tuple[int, int]] | None
    warnings: list[str] = field(default_factory=list)


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes: BOMs first, then UTF-8, then Windows-1252 (with a warning)."""
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
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    # UTF-16 without a BOM shows as every other byte NUL in mostly-ASCII text.
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le", errors="replace"), ["decoded as UTF-16 (no BOM)"]
    return data.decode("cp1252", errors="replace"), ["not UTF-8: decoded as Windows-1252"]


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
    if not any(part.strip() for part in parts):
        raise LoadError("the PDF has no text layer (a scan?): nothing to index")
    spans: list[tuple[int, int]] = []
    offset = 0
    for part in parts:
        spans.append((offset, offset + len(part)))
        offset += len(part) + len(PAGE_SEPARATOR)
    return Source(PAGE_SEPARATOR.join(parts), spans, warnings)


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
        raise LoadError(f"unsupported file type {suffix or '(none)'}: use .txt, .md or .pdf")
    try:
        if suffix == ".pdf":
            return read_pdf(path)
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise LoadError("the file is empty")
    if data.startswith(b"%PDF"):
        raise LoadError("a PDF named as text: rename it to .pdf")
    text, warnings = decode_text(data)
    if "\x00" in text:
        raise LoadError("binary data, not text")
    return Source(text, None, warnings)
