"""Word footnotes and endnotes linked from the file's own structure: Word, pandoc and
LibreOffice files, labels as Word prints them, custom marks, notes in tables, links whole."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from index.ingest.word import read_docx
from index.parse import parse_file
from index.records import ParsedDocument
from tests.index.ingest.notes_support import assert_no_marker_in_body, body_before, dev_file

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"


# --- documents made by hand: the XML Word, LibreOffice and pandoc write, part by part -----------


def run(text: str, style: str = "") -> str:
    props = f'<w:rPr><w:rStyle w:val="{style}"/></w:rPr>' if style else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def ref(kind: str, note_id: int, custom: bool = False) -> str:
    attr = ' w:customMarkFollows="1"' if custom else ""
    return (
        f'<w:r><w:rPr><w:rStyle w:val="{kind.capitalize()}Reference"/></w:rPr>'
        f'<w:{kind}Reference{attr} w:id="{note_id}"/></w:r>'
    )


def note(kind: str, note_id: int, *paragraphs: str, own_number: bool = True) -> str:
    number = f"<w:r><w:{kind}Ref/></w:r>" if own_number else ""
    body = "".join(f"<w:p>{number if i == 0 else ''}{p}</w:p>" for i, p in enumerate(paragraphs))
    return f'<w:{kind} w:id="{note_id}">{body}</w:{kind}>'


def build_docx(
    path: Path,
    body: str,
    footnotes: str = "",
    endnotes: str = "",
    settings: str = "",
    note_links: dict[str, str] | None = None,
) -> Path:
    """A .docx written part by part: ``body`` is the XML inside ``w:body``; notes are the
    ``w:footnote``/``w:endnote`` elements (separators are added); ``note_links`` the external
    relationships (r:id -> URL) of the footnotes part."""
    ns = f'xmlns:w="{W}" xmlns:r="{R}"'
    separators = {
        kind: f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        f'</w:{kind}><w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        f"<w:continuationSeparator/></w:r></w:p></w:{kind}>"
        for kind in ("footnote", "endnote")
    }
    links = "".join(
        f'<Relationship Id="{rid}" Type="{R}/hyperlink" Target="{url}" TargetMode="External"/>'
        for rid, url in (note_links or {}).items()
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
        '"http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{CT}.document.main+xml"/>'
        f'<Override PartName="/word/footnotes.xml" ContentType="{CT}.footnotes+xml"/>'
        f'<Override PartName="/word/endnotes.xml" ContentType="{CT}.endnotes+xml"/>'
        f'<Override PartName="/word/settings.xml" ContentType="{CT}.settings+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type='
        f'"{R}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{R}/footnotes" Target="footnotes.xml"/>'
        f'<Relationship Id="rId2" Type="{R}/endnotes" Target="endnotes.xml"/>'
        f'<Relationship Id="rId3" Type="{R}/settings" Target="settings.xml"/></Relationships>',
        "word/_rels/footnotes.xml.rels": f'<Relationships xmlns="{PKG}">{links}</Relationships>',
        "word/document.xml": f"<w:document {ns}><w:body>{body}</w:body></w:document>",
        "word/footnotes.xml": f"<w:footnotes {ns}>{separators['footnote']}{footnotes}"
        "</w:footnotes>",
        "word/endnotes.xml": f"<w:endnotes {ns}>{separators['endnote']}{endnotes}</w:endnotes>",
        "word/settings.xml": f"<w:settings {ns}>{settings}</w:settings>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, xml)
    return path


def test_two_references_side_by_side_are_two_markers(tmp_path: Path) -> None:
    body = (
        "<w:p>" + run("Lynx census") + "</w:p>"
        "<w:p>" + run("The census counted 77 lynx in 2022.") + ref("footnote", 1)
        + ref("footnote", 2) + run(" Camera traps were new.") + ref("footnote", 3)
        + '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>,</w:t></w:r>'
        + ref("footnote", 4) + run(" Rangers, too.") + "</w:p>"
    )  # fmt: skip
    texts = ["Census data.", "Trap notes.", "Ranger log.", "Camera log."]
    notes = "".join(note("footnote", i, run(" " + t)) for i, t in enumerate(texts, start=1))
    path = build_docx(tmp_path / "lynx.docx", body, notes)
    doc = parse_file(path)
    assert [f.note for f in doc.footnotes] == texts
    assert [len(f.markers) for f in doc.footnotes] == [1, 1, 1, 1]
    assert body_before(doc, 1, 8) == body_before(doc, 2, 8) == ["in 2022."]
    assert "2022. Camera traps were new. Rangers, too." in doc.body and "12" not in doc.body
    assert body_before(doc, 3, 15) == body_before(doc, 4, 15) == ["traps were new."]
    # The superscript comma typed between two marks ("3,4") is part of the second marker.
    source = read_docx(path)
    assert [source.text[m.start : m.end] for m in source.markers] == ["1", "2", "3", ",4"]
    assert_no_marker_in_body(doc)


def test_custom_mark_brackets_and_numbering_as_word_prints_them(tmp_path: Path) -> None:
    body = (
        "<w:p>" + run("General comment No. 20") + ref("footnote", 1, custom=True)
        + run("*", "FootnoteReference") + "</w:p>"
        "<w:p>" + run("Adolescence is a stage of life(") + ref("footnote", 2) + run(").")
        + run(" It is recognised(") + ref("footnote", 3) + run(")") + run(" in law.")
        + ref("endnote", 1) + ref("endnote", 2) + "</w:p>"
    )  # fmt: skip
    footnotes = (
        note("footnote", 1, run("*") + "<w:r><w:tab/></w:r>" + run("Reissued in 2017."),
             own_number=False)
        + note("footnote", 2, run("(") + "<w:r><w:footnoteRef/></w:r>" + run(")")
               + "<w:r><w:tab/></w:r>" + run("See the WHO page."))
        + note("footnote", 3, run(" Ibid., para. 17."))
    )  # fmt: skip
    endnotes = note("endnote", 1, run(" First endnote.")) + note("endnote", 2, run(" Second."))
    # Endnotes as capital letters from C, as the settings say.
    settings = '<w:endnotePr><w:numFmt w:val="upperLetter"/><w:numStart w:val="3"/></w:endnotePr>'
    path = build_docx(tmp_path / "un.docx", body, footnotes, endnotes, settings)
    doc = parse_file(path)
    shown = [(f.shown, f.kind, f.note) for f in doc.footnotes]
    assert shown == [
        ("*", "footnote", "Reissued in 2017."),
        ("1", "footnote", "See the WHO page."),  # the custom mark does not count
        ("2", "footnote", "Ibid., para. 17."),
        ("C", "endnote", "First endnote."),
        ("D", "endnote", "Second."),
    ]
    source = read_docx(path)
    assert [source.text[m.start : m.end] for m in source.markers] == ["*", "(1)", "(2)", "C", "D"]
    assert "stage of life." in doc.body and "()" not in doc.body and "*" not in doc.body
    assert body_before(doc, 1, 6) == ["No. 20"]
    assert body_before(doc, 3, 10) == ["recognised"]
    assert body_before(doc, 4, 7) == body_before(doc, 5, 7) == ["in law."]
    assert_no_marker_in_body(doc)


def test_sections_restart_numbers_and_set_their_format(tmp_path: Path) -> None:
    section_one = (
        '<w:sectPr><w:footnotePr><w:numFmt w:val="lowerRoman"/>'
        '<w:numRestart w:val="eachSect"/></w:footnotePr></w:sectPr>'
    )
    body = (
        f"<w:p><w:pPr>{section_one}</w:pPr>" + run("Part one begins.") + ref("footnote", 1)
        + run(" Then.") + ref("footnote", 2) + "</w:p>"
        "<w:p>" + run("Part two begins.") + ref("footnote", 3) + "</w:p>"
        '<w:sectPr><w:footnotePr><w:numRestart w:val="eachSect"/></w:footnotePr></w:sectPr>'
    )  # fmt: skip
    notes = "".join(note("footnote", i, run(f" Note {i}.")) for i in (1, 2, 3))
    doc = parse_file(build_docx(tmp_path / "parts.docx", body, notes))
    assert [f.shown for f in doc.footnotes] == ["i", "ii", "1"]
    assert [f.n for f in doc.footnotes] == [1, 2, 3]  # unique in the document


def test_a_reference_to_a_note_the_file_lacks_leaves_no_digit(tmp_path: Path) -> None:
    body = (
        "<w:p>" + run("Exports grew.") + ref("footnote", 1) + run(" Imports fell.")
        + ref("footnote", 8) + "</w:p>"
    )  # fmt: skip
    doc = parse_file(build_docx(tmp_path / "damaged.docx", body, note("footnote", 1, run(" A."))))
    assert doc.body == "Exports grew. Imports fell."
    assert [(f.shown, f.note, len(f.markers)) for f in doc.footnotes] == [("1", "A.", 1)]
    assert "1 note reference(s) to notes the file does not hold" in doc.warnings


def test_note_paragraphs_table_cells_and_links_from_the_relationships(tmp_path: Path) -> None:
    url = "https://example.org/lynx census?year=2022&amp;kind=full"
    body = (
        "<w:p>" + run("Lynx in the Naliboki forest") + "</w:p>"
        "<w:tbl><w:tr><w:tc><w:p>" + run("Year") + "</w:p></w:tc><w:tc><w:p>" + run("Lynx")
        + "</w:p></w:tc></w:tr><w:tr><w:tc><w:p>" + run("2012") + "</w:p></w:tc><w:tc><w:p>"
        + run("38") + ref("footnote", 7) + "</w:p></w:tc></w:tr></w:tbl>"
        "<w:p>" + run("Tracks were followed in the snow.") + ref("footnote", 9) + "</w:p>"
    )  # fmt: skip
    notes = note(
        "footnote", 7,
        run(" Census page: ") + '<w:hyperlink r:id="rId5">' + run("the census") + "</w:hyperlink>",
        run("A second paragraph of the note."),
    ) + note(
        "footnote", 9,
        run(" Field report, ")
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
        ' HYPERLINK "https://example.org/report.pdf" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run("online")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>' + run("."),
    ) + note("footnote", 11, run(" Never cited."))  # fmt: skip
    path = build_docx(tmp_path / "t.docx", body, notes, note_links={"rId5": url})
    doc = parse_file(path)
    first, second = doc.footnotes
    assert first.note == "Census page: the census A second paragraph of the note."
    assert first.urls == ["https://example.org/lynx census?year=2022&kind=full"]  # whole
    assert second.note == "Field report, online." and second.urls == [
        "https://example.org/report.pdf"
    ]
    assert body_before(doc, 1, 2) == ["38"] and body_before(doc, 2, 5) == ["snow."]
    assert "1 footnote(s) never referenced in the text: left out" in doc.warnings
    assert "HYPERLINK" not in doc.body and "HYPERLINK" not in doc.source_text
    assert_no_marker_in_body(doc)


# --- real documents -----------------------------------------------------------------------


def test_word_footnote_and_endnote_in_one_file() -> None:
    doc = parse_file(dev_file("docx_pandoc_notes_footnote-and-endnote.docx"))
    assert [(f.n, f.shown, f.kind, f.note) for f in doc.footnotes] == [
        (1, "1", "footnote", "My note."),
        (2, "i", "endnote", "This is an endnote at the end of the document."),  # Word's i, ii
    ]
    assert body_before(doc, 1, 14) == ["Test footnote."]
    assert body_before(doc, 2, 13) == ["Test endnote."]
    assert doc.body.endswith("Test footnote. Test endnote.")
    assert_no_marker_in_body(doc)


def test_every_reference_of_a_long_german_journal_is_linked_to_its_note() -> None:
    path = dev_file("docx_de_cg-jung-forum-ejournal.docx")
    with zipfile.ZipFile(path) as z:  # counted from the raw XML, not through python-docx
        document = z.read("word/document.xml").decode("utf-8")
    references = len(re.findall(r"<w:footnoteReference\b", document))
    doc = parse_file(path)
    assert references == 182
    assert len(doc.footnotes) == references == len(doc.marker_positions)
    assert all(len(f.markers) == 1 for f in doc.footnotes)
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 183)]
    assert not doc.warnings
    notes = {f.n: f.note or "" for f in doc.footnotes}
    # Read by hand in Word: the words before the mark and the note's opening.
    assert body_before(doc, 1)[0].endswith("Feuerbestattung tritt an seine Stelle.")
    assert notes[1].startswith("Philippe Aries, Geschichte des Todes, München 1982")
    assert body_before(doc, 3, 60)[0].endswith("Sterbenden in unseren Tagen“ drückt Elias")
    assert notes[3].startswith("Norbert Elias, Über die Einsamkeit der Sterbenden")
    assert body_before(doc, 11)[0].endswith("als Organspender verwendet")
    assert doc.footnotes[10].urls == ["http://www.epochtimes.de/articles/2006/08/13/44571.html"]
    assert body_before(doc, 100, 60)[0].endswith(
        "als kollektives Übergangsobjekt. Übergangsobjekte"
    )
    assert notes[100].startswith("Donald W. Winnicott: Vom Spiel zur Kreativität. Stuttgart")
    assert body_before(doc, 150, 60)[0].endswith(
        "Regeln des Spiels in einem ausgefeilten Geheimcode."
    )
    assert notes[150].startswith("De Ropp a.a.O. Seite 17")
    graves = next(f for f in doc.footnotes if (f.note or "").startswith("Robert von Ranke"))
    assert graves.note is not None and graves.note.endswith("Band 1, S 194 - 198")  # 2 paragraphs
    assert_no_marker_in_body(doc)


def test_un_document_star_note_and_bracketed_markers() -> None:
    path = dev_file("docx_ar_un-crc-general-comment-20.docx")
    with zipfile.ZipFile(path) as z:
        references = len(
            re.findall(r"<w:footnoteReference\b", z.read("word/document.xml").decode())
        )
    doc = parse_file(path)
    source = read_docx(path)
    assert len(doc.footnotes) == references == 40 == len(doc.marker_positions)
    star = doc.footnotes[0]
    assert star.shown == "*"
    assert star.note is not None and star.note.startswith(
        "أُعيد إصدارها لأسباب فنية في 24 نيسان/أبريل 2017"
    )
    assert body_before(doc, 1, 11) == ["CRC/C/GC/20"]  # the mark is in the heading's table
    assert [f.shown for f in doc.footnotes[1:]] == [str(n) for n in range(1, 40)]
    marks = [source.text[m.start : m.end] for m in source.markers]
    assert marks[:3] == ["*", "(1)", "(2)"] and all(re.fullmatch(r"\(\d+\)", m) for m in marks[1:])
    assert "()" not in doc.body
    assert body_before(doc, 2)[0].endswith("تيسيراً للاتساق في جمع البيانات")
    note_19 = doc.footnotes[19]
    assert note_19.shown == "19"
    assert "http://www.un.org/Docs/journal/asp/ws.asp?m=CRC/C/15/Add.194" in note_19.urls
    assert_no_marker_in_body(doc)


MARKDOWN = """# Lynx census in the Naliboki forest

