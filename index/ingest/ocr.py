"""Text for scanned PDF pages: rendered with pdfium, read with Tesseract (English and Russian).

A page with no text layer is rendered at 300 dpi by pypdfium2 (PDFium, the PDF engine of
Chromium) and read by Debian's ``tesseract-ocr`` through pytesseract, with the English and Russian
models when installed (``make`` installs them as root, like Chromium). Such pages are marked
``Page.ocr``: their text is a machine reading, a reporter should check it against the image.

A page takes Tesseract 4 to 17 s, so a 500-page scan would hold the parser for over an hour: a
file gets at most ``OCR_MAX_PAGES`` pages read (``CITESEARCH_OCR_MAX_PAGES``) and
``OCR_SECONDS`` of OCR (``CITESEARCH_OCR_SECONDS``; below the parse worker's 300 s limit, so the
pages read are kept), and a page is rendered with at most ``OCR_MAX_PIXELS`` (a huge page at a
lower resolution). Where OCR stops, a warning names the pages left unread.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

OCR_DPI = 300
WANTED_LANGUAGES = ("eng", "rus")
# Tesseract's OpenMP threads fight over a small machine's cores: on 2 cores one thread read a page
# of R-intro in 3.7 s, the default threads in 18 s (docs/DECISIONS.md: Tesseract on one thread).
TESSERACT_ENV = {"OMP_THREAD_LIMIT": "1"}
OCR_MAX_PAGES = 100
OCR_SECONDS = 180.0
OCR_MAX_PIXELS = 40_000_000  # an A3 page at 300 dpi is 17 million
PAGES_ENV = "CITESEARCH_OCR_MAX_PAGES"
SECONDS_ENV = "CITESEARCH_OCR_SECONDS"


def _setting(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def ocr_max_pages() -> int:
    """Pages OCR reads at most in one file (``CITESEARCH_OCR_MAX_PAGES``, else 100)."""
    return int(_setting(PAGES_ENV, OCR_MAX_PAGES))


def ocr_seconds() -> float:
    """Seconds OCR may take in one file (``CITESEARCH_OCR_SECONDS``, else 180)."""
    return _setting(SECONDS_ENV, OCR_SECONDS)


@functools.cache
def ocr_languages() -> str | None:
    """``"eng+rus"`` (those installed), or None when Tesseract or its Python bindings are absent."""
    if shutil.which("tesseract") is None:
        return None
    try:
        import pypdfium2  # noqa: F401
        import pytesseract

        installed = set(pytesseract.get_languages(config=""))
    except Exception:  # missing module, or a tesseract that cannot list its languages
        return None
    languages = [lang for lang in WANTED_LANGUAGES if lang in installed]
    return "+".join(languages) if languages else None


def ocr_pdf_pages(
    path: Path, numbers: Sequence[int], languages: str, warnings: list[str] | None = None
) -> dict[int, str]:
    """The text Tesseract reads on each page ``numbers`` (0-based) of the PDF at ``path``.

    A page that cannot be rendered or read is left out (the caller keeps it empty). Past
    ``ocr_max_pages()`` pages or ``ocr_seconds()`` seconds the rest is left out too, and
    ``warnings`` gets a line naming those pages.
    """
    import pypdfium2 as pdfium

    max_pages, seconds = ocr_max_pages(), ocr_seconds()
    deadline = time.monotonic() + seconds
    texts: dict[int, str] = {}
    stopped_at, why = len(numbers), ""
    pdf = pdfium.PdfDocument(str(path))
    try:
        with _tesseract_env():
            for i, number in enumerate(numbers):
                if i >= max_pages:
                    stopped_at, why = i, f"OCR stopped after {max_pages} pages, the most it reads"
                    break
                try:
                    text = _read_page(pdf[number], languages, deadline)
                except _OutOfTime:
                    stopped_at, why = i, f"OCR stopped after {seconds:g} s, the time it may take"
                    break
                except Exception:  # one unreadable page must not lose the others
                    continue
                texts[number] = text.replace("\f", " ").strip()
    finally:
        pdf.close()
    unread = [n + 1 for n in numbers[stopped_at:]]
    if unread and warnings is not None:
        warnings.append(f"{why} in one file: {page_ranges(unread)} not searchable")
    return texts


class _OutOfTime(Exception):
    """OCR's time for the file ran out before or while a page was read."""


def _read_page(page: Any, languages: str, deadline: float) -> str:
    """Tesseract's reading of one page, killed at ``deadline`` (``_OutOfTime``)."""
    import pytesseract

    if time.monotonic() >= deadline:
        raise _OutOfTime
    image = _render(page)
    left = deadline - time.monotonic()
    if left <= 0:
        raise _OutOfTime
    try:
        return str(pytesseract.image_to_string(image, lang=languages, timeout=left))
    except RuntimeError as exc:  # pytesseract's word for a Tesseract it killed at the timeout
        if "timeout" in str(exc).lower():
            raise _OutOfTime from exc
        raise


def _render(page: Any) -> Any:
    """The page as a grayscale PIL image at ``OCR_DPI``, or lower when that would pass
    ``OCR_MAX_PIXELS`` (a poster-sized page must not take gigabytes)."""
    width, height = page.get_size()  # points
    scale = OCR_DPI / 72
    if width * height * scale * scale > OCR_MAX_PIXELS:
        scale = math.sqrt(OCR_MAX_PIXELS / max(width * height, 1.0))
    return page.render(scale=scale, grayscale=True).to_pil()


def page_ranges(pages: Sequence[int]) -> str:
    """Page numbers as a reader writes them, the first ten runs at most.

    >>> page_ranges([101, 102, 103]), page_ranges([4]), page_ranges([2, 3, 7, 9, 10])
    ('pages 101-103 are', 'page 4 is', 'pages 2-3, 7, 9-10 are')
    """
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    shown = [f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs[:10]]
    more = ", ..." if len(runs) > 10 else ""
    if len(pages) == 1:
        return f"page {shown[0]} is"
    return f"pages {', '.join(shown)}{more} are"


@contextlib.contextmanager
def _tesseract_env() -> Iterator[None]:
    """``TESSERACT_ENV`` in the environment the ``tesseract`` processes inherit, while they run
    (pytesseract passes no environment of its own); what was there before is put back."""
    before = {name: os.environ.get(name) for name in TESSERACT_ENV}
    os.environ.update(TESSERACT_ENV)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
