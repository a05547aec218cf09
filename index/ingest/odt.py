"""OpenDocument text (.odt) files as source text, with the notes the file itself defines.

The package's ``content.xml`` is read with lxml straight from the zip: paragraphs, headings,
list items and table cells in document order (ODF's white space rules: runs of spaces fold to
one, ``text:s``/``text:tab``/``text:line-break`` say where more is meant). Each ``text:note``
(LibreOffice and OpenOffice write the note's body where it is cited) becomes a marker, its
printed citation (``text:note-citation``) written into the text, and a note after the body
with its class (footnote or endnote) and the targets of its links (``text:a xlink:href``). A
``text:note-ref`` (a second citation of a note) is a marker too when it is raised or touches
the word before it ("FIXED8", "Guinea26"); one in running prose ("see footnote 3") stays text. Tables of contents and other
generated indexes, comments and tracked deletions are not text of the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from index.ingest.file_meta import odt_meta
from index.ingest.noted_text import NotedText, NoteRef
from index.ingest.source import LoadError, SourceText
from index.ingest.zip_limits import open_package

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_PARAGRAPHS = frozenset({f"{_TEXT}p", f"{_TEXT}h"})
# Not the document's running text: generated indexes (they repeat headings with page numbers),
# comments, deleted text kept for change tracking, declarations, image titles.
_SKIPPED = frozenset(
    {
        f"{_TEXT}{tag}"
        for tag in (
            "table-of-content",
            "illustration-index",
            "table-index",
            "object-index",
            "user-index",
            "alphabetical-index",
            "tracked-changes",
            "sequence-decls",
            "variable-decls",
            "user-field-decls",
            "dde-connection-decls",
            "bookmark",
            "bookmark-start",
            "bookmark-end",
            "soft-page-break",
        )
    }
    | {f"{_OFFICE}annotation", f"{_OFFICE}annotation-end", f"{_OFFICE}forms"}
    | {f"{_SVG}title", f"{_SVG}desc"}
)
_SPACES = re.compile(r"[ \t\r\n]+")
_LINK_SCHEMES = ("http://", "https://", "ftp://")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class _Note:
    key: str
    label: str
    kind: str
    element: Any


@dataclass
class _Context:
    """The raised (superscript) text styles, the notes met so far, and, inside a note, the
    list its links go to."""

    raised_styles: frozenset[str]
    notes: list[_Note] = field(default_factory=list)
    urls: list[str] | None = None

    def note(self, element: Any) -> NoteRef:
        """Register a ``text:note`` met in the body; its marker is its printed citation."""
        citation = element.find(f"{_TEXT}note-citation")
        label = ""
        if citation is not None:
            label = "".join(citation.itertext()).strip() or citation.get(f"{_TEXT}label", "")
        key = element.get(f"{_TEXT}id") or f"note-{len(self.notes) + 1}"
        label = label or str(len(self.notes) + 1)
        kind = "endnote" if element.get(f"{_TEXT}note-class") == "endnote" else "footnote"
        self.notes.append(_Note(key, label, kind, element))
        return NoteRef(key, label)


def _collapse(text: str | None) -> str:
    return _SPACES.sub(" ", text) if text else ""


def _inline(element: Any, out: list[str | NoteRef], context: _Context, raised: bool) -> None:
    """The pieces of a paragraph's content, in document order."""
    out.append(_collapse(element.text))
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIPPED:
            if tag == f"{_TEXT}s":
                count = child.get(f"{_TEXT}c", "1")
                out.append(" " * (int(count) if count.isdigit() else 1))
            elif tag == f"{_TEXT}tab":
                out.append("\t")
            elif tag == f"{_TEXT}line-break":
                out.append("\n")
            elif tag == f"{_TEXT}note":
                out.append(context.note(child))
            elif tag == f"{_TEXT}note-ref" and (raised or _glued(out)):
                shown = "".join(child.itertext()).strip()
                out.append(NoteRef(child.get(f"{_TEXT}ref-name", ""), shown))
            elif tag in _PARAGRAPHS:  # a text frame's paragraph inside this one
                out.append("\n")
                _inline(child, out, context, False)
                out.append("\n")
            else:
                if tag == f"{_TEXT}a" and context.urls is not None:
                    url = child.get(_XLINK_HREF, "")
                    if url.lower().startswith(_LINK_SCHEMES) and url not in context.urls:
                        context.urls.append(url)
                style = child.get(f"{_TEXT}style-name")
                _inline(child, out, context, raised or style in context.raised_styles)
        out.append(_collapse(child.tail))


