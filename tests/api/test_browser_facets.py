"""Facets on the web page, in real headless Chromium over the corpus indexed with the hash encoder
(its entities are spaCy's, found at index time): the count of passages holding the words, the
mark on a passage without them, a facet value clicked into a filter the URL keeps, and its chip.
Skipped without Chromium, as tests/api/test_browser.py is (a failure on CI)."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def page(corpus_index: Path, embedder: Any) -> Iterator[tuple[Any, str]]:
    with served_page(corpus_index, embedder) as served:
        yield served


def _settled(pg: Any) -> None:
    pg.wait_for_function(
        "() => !document.getElementById('results').hasAttribute('aria-busy') && "
        "!document.getElementById('status').className.includes('loading')"
    )


def _query(pg: Any) -> str:
    return parse_qs(urlparse(pg.url).query)["q"][0]


def test_facets_count_the_matching_passages_and_click_into_filters(
    page: tuple[Any, str],
) -> None:
    pg, url = page
    pg.goto(f"{url}/?q=Zimbabwe")
    _settled(pg)
    # Hybrid search ranks every passage; the page says how many hold the word (issue 26).
    assert re.match(r"2 passages contain the words", pg.locator("#status").inner_text())
    for hit in pg.locator("#results .hit").all():
        holds = "Zimbabwe" in hit.locator(".passage").inner_text()
        assert hit.locator(".no-words").count() == (0 if holds else 1)
    zimbabwe = pg.locator(".facet-group[data-facet=place] .facet-value[data-value=Zimbabwe]")
    assert zimbabwe.locator(".facet-count").inner_text() == "2"
    problems: list[str] = []
    for scheme in ("light", "dark"):
        pg.emulate_media(color_scheme=scheme)
        problems += axe_problems(pg, f"facets ({scheme})")
    assert not problems, "\n".join(problems)

    # A value clicked is a filter in the query and the URL; its count is what it filters to.
    value = pg.locator(".facet-group[data-facet=person] .facet-value").first
    name, count = value.get_attribute("data-value"), value.locator(".facet-count").inner_text()
    value.click()
    pg.wait_for_url(re.compile(r"person"))
    _settled(pg)
    assert _query(pg) == f'Zimbabwe person:"{name}"'
    assert pg.locator("#status").inner_text().startswith(f"{count} passage")
    chip = pg.locator("#active-filters .chip")
    assert chip.count() == 1 and name in chip.inner_text()
    pg.reload()
    _settled(pg)
    assert pg.locator("#active-filters .chip").count() == 1
    assert pg.locator(".facet-value[aria-pressed=true]").count() == 1
    pg.go_back()
    _settled(pg)
    assert _query(pg) == "Zimbabwe" and pg.locator("#active-filters").is_hidden()

    # The chip's button searches without its filter.
    pg.goto(f"{url}/?q={'Belarus year:2021'}")
    _settled(pg)
    pg.get_by_role("button", name="Remove filter year: 2021").click()
    pg.wait_for_url(lambda u: "year" not in u)
    _settled(pg)
    assert _query(pg) == "Belarus" and pg.locator("#active-filters .chip").count() == 0
    assert pg.errors == []


def test_searched_words_are_marked_and_results_sort_by_date(page: tuple[Any, str]) -> None:
    pg, url = page
    pg.emulate_media(color_scheme="light")
    pg.goto(f"{url}/?q=Лукашенко tractors&mode=bm25&k=50")
    _settled(pg)
    # Marked as BM25 matched them: the stem (tractor, tractors) and the name in its Latin form.
    words = {w.lower() for w in pg.locator("#results .passage mark.word").all_inner_texts()}
    assert (
        {"lukashenko", "tractors"} <= words <= {"lukashenko", "lukashenka", "tractor", "tractors"}
    )
    problems: list[str] = []
    for scheme in ("light", "dark"):
        pg.emulate_media(color_scheme=scheme)
        problems += axe_problems(pg, f"searched words ({scheme})")
    assert not problems, "\n".join(problems)

    # The order control: in the URL, kept on reload, the API's order.
    pg.select_option("#sort", "date")
    pg.wait_for_url(re.compile(r"sort=date"))
    _settled(pg)
    pg.reload()
    _settled(pg)
    assert pg.locator("#sort").input_value() == "date"
    api = pg.evaluate("() => fetch('/api/search' + location.search).then(r => r.json())")
    titles = pg.locator("#results .hit .hit-title").all_inner_texts()
    assert titles == [hit["title"] for hit in api["results"]]
    assert api["sort"] == "date" and titles
    pg.select_option("#sort", "relevance")
    pg.wait_for_url(lambda u: "sort=" not in u)
    assert pg.errors == []
