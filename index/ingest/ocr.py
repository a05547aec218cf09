"""Text for scanned PDF pages: rendered with pdfium, read with Tesseract (English and Russian).

A page with no text layer is rendered at 300 dpi by pypdfium2 (PDFium, the PDF engine of
Chromium) and read by Debian's ``tesseract-ocr`` through pytesseract, with the English and Russian
models when installed (``make`` installs them as root, like Chromium). Such pages are marked
``Page.ocr``: their text is a machine reading, a reporter should check it against the image.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

OCR_DPI = 300
WANTED_LANGUAGES = ("eng", "rus")
# Tesseract's OpenMP threads fight over a small machine's cores: on 2 cores one thread read a page
# of R-intro in 3.7 s, the default threads in 18 s (docs/DECISIONS.md: Tesseract on one thread).
TESSERACT_ENV = {"OMP_THREAD_LIMIT": "1"}


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


def ocr_pdf_pages(path: Path, numbers: Sequence[int], languages: str) -> dict[int, str]:
    """The text Tesseract reads on each page ``numbers`` (0-based) of the PDF at ``path``.

    A page that cannot be rendered or read is left out (the caller keeps it empty).
    """
    import pypdfium2 as pdfium
    import pytesseract

    texts: dict[int, str] = {}
    pdf = pdfium.PdfDocument(str(path))
    try:
        with _tesseract_env():
            for number in numbers:
                try:
                    page = pdf[number]
                    image = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
                    text = pytesseract.image_to_string(image, lang=languages)
                except Exception:  # one unreadable page must not lose the others
                    continue
                texts[number] = text.replace("\f", " ").strip()
    finally:
        pdf.close()
    return texts


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
