"""axe-core's accessibility rules over the page, in real headless Chromium, light and dark.

The results page (answer, hits, a note open), the document viewer, the "Add documents" panel
(uploads on, a file waiting for the upload token) and the document list are checked with
axe-core (bundled by axe-playwright-python: nothing is downloaded); no violation may be serious
or critical.
Mechanics only, so the corpus is indexed with the hash encoder (its answers are "not found"; the
strong answer and "Possible answers" are checked with axe in test_browser.py, on the real models).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

import pytest
from browser_steps import (  # noqa: F401  (hash_corpus, hash_embedder, writable_site: fixtures)
    axe_problems,
    choose_file,
    hash_corpus,
    hash_embedder,
    open_uploads,
    row_of,
    writable_site,
)
from test_browser import browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

QUESTION = "Which dairy shipped its first products to Libya?"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser: Any, writable_url: str, scheme: str) -> None:  # noqa: F811
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        problems: list[str] = []
        page.goto(f"{writable_url}/?q={quote_plus(QUESTION)}")
        page.wait_for_selector("#results .hit .fn-btn")
        page.locator("#results .hit .fn-btn").first.click()
        page.locator("#about-search summary").click()
        problems += axe_problems(page, "results")

        page.locator("#results .hit .open-doc").first.click()
        page.locator("#doc-view .notes-list").wait_for()
        problems += axe_problems(page, "viewer")

        open_uploads(page, writable_url, token=None)
        choose_file(page, "a11y-waiting.txt", b"Wisent were counted in the reserve.\n")
        row_of(page, "a11y-waiting.txt").get_by_role("button", name="Remove").wait_for()
        page.locator("#doc-filter summary").click()
        page.locator("#doc-list .doc-download").first.wait_for()
        problems += axe_problems(page, "uploads and the document list")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
