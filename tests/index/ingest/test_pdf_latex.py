"""PDF notes read by layout on documents LaTeX typesets into ``tmp_path`` (skipped without
pdflatex): link annotations as note URLs, Cork-encoded ligatures, a book whose footnotes start
again in each chapter, two columns, a note mark set on its own line, endnotes under chapter
subheadings (memoir's page notes), a note of several paragraphs carried to the next page.

The filler text varies from line to line on purpose: a line repeated on three pages reads as a
running header.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from index.ingest.pdf import read_pdf
from index.parse import parse_file
from index.records import ParsedDocument

WORDS = [
    "the",
    "council",
    "measured",
    "traffic",
    "on",
    "each",
    "bridge",
    "over",
    "several",
    "seasons",
    "and",
    "reported",
    "its",
    "counts",
    "with",
    "the",
    "weather",
    "and",
    "the",
    "holidays",
    "of",
    "every",
    "year",
    "while",
    "riders",
    "kept",
    "to",
    "their",
    "usual",
    "routes",
]
TREES = [
    "alder",
    "birch",
    "cedar",
    "dogwood",
    "elm",
    "fir",
    "ginkgo",
    "hazel",
    "larch",
    "maple",
    "oak",
    "pine",
    "rowan",
    "spruce",
]


def filler(words: int, seed: int) -> str:
    """A paragraph of ``words`` words that differs with ``seed``."""
    text = " ".join(WORDS[(i * 7 + seed) % len(WORDS)] for i in range(words))
    return text[0].upper() + text[1:] + "."


def sentence(k: int) -> str:
    """The sentence a marker follows: "... routes in season 3." (its words vary with k)."""
    return f"Riders near the {TREES[k % 14]} and the {TREES[(k * 5 + 3) % 14]} kept to their routes in season {k}."


def note(k: int, word: str = "Source") -> str:
    return f"{word} {k}: the {TREES[(k * 3) % 14]} count of season {k}, by the {TREES[(k * 11) % 14]} office."


def typeset(tmp_path: Path, name: str, preamble: str, body: str) -> Path:
    """``body`` typeset by pdflatex (twice, for page notes) into ``tmp_path/name.pdf``."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    source = tmp_path / f"{name}.tex"
    source.write_text(f"{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n")
    for _ in range(2):
        subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
            cwd=tmp_path,
            capture_output=True,
            timeout=300,
            check=False,
        )
    pdf = tmp_path / f"{name}.pdf"
    if not pdf.is_file():
        pytest.skip(f"pdflatex could not typeset {name}.tex (a package missing?)")
    return pdf


def notes_with_marks(doc: ParsedDocument) -> list[tuple[str, str, str]]:
    """Each note's label, text and the last words of the body before its marker."""
    position = {id(marker): pos for pos, marker in doc.marker_positions}
    out = []
    for footnote in doc.footnotes:
        (marker,) = footnote.markers
        before = " ".join(doc.body[: position[id(marker)]].split()[-3:])
        out.append((footnote.shown, footnote.note or "", before))
    return out


def test_link_annotations_give_notes_their_urls_and_ligatures_read_as_letters(
    tmp_path: Path,
) -> None:
    body = r"""\section{Traffic counts}
The city counted cyclists on the bridge every morning for a year, as
\href{https://example.org/city-plan}{the city plan} asked.\footnote{The counts are in
\href{https://example.org/report}{the report} of the transport office, table 4.}
Most of them rode alone, and few carried loads larger than a bag.\footnote{See also
\href{https://example.org/data/loads.csv}{the load survey} and its appendix.}
Counts in winter fell by a third,\footnote{The full series is kept at
\url{https://data.example.org/transport/cycling/bridge-counts/2019/daily-series-with-weather-and-holidays.csv},
with the weather of each day.} while counts in summer rose by half again."""
    preamble = "\\documentclass[11pt]{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{url}\n"
    pdf = typeset(tmp_path, "links", preamble + "\\usepackage[hidelinks]{hyperref}", body)
    doc = parse_file(pdf)
    series = (
        "https://data.example.org/transport/cycling/bridge-counts/2019/"
        "daily-series-with-weather-and-holidays.csv"
    )
    assert [(f.shown, f.urls) for f in doc.footnotes] == [
        ("1", ["https://example.org/report"]),
        ("2", ["https://example.org/data/loads.csv"]),
        ("3", [series]),
    ]
    # Cork-encoded "ffi" (0x1E) is letters, in the text and in the notes.
    assert doc.body.startswith("1 Traffic counts")
    assert doc.footnotes[0].note == "The counts are in the report of the transport office, table 4."
    # The URL that \url broke over two lines reads whole in the note's text too (pypdf puts a
    # space before the comma after it).
    assert (doc.footnotes[2].note or "").startswith(f"The full series is kept at {series} ,")
    assert "the city plan asked." in doc.body  # a link in the body is no note's