The forest census counted 77 lynx in 2022.[^1][^2] Camera traps were used for the first time.[^3]

| Year | Lynx |
|------|------|
| 2012 | 38[^4] |

[^1]: Census data, [the census page](https://example.org/lynx-census?year=2022&kind=full).
[^2]: Trap notes of the reserve's rangers.

    A second paragraph of the trap notes.
[^3]: See <https://example.org/traps>.
[^4]: Tracks in the snow, not cameras.
"""


def pandoc_docx(tmp_path: Path) -> Path:
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    source = tmp_path / "lynx.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    out = tmp_path / "lynx.docx"
    subprocess.run(["pandoc", str(source), "-o", str(out)], check=True, timeout=120)
    return out


def check_lynx(doc: ParsedDocument) -> None:
    notes = [(f.shown, f.note) for f in doc.footnotes]
    assert notes == [
        ("1", "Census data, the census page."),
        ("2", "Trap notes of the reserve’s rangers. A second paragraph of the trap notes."),
        ("3", "See https://example.org/traps."),
        ("4", "Tracks in the snow, not cameras."),
    ]
    assert doc.footnotes[0].urls == ["https://example.org/lynx-census?year=2022&kind=full"]
    assert body_before(doc, 1, 8) == body_before(doc, 2, 8) == ["in 2022."]
    assert body_before(doc, 3, 10) == ["irst time."]
    assert body_before(doc, 4, 2) == ["38"]
    assert_no_marker_in_body(doc)


def test_pandoc_docx_adjacent_notes_paragraphs_links_and_a_table(tmp_path: Path) -> None:
    check_lynx(parse_file(pandoc_docx(tmp_path)))


def test_libreoffice_docx(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    original = pandoc_docx(tmp_path)
    odt_dir, docx_dir = tmp_path / "odt", tmp_path / "docx"
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    for target, outdir, file in (("odt", odt_dir, original), ("docx", docx_dir, None)):
        file = file or odt_dir / "lynx.odt"
        subprocess.run(
            [soffice, profile, "--headless", "--convert-to", target, "--outdir", str(outdir),
             str(file)],
            check=True, timeout=300, capture_output=True,
        )  # fmt: skip
    saved = docx_dir / "lynx.docx"
    with zipfile.ZipFile(saved) as z:
        assert "LibreOffice" in z.read("docProps/app.xml").decode()  # LibreOffice wrote it
    check_lynx(parse_file(saved))
