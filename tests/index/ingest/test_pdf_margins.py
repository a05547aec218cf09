"""Margin notes (``index/ingest/pdf_margins.py``): text printed beside the text block, which
pypdf writes into the body line on its baseline, is no body text; on PDFs built here as a
LaTeX manual sets its "New feature / v3.1" notes in the left margin of a page of prose."""

from __future__ import annotations

from pathlib import Path

from index.ingest.pdf import read_pdf
from index.parse import parse_file
from tests.index.ingest.pdf_pages import pdf_file, pdf_string

PROSE = [
    "The command clears the options that were marked for a later use within a given",
    "environment type, so that captions set after it look like all the others again.",
    "If an optional argument is given, only the settings regarding this particular",
    "option are cleared, while the example above clears every option of that type,",
    "which is what a document usually wants when one figure must look different.",
    "Another starred form of the command suppresses the warning if the given option",
    "was not set up for the specified type; it is otherwise the same as the first.",
]
NOTED = 2  # the line a margin note is drawn after, in the same text object's baseline
HEADINGS = ("Using the package", "Setting options", "Clearing options")  # one per page


def _page(number: int, margin: dict[int, tuple[bytes, bytes]] | None = None) -> bytes:
    """A page of prose from x = 144 under its own heading, its number at the foot; ``margin``
    maps a line to what is drawn before and after it."""
    ops = _text(144, 720, HEADINGS[number], 12)
    for i, line in enumerate(PROSE):
        before, after = (margin or {}).get(i, (b"", b""))
        ops += before + _text(144, 700 - 14 * i, line) + after
    return ops + _text(300, 60, str(number + 1))


def _text(x: float, y: float, text: str, size: float = 10) -> bytes:
    return b"BT /F1 %g Tf 1 0 0 1 %g %g Tm " % (size, x, y) + pdf_string(text) + b" Tj ET\n"


def _manual(path: Path, pages: int = 3) -> Path:
    """Pages of prose set from x = 144, the margin note "New feature" / "v3.1" at x = 60 on the
    baselines of two lines of the second page: the first drawn after its line, the second
    before its line, as TeX ships a marginal note beside its paragraph."""
    y = 700 - 14 * NOTED
    margin = {
        NOTED: (b"", _text(60, y, "New feature", 8)),
        NOTED + 1: (_text(60, y - 14, "v3.1", 8), b""),
    }
    contents = [_page(n, margin if n == 1 else None) for n in range(pages)]
    return pdf_file(path, contents)


def test_a_margin_note_is_no_body_text(tmp_path: Path) -> None:
    doc = parse_file(_manual(tmp_path / "manual.pdf"))
    body = " ".join(doc.body.split())
    assert "New feature" not in body and "v3.1" not in body
    assert "regarding this particular option are cleared, while" in body
    # its characters are still in the source, where each body character still points
    assert "New feature" in doc.source_text
    for i, ch in enumerate(doc.body):
        if not ch.isspace():
            assert doc.source_text[doc.offsets[i]] == ch


def test_the_reader_names_the_margin_notes_as_furniture(tmp_path: Path) -> None:
    source = read_pdf(_manual(tmp_path / "manual.pdf"))
    found = sorted(source.text[a:b] for a, b in source.furniture)
    assert found == ["New feature", "v3.1"]


def test_a_page_without_margin_notes_has_no_furniture(tmp_path: Path) -> None:
    path = pdf_file(tmp_path / "plain.pdf", [_page(n) for n in range(3)])
    assert read_pdf(path).furniture == []


def test_a_line_number_in_the_margin_is_no_body_text(tmp_path: Path) -> None:
    """Pleading paper numbers its lines in the left margin, a gap away from the text."""
    numbers = {i: (_text(100, 700 - 14 * i, str(i + 1)), b"") for i in range(len(PROSE))}
    doc = parse_file(pdf_file(tmp_path / "pleading.pdf", [_page(n, numbers) for n in range(3)]))
    body = " ".join(doc.body.split())
    assert "given environment type" in body and "particular option" in body
    assert not any(ch.isdigit() for ch in body)


def test_a_second_column_is_no_margin(tmp_path: Path) -> None:
    """Two columns: the right one, even where it holds only a few lines, is body text."""
    half = [line[: len(line) // 2] for line in PROSE] + [line[len(line) // 2 :] for line in PROSE]
    contents = []
    for number in range(4):
        right = half if number < 3 else half[:2]
        ops = _text(72, 720, HEADINGS[number % 3], 12)
        for i, line in enumerate(half):
            ops += _text(72, 700 - 14 * i, line)
        for i, line in enumerate(right):
            ops += _text(320, 700 - 14 * i, line)
        contents.append(ops + _text(300, 60, str(number + 1)))
    assert read_pdf(pdf_file(tmp_path / "columns.pdf", contents)).furniture == []
