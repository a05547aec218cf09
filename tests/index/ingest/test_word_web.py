"""Word and web pages: read, footnotes linked, and bad files reported and skipped."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from index.build import build_index
from index.ingest.source import LoadError
from index.models.embedder import Embedder
from index.parse import parse_file

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _ref(kind: str, note_id: int) -> str:
    return f'<w:r><w:{kind}Reference w:id="{note_id}"/></w:r>'


def _notes_xml(kind: str, notes: list[str]) -> str:
    body = (
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        f"</w:r></w:p></w:{kind}>"
    )
    for i, note in enumerate(notes, start=1):
        body += f'<w:{kind} w:id="{i}"><w:p><w:r><w:{kind}Ref/></w:r>{_run(" " + note)}</w:p></w:{kind}>'
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{kind}s xmlns:w="{W}">{body}</w:{kind}s>'


def make_docx(path: Path, paragraphs: list[str], footnotes: list[str], endnotes: list[str]) -> Path:
    """A .docx written by python-docx, with footnotes and endnotes added to its XML by hand
    (python-docx cannot write notes). ``{f1}``/``{e1}`` in a paragraph place a reference."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph("PARA:" + text)
    document.save(str(path))
    with zipfile.ZipFile(path) as z:
        files = {name: z.read(name) for name in z.namelist()}
    xml = files["word/document.xml"].decode("utf-8")
    for text in paragraphs:
        runs = text
        for i in range(1, len(footnotes) + 1):
            runs = runs.replace(f"{{f{i}}}", "\x00" + _ref("footnote", i) + "\x01")
        for i in range(1, len(endnotes) + 1):
            runs = runs.replace(f"{{e{i}}}", "\x00" + _ref("endnote", i) + "\x01")
        runs = runs.replace("\x01", '<w:r><w:t xml:space="preserve">').replace(
            "\x00", "</w:t></w:r>"
        )
        xml = xml.replace(
            f"<w:r><w:t>PARA:{text}</w:t></w:r>",
            f'<w:r><w:t xml:space="preserve">{runs}</w:t></w:r>',
        )
    files["word/document.xml"] = xml.encode("utf-8")
    files["word/footnotes.xml"] = _notes_xml("footnote", footnotes).encode("utf-8")
    files["word/endnotes.xml"] = _notes_xml("endnote", endnotes).encode("utf-8")
    rels = files["word/_rels/document.xml.rels"].decode("utf-8")
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdFn" Type="{R}/footnotes" Target="footnotes.xml"/>'
        f'<Relationship Id="rIdEn" Type="{R}/endnotes" Target="endnotes.xml"/></Relationships>',
    )
    files["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    types = files["[Content_Types].xml"].decode("utf-8")
    ct = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    types = types.replace(
        "</Types>",
        f'<Override PartName="/word/footnotes.xml" ContentType="{ct}.footnotes+xml"/>'
        f'<Override PartName="/word/endnotes.xml" ContentType="{ct}.endnotes+xml"/></Types>',
    )
    files["[Content_Types].xml"] = types.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


LYNX = [
    "Lynx census in the Naliboki forest",
    "The forest census counted 77 lynx in the Naliboki forest in 2022.{f1} Camera traps were "
    "used for the first time.{f2}",
    "The count is twice that of 2012, when rangers followed tracks in the snow.{e1}",
]
NOTES = [
    "Census data, Naliboki reserve, https://example.org/lynx-census",
    "Trap notes of the reserve's rangers.",
]
ENDNOTES = ["Report of 2012, https://example.org/lynx-2012"]


def test_docx_paragraphs_footnotes_and_endnotes_are_linked(tmp_path: Path) -> None:
    doc = parse_file(make_docx(tmp_path / "lynx.docx", LYNX, NOTES, ENDNOTES))
    assert doc.meta.title == "Lynx census in the Naliboki forest"
    assert "counted 77 lynx in the Naliboki forest in 2022." in doc.body
    assert "2022.1" not in doc.body and "2022. Camera" in doc.body  # the marker is out
    notes = {f.n: f for f in doc.footnotes}
    assert sorted(notes) == [1, 2, 3]
    assert notes[1].note is not None and notes[1].note.startswith("Census data, Naliboki")
    assert notes[1].urls == ["https://example.org/lynx-census"]
    assert notes[3].urls == ["https://example.org/lynx-2012"]  # the endnote, numbered after
    assert (notes[3].kind, notes[3].shown) == ("endnote", "i")  # as Word prints it
    assert [notes[n].shown for n in (1, 2)] == ["1", "2"]
    assert all(f.markers for f in notes.values()), "every note is linked to its marker"
    marked = {m.n: doc.body[pos - 10 : pos] for pos, m in doc.marker_positions}
    assert marked[1].endswith("in 2022.") and marked[3].endswith("the snow.")


def test_html_main_text_without_the_chrome(tmp_path: Path) -> None:
    page = tmp_path / "lynx.html"
    page.write_text(
        "<html><head><title>Lynx census in the Naliboki forest</title></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/news'>News</a> | Subscribe</nav>"
        "<article><h1>Lynx census in the Naliboki forest</h1>"
        "<p>The forest census counted 77 lynx in the Naliboki forest in 2022, twice the count "
        "of 2012. Camera traps were used for the first time, and rangers checked them weekly "
        "through the winter.</p><p>The reserve plans another count in 2025 with the same "
        "method, so that the two counts can be compared.</p></article>"
        "<footer>Cookie settings · Privacy · © News site</footer></body></html>",
        encoding="utf-8",
    )
    doc = parse_file(page)
    assert doc.meta.title == "Lynx census in the Naliboki forest"
    assert "counted 77 lynx in the Naliboki forest" in doc.body
    assert "Cookie settings" not in doc.body and "Subscribe" not in doc.body


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.docx", b"", "empty"),
        ("broken.docx", b"PK\x03\x04 this zip is cut short", "not a readable Word file"),
        ("encrypted.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "encrypted"),
        ("empty.html", b"  \n", "empty"),
        ("broken.html", b"<html><body><div><p>", "no article text"),
        ("binary.html", bytes(range(256)) * 4, "not"),
    ],
)
def test_bad_files_are_reported(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        parse_file(path)


def test_bad_files_are_skipped_and_the_good_indexed(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    make_docx(folder / "lynx.docx", LYNX, NOTES, ENDNOTES)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 cut")
    (folder / "encrypted.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "empty.html").write_bytes(b"")
    report = build_index([folder], tmp_path / "index", embedder=embedder)
    assert report.added == ["lynx"]
    skipped = " ".join(map(str, report.skipped))
    assert "broken.docx" in skipped and "encrypted.docx" in skipped and "empty.html" in skipped
