"""The document list and working with documents in the page, in real headless Chromium: what the
list says of each document, `doc:` from its id, downloading the original (an upload's with the
token), deleting an upload with a confirm step, and replacing a file uploaded before."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from browser_steps import (  # noqa: F401  (hash_corpus, hash_embedder, writable_site: fixtures)
    CORPUS_DIR,
    choose_file,
    hash_corpus,
    hash_embedder,
    open_uploads,
    writable_site,
)
from test_app import TOKEN
from test_browser import browser, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

AKRAM = "pakistan-belarus-relations-akram-2021"
UPLOAD_ID = "wisent-census"
UPLOAD = (
    b"---\ntitle: Wisent census\nauthor: Ana Quispe\ndate: 2022-11-03\nlang: en\n---\n\n"
    b"The 2023 survey counted 412 wisent in the Zubr Lake reserve near Brest.[^1]\n\n"
    b"[^1]: Reserve census report, 2023.\n"
)


@pytest.fixture(scope="module")
def site(writable_url: str) -> str:
    """The writable server with one Markdown file uploaded through the API (one note)."""
    boundary = "citesearch-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{UPLOAD_ID}.md"'
            "\r\nContent-Type: text/markdown\r\n\r\n"
        ).encode()
        + UPLOAD
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    with urlopen(Request(f"{writable_url}/api/documents", body, headers, method="POST")) as sent:
        job = json.load(sent)
    for _ in range(600):
        with urlopen(f"{writable_url}/api/jobs/{job['id']}") as polled:
            job = json.load(polled)
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    return writable_url


def _open_list(pg: Any, url: str, token: str | None = None) -> None:
    pg.goto(url)
    if token is not None:
        pg.evaluate("t => sessionStorage.setItem('citesearch-token', t)", token)
    pg.locator("#doc-filter summary").click()
    pg.locator(f".doc-row[data-doc-id='{UPLOAD_ID}']").wait_for()


def _row(pg: Any, doc_id: str) -> Any:
    return pg.locator(f".doc-row[data-doc-id='{doc_id}']")


def test_the_list_says_what_each_document_is(page: Any, site: str) -> None:  # noqa: F811
    _open_list(page, site)
    akram = _row(page, AKRAM).inner_text()
    for fact in ("Khalid Taimur Akram", "2021-03-09", "TXT", "web article", "no notes"):
        assert fact in akram, akram
    assert "Uploaded" not in akram and "Delete" not in akram
    assert " passages" in akram and "1 notes" not in akram

    upload = _row(page, UPLOAD_ID).inner_text()
    for fact in ("Uploaded", "Ana Quispe", "2022-11-03", "MD", "English", "1 passage", "1 note"):
        assert fact in upload, upload
    assert "1 notes" not in upload and "1 passages" not in upload
    exports = _row(page, "belarus-new-export-markets").inner_text()
    assert "109 notes" in exports, exports

    # The id puts `doc:` in the search box, next to what was typed.
    page.fill("#q", "dairy")
    _row(page, AKRAM).locator(".doc-id").click()
    assert page.input_value("#q") == f"dairy doc:{AKRAM}"
    assert page.evaluate("document.activeElement.id") == "q"

    # A corpus file is a plain download link, open to everyone.
    link = _row(page, AKRAM).locator("a.doc-download")
    assert link.get_attribute("href") == f"/api/documents/{AKRAM}/original"
    with page.expect_download() as got:
        link.click()
    saved = got.value
    assert saved.suggested_filename == f"{AKRAM}.txt"
    assert Path(saved.path()).read_bytes() == (CORPUS_DIR / f"{AKRAM}.txt").read_bytes()
    assert page.errors == [] and page.dialogs == []


def test_an_uploads_original_asks_for_the_token_then_downloads(page: Any, site: str) -> None:  # noqa: F811
    _open_list(page, site)
    _row(page, UPLOAD_ID).locator(".doc-download").click()
    page.locator("#token-row").wait_for(state="visible")
    assert "upload token" in page.locator("#token-note").inner_text()
    page.fill("#token", TOKEN)
    with page.expect_download() as got:
        page.click("#token-button")
    assert got.value.suggested_filename == f"{UPLOAD_ID}.md"
    assert Path(got.value.path()).read_bytes() == UPLOAD

    # The viewer offers the same download, the token now held by the tab.
    page.goto(f"{site}/?view={UPLOAD_ID}")
    button = page.locator("#doc-view .doc-file .doc-download")
    with page.expect_download() as again:
        button.click()
    assert again.value.suggested_filename == f"{UPLOAD_ID}.md"
    assert page.errors == [] and page.dialogs == []


def test_replace_a_file_uploaded_before_then_delete_it_from_the_list(page: Any, site: str) -> None:  # noqa: F811
    open_uploads(page, site)
    name = f"{UPLOAD_ID}.md"
    newer = UPLOAD.replace(b"412", b"415")
    choose_file(page, name, newer, "text/markdown")
    # This file's row (the earlier upload's job is listed too, under the same name).
    row = page.locator("#job-list .job[data-stages^='uploading']")
    page.locator("#job-list .job[data-stages^='uploading'][data-stage='exists']").wait_for()
    said = row.inner_text()
    assert "already indexed from an earlier upload" in said and "rename the file" in said, said
    row.get_by_role("button", name="Replace it").click()
    row.get_by_role("button", name="Yes, replace it").click()
    # The old document is deleted (its job followed in the row), then this file is sent again.
    row.get_by_text(f"Indexed: searchable now ({UPLOAD_ID})").wait_for(timeout=120_000)
    stages = row.get_attribute("data-stages").split()
    assert stages.index("uploading") < stages.index("exists") < stages.index("deleting"), stages
    assert "415 wisent" in _search(site, "wisent counted Zubr Lake")

    # Delete from the list: a confirm step (Cancel focused), then the job, then the row goes.
    page.locator("#doc-filter summary").click()
    doc = _row(page, UPLOAD_ID)
    doc.locator(".doc-delete").click()
    assert "Delete “Wisent census” and its file" in doc.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    doc.locator(".doc-cancel").click()
    doc.locator(".doc-delete").click()
    doc.locator(".doc-delete-yes").click()
    doc.wait_for(state="detached", timeout=60_000)
    # The list is reloaded when the job ends, and the note is written just after: the row can go
    # first (a loaded machine showed the note empty at that instant).
    note = f"Deleted “Wisent census” ({UPLOAD_ID})."
    page.wait_for_function(
        "note => document.getElementById('doc-note').textContent === note", arg=note
    )
    assert page.locator("#doc-note").inner_text() == note
    assert not [d for d in _documents(site) if d["id"] == UPLOAD_ID]
    # A corpus document offers no Delete.
    assert _row(page, AKRAM).locator(".doc-delete").count() == 0
    assert page.errors == [] and page.dialogs == []


def _documents(url: str) -> list[dict[str, Any]]:
    with urlopen(f"{url}/api/documents") as response:
        documents: list[dict[str, Any]] = json.load(response)["documents"]
    return documents


def _search(url: str, q: str) -> str:
    with urlopen(f"{url}/api/search?q={q.replace(' ', '+')}&mode=bm25") as response:
        return str(json.load(response)["results"][0]["text"])
