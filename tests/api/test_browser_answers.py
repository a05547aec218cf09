"""The answers issue's examples in real headless Chromium (the browser of test_browser), on the
corpus with the real models and one e-mail: one page for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from browser_steps import copy_with
from test_browser import browser  # noqa: F401  (fixture)

from api.app import create_app
from api.local_server import running_server
from index.models.embedder import Embedder

pytestmark = pytest.mark.browser

MAIL = """From: Anna Desk <anna@example.org>
To: desk@example.org
Subject: Potash shipment to Santos
Date: Tue, 31 May 2022 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hi desk,

The ship carrying 40,000 tonnes of Belarusian potash left Klaipeda on 30 May 2022.

Regards,
Anna
"""
HEADER = ("From:", "To:", "Subject:", "Date:", "Attachments:")


@pytest.fixture(scope="module")
def answers_url(
    corpus_index: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser-answers")
    (root / "mail").mkdir()
    (root / "mail" / "potash-note.eml").write_text(MAIL, encoding="utf-8")
    index_dir, report = copy_with(corpus_index, root / "mail", embedder, root)
    assert report.added == ["potash-note"], report.summary()
    with running_server(create_app(index_dir, embedder=embedder, api_token=None)) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:  # noqa: F811
    tab = browser.new_page()
    yield tab
    tab.close()


def _open(page: Any, url: str, question: str) -> Any:
    page.goto(f"{url}/?q={quote_plus(question)}")
    page.locator("#results .hit").first.wait_for()
    page.locator("#answer").wait_for()
    return page.locator("#answer")


def test_the_cyrillic_imran_khan_question_finds_the_meeting(page: Any, answers_url: str) -> None:
    _open(page, answers_url, "Лукашенко Имран Хан")
    first = page.locator("#results .hit .passage").first.inner_text()
    assert "Imran Khan" in first


@pytest.mark.parametrize(
    "question",
    [
        "How much was trade between Belarus and Pakistan in 2021?",
        "What does Belarus export to Africa?",
        "How many residents are in the Great Stone industrial park?",
    ],
)
def test_no_strong_match_on_a_wrong_sentence(page: Any, answers_url: str, question: str) -> None:
    answer = _open(page, answers_url, question)
    text = answer.inner_text()
    assert "strong match" not in text or "92.6" in text


def test_the_answer_and_its_highlight_are_one_sentence(page: Any, answers_url: str) -> None:
    question = "When were diplomatic relations between Belarus and Pakistan established?"
    answer = _open(page, answers_url, question)
    answer.locator(".answer-text").first.wait_for()
    quoted = " ".join(answer.locator(".answer-text").first.inner_text().split())
    assert "3 February 1994" in quoted
    marks = [" ".join(m.split()) for m in page.locator("#results .hit mark.hl").all_inner_texts()]
    assert any(mark == quoted for mark in marks), (quoted, marks)


def test_no_e_mail_header_is_quoted(page: Any, answers_url: str) -> None:
    answer = _open(page, answers_url, "When did the ship with potash leave Klaipeda?")
    quotes = answer.locator(".answer-text").all_inner_texts()
    quotes += page.locator("#results .hit mark.hl").all_inner_texts()
    assert quotes
    assert not [q for q in quotes if q.lstrip().startswith(HEADER)]
