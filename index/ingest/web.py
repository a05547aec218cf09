"""Saved web pages (.html, .htm, .xhtml) as source text: the article's main text by trafilatura,
then the page's footnotes, linked to their markers from the markup.

trafilatura drops menus, cookie banners, related links and footers (the chrome our text cleaner
would otherwise have to guess) and keeps paragraphs and headings; the page's ``<title>`` or
its metadata title comes first, as a heading line for the document's title.

Footnotes (``index/ingest/html_notes.py`` says which markups) would not survive that: the
reference list is chrome to trafilatura, and a marker is a few digits glued to a word. So each
reference is replaced by a placeholder word before extraction and the notes are taken out;
where a placeholder comes back, its marker ("[3]", "1", "*") goes in its place and its span is
recorded; the notes follow the main text, one paragraph each, "[label] text". A marker in a
block trafilatura drops is no marker; its note stays.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from index.ingest.file_meta import html_meta
from index.ingest.html_notes import Element, PageNotes, find_page_notes
from index.ingest.source import LoadError, SourceMarker, SourceNote, SourceText, read_decoded

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# A word trafilatura keeps as it is and no page writes: "qzfn12zq" stands for reference 12.
_PLACEHOLDER = "qzfn{}zq"
_PLACEHOLDERS = re.compile(r"qzfn(\d+)zq")
_SOFT_HYPHEN = "\u00ad"


def read_html(path: Path) -> SourceText:
    """The main text of a saved web page and its footnotes; raises LoadError when there is no
    text."""
    html, warnings = read_decoded(path, "a web page")
    return page_source(html, warnings)


def page_source(html: str, warnings: list[str] | None = None) -> SourceText:
    """A web page's source text: its main text, then its notes when its markup has any (else
    ``notes`` is None and the notes are left to text detection)."""
    import lxml.html

    warnings = list(warnings or [])
    root = _parse(html)
    lang = _page_language(root) if root is not None else None
    found = find_page_notes(root) if root is not None else None
    if root is None or found is None or not found.notes:
        text, metadata = _main_text(html)
        source = SourceText(text, None, warnings)
    else:
        for i, ref in enumerate(found.refs):
            _replace_with_text(ref.element, _PLACEHOLDER.format(i))
        for element in found.note_elements:
            _drop_with_empty_parents(element)
        stripped = lxml.html.tostring(root, encoding="unicode")
        text, metadata = _main_text(stripped, title_from=html)
        source = _with_notes(text, found, warnings)
    source.meta = html_meta(metadata, lang)
    return source


def main_text(html: str, title_from: str | None = None) -> str:
    """An HTML page's main text, its title (from ``title_from``, else ``html``) first; raises
    LoadError when there is none."""
    return _main_text(html, title_from)[0]


def _main_text(html: str, title_from: str | None = None) -> tuple[str, Any]:
    """The main text and trafilatura's metadata of the page (title, author, date)."""
    import trafilatura

    try:
        text = trafilatura.extract(
            html, include_comments=False, include_tables=True, favor_recall=True
        )
        # extensive=False: no date search, which takes seconds on some pages; the title is all we use
        metadata = trafilatura.extract_metadata(title_from or html, extensive=False)
    except Exception as exc:  # lxml and trafilatura fail in several ways on broken markup
        raise LoadError(f"not a readable web page ({type(exc).__name__}: {exc})") from exc
    if not text or not _PLACEHOLDERS.sub("", text).strip():
        raise LoadError("no article text found in the web page")
    text = text.replace(_SOFT_HYPHEN, "")  # "Scha&shy;ber" is one word to a search
    title = metadata.title if metadata is not None and metadata.title else ""
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return text.strip() + "\n", metadata


def _page_language(root: Element) -> str | None:
    """The language the page's root element declares (``lang`` or ``xml:lang``)."""
    top = root.getroottree().getroot()
    value = top.get("lang") or top.get("{http://www.w3.org/XML/1998/namespace}lang")
    return str(value) if value else None


def _parse(html: str) -> Element | None:
    """The page's lxml tree, or None when lxml cannot read it (trafilatura then says why)."""
    import lxml.html
    from lxml.etree import LxmlError

    # lxml refuses a str that declares its encoding (XHTML, EPUB content documents).
    source = _XML_DECLARATION.sub("", html, count=1)
    try:
        return lxml.html.document_fromstring(source)
    except (LxmlError, ValueError):
        return None


def _with_notes(text: str, found: PageNotes, warnings: list[str]) -> SourceText:
    """Placeholders -> markers in the main text, then the notes: the page's source text."""
    parts: list[str] = []
    markers: list[SourceMarker] = []
    length, last = 0, 0
    for match in _PLACEHOLDERS.finditer(text):
        i = int(match.group(1))
        if i >= len(found.refs):
            continue
        ref = found.refs[i]
        before = text[last : match.start()]
        parts.append(before)
        length += len(before)
        markers.append(SourceMarker(ref.note, length, length + len(ref.shown)))
        parts.append(ref.shown)
        length += len(ref.shown)
        last = match.end()
    parts.append(text[last:].rstrip() + "\n")
    length += len(parts[-1])
    notes: list[SourceNote] = []
    for note in found.notes:
        head = f"\n[{note.label}] "
        start = length + len(head)
        parts.append(f"{head}{note.text}\n")
        length += len(parts[-1])
        notes.append(SourceNote(note.label, start, start + len(note.text), note.urls, note.kind))
    return SourceText("".join(parts), None, warnings, notes=notes, markers=markers)


def _replace_with_text(el: Element, text: str) -> None:
    """Put ``text`` where ``el`` was (its tail kept)."""
    parent = el.getparent()
    if parent is None:
        return
    joined = text + (el.tail or "")
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(el)


def _drop_with_empty_parents(el: Element) -> None:
    """Take a note out of the page, and the list or section that held it once it is empty."""
    parent = el.getparent()
    if parent is None:
        return
    el.drop_tree()
    while parent.tag not in ("body", "html") and not parent.text_content().strip():
        if parent.xpath(".//img|.//table|.//figure"):
            break
        grandparent = parent.getparent()
        if grandparent is None:
            break
        parent.drop_tree()
        parent = grandparent
