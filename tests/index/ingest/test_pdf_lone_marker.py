"""A note marker that TeX set alone on the line under its sentence (a space typed before
``\\footnote`` lets the line break fall before the marker), as dblatex's XeTeX PDFs print it
(Debian's debmake-doc, page 45: "...классификации лицензий." then a lone raised "5" at the left
margin, then the next paragraph): read as the marker of the line above, not as the label of a
note made of the next paragraph. Lines as ``pdf_lines`` describes them, with that page's
geometry (body 10 pt on a 12-pt pitch, the marker 7 pt, the notes 8 pt)."""

from __future__ import annotations

from index.ingest.pdf_lines import Label, Line, merge_lone_labels


def _line(size: float, base: float, x0: float, start: int, text: str, lead: str = "") -> Line:
    line = Line(0, size, base, x0, 540.0, start, start + len(text), text)
    if lead:
        line.lead = Label(lead, start, start + len(lead), True, "", text[len(lead) : len(lead) + 1])
        line.text_start = start + len(lead)
    return line


def _page(note_label: str) -> list[Line]:
    above = "исходного кода. Она использует специальную внутреннюю команду для проверки лицензий."
    after = "Если команде debmake не была передана опция -P, то команда пропускает файлы"
    note = note_label + "Ранее для выполнения такой внутренней проверки использовалась команда"
    return [
        _line(10.0, 346.5, 85.0, 0, above),
        _line(6.97, 338.1, 85.0, 87, "5"),
        _line(10.0, 322.6, 100.0, 89, after),
        _line(8.0, 160.6, 99.0, 200, note, lead=note_label),
    ]


def test_a_lone_marker_under_its_sentence_marks_the_line_above() -> None:
    lines = merge_lone_labels(_page("5"))
    above, after = lines[0], lines[1]
    assert [(mark.text, mark.start, mark.raised) for mark in above.marks] == [("5", 87, True)]
    assert after.text.startswith("Если") and after.lead is None
    assert len(lines) == 3  # the lone line is gone: its number is the mark


def test_a_lone_number_no_note_repeats_still_labels_the_line_after_it() -> None:
    # The same lines where the note below is another note's: the lone "5" is not cited by it,
    # so it stays what word processors print, a note's number set on a line of its own.
    lines = merge_lone_labels(_page("6"))
    assert lines[0].marks == []
    assert lines[1].lead is not None and lines[1].lead.text == "5"
