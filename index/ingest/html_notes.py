"""A web page's footnotes as its markup states them: which links are note references, and the
text and links of the notes they point to.

Recognised: MediaWiki (``sup.reference`` -> ``ol.references li``, one note cited several times
with backlinks a, b, c; explanatory notes [a] [n 1] in a notelist), pandoc and markdown-it
(``a.footnote-ref`` or ``role=doc-noteref`` -> ``section.footnotes li``), EPUB 3 and DPUB-ARIA
(``epub:type=noteref`` -> footnote, endnote or rearnote), O'Reilly HTMLBook
(``data-type=noteref`` -> ``data-type=footnote``), WordPress plugins (``sup > a[href=#fn-N]`` ->
``ol.footnotes li``), and any superscript link to an element further down the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

# lxml elements are typed loosely (lxml ships no stubs here): Element stands for HtmlElement.
Element = Any

_TYPED_REF = re.compile(r"\b(?:doc-)?noteref\b")
_REF_CLASSES = frozenset({"footnote-ref", "footnote-reference", "footnoteref", "noteref"})
_REF_SUP_CLASSES = frozenset({"reference", "footnote", "footnote-ref", "fn", "fnref"})
_BACKLINK_CLASSES = frozenset(
    {
        "mw-cite-backlink",
        "footnote-back",
        "footnote-backref",
        "footnote-backlink",
        "footnotereverse",
        "reversefootnote",
        "fn-backref",
    }
)
_ENDNOTE = re.compile(r"\b(?:doc-)?(?:endnotes?|rearnotes?)\b")
# Tags that start a new line in a note's text.
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset({"script", "style", "link", "meta", "noscript", "template"})
# A generic superscript link may point only to a note-like element, not to a whole section.
_NOTE_TAGS = frozenset({"li", "p", "dd", "div", "aside", "span", "td", "section", "a"})
_BACK_GLYPHS = "^↩↑⤴︎️ \t\n"
_URL = re.compile(r"https?://", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


@dataclass
class HtmlNote:
    """One note: its label as the reference shows it (brackets dropped), its text, its links."""

    label: str
    text: str
    urls: list[str] = field(default_factory=list)
    kind: str = "footnote"


@dataclass
class NoteRef:
    """A reference in the page: the element a reader sees as the marker (a ``sup`` or an ``a``),
    the text it shows ("[3]", "1", "*") and the index of its note."""

    element: Element
    shown: str
    note: int


@dataclass
class PageNotes:
    """The notes of a page in page order, the references outside them, and the elements that
    hold the notes (to be taken out of the main text)."""

    notes: list[HtmlNote]
    refs: list[NoteRef]
    note_elements: list[Element]


def find_page_notes(root: Element) -> PageNotes:
    """The page's notes and references; empty lists when its markup states none."""
    order = {el: i for i, el in enumerate(root.iter())}
    ids: dict[str, Element] = {}
    for el in root.iter():
        key = el.get("id") or (el.get("name") if el.tag == "a" else None)
        if key and key not in ids:
            ids[key] = el
    found = [hit for a in root.iter("a") if (hit := _reference(a, ids, order)) is not None]
    pairs = [(marker, target) for marker, target, _ in found]
    targets = {target for _, target in pairs}
    targets |= _uncited_list_items([target for _, target, typed in found if typed], targets)
    ordered = sorted(targets, key=order.__getitem__)
    index = {target: i for i, target in enumerate(ordered)}
    ref_ids = {
        key for marker, _ in pairs for el in marker.iter() if (key := el.get("id")) is not None
    }
    labels = {i: _list_number(target) or str(i + 1) for i, target in enumerate(ordered)}
    cited: set[int] = set()
    refs: list[NoteRef] = []
    for marker, target in pairs:
        i = index[target]
        shown = " ".join(marker.text_content().split())
        if i not in cited and shown.strip("[]() "):
            labels[i] = shown.strip("[]() ")  # the label as the first reference shows it
        cited.add(i)
        if not any(anc in targets for anc in marker.iterancestors()):
            refs.append(NoteRef(marker, shown or labels[i], i))
    notes = []
    for i, target in enumerate(ordered):
        text, urls = _note_text_and_urls(target, ref_ids)
        notes.append(HtmlNote(labels[i], _without_label(text, labels[i]), urls, _kind(target)))
    return PageNotes(notes, refs, ordered)


def _without_label(text: str, label: str) -> str:
    """A note's text without the label it may begin with ("1. Minutes..." after an anchor)."""
    match = re.match(rf"[\[(]?{re.escape(label)}[\])]?[.:]?\s+", text)
    return text[match.end() :] if match and match.end() < len(text) else text


def _uncited_list_items(cited: list[Element], targets: set[Element]) -> set[Element]:
    """The other items, with an id, of a notes list some reference points into: a note no
    reference cites (a page's own slip) is a note all the same, and is no body text."""
    extra: set[Element] = set()
    for target in cited:
        parent = target.getparent()
        if target.tag != "li" or parent is None or parent.tag not in ("ol", "ul"):
            continue
        extra.update(li for li in parent if li.tag == "li" and li.get("id") and li not in targets)
    return extra


def _list_number(item: Element) -> str:
    """The number an ``ol`` shows for its item, or "" for anything else."""
    parent = item.getparent()
    if item.tag != "li" or parent is None or parent.tag != "ol":
        return ""
    start = parent.get("start") or "1"
    items = [li for li in parent if li.tag == "li"]
    return str(int(start) + items.index(item)) if start.isdigit() else ""


