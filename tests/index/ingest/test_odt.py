"""OpenDocument text: notes linked where the file cites them (OpenOffice, pandoc and
LibreOffice files), their links, ODF white space, and bad packages refused with a reason."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from index.ingest.odt import read_odt
from index.ingest.source import LoadError
from index.parse import parse_file
from index.records import ParsedDocument
from tests.index.ingest.notes_support import assert_no_marker_in_body, body_before, dev_file

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"'
)
MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.text"/>{extra}</manifest:manifest>'
)


def build_odt(
    path: Path,
    body: str,
    styles: str = "",
    root: str = "office:text",
    manifest_extra: str = "",
    with_content: bool = True,
) -> Path:
    content = (
        f'<office:document-content {NS} office:version="1.2">'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body><{root}>{body}</{root}></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", MANIFEST.format(extra=manifest_extra))
        if with_content:
            z.writestr("content.xml", content)
    return path


def odt_note(note_id: str, citation: str, *paragraphs: str, kind: str = "footnote") -> str:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    return (
        f'<text:note text:id="{note_id}" text:note-class="{kind}"><text:note-citation>'
        f"{citation}</text:note-citation><text:note-body>{body}</text:note-body></text:note>"
    )


def test_footnotes_endnotes_white_space_lists_and_tables(tmp_path: Path) -> None:
    raised = (
        '<style:style style:name="T1" style:family="text">'
        '<style:text-properties style:text-position="super 58%"/></style:style>'
    )
    body = (
        "<text:h>Lynx census</text:h>"
        "<text:p>The census   counted<text:s text:c='2'/>77 lynx"
        + odt_note("ftn1", "1", "Census data, <text:a xlink:href='https://example.org/lynx?a=1&amp;b=2'>"
                   "the census page</text:a>.", "A second paragraph.")
        + odt_note("ftn2", "2", "Trap notes.")
        + " in 2022.<text:line-break/>Camera<text:tab/>traps."
        + odt_note("edn1", "i", "See the 2012 report.", kind="endnote")
        + "</text:p>"
        "<text:list><text:list-item><text:p>Rangers counted tracks"
        + odt_note("ftn3", "3", "Ranger log.") + "</text:p></text:list-item></text:list>"
        "<table:table><table:table-row><table:table-cell><text:p>Year</text:p></table:table-cell>"
        "<table:table-cell><text:p>38<text:span text:style-name='T1'><text:note-ref "
        "text:note-class='footnote' text:ref-name='ftn3'>3</text:note-ref></text:span></text:p>"
        "</table:table-cell></table:table-row></table:table>"
        "<text:p>As footnote <text:note-ref text:ref-name='ftn2'>2</text:note-ref> says.</text:p>"
        "<text:table-of-content><text:index-body><text:p>Lynx census\t1</text:p></text:index-body>"
        "</text:table-of-content>"
        "<office:annotation><text:p>A reviewer's comment.</text:p></office:annotation>"
    )  # fmt: skip
    path = build_odt(tmp_path / "lynx.odt", body, raised)
    doc = parse_file(path)
    assert [(f.n, f.shown, f.kind, f.note) for f in doc.footnotes] == [
        (1, "1", "footnote", "Census data, the census page. A second paragraph."),
        (2, "2", "footnote", "Trap notes."),
        (3, "3", "footnote", "Ranger log."),
        (4, "i", "endnote", "See the 2012 report."),  # endnotes after the footnotes
    ]
    assert doc.footnotes[0].urls == ["https://example.org/lynx?a=1&b=2"]
    assert body_before(doc, 1, 22) == body_before(doc, 2, 22) == ["census counted 77 lynx"]
    assert "counted 77 lynx in 2022. Camera traps." in doc.body
    assert body_before(doc, 4, 13) == ["Camera traps."]
    assert body_before(doc, 3, 6)[0] == "tracks" and body_before(doc, 3, 2)[1] == "38"
    assert "As footnote 2 says." in doc.body  # a cross-reference in prose is text, not a marker
    assert "reviewer" not in doc.body and "Lynx census\t1" not in doc.source_text
    source = read_odt(path)
    assert "  77" in source.text  # text:s c="2": two spaces, as written
    assert_no_marker_in_body(doc)


def test_openoffice_specification_notes_links_and_repeated_citations() -> None:
    path = dev_file("odt_openoffice_excel-file-format.odt")
    with zipfile.ZipFile(path) as z:  # counted from the raw XML, not through the reader
        content = z.read("content.xml").decode("utf-8")
    notes_in_xml = len(re.findall(r"<text:note[ >]", content))
    doc = parse_file(path)
    assert notes_in_xml == len(doc.footnotes) == 35
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 36)]
    assert {f.kind for f in doc.footnotes} == {"footnote"}
    first = doc.footnotes[0]
    assert first.note == "For more information see http://en.wikipedia.org/wiki/Endianness."
    assert first.urls == ["http://en.wikipedia.org/wiki/Endianness"]
    assert body_before(doc, 1, 60)[0].endswith("are stored using the Little-Endian method")
    linked = [f for f in doc.footnotes if any("wikipedia.org/wiki/" in u for u in f.urls)]
    assert len(linked) >= 8
    # 147 cross-references print a note's number again as a mark ("FIXED⁸", a country in the
    # calling-code table); the one in prose, note 4's "(see footnote 3)", stays text.
    assert len(doc.marker_positions) == 35 + 147
    assert "UTF‑16 (see footnote 3)." in (doc.footnotes[3].note or "")
    assert len(doc.footnotes[2].markers) == 1
    not_used = doc.footnotes[25]
    assert not_used.note == "Not used in Windows." and len(not_used.markers) == 97
    assert any(b.endswith("Equatorial Guinea") for b in body_before(doc, 26))
    assert_no_marker_in_body(doc)


MARKDOWN = """# Lynx census

