"""Issue 28's page defects, in real headless Chromium (fixtures of test_browser).

A question over the length limit is refused on the page with the limit and its length named,
never cut; an uploaded file's row says so once its document is removed elsewhere. Mechanics
only, so the corpus is indexed with the hash encoder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote_plus
from urllib.request import Request, urlopen

import pytest
from test_app import TOKEN
from test_browser import base_url, browser, page  # noqa: F401  (fixtures)
from test_upload_progress import _fresh_text

from api.app import create_app
from api.local_server import running_server
from index.models.embedder import Embedder
from retrieval.search import MAX_QUERY_CHARS

pytestmark = pytest.mark.browser

NEW_ID = "library-science"


@pytest.fixture(scope="module")
def embedder(hash_encoder):  # type: ignore[no-untyped-def]
    return hash_encoder


@pytest.fixture(scope="module")
def corpus_index(hash_corpus_index: Path) -> Path:
    return hash_corpus_index


@pytest.fixture()
def writable_url(corpus_index: Path, embedder: Embedder, tmp_path: Path) -> Iterator[str]:
    """A copy of the corpus index served with an upload token."""
    shutil.copytree(corpus_index.parent, tmp_path / "root", symlinks=True)
    app = create_app(tmp_path / "root" / corpus_index.name, embedder=embedder, api_token=TOKEN)
    with running_server(app) as url:
        yield url


def _long_question(chars: int) -> str:
    """Words of one space apart, ``chars`` long: what the server counts is what was typed."""
    text = " ".join(["export"] * (chars // 7 + 1))[:chars].rstrip()
    return text + "x" * (chars - len(text))


def test_a_question_over_the_limit_is_refused_with_the_limit_named(
    page: Any,  # noqa: F811
    base_url: str,  # noqa: F811
) -> None:
    question = _long_question(MAX_QUERY_CHARS + 112)
    assert len(question) == 612 and "  " not in question
    page.goto(base_url)
    page.wait_for_selector("#doc-list input[type=checkbox]", state="attached")
    page.locator("#q").focus()
    page.keyboard.insert_text(question)  # as a paste: the box keeps every character
    assert page.evaluate("document.getElementById('q').value.length") == 612
    note = page.locator("#q-limit")
    note.wait_for()
    assert "limited to 500 characters" in note.inner_text() and "612" in note.inner_text()
    assert page.get_attribute("#q", "aria-invalid") == "true"

    page.keyboard.press("Enter")
    assert "limited to 500 characters" in page.locator("#status").inner_text()
    assert "q=" not in page.url and page.locator("#results .hit").count() == 0

    # Back under the limit, the note goes and the search runs.
    page.fill("#q", question[:MAX_QUERY_CHARS])
    assert note.is_hidden()
    assert page.get_attribute("#q", "aria-invalid") in (None, "false")

    # A long question in an address (a link, an old bookmark): the server refuses it, naming
    # the limit, and the page shows that rather than results for part of it.
    page.goto(f"{base_url}/?q={quote_plus(question)}")
    page.wait_for_function("() => document.getElementById('status').className.includes('error')")
    assert "500" in page.locator("#status").inner_text()
    assert page.locator("#results .hit").count() == 0
    with pytest.raises(HTTPError) as refused:
        urlopen(f"{base_url}/api/search?q={quote_plus(question)}")
    assert refused.value.code == 400
    detail = json.loads(refused.value.read())["detail"]
    assert "too long" in detail and "612" in detail and "500" in detail, detail
    assert page.errors == [] and page.dialogs == []


def test_an_uploaded_files_row_says_when_its_document_is_removed(
    page: Any,  # noqa: F811
    writable_url: str,
) -> None:
    page.goto(writable_url)
    page.evaluate(f"sessionStorage.setItem('citesearch-token', '{TOKEN}')")
    page.locator("#uploads summary").click()
    page.wait_for_function("() => !document.getElementById('file-input').disabled")
    page.set_input_files(
        "#file-input",
        files=[
            {"name": f"{NEW_ID}.txt", "mimeType": "text/plain", "buffer": _fresh_text(4).encode()}
        ],
    )
    row = page.locator("#job-list .job").first
    page.wait_for_function(
        "() => { const r = document.querySelector('#job-list .job');"
        " return r && ['done', 'failed', 'refused', 'error'].includes(r.dataset.stage); }",
        timeout=120_000,
    )
    assert "Indexed: searchable now" in row.inner_text()

    # Removed elsewhere (another reporter, through the API): the row stops saying "searchable".
    request = Request(
        f"{writable_url}/api/documents/{NEW_ID}",
        method="DELETE",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urlopen(request) as response:
        assert response.status == 202
    page.wait_for_function(
        "() => document.querySelector('#job-list .job').dataset.stage === 'removed'",
        timeout=30_000,
    )
    text = row.inner_text()
    assert "searchable" not in text and "Removed" in text and NEW_ID in text, text
    assert page.errors == [] and page.dialogs == []