def _glued(pieces: list[str | NoteRef]) -> bool:
    """Whether what comes next touches the word before it ("Guinea26", not "footnote 26"),
    or follows another marker with only a space between ("42³¹ ³³")."""
    spaced = False
    for piece in reversed(pieces):
        if isinstance(piece, NoteRef):
            if piece.mark:
                return True
        elif piece.isspace():
            spaced = True
        elif piece:
            return not spaced and not piece[-1].isspace()
    return False


def _paragraphs(element: Any) -> Iterator[Any]:
    """Paragraphs and headings in document order: in lists, tables, sections and frames too."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag in _PARAGRAPHS:
            yield child
        else:
            yield from _paragraphs(child)


def _is_raised(position: str) -> bool:
    """Whether a ``style:text-position`` ("super 58%", "33% 58%", "sub") raises the text."""
    first = position.split()[0] if position.split() else ""
    if first == "super":
        return True
    try:
        return float(first.rstrip("%")) > 0
    except ValueError:
        return False


def _raised_styles(roots: list[Any]) -> frozenset[str]:
    """Names of the text styles (automatic or common) that set text as superscript."""
    parent: dict[str, str | None] = {}
    position: dict[str, str] = {}
    for root in roots:
        for style in root.iter(f"{_STYLE}style"):
            name = style.get(f"{_STYLE}name", "")
            parent[name] = style.get(f"{_STYLE}parent-style-name")
            props = style.find(f"{_STYLE}text-properties")
            if props is not None and props.get(f"{_STYLE}text-position"):
                position[name] = props.get(f"{_STYLE}text-position", "")

    def raised(name: str | None, depth: int = 0) -> bool:
        if name is None or depth > 10:
            return False
        if name in position:
            return _is_raised(position[name])
        return raised(parent.get(name), depth + 1)

    return frozenset(name for name in parent if raised(name))


def _open(path: Path) -> tuple[Any, Any | None, Any | None]:
    """The parsed content.xml, styles.xml and meta.xml (None when absent); LoadError when the file is
    empty, encrypted or no OpenDocument package."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not head:
        raise LoadError("the file is empty")
    if head == _OLE_MAGIC:
        raise LoadError("an old-format office file, not OpenDocument: save it as .odt")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        with path.open("rb") as handle, open_package(handle, "OpenDocument file") as package:
            names = package.names()
            manifest = (
                package.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
            )
            if b"encryption-data" in manifest:
                raise LoadError(
                    "encrypted (password-protected) OpenDocument file: save it without a password"
                )
            if "content.xml" not in names:
                raise LoadError("not an OpenDocument text file: the package has no content.xml")
            content = etree.fromstring(package.read("content.xml"), parser)
            styles = (
                etree.fromstring(package.read("styles.xml"), parser)
                if "styles.xml" in names
                else None
            )
            meta = (
                etree.fromstring(package.read("meta.xml"), parser) if "meta.xml" in names else None
            )
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    except etree.XMLSyntaxError as exc:
        why = f"damaged XML: {exc.msg}" if exc.msg else "damaged XML"
        raise LoadError(f"not a readable OpenDocument file ({why})") from exc
    return content, styles, meta


def read_odt(path: Path) -> SourceText:
    """Paragraphs with their note markers, then the notes; raises LoadError when unreadable."""
    content, styles, meta = _open(path)
    body = content.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise LoadError("not an OpenDocument text file (a spreadsheet or presentation?)")
    roots = [content] if styles is None else [content, styles]
    context = _Context(_raised_styles(roots))
    out = NotedText()
    for p in _paragraphs(body):
        pieces: list[str | NoteRef] = []
        _inline(p, pieces, context, p.get(f"{_TEXT}style-name") in context.raised_styles)
        out.add_paragraph(pieces)
    if not out.has_body:
        raise LoadError("the OpenDocument file has no text")
    for kind in ("footnote", "endnote"):
        for note in (n for n in context.notes if n.kind == kind):
            note_context = _Context(context.raised_styles, urls=[])
            paragraphs = []
            note_body = note.element.find(f"{_TEXT}note-body")
            for p in _paragraphs(note_body if note_body is not None else []):
                parts: list[str | NoteRef] = []
                _inline(p, parts, note_context, False)
                paragraphs.append("".join(x.mark if isinstance(x, NoteRef) else x for x in parts))
            out.add_note(note.key, note.label, paragraphs, note_context.urls or [], kind)
    source = out.source()
    source.meta = odt_meta(meta)
    return source