def test_book_footnotes_numbered_again_in_each_chapter(tmp_path: Path) -> None:
    chapters = []
    for chapter in (1, 2, 3):
        parts = [f"\\chapter{{Season {chapter}}}"]
        for k in (1, 2, 3):
            n = 3 * (chapter - 1) + k
            parts += [filler(60, 3 * n + j) for j in range(3)]
            parts.append(sentence(n) + f"\\footnote{{{note(n, f'Chapter {chapter} note')}}}")
        chapters.append("\n\n".join(parts))
    pdf = typeset(
        tmp_path,
        "book",
        "\\documentclass[11pt]{book}\n\\usepackage[T1]{fontenc}",
        "\n".join(chapters),
    )
    doc = parse_file(pdf)
    assert read_pdf(pdf).notes is not None  # read by layout
    found = notes_with_marks(doc)
    assert [label for label, _, _ in found] == ["1", "2", "3"] * 3
    for n, (_, text, before) in enumerate(found, 1):
        assert text == note(n, f"Chapter {(n - 1) // 3 + 1} note")
        assert before == f"in season {n}."


def test_two_column_footnotes(tmp_path: Path) -> None:
    parts = []
    for k in range(1, 9):
        parts += [filler(60, 3 * k), filler(60, 3 * k + 1)]
        parts.append(sentence(k) + f"\\footnote{{{note(k)}}}")
    preamble = "\\documentclass[twocolumn,10pt]{article}\n\\usepackage[T1]{fontenc}"
    doc = parse_file(typeset(tmp_path, "twocol", preamble, "\n\n".join(parts)))
    found = notes_with_marks(doc)
    assert [(label, text) for label, text, _ in found] == [(str(k), note(k)) for k in range(1, 9)]
    # pypdf runs a stretched line's words together ("Ridersnearthe..."): the marker's place holds.
    assert all(before.endswith(f"season {k}.") for k, (_, _, before) in enumerate(found, 1))
    assert not any("office." in paragraph for paragraph in doc.body.split("\n\n"))


def test_note_mark_set_on_a_line_of_its_own(tmp_path: Path) -> None:
    preamble = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\makeatletter
\renewcommand\@makefntext[1]{\noindent\@makefnmark\par\noindent #1}
\makeatother"""
    parts = []
    for k in range(1, 6):
        parts += [filler(60, 3 * k), filler(60, 3 * k + 1)]
        parts.append(sentence(k) + f"\\footnote{{{note(k)}}}")
    doc = parse_file(typeset(tmp_path, "lone", preamble, "\n\n".join(parts)))
    assert notes_with_marks(doc) == [(str(k), note(k), f"in season {k}.") for k in range(1, 6)]


def test_endnotes_under_chapter_subheadings_numbered_again(tmp_path: Path) -> None:
    """memoir's page notes: a "Notes" chapter whose notes stand under each chapter's name,
    numbered from 1 in each; the subheadings are no note's text."""
    first = [
        filler(70, k) + " " + sentence(k) + f"\\pagenote{{{note(k, 'Endnote')}}}"
        for k in range(1, 7)
    ]
    second = [
        f"The {w} bridge was counted in week {k} of the autumn survey, with the weather noted "
        f"each day.\\pagenote{{Bridge note {k}: the {w} bridge in week {k}.}}"
        for k, w in [(1, "stone"), (2, "iron"), (3, "timber")]
    ]
    body = "\n\n".join(
        ["\\chapter{Counts}", *first, "\\chapter{Bridges}", *second, "\\printpagenotes"]
    )
    preamble = "\\documentclass[11pt]{memoir}\n\\usepackage[T1]{fontenc}\n\\makepagenote"
    doc = parse_file(typeset(tmp_path, "endnotes", preamble, body))
    found = notes_with_marks(doc)
    assert [label for label, _, _ in found] == ["1", "2", "3", "4", "5", "6", "1", "2", "3"]
    assert {f.kind for f in doc.footnotes} == {"endnote"}
    assert [text for _, text, _ in found][5:7] == [
        note(6, "Endnote"),
        "Bridge note 1: the stone bridge in week 1.",
    ]
    assert found[6][2] == "noted each day."
    assert not any("Bridges" in text or "Counts" in text for _, text, _ in found)


def test_a_note_of_several_paragraphs_goes_on_over_the_page(tmp_path: Path) -> None:
    parts = []
    for k in range(1, 5):
        parts += [filler(70, 5 * k + j) for j in range(4)]
        paragraphs = [
            f"Paragraph {j} of note {k}: " + filler(60, 100 + 3 * k + j)
            for j in range(1, 9 if k == 2 else 2)
        ]
        parts.append(sentence(k) + "\\footnote{" + "\n\n".join(paragraphs) + "}")
    preamble = "\\documentclass[11pt]{article}\n\\usepackage[T1]{fontenc}"
    doc = parse_file(typeset(tmp_path, "multipara", preamble, "\n\n".join(parts)))
    found = notes_with_marks(doc)
    assert [(label, before) for label, _, before in found] == [
        (str(k), f"in season {k}.") for k in range(1, 5)
    ]
    long = doc.footnotes[1].note or ""
    assert long.startswith("Paragraph 1 of note 2:")
    assert all(f"Paragraph {j} of note 2:" in long for j in range(2, 9))
    assert "Paragraph" not in doc.body and "Paragraph 1 of note 3" not in long
    # The note's last paragraph is printed at the foot of the next page.
    pages = {doc.page_of(doc.source_text.index(f"Paragraph {j} of note 2")) for j in (1, 8)}
    assert len(pages) == 2
