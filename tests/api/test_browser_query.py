"""The query language on the web page, in real headless Chromium: the syntax help, a phrase with
an exclusion, a malformed query's message, and "did you mean" both ways (searched instead, or a
suggestion to click). Skipped without Chromium, as tests/api/test_browser.py is (a failure on CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlparse

import pytest
from browser_steps import served_page

from index.models.embedder import Embedder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(corpus_index: Path, embedder: Embedder) -> Iterator[tuple[Any, str]]:
    with served_page(corpus_index, embedder) as served:
        yield served


def open_results(pg: Any, url: str, query: str, mode: str = "hybrid") -> None:
    pg.goto(f"{url}/?q={quote_plus(query)}&mode={mode}")
    pg.wait_for_function(
        "() => !document.getElementById('results').hasAttribute('aria-busy') && "
        "!document.getElementById('status').className.includes('loading')"
    )


def test_syntax_help_is_on_the_page(page: tuple[Any, str]) -> None:
    pg, url = page
    pg.goto(url)
    help_box = pg.locator("#syntax-help")
    assert not help_box.locator("dl").is_visible()  # folded until asked for
    help_box.locator("summary").click()
    text = help_box.inner_text()
    for form in ('"Great Stone"', "-tractors", "NOT tractors", "OR", "tract*", "tractr~", "doc:ID"):
        assert form in text


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_phrase_and_exclusion_on_the_page(page: tuple[Any, str], mode: str) -> None:
    pg, url = page
    open_results(pg, url, '"Great Stone" -tractors', mode)
    passages = pg.locator("#results .hit .passage").all_inner_texts()
    assert passages
    for text in passages:
        flat = " ".join(text.lower().split())
        assert "great stone" in flat and "tractor" not in flat
    open_results(pg, url, '"Stone Great"', mode)
    assert pg.locator("#results .hit").count() == 0
    assert pg.errors == []


def test_malformed_query_says_what_to_fix(page: tuple[Any, str]) -> None:
    pg, url = page
    pg.goto(f"{url}/?q={quote_plus(chr(34) + 'Great Stone')}")
    pg.wait_for_function("() => document.getElementById('status').className.includes('error')")
    assert "unbalanced quote" in pg.locator("#status").inner_text()
    assert pg.locator("#results .hit").count() == 0


def test_did_you_mean_searched_instead_or_offered(page: tuple[Any, str]) -> None:
    pg, url = page
    open_results(pg, url, "tractr exports afrika")
    line = pg.locator("#suggestion")
    assert line.is_visible()
    assert line.inner_text().startswith("Showing results for tractor exports africa")
    assert pg.locator("#results .hit").count() > 0

    # One unknown word among several that find plenty: the query as typed is searched, and the
    # suggestion is a link that searches it.
    open_results(pg, url, "Belarus Pakistan trade tractr")
    assert line.inner_text() == "Did you mean Belarus Pakistan trade tractor?"
    line.locator("a").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('q').endsWith('tractor')")
    assert parse_qs(urlparse(pg.url).query)["q"] == ["Belarus Pakistan trade tractor"]
    pg.wait_for_function("() => document.getElementById('suggestion').hidden")

    open_results(pg, url, "tractor exports")
    assert line.is_hidden()
    assert pg.errors == []


EXPORTS_TITLE = "Belarus: building on development new export markets"


@pytest.mark.parametrize(
    ("query", "every_passage"),
    [
        ('"Great Stone" OR Vietnam', ("great stone", "vietnam")),
        ("Pakistan NOT tractors", ("pakistan",)),
        ("tract*", ("tract",)),
        ("tractr~", ("tractor",)),
    ],
)
def test_other_forms_on_the_page(
    page: tuple[Any, str], query: str, every_passage: tuple[str, ...]
) -> None:
    pg, url = page
    open_results(pg, url, query, "bm25")
    passages = pg.locator("#results .hit .passage").all_inner_texts()
    assert passages
    for text in passages:
        flat = " ".join(text.lower().split())
        assert any(words in flat for words in every_passage)
        assert "NOT" not in query or "tractor" not in flat


def test_doc_filter_in_the_query_on_the_page(page: tuple[Any, str]) -> None:
    pg, url = page
    open_results(pg, url, "tractors doc:belarus-new-export-markets", "hybrid")
    titles = pg.locator("#results .hit .hit-title").all_inner_texts()
    assert titles and set(titles) == {EXPORTS_TITLE}


def test_notes_are_searched_on_the_page(page: tuple[Any, str]) -> None:
    pg, url = page
    pg.goto(url)
    help_box = pg.locator("#syntax-help")
    help_box.locator("summary").click()
    assert "cites:belta.by" in help_box.inner_text() and "cites:Pivovar" in help_box.inner_text()

    # A name only the notes hold: each passage says which note it was found through.
    open_results(pg, url, "Pivovar")
    assert "Missing: Pivovar" not in pg.locator("#answer").inner_text()
    reasons = pg.locator("#results .hit .matched-note").all_inner_texts()[:5]
    assert len(reasons) == 5
    assert all(r.startswith("Cited in note ") and "Pivovar" in r for r in reasons)

    # cites: alone: the claims that cite BelTA, each with its BelTA note.
    open_results(pg, url, "cites:belta.by")
    hits = pg.locator("#results .hit")
    assert hits.count() == 10
    assert all("belta.by" in r for r in pg.locator("#results .hit .matched-note").all_inner_texts())
    assert pg.locator("#answer").is_visible()

    # A domain no note links to: no passage, said so, and the closest one offered.
    open_results(pg, url, "cites:belta.bz")
    assert pg.locator("#results .hit").count() == 0
    assert "No note cites belta.bz" in pg.locator("#status").inner_text()
    assert pg.locator("#suggestion").inner_text() == "Did you mean cites:belta.by?"
    assert pg.errors == []
