"""Adding documents from the page, in real headless Chromium (fixtures of test_browser).

Upload with progress to done, the token asked for once and kept for the tab, the new document
searchable and in the filter without a reload, and the filter following a deletion made
elsewhere.
"""

from __future__ import annotations

from typing import Any
from urllib.request import Request, urlopen

import pytest
from browser_steps import choose_file, open_uploads, wait_settled, writable_site  # noqa: F401
from test_app import TOKEN
from test_browser import base_url, browser, page  # noqa: F401  (fixtures)
from test_upload_progress import _fresh_text

pytestmark = pytest.mark.browser

NEW_ID = "library-science"


def _filter_ids(pg: Any) -> list[str]:
    return pg.eval_on_selector_all("#doc-list input[type=checkbox]", "bs => bs.map(b => b.value)")


def test_upload_from_the_page_with_progress_then_search_it(
    page: Any,  # noqa: F811
    writable_url: str,
) -> None:
    open_uploads(page, writable_url, token=None)
    page.wait_for_selector("#doc-list input[type=checkbox]", state="attached")
    assert NEW_ID not in _filter_ids(page)
    page.evaluate("window.__samePage = true")
    assert ".pdf" in page.locator("#file-input").get_attribute("accept")

    choose_file(page, f"{NEW_ID}.txt", _fresh_text(8).encode())
    # No token yet: the page asks for it, then sends the file again.
    page.locator("#token").wait_for()
    assert page.locator("#token-row").is_visible()
    page.fill("#token", TOKEN)
    page.click("#token-button")
    row = wait_settled(page, f"{NEW_ID}.txt", timeout=300_000)
    assert row.get_attribute("data-stage") == "done", row.inner_text()
    stages = row.get_attribute("data-stages").split()
    assert stages[0] == "uploading" and stages[-1] == "done"
    assert "meaning" in stages, stages  # published by its words, its vectors following
    assert f"Indexed: searchable now ({NEW_ID})" in row.inner_text()
    assert page.evaluate("document.querySelector('#job-list progress').value") == 1

    # In the filter and searchable, without a reload; the token stays with this tab only.
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#doc-list input')].some(b => b.value === '{NEW_ID}')"
    )
    assert page.evaluate("window.__samePage") is True
    assert page.evaluate("sessionStorage.getItem('citesearch-token')") == TOKEN
    assert page.evaluate("localStorage.length") == 0
    page.fill("#q", "history of the Dewey Decimal Classification")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results .hit")
    assert page.locator("#results .hit").first.get_attribute("data-chunk").startswith(f"{NEW_ID}#")

    # Removed elsewhere (another reporter, through the API): the open page's filter follows.
    request = Request(
        f"{writable_url}/api/documents/{NEW_ID}",
        method="DELETE",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urlopen(request) as response:
        assert response.status == 202
    page.wait_for_function(
        f"() => ![...document.querySelectorAll('#doc-list input')].some(b => b.value === '{NEW_ID}')",
        timeout=60_000,
    )
    assert page.evaluate("window.__samePage") is True
    assert page.errors == [] and page.dialogs == []


def test_a_refused_upload_says_why_in_its_row(
    page: Any,  # noqa: F811
    writable_url: str,
) -> None:
    open_uploads(page, writable_url)
    taken = "belarus-new-export-markets.txt"
    choose_file(page, taken, b"Minsk.")
    text = wait_settled(page, taken).inner_text()
    assert "Not accepted" in text and "already indexed" in text and "rename" in text


def test_uploads_disabled_without_a_token_on_the_server(
    page: Any,  # noqa: F811
    base_url: str,  # noqa: F811
) -> None:
    page.goto(base_url)
    page.locator("#uploads summary").click()
    page.wait_for_function("() => document.getElementById('upload-note').textContent !== ''")
    assert "disabled" in page.locator("#upload-note").inner_text()
    assert page.locator("#file-input").is_disabled()