def _reference(
    a: Element, ids: dict[str, Element], order: dict[Element, int]
) -> tuple[Element, Element, bool] | None:
    """(marker element, note element, whether the markup says so) when link ``a`` is a note
    reference, else None."""
    href = (a.get("href") or "").strip()
    if "#" not in href:
        return None
    fragment = href.split("#", 1)[1]
    target = ids.get(fragment)
    if target is None:
        target = ids.get(unquote(fragment))
    if target is None or target is a or target in a.iterancestors():
        return None  # no target, or the link is inside it (a "back to top" link)
    if not " ".join(target.text_content().split()):
        parent = target.getparent()  # an empty <a name="fn1"> anchor: its block is the note
        if parent is None or a in parent.iterancestors():
            return None
        target = parent
    sup = _sup_around(a)
    typed = _is_typed_reference(a, sup)
    if not typed:
        # The generic case: a superscript link to an element further down the page.
        if not href.startswith("#") or (sup is None and not any(True for _ in a.iter("sup"))):
            return None
        if order[target] < order[a] or target.tag not in _NOTE_TAGS:
            return None
        if any(True for _ in target.iter("h1", "h2", "h3", "h4", "h5", "h6")):
            return None
    marker = sup if sup is not None else a
    if target is marker or marker in target.iterancestors():
        return None
    return marker, target, typed


def _sup_around(a: Element) -> Element | None:
    """The ``sup`` that holds link ``a`` and shows nothing but it, if any."""
    parent = a.getparent()
    while parent is not None and parent.tag in ("span", "b", "i", "small"):
        parent = parent.getparent()
    if parent is None or parent.tag != "sup":
        return None
    # "[<a>1</a>]": the brackets around the link are part of the marker too.
    rest = parent.text_content().replace(a.text_content(), "", 1)
    return parent if not rest.strip("[]() \n\t") else None


def _is_typed_reference(a: Element, sup: Element | None) -> bool:
    """Whether the markup calls link ``a`` (or the ``sup`` around it) a note reference."""
    if a.get("data-footnote-ref") is not None:  # GitHub's rendering of Markdown
        return True
    for el in (a, sup) if sup is not None else (a,):
        marks = " ".join(el.get(name) or "" for name in ("role", "epub:type", "data-type"))
        if _TYPED_REF.search(marks.lower()):
            return True
    if _REF_CLASSES & set((a.get("class") or "").lower().split()):
        return True
    return sup is not None and bool(_REF_SUP_CLASSES & set((sup.get("class") or "").split()))


def _kind(target: Element) -> str:
    """The kind of a note: an endnote when it or what holds it says so (EPUB rearnotes)."""
    for el in (target, *target.iterancestors()):
        marks = " ".join(el.get(n) or "" for n in ("role", "epub:type", "data-type", "class"))
        if _ENDNOTE.search(marks.lower()):
            return "endnote"
    return "footnote"


def _note_text_and_urls(target: Element, ref_ids: set[str]) -> tuple[str, list[str]]:
    """The note's text without its backlinks (one line per block) and its absolute links."""
    parts: list[str] = []
    urls: list[str] = []
    _render(target, parts, urls, ref_ids, tail=False)
    lines = (" ".join(line.split()) for line in "".join(parts).replace("\u00ad", "").split("\n"))
    text = "\n".join(line for line in lines if line).strip(_BACK_GLYPHS)
    return text, list(dict.fromkeys(urls))


def _render(
    el: Element, parts: list[str], urls: list[str], ref_ids: set[str], tail: bool = True
) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""  # comments and processing instructions
    if not tag or tag in _SKIP_TAGS or _is_backlink(el, ref_ids):
        if el.tail and tail:
            parts.append(_flat(el.tail))
        return
    block = tag in _BLOCK_TAGS or tag == "br"
    if block:
        parts.append("\n")
    if tag == "a":
        href = (el.get("href") or "").strip()
        if href.startswith("//"):
            href = "https:" + href  # protocol-relative, as MediaWiki links DOIs
        if _URL.match(href):
            urls.append(href)
    if el.text:
        parts.append(_flat(el.text))
    for child in el:
        _render(child, parts, urls, ref_ids)
    if block:
        parts.append("\n")
    if el.tail and tail:
        parts.append(_flat(el.tail))


def _flat(text: str) -> str:
    """Markup text on one line: its line breaks are the file's, not the reader's."""
    return _WHITESPACE.sub(" ", text)


def _is_backlink(el: Element, ref_ids: set[str]) -> bool:
    """A link (or its container) from a note back to where it is cited: "^", "↩", "a b c"."""
    if _BACKLINK_CLASSES & set((el.get("class") or "").split()):
        return True
    if "backlink" in (el.get("role") or "") or "backlink" in (el.get("epub:type") or ""):
        return True
    if el.get("data-footnote-backref") is not None:
        return True
    if el.tag == "a":
        href = el.get("href") or ""
        shown = " ".join(el.text_content().split())
        if href.startswith("#") and href[1:] in ref_ids and len(shown.strip(_BACK_GLYPHS)) <= 4:
            return True
    if el.tag == "sup" and len(el) == 1 and el[0].tag == "a" and not (el.text or "").strip():
        return _is_backlink(el[0], ref_ids)
    return False
