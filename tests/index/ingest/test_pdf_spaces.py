"""Word spaces pypdf loses on fonts without a space glyph, put back from PDFium's glyphs
(``index/ingest/pdf_spaces.py``), on PDFs built here the way xdvipdfmx writes XeTeX's text: each
line one ``TJ`` whose word gaps are positioning offsets of 0.3 em, in a font whose widths give
the space (never drawn) a full em, so that pypdf judges no gap wide enough to be a space."""

from __future__ import annotations

from pathlib import Path

from index.ingest.pdf import read_pdf

LINES = [
    "It is unwise to run your base system under the pure unstable suite even for development",
    "Normally most package development activities use an unstable chroot as in section seven",
    "By using virtualization you can test demanding situations such as the full desktop system",
]
NOTE = "This is a cliche to force a read only relocation link for the hardening of the package"


def _tj(words: str, gap: int) -> bytes:
    return b"[" + b" ".join(b"(%s) %d" % (w.encode(), gap) for w in words.split()) + b"] TJ"


def _pdf(path: Path, content: bytes, space_width: int) -> Path:
    """A one-page PDF drawing ``content`` in Helvetica whose space is ``space_width`` wide."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    widths = [NumberObject(space_width)] + [NumberObject(556)] * 94
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            NameObject("/FirstChar"): NumberObject(32),
            NameObject("/LastChar"): NumberObject(126),
            NameObject("/Widths"): ArrayObject(widths),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    stream = DecodedStreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as out:
        writer.write(out)
    return path


def _page(gap: int) -> bytes:
    body = b" 0 -14 Td ".join(_tj(line, gap) for line in LINES)
    return (
        b"BT /F1 10 Tf 72 700 Td " + body + b" ET BT /F1 8 Tf 72 100 Td " + _tj(NOTE, gap) + b" ET"
    )


def test_words_run_together_by_pypdf_are_spaced_again(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "xetex-like.pdf", _page(-300), space_width=1000)
    text = " ".join(read_pdf(path).text.split())
    for line in [*LINES, NOTE]:
        assert line in text


def test_a_page_pypdf_spaces_right_is_left_as_it_is(tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = _pdf(tmp_path / "plain.pdf", _page(-300), space_width=278)
    assert read_pdf(path).text == PdfReader(str(path)).pages[0].extract_text()
