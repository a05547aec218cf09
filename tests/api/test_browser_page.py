"""Issue 13 in real headless Chromium (fixtures of test_browser).

The page's defects (pager and Next where there are no results, the scroll position on "Back to
results", touch targets on a phone, dark mode), and citations out (copy, export).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from urllib.request import urlopen

import pytest
from test_browser import base_url, browser, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _pager_hidden(pg: Any) -> bool:
    return not pg.locator("#pager").is_visible()


def test_pager_only_shown_with_results(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(base_url)
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    assert _pager_hidden(page), "pager on the empty home page"
    # A click on Next where there is nothing to page must not invent an offset.
    page.evaluate("document.getElementById('next').click()")
    assert "offset" not in parse_qs(urlparse(page.url).query)

    page.goto(f"{base_url}/?q=qzxv+wqqj&mode=bm25")
    page.wait_for_function("() => document.getElementById('status').className.includes('empty')")
    assert _pager_hidden(page), "pager on 'No passage matches'"

    page.goto(f"{base_url}/?q=trade&doc=no-such-report")
    page.wait_for_function("() => document.getElementById('status').className.includes('error')")
    assert _pager_hidden(page), "pager after an error"

    page.goto(f"{base_url}/?view=belarus-new-export-markets")
    page.locator("#doc-view .doc-title").wait_for()
    assert _pager_hidden(page), "pager above the document viewer"
    page.evaluate("document.getElementById('next').click()")
    query = parse_qs(urlparse(page.url).query)
    assert "offset" not in query and query["view"] == ["belarus-new-export-markets"]

    page.goto(f"{base_url}/?q=exports+to+China&k=5")
    page.wait_for_selector("#results .hit")
    assert page.locator("#pager").is_visible()


def test_back_to_results_keeps_scroll_position(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/?q=exports+to+China&k=20")
    page.wait_for_selector("#results .hit")
    hit = page.locator("#results .hit").nth(12)
    hit.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 500
    chunk = hit.get_attribute("data-chunk")
    hit.locator(".open-doc").click()
    page.locator("#doc-view mark.passage").first.wait_for()
    page.locator("#doc-view .back").click()
    page.wait_for_selector(f"#results .hit[data-chunk='{chunk}']")
    page.wait_for_function(f"() => Math.abs(window.scrollY - {before}) < 5", timeout=5_000)
    assert page.locator(f"#results .hit[data-chunk='{chunk}']").is_visible()

    # The browser's own back button too.
    hit = page.locator("#results .hit").nth(15)
    hit.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    hit.locator(".open-doc").click()
    page.locator("#doc-view mark.passage").first.wait_for()
    page.go_back()
    page.wait_for_selector("#results .hit")
    page.wait_for_function(f"() => Math.abs(window.scrollY - {before}) < 5", timeout=5_000)


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def test_touch_targets_at_least_44px_on_a_phone(phone: Any, base_url: str) -> None:  # noqa: F811
    phone.goto(f"{base_url}/?q=Which+dairy+shipped+its+first+products+to+Libya%3F")
    phone.wait_for_selector("#results .hit .fn-btn")
    phone.locator("#doc-filter summary").click()
    phone.locator("#doc-list input[type=checkbox]").first.wait_for()
    sizes = phone.evaluate(
        """() => [...document.querySelectorAll(
              '.fn-btn, #doc-list input[type=checkbox], #pager button, .hit-foot a, .hit-foot button,'
              + ' #answer button, #search-button, #doc-filter summary, .copy-btn, .export-btn,'
              + ' .doc-id, .doc-download')]
            .filter(e => e.getClientRects().length)
            .map(e => { const r = e.getBoundingClientRect();
                        return [e.className || e.tagName, Math.round(r.width), Math.round(r.height)]; })"""
    )
    kinds = {name for name, _, _ in sizes}
    assert {"fn-btn", "INPUT", "doc-id", "doc-download"} <= kinds, kinds
    # A footnote marker keeps its size in the line; its touch area is a 44 px square around it.
    small = [s for s in sizes if (s[1] < 44 or s[2] < 44) and s[0] != "fn-btn"]
    assert not small, small
    reach = phone.evaluate(
        """() => [...document.querySelectorAll('.fn-btn')].filter(b => b.getClientRects().length)
             .map(b => { const r = b.getBoundingClientRect(), x = r.left + r.width / 2,
                               y = r.top + r.height / 2;
                         return [[0, 21], [0, -21], [21, 0], [-21, 0]].every(([dx, dy]) => {
                           const at = document.elementFromPoint(x + dx, y + dy);
                           return at === null || at.classList.contains('fn-btn'); }); })"""
    )
    assert reach and all(reach), reach
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_dark_mode_follows_the_system(browser: Any, base_url: str) -> None:  # noqa: F811
    context = browser.new_context(color_scheme="dark", viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(f"{base_url}/?q=Which+dairy+shipped+its+first+products+to+Libya%3F")
        pg.wait_for_selector("#results .hit .fn-btn")
        colours = pg.evaluate(
            """() => Object.fromEntries(
                 ['body', '#q', '.hit', '.passage', '.pages', '#answer .answer-text', '.fn-btn']
                 .map(s => { const e = document.querySelector(s); const c = getComputedStyle(e);
                             return [s, [c.color, c.backgroundColor]]; }))"""
        )
        body_fg, body_bg = colours["body"]
        assert _luminance(body_bg) < 0.05, colours
        card_bg = colours[".hit"][1]
        assert _luminance(card_bg) < 0.05, colours
        for selector in (".passage", ".pages", "#answer .answer-text"):
            assert _contrast(colours[selector][0], card_bg) >= 4.5, (selector, colours)
        assert _contrast(*colours["#q"]) >= 4.5, colours
        assert _contrast(*colours[".fn-btn"]) >= 4.5, colours
    finally:
        context.close()


LIBYA = "Which dairy shipped its first products to Libya?"


def _api(url: str, path: str, **params: Any) -> Any:
    query = f"?{urlencode(params, doseq=True)}" if params else ""
    with urlopen(f"{url}{path}{query}", timeout=60) as response:
        return json.loads(response.read())


def _expected(url: str, **params: Any) -> tuple[Any, dict[str, Any]]:
    from api.export import DocInfo
    from api.schema import SearchResponse

    response = SearchResponse.model_validate(_api(url, "/api/search", **params))
    docs = {
        d["id"]: DocInfo(d["title"], d["authors"], d["published"])
        for d in _api(url, "/api/documents")["documents"]
    }
    return response, docs


def test_copy_citation_puts_the_citation_on_the_clipboard(browser: Any, base_url: str) -> None:  # noqa: F811
    from api.export import citation_markdown, citation_text, quoted_answer, quoted_hit

    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(f"{base_url}/?{urlencode({'q': LIBYA})}")
        pg.wait_for_selector("#results .hit .copy-text")
        response, docs = _expected(base_url, q=LIBYA, k=10, offset=0, mode="hybrid")
        hit = response.results[0]
        expected = citation_text(quoted_hit(hit, docs[hit.doc_id]))
        assert "Libya" in expected and "https://www.belta.by/" in expected
        assert "[5] " in expected  # the footnote's text and its URL

        first = pg.locator("#results .hit").first
        first.locator(".copy-text").click()
        pg.wait_for_function(
            "() => document.querySelector('.hit .copy-text').textContent === 'Copied'"
        )
        assert pg.evaluate("navigator.clipboard.readText()") == expected
        first.locator(".copy-md").click()
        pg.wait_for_function(
            "() => document.querySelector('.hit .copy-md').textContent === 'Copied'"
        )
        assert pg.evaluate("navigator.clipboard.readText()") == citation_markdown(
            quoted_hit(hit, docs[hit.doc_id])
        )

        assert response.answer is not None
        pg.locator("#answer .copy-text").click()
        pg.wait_for_function(
            "() => document.querySelector('#answer .copy-text').textContent === 'Copied'"
        )
        copied = pg.evaluate("navigator.clipboard.readText()")
        assert copied == citation_text(quoted_answer(response.answer, docs[response.answer.doc_id]))
        assert "Libya" in copied
    finally:
        context.close()


def test_export_downloads_the_results(browser: Any, base_url: str, tmp_path: Any) -> None:  # noqa: F811
    from api.export import results_csv, results_markdown

    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(f"{base_url}/?q=exports+to+China&k=20")
        pg.wait_for_selector("#results .hit")
        response, docs = _expected(base_url, q="exports to China", k=20, offset=0, mode="hybrid")

        with pg.expect_download() as info:
            pg.locator("#export-csv").click()
        download = info.value
        assert download.suggested_filename == "citesearch-exports-to-China.csv"
        path = tmp_path / "results.csv"
        download.save_as(path)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert len(rows) == len(response.results) == 20
        assert [r["chunk_id"] for r in rows] == [h.chunk_id for h in response.results]
        assert rows == list(csv.DictReader(io.StringIO(results_csv(response, docs))))

        with pg.expect_download() as info:
            pg.locator("#export-md").click()
        info.value.save_as(tmp_path / "results.md")
        assert (tmp_path / "results.md").read_text(encoding="utf-8") == results_markdown(
            response, docs
        )

        with pg.expect_download() as info:
            pg.locator("#export-json").click()
        info.value.save_as(tmp_path / "results.json")
        exported = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
        assert [h["chunk_id"] for h in exported["results"]] == [
            h.chunk_id for h in response.results
        ]
    finally:
        context.close()


TRADE_53 = (
    "How much did trade turnover between Belarus and Pakistan exceed in eight months of 2021?"
)


def _copied(pg: Any, selector: str) -> str:
    pg.locator(selector).click()
    pg.wait_for_function("(s) => document.querySelector(s).textContent === 'Copied'", arg=selector)
    return str(pg.evaluate("navigator.clipboard.readText()"))


def test_copy_citation_credits_a_sentence_with_its_own_note(browser: Any, base_url: str) -> None:  # noqa: F811
    # Issue 23: the "$53 million" sentence is sourced by note 48 (the next note of its
    # paragraph), not by note 47, the rice and wheat note its passage also holds.
    from api.export import citation_text, quoted_hit

    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(f"{base_url}/?{urlencode({'q': TRADE_53})}")
        pg.wait_for_selector("#answer .copy-text")
        assert pg.locator("#answer .answer-text .fn-btn").all_text_contents() == ["48"]
        assert (
            pg.locator("#answer .sentence-notes").text_content()
            == "Answer cites [48] (source: note 48, end of paragraph)"
        )
        lines = _copied(pg, "#answer .copy-text").split("\n")
        assert lines[0].startswith("“It should be reminded that for eight months of 2021")
        assert lines[0].endswith("exceeded $53 million.”")
        assert lines[2] == "Source: note 48, end of paragraph"
        assert lines[3].startswith("[48] Trade and economic relations between the Republic")
        assert lines[3].endswith(
            "https://pakistan.mfa.gov.by/ru/trade_and_economic_bilateral_relations/"
        )
        assert len(lines) == 4 and "[47]" not in "\n".join(lines)

        # The passage still shows all its markers; its highlighted sentence cites 48 alone.
        hit = pg.locator("#results .hit").filter(has_text="exceeded $53 million").first
        assert {"47", "48"} <= set(hit.locator(".passage .fn-btn").all_text_contents())
        assert (
            hit.locator(".sentence-notes").text_content()
            == "Highlighted sentence cites [48] (source: note 48, end of paragraph)"
        )
        response, docs = _expected(base_url, q=TRADE_53, k=10, offset=0, mode="hybrid")
        shown = next(h for h in response.results if "exceeded $53 million" in h.text)
        chunk = hit.get_attribute("data-chunk")
        assert chunk == shown.chunk_id
        copied = _copied(pg, f'#results .hit[data-chunk="{chunk}"] .copy-text')
        assert copied == citation_text(quoted_hit(shown, docs[shown.doc_id]))
        assert "[48] " in copied and "[47]" not in copied
    finally:
        context.close()
