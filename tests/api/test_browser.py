"""The web page in real headless Chromium (Debian's), against a uvicorn server on 127.0.0.1.

Skipped with a message when Chromium is not installed (``make browser``), except on CI
(``CI=true``), where a missing browser fails the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlparse
from urllib.request import urlopen

import pytest
from browser_steps import axe_problems, copy_with

from api.app import create_app
from api.local_server import running_server
from api.screenshot import CHROMIUM_PATH, launch_chromium
from index.models.embedder import Embedder

pytestmark = pytest.mark.browser

QUESTION = "Which dairy shipped its first products to Libya?"
HOSTILE_ID = "lynx-census"
HOSTILE_TITLE = 'Lynx census <img src=x onerror="window.__pwned=1">'
HOSTILE_NOTE = (
    '1 Census data <script>alert(1)</script><img src=x onerror="window.__pwned=2"> '
    "javascript:alert(3) URL: https://example.org/lynx-census\n"
)
HOSTILE_DOC = (
    "Lynx census in the Naliboki forest\n\n"
    "The forest census counted 77 lynx in the Naliboki forest in 2022, twice the count of "
    "2012.1 Camera traps were used for the first time.2\n\n"
    + " " * 49
    + "\n"
    + HOSTILE_NOTE
    + "2 Trap notes, see javascript:alert(4) for the method.\n"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM_PATH.exists():
        message = f"{CHROMIUM_PATH} is not installed (run `make browser`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url(
    corpus_index: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The corpus plus one hostile document, served by uvicorn on a free loopback port."""
    root = tmp_path_factory.mktemp("browser")
    hostile = root / "hostile"
    hostile.mkdir()
    (hostile / f"{HOSTILE_ID}.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    manifest = {"documents": [{"file": f"{HOSTILE_ID}.txt", "title": HOSTILE_TITLE}]}
    (hostile / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index_dir, report = copy_with(corpus_index, hostile, embedder, root)
    assert report.added == [HOSTILE_ID], report.summary()

    app = create_app(index_dir, embedder=embedder, api_token=None)
    with running_server(app) as url:
        yield url


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.dialogs = []  # every alert() the page tries, if any
    pg.on("dialog", lambda dialog: (pg.dialogs.append(dialog.message), dialog.dismiss()))
    pg.errors = []
    pg.on("pageerror", lambda error: pg.errors.append(str(error)))
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def test_search_answer_footnote_and_document_view(page: Any, base_url: str) -> None:
    page.goto(base_url)
    page.locator("body").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_selector("#results .hit")
    assert parse_qs(urlparse(page.url).query)["q"] == [QUESTION]

    answer = page.locator("#answer")
    assert answer.is_visible()
    assert "Libya" in answer.locator(".answer-text").inner_text()
    assert "Belarus: building on development new export markets" in answer.inner_text()

    first = page.locator("#results .hit").first
    assert "Rogachev Dairy Factory" in first.locator(".passage").inner_text()
    highlighted = first.locator("mark.hl").inner_text()
    assert highlighted and highlighted in first.locator(".passage").inner_text()
    # The passage is on page 2, or runs onto it from page 1.
    assert first.locator(".pages").inner_text() in ("p. 2", "pp. 1–2")

    # A footnote marker opens its note and its link (a new tab, without opener access).
    first.locator(".fn-btn[data-n='5']").click()
    note = first.locator(".note-panel")
    assert note.is_visible()
    assert "shipped the first batch of products to Libya" in note.inner_text()
    link = note.locator("a")
    assert link.get_attribute("href").startswith("https://www.belta.by/regions/view/rogachevskij")
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")

    # The document view shows the passage marked at its page, and the document's notes.
    first.locator(".open-doc").click()
    # A passage over a page break is marked on each page it spans; the first mark is in view.
    marks = page.locator("#doc-view mark.passage")
    marks.first.wait_for()
    assert "Rogachev Dairy Factory" in " ".join(marks.all_inner_texts())
    mark = marks.first
    assert mark.is_visible() and mark.evaluate(
        "m => { const r = m.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"
    )
    assert page.locator("#page-2").locator("mark.passage").count() == 1
    notes = page.locator("#doc-view .notes-list")
    assert "shipped the first batch of products to Libya" in notes.locator("#note-5").inner_text()
    assert "not available in the source" in notes.inner_text()  # notes lost in extraction
    assert parse_qs(urlparse(page.url).query)["view"] == ["belarus-new-export-markets"]

    # The back button returns to the results of the same query.
    page.go_back()
    page.wait_for_selector("#results .hit")
    assert page.locator("#doc-view").is_hidden()
    assert page.input_value("#q") == QUESTION
    assert page.errors == []


def test_hostile_document_text_is_shown_not_run(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/?q=lynx+census+Naliboki&doc={HOSTILE_ID}")
    hit = page.locator("#results .hit").first
    hit.wait_for()
    assert hit.locator(".hit-title").inner_text() == HOSTILE_TITLE
    hit.locator(".fn-btn[data-n='1']").click()
    note = hit.locator(".note-panel")
    assert "<script>alert(1)</script>" in note.inner_text()
    assert "javascript:alert(3)" in note.inner_text()
    assert note.locator("a").evaluate_all("links => links.map(a => a.href)") == [
        "https://example.org/lynx-census"
    ]

    page.keyboard.press("Escape")  # the note's card lies over the passage's links
    hit.locator(".open-doc").click()
    page.locator("#doc-view .notes-list").wait_for()
    assert "<script>alert(1)</script>" in page.locator("#note-1").inner_text()
    assert "javascript:alert(4)" in page.locator("#note-2").inner_text()

    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript:\" i]').length") == 0
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []


def test_empty_and_error_states_in_plain_words(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/?q=qzxv+wqqj&mode=bm25")
    status = page.locator("#status")
    page.wait_for_function("() => document.getElementById('status').className.includes('empty')")
    assert "No passage matches" in status.inner_text()

    page.goto(f"{base_url}/?q=trade&doc=no-such-report")
    page.wait_for_function("() => document.getElementById('status').className.includes('error')")
    assert "no-such-report" in status.inner_text()
    assert page.locator("#results .hit").count() == 0


def test_filter_pagination_and_phone_width(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(f"{base_url}/?q=exports+to+China&k=5")
        pg.wait_for_selector("#results .hit")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
        assert pg.locator("#page-info").inner_text().startswith("Page 1 of")
        pg.locator("#next").click()
        pg.wait_for_function(
            "() => document.querySelector('#results .hit .rank').textContent === '6'"
        )
        assert parse_qs(urlparse(pg.url).query)["offset"] == ["5"]

        # Filtering by document (from /api/documents) keeps only that document's passages.
        pg.locator("#doc-filter summary").click()
        pg.locator("#doc-list input[value='belarus-new-export-markets']").check()
        pg.wait_for_function(
            "() => new URL(location.href).searchParams.get('doc') === 'belarus-new-export-markets'"
            " && document.querySelector('#results .hit .rank')?.textContent === '1'"
        )
        titles = pg.locator("#results .hit-title").all_inner_texts()
        assert len(titles) == 5
        assert set(titles) == {"Belarus: building on development new export markets"}
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_near_duplicates_and_mode_selector(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/?q=cooperation+with+Pakistan&k=20")
    page.wait_for_selector("#results .hit")
    # The two book chapters share passages: a hit lists the other place it appears.
    also = page.locator("#results .also-in a").first
    also.wait_for()
    target = parse_qs(urlparse(also.get_attribute("href")).query)
    hit_doc = also.locator("xpath=ancestor::article").get_attribute("data-chunk").split("#")[0]
    assert target["view"][0] != hit_doc
    also.click()
    page.locator("#doc-view mark.passage").first.wait_for()
    assert parse_qs(urlparse(page.url).query)["view"] == target["view"]
    page.go_back()
    page.wait_for_selector("#results .hit")

    page.select_option("#mode", "bm25")
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('mode') === 'bm25'"
        " && document.querySelector('#results .hit .rank')?.title === 'Ranked 1: bm25 #1'"
    )
    # Each retriever's rank is a tooltip on the hit's rank, not text in the hit.
    tips = page.locator("#results .hit .rank").evaluate_all("rs => rs.map(r => r.title)")
    assert tips and all(t.startswith("Ranked ") and "dense" not in t for t in tips)
    assert "bm25 #" not in page.locator("#results").inner_text()


def test_an_unanswerable_question_says_not_found_and_names_the_missing_word(
    page: Any, base_url: str
) -> None:
    page.goto(f"{base_url}/?q=What+did+Belarus+sell+to+Brazil+in+2021%3F")
    page.wait_for_selector("#results .hit")
    answer = page.locator("#answer")
    assert answer.is_visible()
    assert "not found in these documents" in answer.inner_text().lower()  # a label, in caps
    assert "Missing: Brazil: no document mentions it." in answer.inner_text()
    assert answer.locator(".answer-text").count() == 0
    # An answered question shows its confidence in words.
    page.goto(f"{base_url}/?q={quote_plus(QUESTION)}")
    page.wait_for_selector("#answer .answer-text")
    confidence = page.locator("#answer .confidence")
    assert confidence.inner_text() in ("strong match", "partial match")
    assert "sentence" in (confidence.get_attribute("title") or "")  # what the words mean


# The real models answer these two questions in the two states of the answer box.
SURE = QUESTION  # strong: "the first batch of its products was shipped to Libya", note 5
UNSURE = "When were diplomatic relations between Belarus and Pakistan established?"
UNSURE_WITH_NOTES = "How many residents are in the Great Stone industrial park?"


def _answer_of(base_url: str, question: str) -> dict[str, Any]:
    """The answer the API gives ``question`` (what the page shows)."""
    with urlopen(f"{base_url}/api/search?q={quote_plus(question)}") as response:
        answer: dict[str, Any] = json.load(response)["answer"]
    return answer


def _source_line(sentence: dict[str, Any]) -> str:
    """'source: note 48, end of paragraph', as the page and api/export.py word it."""
    marks = ", ".join(c.get("label") or str(c["n"]) for c in sentence["citations"])
    word = "note" if len(sentence["citations"]) == 1 else "notes"
    return f"source: {word} {marks}, {sentence['attribution']}"


def _words(quote: Any) -> str:
    """A quote's words without its note markers."""
    text: str = quote.evaluate(
        "q => { const c = q.cloneNode(true); c.querySelectorAll('.fn').forEach(f => f.remove());"
        " return c.textContent; }"
    )
    return " ".join(text.split())


def _opens_at_sentence(page: Any, link: Any, sentence: str) -> None:
    """``link`` opens the document viewer with ``sentence`` marked, then the page goes back."""
    link.click()
    mark = page.locator("#doc-view mark.sentence")
    mark.first.wait_for()
    assert " ".join(mark.all_inner_texts()).split() == sentence.split()
    assert {"hs", "he", "cs", "ce"} <= set(parse_qs(urlparse(page.url).query))
    page.go_back()
    page.wait_for_selector("#answer .answer-text")


def test_a_strong_answer_is_one_sentence_with_its_source(page: Any, base_url: str) -> None:
    expected = _answer_of(base_url, SURE)
    assert expected["state"] == "strong" and expected["candidates"] == []
    page.goto(f"{base_url}/?q={quote_plus(SURE)}")
    answer = page.locator("#answer")
    answer.locator(".answer-text").wait_for()
    assert answer.locator("h2").text_content() == "Answer strong match"
    assert "sentence" in (answer.locator(".confidence.strong").get_attribute("title") or "")
    assert answer.locator("ol, .candidates").count() == 0
    assert "Possible answers" not in answer.inner_text()
    assert _words(answer.locator(".answer-text")) == " ".join(expected["text"].split())
    source = answer.locator(".answer-source").inner_text()
    assert expected["title"] in source and source.endswith(f"p. {expected['page_label']}")
    assert _source_line(expected) in answer.locator(".sentence-notes").inner_text()
    answer.locator(".answer-text .fn-btn").first.click()
    assert "Libya" in answer.locator(".note-panel").inner_text()
    page.keyboard.press("Escape")
    assert answer.locator(".copy-text").count() == 1
    assert answer.locator(".open-doc").count() == 1
    _opens_at_sentence(page, answer.locator(".open-doc"), expected["text"])
    assert page.errors == []


def _check_candidates(page: Any, base_url: str, question: str) -> tuple[Any, list[Any]]:
    """The page's "Possible answers" for ``question`` against the API's candidates; returns the
    list items and the candidates."""
    expected = _answer_of(base_url, question)
    assert expected["state"] == "candidates", expected
    candidates = expected["candidates"]
    page.goto(f"{base_url}/?q={quote_plus(question)}")
    answer = page.locator("#answer")
    answer.locator(".candidates li").first.wait_for()
    assert answer.locator("h2").text_content() == "Possible answers"
    assert answer.get_attribute("aria-labelledby") == answer.locator("h2").get_attribute("id")
    assert "check them against their sources" in answer.inner_text()
    assert answer.locator(".confidence").count() == 0  # no "strong match", no "partial match"
    items = answer.locator("ol.candidates > li")
    assert items.count() == len(candidates) >= 2
    # The answer's text is the first candidate's: shown once, in the list.
    assert answer.locator(".answer-text").count() == len(candidates)
    for item, want in zip(items.all(), candidates, strict=True):
        assert _words(item.locator(".answer-text")) == " ".join(want["text"].split())
        source = item.locator(".answer-source").inner_text()
        assert want["title"] in source
        assert source.endswith(f"p. {want['page_label'] or want['page']}")
        assert item.locator(".copy-text").count() == 1
        assert item.locator(".open-doc").count() == 1
    return items, candidates


def test_unsure_answers_are_listed_as_possible_answers(page: Any, base_url: str) -> None:
    items, candidates = _check_candidates(page, base_url, UNSURE)
    assert "3 February 1994" in candidates[0]["text"]
    _opens_at_sentence(page, items.first.locator(".open-doc"), candidates[0]["text"])

    # Each candidate carries its own notes: markers with their cards, and where they come from.
    items, candidates = _check_candidates(page, base_url, UNSURE_WITH_NOTES)
    noted = [(i, c) for i, c in zip(items.all(), candidates, strict=True) if c["citations"]]
    assert noted
    for item, want in noted:
        notes = item.locator(".sentence-notes").inner_text()
        if want["attribution"] not in (None, "in the sentence"):
            assert _source_line(want) in notes
        for citation in want["citations"]:
            item.locator(f".fn-btn[data-n='{citation['n']}']").first.click()
            card = " ".join(page.locator("#answer .note-panel:visible").inner_text().split())
            note = citation["note"] or "not available in the source"
            assert " ".join(note.split()[:4]) in card
            page.keyboard.press("Escape")
    assert any(c["attribution"] not in (None, "in the sentence") for _, c in noted)

    # Readable at phone width and with no serious axe-core finding, light and dark.
    problems: list[str] = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += axe_problems(page, f"possible answers ({scheme})")
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    page.locator("#answer .candidates li").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not problems, "\n".join(problems)
    assert page.errors == []
