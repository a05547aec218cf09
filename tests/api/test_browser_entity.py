"""Entity pages on the web page, in headless Chromium over the corpus indexed with the hash
encoder (its entities are spaCy's, found at index time): a person facet's "page" link opens the
person's page (the URL keeps its key; back and reload work), its passages are marked where they
name him, an entity beside him opens its page, a passage opens in its document and comes back,
and a name in another script finds the same page, all by keyboard. Skipped without Chromium, as
tests/api/test_browser.py is (a failure on CI)."""

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

LUKASHENKO = "person:lukashenk"


@pytest.fixture(scope="module")
def page(corpus_index: Path, embedder: Any) -> Iterator[tuple[Any, str]]:
    with served_page(corpus_index, embedder) as served:
        yield served


def _entity(pg: Any) -> str:
    return parse_qs(urlparse(pg.url).query).get("entity", [""])[0]


def _shown(pg: Any, name: str) -> None:
    pg.wait_for_function(
        "(name) => { const h = document.querySelector('#entity-view .entity-name');"
        " return h && h.textContent === name && !document.getElementById('entity-view').hidden; }",
        arg=name,
    )


def test_a_facet_opens_the_page_of_its_person(page: tuple[Any, str]) -> None:
    pg, url = page
    pg.goto(f"{url}/?q=Lukashenko&mode=bm25")
    link = pg.locator(".facet-group[data-facet=person] .facet-page").first
    link.wait_for()
    name = link.get_attribute("aria-label").removeprefix("Page of ")
    link.focus()
    pg.keyboard.press("Enter")
    _shown(pg, "Alexander Lukashenko")
    assert name == "Alexander Lukashenko" and _entity(pg) == LUKASHENKO
    api = pg.evaluate(f"() => fetch('/api/entities/{LUKASHENKO}?limit=10').then(r => r.json())")
    passages = pg.locator("#entity-view .entity-passage")
    assert passages.count() == len(api["passages"]) == min(10, api["total"])
    # Each passage is marked where it names him, in whichever spelling it uses.
    spellings = {text.casefold() for text, _ in api["spellings"]}
    for passage in passages.all():
        marks = passage.locator("mark.word").all_inner_texts()
        assert marks and {m.casefold() for m in marks} <= spellings
    beside = pg.locator("#entity-view .beside-list li")
    assert beside.count() == len(api["beside"]) > 0
    assert pg.evaluate("() => document.activeElement.id") == "entity-name"
    problems: list[str] = []
    for scheme in ("light", "dark"):
        pg.emulate_media(color_scheme=scheme)
        problems += axe_problems(pg, f"entity page ({scheme})")
    assert not problems, "\n".join(problems)

    # An entity beside him opens its own page; back comes to his, and a reload keeps it.
    first = api["beside"][0]
    beside.first.locator("a").click()
    _shown(pg, first["name"])
    assert _entity(pg) == first["key"]
    pg.go_back()
    _shown(pg, "Alexander Lukashenko")
    pg.reload()
    _shown(pg, "Alexander Lukashenko")
    assert pg.errors == []


def test_a_passage_opens_in_its_document_and_a_name_finds_its_page(page: tuple[Any, str]) -> None:
    pg, url = page
    pg.goto(f"{url}/?entity={LUKASHENKO}")
    _shown(pg, "Alexander Lukashenko")
    pg.locator("#entity-view .entity-passage .hit-title a").first.click()
    pg.wait_for_url(re.compile(r"view="))
    pg.locator("#doc-view mark.passage").first.wait_for()
    assert pg.locator("#entity-view").is_hidden()
    pg.locator("#doc-view .back").click()
    _shown(pg, "Alexander Lukashenko")

    # Another spelling in another script finds the same page.
    pg.locator("#entity-find").fill("Лукашенко")
    pg.keyboard.press("Enter")
    found = pg.locator("#entity-view .entity-found a")
    found.first.wait_for()
    assert found.count() == 1 and found.first.inner_text() == "Alexander Lukashenko"
    href = found.first.get_attribute("href")
    assert parse_qs(urlparse(href).query)["entity"] == [LUKASHENKO]
    pg.locator("#entity-find").fill("nobody-by-this-name")
    pg.keyboard.press("Enter")
    pg.get_by_text("No person, organisation or place is named").wait_for()

    # A page of no entity says so in plain words.
    pg.goto(f"{url}/?entity=person:nobody")
    pg.wait_for_function("() => document.getElementById('status').className.includes('error')")
    assert "No passage mentions" in pg.locator("#status").inner_text()
    assert pg.errors == []
