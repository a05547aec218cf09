"""Print a PDF's page text with small characters marked ``^{...}``: footnote marker candidates.

The drafting aid for the PDF gold (eval/data/footnotes/SOURCES.md): a character whose loose box
(pypdfium2) is under 85% of the page's most common height is flagged; the person writing the
gold then reads each flagged place (and math sub/superscripts, page numbers...) by eye::

    python eval/data/footnotes/tools/pdf_candidates.py FILE.pdf [PAGES e.g. 3,4] > pages.txt
"""

from __future__ import annotations

import collections
import sys

import pypdfium2 as pdfium
import pypdfium2.raw as raw

SMALL = 0.85
MARKS = "*†‡§"


def page_chars(page: pdfium.PdfPage) -> list[tuple[str, float]]:
    """Each character of a page and the height of its loose box."""
    text = page.get_textpage()
    chars = []
    for i in range(text.count_chars()):
        rect = raw.FS_RECTF()
        raw.FPDFText_GetLooseCharBox(text, i, rect)
        chars.append((chr(raw.FPDFText_GetUnicode(text, i)), round(rect.top - rect.bottom, 1)))
    return chars


def marked_text(chars: list[tuple[str, float]]) -> str:
    """The page's text with runs of small letters, digits and note marks in ``^{...}``."""
    sizes = collections.Counter(size for c, size in chars if c.strip())
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    out, small_run = [], False
    for c, size in chars:
        small = size < body * SMALL and (c.isalnum() or c in MARKS)
        if small and not small_run:
            out.append("^{")
            small_run = True
        elif not small and small_run and c.strip():
            out.append("}")
            small_run = False
        out.append(c)
    if small_run:
        out.append("}")
    return "".join(out)


def main() -> None:
    """Print the marked text of the pages asked for (1-based), or of every page."""
    sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    pdf = pdfium.PdfDocument(sys.argv[1])
    pages = [int(p) - 1 for p in sys.argv[2].split(",")] if len(sys.argv) > 2 else range(len(pdf))
    for i in pages:
        print(f"===== page {i + 1}")
        print(marked_text(page_chars(pdf[i])))


if __name__ == "__main__":
    main()
