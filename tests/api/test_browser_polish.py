"""Issue 28's page defects, in real headless Chromium (fixtures of test_browser).

A question over the length limit is refused on the page with the limit and its length named,
never cut; an uploaded file's row says so once its document is removed elsewhere. Mechanics
only, so the corpus is indexed with the hash encoder.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote_plus
from urllib.request import Request, urlopen

import pytest
from browser_steps import (  # noqa: F401  (hash_corpus, hash_embedder, writable_site: fixtures)
    choose_file,
    hash_corpus,
    hash_embedder,
    open_uploads,
    row_of,
    wait_settled,
    writable_site,
)
from test_app import TOKEN
from test_browser import base_url, browser, page  # noqa: F401  (fixtures)
from test_upload_progress import _fresh_text

from api.app import create_app
from api.export import results_csv
from api.local_server import running_server
from api.schema import SearchResponse
from index.build import build_index
from index.models.embedder import Embedder
from retrieval.search import MAX_QUERY_CHARS
from tests.reliability.reliability_support import write_helvetica_pdf

pytestmark = pytest.mark.browser

NEW_ID = "library-science"
LIBYA = "Which dairy shipped its first products to Libya?"


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
    open_uploads(page, writable_url)
    choose_file(page, f"{NEW_ID}.txt", _fresh_text(4).encode())
    row = wait_settled(page, f"{NEW_ID}.txt")
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
        "() => document.querySelector('#job-list .job[data-stage=removed]') !== null",
        timeout=30_000,
    )
    text = row.inner_text()
    assert "searchable" not in text and "Removed" in text and NEW_ID in text, text
    assert page.errors == [] and page.dialogs == []


def test_the_token_prompt_stays_says_a_wrong_token_and_keeps_the_files(
    page: Any,  # noqa: F811
    writable_url: str,
) -> None:
    open_uploads(page, writable_url, token=None)
    first, second = "token-wisent.txt", "token-lynx.txt"
    # The health poll that follows an upload once wiped the prompt within half a second.
    with page.expect_response(lambda r: "/api/health" in r.url):
        choose_file(page, first, b"Wisent were counted in the Belovezhskaya reserve in 2023.\n")
    prompt = page.locator("#token-note")
    assert page.locator("#token-row").is_visible()
    assert "needs its upload token" in prompt.inner_text()
    row = row_of(page, first)
    assert row.get_attribute("data-stage") == "token" and "token" in row.inner_text()

    # A wrong token: said in plain words; the file waits in the list, the prompt stays.
    page.fill("#token", "not-the-token")
    with page.expect_response(lambda r: r.url.endswith("/api/documents") and r.status == 401):
        page.click("#token-button")
    page.wait_for_function(
        "() => /not accepted/.test(document.getElementById('token-note').textContent)"
    )
    assert page.locator("#token-row").is_visible()
    assert row.get_attribute("data-stage") == "token", row.inner_text()
    assert page.evaluate("sessionStorage.getItem('citesearch-token')") in (None, "")

    # A second file waits too; removed by the user, it goes (and is never sent).
    choose_file(page, second, b"Lynx were counted in the Naliboki forest in 2022.\n")
    row_of(page, second).wait_for()
    row_of(page, second).get_by_role("button", name="Remove").click()
    assert row_of(page, second).count() == 0

    # The right token: the waiting file is sent again, in its own row, and indexed.
    page.fill("#token", TOKEN)
    page.click("#token-button")
    done = wait_settled(page, first)
    assert done.get_attribute("data-stage") == "done", done.inner_text()
    assert page.locator("#token-row").is_hidden()
    assert row_of(page, first).count() == 1 and row_of(page, second).count() == 0
    assert page.errors == [] and page.dialogs == []


def test_the_search_speaks_a_reporters_words_and_names_the_techniques_on_request(
    page: Any,  # noqa: F811
    base_url: str,  # noqa: F811
) -> None:
    page.goto(f"{base_url}/?q={quote_plus(LIBYA)}")
    page.wait_for_selector("#results .hit")
    page.wait_for_function("() => document.getElementById('health').textContent !== ''")
    options = page.eval_on_selector_all("#mode option", "os => os.map(o => [o.value, o.text])")
    assert sorted(options) == [
        ["bm25", "Exact words"],
        ["dense", "Similar meaning"],
        ["hybrid", "Both"],
    ]
    # No jargon in what the page says at first sight; the names are one click (or hover) away.
    shown = page.locator("body").inner_text()
    for word in ("BM25", "dense", "intfloat", "Hybrid", "model"):
        assert not re.search(rf"\b{word}\b", shown), word
    assert "BM25" in (page.get_attribute("#mode option[value=bm25]", "title") or "")
    page.locator("#about-search summary").click()
    about = page.locator("#about-search").inner_text()
    model = json.loads(urlopen(f"{base_url}/api/health").read())["model"]
    assert "BM25" in about and model in about, about
    assert model in (page.get_attribute("#health", "title") or "")
    assert "Strong match" in about and "possible answers" in about
    assert page.errors == []


def _first_hit(url: str, question: str) -> dict[str, Any]:
    """The first hit the API gives for ``question``."""
    hit: dict[str, Any] = json.loads(urlopen(f"{url}/api/search?q={quote_plus(question)}").read())[
        "results"
    ][0]
    return hit


def _box(locator: Any) -> dict[str, float]:
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, left: r.left, height: r.height}; }"
    )


def test_a_footnote_opens_at_its_marker_previews_and_closes_with_escape(
    page: Any,  # noqa: F811
    base_url: str,  # noqa: F811
) -> None:
    hit = _first_hit(base_url, LIBYA)
    note = next(c["note"] for c in hit["citations"] if c["n"] == 5)
    page.goto(f"{base_url}/?q={quote_plus(LIBYA)}")
    card = page.locator(f"#results .hit[data-chunk='{hit['chunk_id']}']")
    marker = card.locator(".fn-btn[data-n='5']")
    marker.wait_for()

    # Hover (the title) and keyboard focus (shown under the marker) give the note's first words.
    title = marker.get_attribute("title")
    assert title.startswith("Note 5: ") and note.startswith(title[8:].rstrip("…")[:60]), title
    marker.focus()
    shown = marker.evaluate("b => getComputedStyle(b, '::after').content")
    assert title[8:40] in shown, shown

    # Opened, the note sits right under the marker's line, not under the whole passage.
    marker.click()
    panel = card.locator(".note-panel")
    assert panel.is_visible() and "Libya" in panel.inner_text()
    at, under, passage = _box(marker), _box(panel), _box(card.locator(".passage"))
    assert 0 <= under["top"] - at["bottom"] <= 12, (at, under)
    assert under["top"] < passage["bottom"] - 10, (under, passage)

    # Escape closes it and gives the focus back to its marker.
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert marker.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.dataset.n") == "5"
    assert page.errors == []


def test_on_a_phone_a_tapped_marker_keeps_the_line_and_summaries_keep_their_arrows(
    browser: Any,  # noqa: F811
    base_url: str,  # noqa: F811
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    phone = context.new_page()
    phone.set_default_timeout(60_000)
    try:
        phone.goto(f"{base_url}/?q={quote_plus(LIBYA)}")
        marker = phone.locator("#results .hit .passage .fn-btn").first
        marker.wait_for()
        assert phone.locator("#facets").evaluate("d => d.open") is False  # folded on a phone
        marker.scroll_into_view_if_needed()
        line = float(
            marker.evaluate("b => parseFloat(getComputedStyle(b.closest('.passage')).lineHeight)")
        )
        # A 44 px touch target: a tap 20 px off the marker's centre lands on it.
        hits = marker.evaluate(
            """b => { const r = b.getBoundingClientRect();
                      const x = r.left + r.width / 2, y = r.top + r.height / 2;
                      return [[0, 20], [0, -20], [20, 0], [-20, 0]].map(
                        ([dx, dy]) => b.contains(document.elementFromPoint(x + dx, y + dy))); }"""
        )
        assert all(hits), hits
        marker.tap()
        assert marker.get_attribute("aria-expanded") == "true"
        # Tapped, the marker keeps its inline size: its line is not opened up.
        assert _box(marker)["height"] <= line, (_box(marker), line)
        sup = marker.evaluate("b => b.parentElement.getBoundingClientRect().height")
        assert sup <= line, (sup, line)
        assert phone.locator("#results .hit .note-panel").first.is_visible()
        for summary in ("#uploads summary", "#doc-filter summary"):
            assert (
                phone.locator(summary).evaluate("s => getComputedStyle(s).display") == "list-item"
            )
            assert _box(phone.locator(summary))["height"] >= 44
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_the_viewer_takes_the_focus_and_highlights_the_sentence(
    page: Any,  # noqa: F811
    base_url: str,  # noqa: F811
) -> None:
    hit = _first_hit(base_url, LIBYA)
    assert hit["highlight"] and hit["highlight"]["text"].strip() != hit["text"].strip()
    page.goto(f"{base_url}/?q={quote_plus(LIBYA)}")
    card = page.locator(f"#results .hit[data-chunk='{hit['chunk_id']}']")
    card.locator(".open-doc").focus()
    page.keyboard.press("Enter")
    sentence = page.locator("#doc-view mark.sentence")
    sentence.first.wait_for()
    # The sentence is marked (inside its lighter passage), not the passage alone.
    marked = " ".join("".join(sentence.all_text_contents()).split())
    wanted = " ".join(hit["highlight"]["text"].split())
    assert marked.startswith(wanted[:40]) and len(marked) <= len(wanted) + 6, (marked, wanted)
    passage = " ".join(page.locator("#doc-view mark.passage").all_text_contents())
    assert len(passage) > len(marked)
    # The keyboard is in the viewer, on that sentence; Tab goes on from there.
    assert page.evaluate("document.getElementById('doc-view').contains(document.activeElement)")
    assert page.evaluate("document.activeElement.classList.contains('sentence')")
    assert page.errors == []


# A three-page report whose pages print 17, 18 and 19 (its /PageLabels say so too); the note of
# page 18 sources the camera traps.
REPORT_PAGES = [
    [
        "Lynx in the Naliboki forest",
        "The forest census counted 77 lynx in the Naliboki forest in 2022.",
        "Rangers walked the same transects as in 2012 and counted tracks in fresh snow.",
        "The count doubled in ten years, the report says, after hunting was stopped.",
    ],
    [
        "Camera traps",
        "Camera traps were used for the first time in the winter of 2022.1",
        "Each trap took a picture when an animal crossed its beam, day and night.",
        "The pictures told one lynx from another by the spots on their coats.",
    ],
    [
        "Wisent",
        "Wisent were counted in the Belovezhskaya reserve in the same winter.",
        "The herd has grown to more than 700 animals since the first were brought back.",
        "Its keepers fear that the reserve is now too small for the herd.",
    ],
]
REPORT_NOTE = (
    "1 State Forestry Committee, camera trap survey 2022, https://example.org/camera-traps"
)


def _printed_pages_pdf(path: Path) -> Path:
    """``REPORT_PAGES`` as a PDF (pypdf's writer, Helvetica), numbered 17-19 as printed."""
    streams = []
    for i, lines in enumerate(REPORT_PAGES):
        ops = ["BT /F1 14 Tf 50 740 Td", f"({lines[0]}) Tj", "/F1 11 Tf"]
        ops += [f"0 -24 Td ({line}) Tj" for line in lines[1:]] + ["ET"]
        if i == 1:
            ops.append(f"BT /F1 8 Tf 50 90 Td ({REPORT_NOTE}) Tj ET")
        ops.append(f"BT /F1 10 Tf 300 50 Td ({17 + i}) Tj ET")
        streams.append("\n".join(ops))
    return write_helvetica_pdf(path, streams, first_label=17)


@pytest.fixture(scope="module")
def printed_url(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An index of the one report printed 17-19, served read-only."""
    folder = tmp_path_factory.mktemp("printed")
    _printed_pages_pdf(folder / "lynx-report.pdf")
    index_dir = tmp_path_factory.mktemp("printed-index") / "index"
    report = build_index([folder], index_dir, embedder=embedder)
    assert report.added == ["lynx-report"], report.summary()
    with running_server(create_app(index_dir, embedder=embedder, api_token=None)) as url:
        yield url


def test_pages_are_the_printed_numbers_in_the_viewer_notes_and_exports(
    page: Any,  # noqa: F811
    printed_url: str,
    tmp_path: Path,
) -> None:
    question = "camera traps used for the first time"
    data = json.loads(urlopen(f"{printed_url}/api/search?q={quote_plus(question)}").read())
    hit = data["results"][0]  # the whole short report, one passage
    assert (hit["page_start"], hit["page_end"]) == (1, 3), hit
    assert (hit["page_label_start"], hit["page_label_end"]) == ("17", "19"), hit

    # The export (the API's and the page's, one shape): printed labels, the index beside them.
    rows = list(csv.DictReader(io.StringIO(results_csv(SearchResponse(**data), {}))))
    first = rows[0]
    assert (first["pages"], first["page_start"], first["page_end"]) == ("pp. 17-19", "17", "19")
    assert (first["page_index_start"], first["page_index_end"]) == ("1", "3")
    page.goto(f"{printed_url}/?q={quote_plus(question)}")
    page.wait_for_selector("#results .hit")
    with page.expect_download() as caught:
        page.locator("#export-csv").click()
    path = tmp_path / "results.csv"
    caught.value.save_as(path)
    from_page = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert from_page == rows

    # The viewer: pages headed as printed, the note marked on the printed page.
    page.locator("#results .hit .open-doc").first.click()
    page.locator("#doc-view .notes-list").wait_for()
    headings = page.locator("#doc-view .page-no").all_inner_texts()
    assert headings == ["Page 17", "Page 18", "Page 19"], headings
    assert page.locator("#note-1 .note-where").inner_text() == "marked on p. 18"
    assert page.errors == []


def test_a_failed_upload_offers_try_again_and_remove(
    page: Any,  # noqa: F811
    writable_url: str,
) -> None:
    name = "broken-survey.docx"
    open_uploads(page, writable_url)
    choose_file(page, name, b"This is not a Word file.\n", mime="application/octet-stream")
    row = wait_settled(page, name)
    assert row.get_attribute("data-stage") == "failed", row.inner_text()
    first = row.get_attribute("data-job")

    # Try again: the same file as a new job, followed in the same row (it fails again here).
    with page.expect_response(lambda r: r.url.endswith(f"/api/jobs/{first}/retry")) as retried:
        row.get_by_role("button", name="Try again").click()
    assert retried.value.status == 202
    page.wait_for_function(
        """([name, first]) => [...document.querySelectorAll('#job-list .job')].some(
             r => r.querySelector('.job-name').textContent === name && r.dataset.job !== first
                  && r.dataset.stage === 'failed')""",
        arg=[name, first],
    )
    second = row.get_attribute("data-job")
    assert row_of(page, name).count() == 1 and "Failed" in row.inner_text()

    # Remove: the job and its kept file go, and so does the row.
    with page.expect_response(lambda r: r.url.endswith(f"/api/jobs/{second}")) as removed:
        row.get_by_role("button", name="Remove").click()
    assert removed.value.status == 204
    assert row_of(page, name).count() == 0
    asked = Request(
        f"{writable_url}/api/jobs/{second}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with pytest.raises(HTTPError) as gone:
        urlopen(asked)
    assert gone.value.code == 404
    assert page.errors == [] and page.dialogs == []