The forest census counted 77 lynx in 2022.[^1][^2] Camera traps were used for the first time.[^3]

[^1]: Census data, [the census page](https://example.org/lynx-census?year=2022&kind=full).
[^2]: Trap notes of the reserve's rangers.

    A second paragraph of the trap notes.
[^3]: See <https://example.org/traps>.
"""


def check_lynx(doc: ParsedDocument) -> None:
    assert [(f.shown, f.note) for f in doc.footnotes] == [
        ("1", "Census data, the census page."),
        ("2", "Trap notes of the reserve’s rangers. A second paragraph of the trap notes."),
        ("3", "See https://example.org/traps."),
    ]
    assert doc.footnotes[0].urls == ["https://example.org/lynx-census?year=2022&kind=full"]
    assert body_before(doc, 1, 8) == body_before(doc, 2, 8) == ["in 2022."]
    assert body_before(doc, 3, 10) == ["irst time."]
    assert_no_marker_in_body(doc)


def test_pandoc_and_libreoffice_odt(tmp_path: Path) -> None:
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    source = tmp_path / "lynx.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    by_pandoc = tmp_path / "lynx.odt"
    subprocess.run(["pandoc", str(source), "-o", str(by_pandoc)], check=True, timeout=120)
    check_lynx(parse_file(by_pandoc))
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    docx = tmp_path / "lynx.docx"
    subprocess.run(["pandoc", str(source), "-o", str(docx)], check=True, timeout=120)
    out = tmp_path / "lo"
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to", "odt", "--outdir", str(out), str(docx)],
        check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    with zipfile.ZipFile(out / "lynx.odt") as z:
        assert "LibreOffice" in z.read("meta.xml").decode()  # LibreOffice wrote it
    check_lynx(parse_file(out / "lynx.odt"))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"PK\x03\x04 this zip is cut short"), "not a zip"),
        (lambda p: p.write_text("just text, named .odt"), "not a zip"),
        (lambda p: build_odt(p, "", with_content=False), "no content.xml"),
        (
            lambda p: build_odt(p, "", manifest_extra="<manifest:encryption-data/>"),
            "encrypted",
        ),
        (lambda p: build_odt(p, "<table:table/>", root="office:spreadsheet"), "spreadsheet"),
        (lambda p: build_odt(p, "<text:p>  </text:p>"), "no text"),
    ],
    ids=["empty", "cut-zip", "text", "no-content", "encrypted", "spreadsheet", "blank"],
)
def test_bad_files_are_reported(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    path = tmp_path / "bad.odt"
    make(path)
    with pytest.raises(LoadError, match=reason):
        parse_file(path)
