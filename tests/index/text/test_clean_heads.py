"""Running heads whose words change from section to section (a book's "64 Корисні можливості"
over one page, "4.2 Бібліоґрафія 65" over the next): known by the page's printed number at
their outer end, on the first line of most pages, whatever their words."""

from __future__ import annotations

from index.records import Page
from index.text.clean import clean_body

# Pages of a translated LaTeX manual, as pypdf extracts them: a head on each page, the even
# pages' naming the chapter, the odd pages' the section, each section short. A sentence runs
# over from page 62 to page 64 (63 is a figure's) and its head: "назива-" / "ється".
PAGES = [
    (
        "61",
        "4.1 Вставлення EPS графіки 61",
        "Пакет graphіcx дозволяє вставляти зображення у текст.",
    ),
    ("62", "62 Вставлення графіки", "Найпростіше це робиться за допомогою пакету, що назива-"),
    ("64", "64 Корисні можливості", "ється «graphіcs». Працюючи в системі, візьміть інструкцію."),
    ("65", "4.2 Бібліоґрафія 65", "Бібліоґрафію створюють оточенням thebіblіography."),
    ("66", "66 Особливості", "Предметний покажчик будується пакетом makeіdx."),
    ("67", "4.4 Вибагливі колонтитули 67", "Колонтитули змінює пакет fancyhdr."),
]


def _pdf_like(pages: list[tuple[str, str, str]]) -> tuple[str, list[Page]]:
    text, spans = "", []
    for label, head, body in pages:
        if text:
            text += "\f"
        start = len(text)
        text += f"{head}\n{body}\n"
        spans.append((label, start, len(text)))
    return text, [Page(i + 1, a, b, b, label) for i, (label, a, b) in enumerate(spans)]


def test_heads_that_change_each_page_are_dropped_by_their_page_number() -> None:
    text, page_list = _pdf_like(PAGES)
    body = clean_body(text, page_list, [], remove_headers=True).text
    assert "Корисні можливості" not in body
    assert "Пакет graphіcx дозволяє" in body
    assert "пакету, що назива-ється «graphіcs»" in body or "що називається «graphіcs»" in body
    for head in ("Вставлення EPS", "Вставлення графіки", "Бібліоґрафія 65", "Особливості"):
        assert head not in body


def test_a_first_line_opening_with_its_page_number_once_is_text() -> None:
    # Only one page's first line starts with its number: no head style, the line is text.
    text, page_list = _pdf_like(
        [
            ("11", "Розділ 2", "Перший рядок сторінки."),
            ("12", "12 місяців тривала робота над перекладом.", "Далі текст."),
            ("13", "Текст продовжується без колонтитула.", "Кінець."),
            ("14", "Ще одна сторінка.", "Кінець."),
        ]
    )
    body = clean_body(text, page_list, [], remove_headers=True).text
    assert "12 місяців тривала робота" in body


def test_a_last_line_ending_with_its_page_number_stays_where_heads_are_on_top() -> None:
    # A reference ending a page with its own page number, "(1988) 65", under numbered heads.
    pages = [
        (label, head, f"{body}\nTUGboat Volume 9, Issue 1 (1988) {label}")
        for label, head, body in PAGES[:1]
    ] + PAGES[1:]
    text, page_list = _pdf_like(pages)
    body = clean_body(text, page_list, [], remove_headers=True).text
    assert "TUGboat Volume 9, Issue 1 (1988) 61" in body
