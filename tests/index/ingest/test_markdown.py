"""Markdown footnotes: ``[^label]`` references and definitions, inline ``^[...]`` notes, numbered
as they render, linked where referenced, their text out of the body; none in code."""

from __future__ import annotations

from pathlib import Path

from index.ingest.readers import read_source
from index.parse import parse_file
from tests.index.ingest.notes_support import dev_file, marked


def test_rfc_named_footnotes_are_linked_where_referenced() -> None:
    doc = parse_file(dev_file("md_rust-rfc-3392-leadership-council.md"))
    # Numbered by first reference, as GitHub shows them (the file defines them in another order:
    # "bootstrapping-new-teams" before "number-of-representatives").
    openings = [(f.n, f.shown, " ".join((f.note or "").split()[:4])) for f in doc.footnotes]
    assert openings == [
        (1, "1", "Unlike in some other"),
        (2, "2", "The term 'authority' here"),
        (3, "3", 'Throughout this document, "teams"'),
        (4, "4", "Subteams or individuals that"),
        (5, "5", "This also effectively constrains"),
        (6, "6", "The Council consists only"),
        (7, "7", "Being a Council representative"),
        (8, "8", "In practice the infrastructure"),
        (9, "9", "The Council is not"),
    ]
    before = marked(doc, 60)
    assert all(len(markers) == 1 for markers in before.values()) and len(before) == 9
    assert before[1][0].endswith("as the successor of the core team")
    assert before[2][0].endswith("collectively confer the authority")
    assert before[3][0].endswith("working groups, etc.")
    assert before[5][0].endswith("for productive conversation and consent.")
    assert before[6][0].endswith("then designates a Council representative.")
    source = doc.source_text
    shown = [source[m.char_start : m.char_end] for _, m in doc.marker_positions]
    assert shown[:3] == ["[^core]", "[^authority]", "[^teams]"]
    # The definitions are note text only: neither they nor the markers are in the body.
    assert "[^" not in doc.body
    assert "Unlike in some other Open Source projects" not in doc.body
    assert doc.body.rstrip().endswith("## Footnotes")
    assert doc.warnings == []


# The footnote section of pandoc's test suite (jgm/pandoc test/testsuite.txt), whose HTML
# rendering is html_pandoc_writer-testsuite.html, then code and escapes that are no references.
PANDOC_FOOTNOTES = """# Footnotes

Here is a footnote reference,[^1] and another.[^longnote]
This should *not* be a footnote reference, because it
contains a space.[^my note] Here is an inline note.^[This
is *easier* to type.  Inline notes may contain
[links](http://google.com) and `]` verbatim characters,
as well as [bracketed text].]

> Notes can go in quotes.[^3]

1. And in list items.[^4]

[^4]: In list.

This paragraph should not be part of the note, as it is not indented.

[^1]: Here is the footnote.  It can go anywhere after the footnote
reference.  It need not be placed at the end of the document.

[^longnote]: Here's the long note.  This one contains multiple
blocks.

    Subsequent blocks are indented to show that they belong to the
footnote (as with list items).

          { <code> }

    If you want, you can indent every line, but you can also be
    lazy and just indent the first line of each block.

[^3]: In quote.

Code is no reference: `[^1]` here, nor an escaped \\[^1] there,

```
nor [^longnote] in a fence.
```
"""


def test_pandoc_test_suite_notes_as_pandoc_renders_them(tmp_path: Path) -> None:
    path = tmp_path / "testsuite.md"
    path.write_text(PANDOC_FOOTNOTES, encoding="utf-8")
    doc = parse_file(path)
    rendered = parse_file(dev_file("html_pandoc_writer-testsuite.html"))
    ours = [" ".join((f.note or "").replace("*", "").split()[:6]) for f in doc.footnotes]
    pandocs = [" ".join((f.note or "").split()[:6]) for f in rendered.footnotes]
    assert ours == [p.replace("’", "'") for p in pandocs]  # same notes, numbered the same
    long_note = doc.footnotes[1].note or ""
    assert "Subsequent blocks are indented" in long_note
    assert long_note.endswith("just indent the first line of each block.")
    assert doc.footnotes[2].urls == ["http://google.com"]  # the inline note's link
    before = marked(doc, 60)
    assert sorted(before) == [1, 2, 3, 4, 5] and all(len(b) == 1 for b in before.values())
    assert before[1][0].endswith("Here is a footnote reference,")
    assert before[3][0].endswith("Here is an inline note.")
    assert before[4][0].endswith("Notes can go in quotes.")
    assert before[5][0].endswith("And in list items.")
    # Note text is not body; the body after a definition is.
    assert "It can go anywhere" not in doc.body and "easier" not in doc.body
    assert "This paragraph should not be part of the note, as it is not indented." in doc.body
    assert "because it contains a space.[^my note]" in doc.body
    assert "`[^1]` here, nor an escaped \\[^1] there" in doc.body
    assert "nor [^longnote] in a fence." in doc.body


def test_windows_line_ends_and_tab_indented_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    text = (
        "Exports of potash grew in 2023.[^potash] Imports fell.[^Imports]\n\n"
        "[^potash]: Belstat, https://www.belstat.gov.by/en/\n\n"
        "\tSecond paragraph of the note.\n\n"
        "[^imports]: Customs data, [the report](https://customs.gov.by/report).\n\n"
        "The body goes on after the notes.\n"
    ).replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8"))
    doc = parse_file(path)
    notes = [(f.note, f.urls) for f in doc.footnotes]
    assert notes == [
        (
            "Belstat, https://www.belstat.gov.by/en/ Second paragraph of the note.",
            ["https://www.belstat.gov.by/en/"],
        ),
        (
            "Customs data, [the report](https://customs.gov.by/report).",
            ["https://customs.gov.by/report"],
        ),
    ]
    before = marked(doc, 60)
    assert before[1][0].endswith("potash grew in 2023.") and before[2][0].endswith("fell.")
    assert doc.body.endswith("The body goes on after the notes.")


def test_markdown_without_footnote_syntax_is_left_to_text_detection(tmp_path: Path) -> None:
    path = tmp_path / "plain.md"
    path.write_text("# Potash\n\nExports grew in 2023 [^ not a note].\n", encoding="utf-8")
    source = read_source(path)
    assert source.notes is None and source.text == path.read_text(encoding="utf-8")
