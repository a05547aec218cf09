"""Angle brackets in text: only HTML's own elements are markup; a path's ``<qual>``, an e-mail
address or a placeholder a manual prints between brackets is text a reader must keep."""

from __future__ import annotations

from index.records import Page
from index.text.clean import clean_body

# As debmake-doc's Russian PDF prints a multiarch path; a package's maintainer field; a placeholder.
MANUAL = (
    "Библиотеки ставятся в /usr/lib<qual>/ на системе biarch с двумя архитектурами.\n"
    "Пишите сопровождающему <osamu@debian.org> или откройте отчёт об ошибке.\n"
    "Замените <имя-пакета> и <version> на свои значения, например <b>foo</b>.\n"
)


def _clean(text: str, strip_markup: bool = True) -> str:
    return clean_body(text, [Page(1, 0, len(text), len(text))], [], strip_markup=strip_markup).text


def test_words_in_angle_brackets_that_are_no_html_element_stay() -> None:
    body = _clean(MANUAL)
    assert "/usr/lib<qual>/ на системе" in body
    assert "<osamu@debian.org>" in body
    assert "<имя-пакета> и <version> на" in body


def test_html_elements_left_in_plain_text_are_still_removed() -> None:
    body = _clean('Author<br><br>Khalid Akram\n<p class="x">Text <b>bold</b> here.</p>\n')
    assert body == "Author\n\nKhalid Akram\n\nText bold here."


def test_a_pdf_keeps_even_html_it_prints_as_code() -> None:
    body = _clean(MANUAL, strip_markup=False)
    assert "например <b>foo</b>." in body
