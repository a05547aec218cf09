"""Tags, stars and notes in the page, in real headless Chromium: on a hit and on a document of
the list, asked for the upload token as uploads are, by keyboard, a tag's click searching with
``tag:``, the CSV export holding them, and nothing axe-core calls serious. One served copy of the
hash-encoder corpus index and one page for the module."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_steps import (  # noqa: F401  (hash_corpus, hash_embedder, writable_site: fixtures)
    axe_problems,
    hash_corpus,
    hash_embedder,
    writable_site,
)
from test_app import TOKEN
from test_browser import browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda error: pg.errors.append(str(error)))
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def _annotations(url: str, **params: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={urllib.request.quote(v)}" for k, v in params.items())
    with urllib.request.urlopen(f"{url}/api/annotations?{query}") as response:
        found: list[dict[str, Any]] = json.load(response)["annotations"]
    return found


def _first_hit(pg: Any, url: str, q: str) -> Any:
    pg.goto(f"{url}/?q={urllib.request.quote(q)}&mode=bm25")
    hit = pg.locator("#results .hit").first
    hit.locator(".annotations .star-toggle").wait_for()
    return hit


def test_a_hit_is_starred_tagged_and_noted_after_the_token_is_asked_for(
    page: Any, writable_url: str
) -> None:
    hit = _first_hit(page, writable_url, "tractors")
    chunk = hit.get_attribute("data-chunk")
    star = hit.locator(".star-toggle")
    assert star.get_attribute("aria-pressed") == "false"
    star.click()  # no token held yet: it is asked for, and the star waits for it
    page.locator("#token-row").wait_for(state="visible")
    assert "upload token" in page.locator("#token-note").inner_text()
    page.fill("#token", TOKEN)
    page.locator("#token").press("Enter")
    hit.locator(".star-toggle[aria-pressed='true']").wait_for()

    # By keyboard: a tag typed and Enter; a note written and saved.
    tag_input = hit.locator(".tag-input")
    tag_input.focus()
    page.keyboard.type("to check")
    page.keyboard.press("Enter")
    hit.locator(".tag-name", has_text="to check").wait_for()
    hit.locator(".note-toggle").click()
    hit.locator(".note-input").fill("Ask the ministry.")
    hit.locator(".note-save").click()
    hit.locator(".note-toggle", has_text="Note: Ask the ministry.").wait_for()

    saved = _annotations(writable_url, tag="to check")
    assert [(a["chunk_id"], a["starred"], a["note"]) for a in saved] == [
        (chunk, True, "Ask the ministry.")
    ]
    assert axe_problems(page, "annotated hit") == []

    # The page's CSV export carries them.
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "tags,starred,note" in text.splitlines()[0]
    assert "to check,yes,Ask the ministry." in text

    # A tag's click searches with tag:"to check": only that passage is left.
    shown = page.locator("#results .hit").first.element_handle()
    hit.locator(".tag-name", has_text="to check").click()
    page.wait_for_url("**tag%3A%22to+check%22**")
    # The URL changes before the new results replace the old ones: wait until they have.
    page.wait_for_function("old => !old.isConnected", arg=shown)
    page.locator("#results .hit").first.wait_for()
    assert page.locator("#results .hit").evaluate_all("hs => hs.map(h => h.dataset.chunk)") == [
        chunk
    ]
    assert page.errors == []


def test_a_document_of_the_list_is_starred_and_tagged(page: Any, writable_url: str) -> None:
    page.goto(writable_url)
    page.evaluate("t => sessionStorage.setItem('citesearch-token', t)", TOKEN)
    page.locator("#doc-filter-summary").click()
    row = page.locator("#doc-list .doc-row").first
    doc_id = row.get_attribute("data-doc-id")
    row.locator(".star-toggle").click()
    row.locator(".star-toggle[aria-pressed='true']").wait_for()
    row.locator(".tag-input").fill("whole report")
    row.locator(".tag-input").press("Enter")
    row.locator(".tag-name", has_text="whole report").wait_for()
    # Enter in the tag box tags; it does not submit the search form around the list.
    assert "q=" not in page.url
    saved = _annotations(writable_url, tag="whole report")
    assert [(a["doc_id"], a["chunk_id"], a["starred"]) for a in saved] == [(doc_id, None, True)]
    row.locator(".tag-remove").click()
    row.locator(".tag-name").wait_for(state="detached")
    assert _annotations(writable_url, tag="whole report") == []
    assert page.errors == []
