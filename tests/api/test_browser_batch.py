"""Many questions at once and the search history on the web page, in headless Chromium over the
corpus indexed with the hash encoder (mechanics only, not ranking): questions pasted or read
from a .csv file are asked one by one with progress, can be stopped, come back as a table and
as CSV and Markdown in the page's export shapes, a list over the cap is refused in words; past
searches are listed from this browser's storage, reopen by keyboard, and are cleared, with
nothing about them sent to the server. Skipped without Chromium (a failure on CI)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from browser_steps import (  # noqa: F401 (hash_corpus, hash_embedder: fixtures)
    axe_problems,
    hash_corpus,
    hash_embedder,
    served_page,
)

pytestmark = pytest.mark.browser

QUESTIONS = ["Belarus tractors", "Pakistan trade", "Great Stone park"]


@pytest.fixture(scope="module")
def page(corpus_index: Path, embedder: Any) -> Iterator[tuple[Any, str]]:
    with served_page(corpus_index, embedder) as served:
        yield served


def _batch_status(pg: Any, text: str) -> None:
    pg.wait_for_function(
        "(text) => document.getElementById('batch-status').textContent.includes(text)", arg=text
    )


def _open(pg: Any, panel: str) -> None:
    """Opens an options panel by keyboard."""
    pg.locator(f"#{panel} summary").focus()
    pg.keyboard.press("Enter")
    assert pg.locator(f"#{panel}").get_attribute("open") is not None


def _download(pg: Any, button: str) -> str:
    with pg.expect_download() as got:
        pg.locator(button).click()
    return Path(got.value.path()).read_text(encoding="utf-8")


def test_questions_are_asked_one_by_one_and_downloaded(
    page: tuple[Any, str], tmp_path: Path
) -> None:
    pg, url = page
    asked: list[str] = []
    pg.on("request", lambda r: asked.append(r.url) if "/api/search" in r.url else None)
    pg.goto(f"{url}/?mode=bm25")
    _open(pg, "batch")
    listing = tmp_path / "questions.csv"
    listing.write_text("question\n" + "\n".join(f'"{q}",note' for q in QUESTIONS) + "\n")
    pg.locator("#batch-file").set_input_files(str(listing))
    _batch_status(pg, "3 questions read from questions.csv")
    assert pg.locator("#batch-questions").input_value().splitlines() == QUESTIONS
    pg.locator("#batch-run").focus()
    pg.keyboard.press("Enter")
    _batch_status(pg, "3 of 3 answered.")
    # One search a question, one after another, with the page's options.
    assert [parse_qs(urlparse(u).query)["q"][0] for u in asked] == QUESTIONS
    assert all(parse_qs(urlparse(u).query)["mode"] == ["bm25"] for u in asked)
    rows = pg.locator("#batch-results tbody tr")
    assert rows.count() == 3
    assert rows.locator("th").all_inner_texts() == QUESTIONS
    assert not axe_problems(pg, "batch table")

    table = list(csv.reader(io.StringIO(_download(pg, "#batch-csv"))))
    api = pg.evaluate(
        "() => fetch('/api/search?q=Pakistan+trade&k=3&mode=bm25').then(r => r.json())"
    )
    header = table[0]
    assert header[:4] == ["question", "answer_state", "answer", "answer_footnotes"]
    assert header[4:7] == ["rank", "title", "authors"]  # then the page's own columns (app.js)
    pakistan = [r for r in table[1:] if r[0] == "Pakistan trade"]
    assert [r[header.index("chunk_id")] for r in pakistan] == [
        h["chunk_id"] for h in api["results"]
    ]
    markdown = _download(pg, "#batch-md")
    assert [line for line in markdown.splitlines() if line.startswith("# ")] == [
        f"# {q}" for q in QUESTIONS
    ]
    assert pg.errors == []


def test_a_batch_can_be_stopped_and_a_long_list_is_refused(page: tuple[Any, str]) -> None:
    pg, url = page
    pg.goto(url)
    _open(pg, "batch")
    pg.locator("#batch-questions").fill("\n".join(f"question {n}" for n in range(101)))
    pg.locator("#batch-run").click()
    _batch_status(pg, "At most 100 questions at a time; this list has 101.")

    held: list[Any] = []  # the second search is held, so the batch is stopped mid-way

    def hold(route: Any) -> None:
        if "second" in route.request.url:
            held.append(route)
        else:
            route.continue_()

    pg.route(re.compile(r".*/api/search.*"), hold)
    pg.locator("#batch-questions").fill("first\nsecond\nthird")
    pg.locator("#batch-run").click()
    _batch_status(pg, "1 of 3 answered")
    assert pg.locator("#batch-progress").get_attribute("value") == "1"
    pg.locator("#batch-stop").click()
    _batch_status(pg, "Stopped after 1 of 3")
    assert pg.locator("#batch-results tbody tr").count() == 1
    assert pg.locator("#batch-run").is_enabled() and pg.locator("#batch-stop").is_disabled()
    pg.unroute(re.compile(r".*/api/search.*"))
    for route in held:
        with contextlib.suppress(Exception):  # the page gave the request up already
            route.abort()
    assert pg.errors == []


def test_searches_are_remembered_in_the_browser_only(page: tuple[Any, str]) -> None:
    pg, url = page
    sent: list[tuple[str, str]] = []
    pg.on("request", lambda r: sent.append((r.method, urlparse(r.url).path)))
    pg.goto(url)
    pg.evaluate("() => localStorage.clear()")
    for q in ("tractors", "Belarus year:2021", "tractors"):
        pg.locator("#q").fill(q)
        pg.keyboard.press("Enter")
        pg.wait_for_function(
            "() => !document.getElementById('status').className.includes('loading')"
        )
        pg.locator("#results .hit").first.wait_for()
    pg.reload()
    _open(pg, "history")
    links = pg.locator("#history-body .history-link")
    # Newest first, each once, its filters kept.
    assert links.all_inner_texts() == ["tractors", "Belarus year:2021"]
    links.nth(1).focus()
    pg.keyboard.press("Enter")
    pg.wait_for_url(re.compile(r"year"))
    pg.locator("#results .hit").first.wait_for()
    assert pg.locator("#q").input_value() == "Belarus year:2021"
    assert not axe_problems(pg, "search history")
    pg.locator("#history-body .history-clear").click()
    assert pg.locator("#history-body .history-link").count() == 0
    assert pg.evaluate("() => localStorage.getItem('citesearch.history')") is None
    # Nothing but the page and its searches went to the server: no list of them, no write.
    assert {method for method, _ in sent} == {"GET"}
    assert {path for _, path in sent if not path.startswith("/static/")} <= {
        "/", "/api/search", "/api/documents", "/api/health", "/api/jobs"
    }  # fmt: skip
    assert pg.errors == []
