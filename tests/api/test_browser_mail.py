"""E-mail links in real headless Chromium (fixtures of test_browser): a hit from an attachment
says which message it came with, and the two document views link to each other."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from test_browser import browser  # noqa: F401  (fixture)

from api.app import create_app
from api.local_server import running_server
from index.build import build_index
from index.models.embedder import Embedder

pytestmark = pytest.mark.browser

SUBJECT = "Census notes from the reserve"
NOTES = (
    b"Wisent census notes\n\nThe 2023 survey counted 412 wisent in the Zubr Lake reserve near "
    b"Brest, the highest number since records began.\n"
)


@pytest.fixture(scope="module")
def mail_url(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One e-mail with a text attachment, indexed and served on a free loopback port."""
    root = tmp_path_factory.mktemp("browser-mail")
    folder = root / "mail"
    folder.mkdir()
    msg = EmailMessage()
    msg["Subject"], msg["From"] = SUBJECT, "Anna <anna@example.org>"
    msg["Date"] = "Tue, 01 Dec 2026 09:30:00 +0000"
    msg.set_content("The rangers' notes on this year's count are attached.")
    msg.add_attachment(NOTES, maintype="text", subtype="plain", filename="census notes.txt")
    (folder / "census-mail.eml").write_bytes(bytes(msg))
    index_dir = root / "index"
    report = build_index([folder], index_dir, embedder=embedder)
    assert report.added == ["census-mail", "census-mail--census-notes"], report.summary()
    with running_server(create_app(index_dir, embedder=embedder, api_token=None)) as url:
        yield url


def test_a_hit_from_an_attachment_links_to_its_message_and_back(
    browser: Any,  # noqa: F811
    mail_url: str,
) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{mail_url}/?q=How+many+wisent+were+counted")
        hit = page.locator("#results .hit").first
        hit.wait_for()
        assert hit.locator(".hit-title").inner_text() == "census notes.txt"
        links = hit.locator(".mail-links")
        assert links.inner_text() == f"Attachment of {SUBJECT}"

        links.locator("a").click()
        page.locator("#doc-view .doc-title").wait_for()
        assert page.locator("#doc-view .doc-title").inner_text() == SUBJECT
        assert parse_qs(urlparse(page.url).query)["view"] == ["census-mail"]
        listed = page.locator("#doc-view .mail-links")
        assert listed.inner_text() == "Attachments: census notes.txt"

        listed.locator("a").click()
        page.wait_for_function(
            "() => document.querySelector('#doc-view .doc-title')?.textContent === "
            "'census notes.txt'"
        )
        back = page.locator("#doc-view .mail-links")
        assert back.inner_text() == f"Attachment of {SUBJECT}"
        assert "412 wisent" in page.locator("#doc-view").inner_text()
    finally:
        page.close()
