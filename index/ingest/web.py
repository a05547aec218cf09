"""Saved web pages (.html, .htm) as source text: the article's main text, by trafilatura.

trafilatura drops menus, cookie banners, related links and footers (the chrome our text cleaner
would otherwise have to guess) and keeps paragraphs and headings; the page's ``<title>`` or
its metadata title comes first, as a heading line for the document's title.
"""

from __future__ import annotations

from pathlib import Path

from index.ingest.source import LoadError, SourceText, read_decoded


def read_html(path: Path) -> SourceText:
    """The main text of a saved web page; raises LoadError when there is none."""
    html, warnings = read_decoded(path, "a web page")
    return SourceText(main_text(html), None, warnings)


def main_text(html: str) -> str:
    """An HTML page's main text, its title first; raises LoadError when there is none."""
    import trafilatura

    try:
        text = trafilatura.extract(
            html, include_comments=False, include_tables=True, favor_recall=True
        )
        metadata = trafilatura.extract_metadata(html)
    except Exception as exc:  # lxml and trafilatura fail in several ways on broken markup
        raise LoadError(f"not a readable web page ({type(exc).__name__}: {exc})") from exc
    if not text or not text.strip():
        raise LoadError("no article text found in the web page")
    title = metadata.title if metadata is not None and metadata.title else ""
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return text.strip() + "\n"
