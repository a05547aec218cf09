"""Word (.docx) files as source text, with the footnotes and endnotes the file itself defines.

python-docx opens the package (and says when it is not one); the body's paragraphs and table
cells are read in document order from its XML. Each ``w:footnoteReference`` and
``w:endnoteReference`` becomes a marker: the label Word prints there is written into the text
("exports grew.3") and its exact span handed on with its note, so no digit is guessed at again
(two references side by side are two markers, never "12"). Labels are counted as Word counts
them: footnotes and endnotes apart, each in the number format of its section or of
``settings.xml`` (endnotes default to i, ii, iii), from ``w:numStart``, restarting per section
when told; a custom mark (``w:customMarkFollows``: the run after it holds the mark, "*") is
printed as typed and not counted. Brackets typed around a reference, as UN documents do
("(3)"), belong to its marker. The notes follow the body: footnotes, then endnotes, in the
order they are referenced, a note's paragraphs on lines of their own, its links whole from the
part's relationships (``w:hyperlink r:id``) and ``HYPERLINK`` fields.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from index.ingest.file_meta import docx_meta
from index.ingest.noted_text import NotedText, NoteRef
from index.ingest.source import LoadError, SourceText
from index.ingest.zip_limits import open_package

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files are OLE containers
_KINDS = ("footnote", "endnote")
_KIND = "Word file"  # what messages call a .docx
_REFERENCE_KIND = {f"{_W}footnoteReference": "footnote", f"{_W}endnoteReference": "endnote"}
_OWN_NUMBER = frozenset({f"{_W}footnoteRef", f"{_W}endnoteRef"})  # a note's number in the note
# Deleted revisions, properties, and the VML copy of a drawing (its mc:Choice has the same text).
_SKIPPED = frozenset(
    {f"{_W}{tag}" for tag in ("del", "moveFrom", "pPr", "rPr", "sectPr", "delText", "tblPr")}
    | {_MC_FALLBACK}
)
_HYPERLINK_FIELD = re.compile(r'HYPERLINK\s+"([^"]+)"')
_LINK_SCHEMES = ("http://", "https://", "ftp://")
_SEPARATOR = re.compile(r"\s*[,;]\s*")
_BRACKETS = (("(", ")"), ("[", "]"))
_CUSTOM_MARK_MAX = 10  # characters Word allows in a custom mark
_DEFAULT_FORMAT = {"footnote": "decimal", "endnote": "lowerRoman"}  # Word's defaults

Key = tuple[str, str]  # (kind, w:id)


@dataclass
class _Run:
    """The text of one ``w:t`` (or a tab or break); ``raised`` when set as a reference mark
    is (superscript), which tells a separator typed between two references ("1,2")."""

    text: str
    raised: bool = False


@dataclass
class _Ref:
    """A note reference in a paragraph; ``own`` for a note's own number inside the note."""

    key: Key
    custom: bool = False
    own: bool = False
    mark: str = ""


@dataclass(frozen=True)
class _Rule:
    """How Word numbers one kind of note in a section."""

    fmt: str
    start: int = 1
    restart: str = "continuous"  # or "eachSect", "eachPage"


def _rule(properties: Any, base: _Rule) -> _Rule:
    """``base`` with what a ``w:footnotePr``/``w:endnotePr`` element says instead."""
    if properties is None:
        return base

    def value(tag: str) -> str | None:
        node = properties.find(f"{_W}{tag}")
        return None if node is None else node.get(f"{_W}val")

    start = value("numStart")
    return _Rule(
        fmt=value("numFmt") or base.fmt,
        start=int(start) if start and start.isdigit() else base.start,
        restart=value("numRestart") or base.restart,
    )


def _roman(n: int) -> str:
    out = ""
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        count, n = divmod(n, value)
        out += letters * count
    return out


def format_number(n: int, fmt: str) -> str:
    """``n`` as Word prints it in the number format ``fmt`` (``w:numFmt``).

    >>> [format_number(4, f) for f in ("decimal", "lowerRoman", "upperLetter", "chicago")]
    ['4', 'iv', 'D', '§']
    >>> format_number(28, "lowerLetter"), format_number(6, "chicago")
    ('bb', '††')
    """
    if fmt in ("lowerRoman", "upperRoman") and n > 0:
        roman = _roman(n)
        return roman if fmt == "lowerRoman" else roman.upper()
    if fmt in ("lowerLetter", "upperLetter") and n > 0:
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt == "chicago" and n > 0:
        return "*†‡§"[(n - 1) % 4] * ((n - 1) // 4 + 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)  # decimal, and the formats of other scripts this reader does not draw


class _Labels:
    """The label Word prints at each reference, counted in document order."""

    def __init__(self, settings: Any, sections: list[Any], notes: set[Key]) -> None:
        self.notes = notes  # the notes the file holds
        self.missing = 0  # references to a note it does not hold
        base = {
            kind: _rule(
                None if settings is None else settings.find(f"{_W}{kind}Pr"),
                _Rule(_DEFAULT_FORMAT[kind]),
            )
            for kind in _KINDS
        }
        self._rules = [
            {kind: _rule(sect.find(f"{_W}{kind}Pr"), base[kind]) for kind in _KINDS}
            for sect in sections
        ] or [base]
        self._section = 0
        self._next: dict[str, int] = {}
        self._counted_in: dict[str, int] = {}
        self.labels: dict[Key, str] = {}  # in the order of first reference
        self.custom: set[Key] = set()
        self.warnings: list[str] = []

    def next_section(self) -> None:
        self._section = min(self._section + 1, len(self._rules) - 1)

    def number(self, key: Key) -> str:
        """The label of a numbered reference (the same for a note referenced again)."""
        if key in self.labels:
            return self.labels[key]
        kind = key[0]
        rule = self._rules[self._section][kind]
        restart = rule.restart == "eachSect" and self._counted_in.get(kind) != self._section
        if kind not in self._next or restart:
            self._next[kind] = rule.start
        if rule.restart == "eachPage" and not any("each page" in w for w in self.warnings):
            self.warnings.append(
                f"{kind} numbers restart on each page in this file: labels here count on"
            )
        self._counted_in[kind] = self._section
        label = format_number(self._next[kind], rule.fmt)
        self._next[kind] += 1
        self.labels[key] = label
        return label

    def mark(self, key: Key, mark: str) -> str:
        """Record a custom mark as the note's label; it does not advance the count."""
        self.custom.add(key)
        return self.labels.setdefault(key, mark)


@dataclass
class _Context:
    """What reading a paragraph needs: the superscript character styles, and, inside a note,
    the note part's link targets and the list its links go to."""

    raised_styles: frozenset[str]
    link_targets: Mapping[str, str]
    urls: list[str] | None = None


def _raised(run: Any, context: _Context) -> bool:
    props = run.find(f"{_W}rPr")
    if props is None:
        return False
    align = props.find(f"{_W}vertAlign")
    if align is not None and align.get(f"{_W}val") == "superscript":
        return True
    style = props.find(f"{_W}rStyle")
    return style is not None and style.get(f"{_W}val") in context.raised_styles


def _add_url(url: str | None, context: _Context) -> None:
    known = context.urls
    if known is not None and url and url.lower().startswith(_LINK_SCHEMES) and url not in known:
        known.append(url)


def _inline(element: Any, out: list[_Run | _Ref], context: _Context, raised: bool) -> None:
    """The pieces of a paragraph's content, in document order."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue  # comments and processing instructions have no string tag
        if tag == f"{_W}t":
            out.append(_Run(child.text or "", raised))
        elif tag == f"{_W}tab":
            out.append(_Run("\t", raised))
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append(_Run("\n", raised))
        elif tag == f"{_W}noBreakHyphen":
            out.append(_Run("-", raised))
        elif tag in _REFERENCE_KIND:
            custom = child.get(f"{_W}customMarkFollows") in ("1", "true", "on")
            out.append(_Ref((_REFERENCE_KIND[tag], child.get(f"{_W}id", "")), custom))
        elif tag in _OWN_NUMBER:
            out.append(_Ref(("", ""), own=True))
        elif tag == f"{_W}instrText":
            field = _HYPERLINK_FIELD.search(child.text or "")
            _add_url(field.group(1) if field else None, context)
        elif tag == f"{_W}r":
            _inline(child, out, context, _raised(child, context))
        elif tag == f"{_W}p":  # a text box's paragraph inside this one
            out.append(_Run("\n"))
            _inline(child, out, context, False)
            out.append(_Run("\n"))
        else:
            if tag == f"{_W}hyperlink":
                _add_url(context.link_targets.get(child.get(_R_ID, "")), context)
            elif tag == f"{_W}fldSimple":
                field = _HYPERLINK_FIELD.search(child.get(f"{_W}instr", ""))
                _add_url(field.group(1) if field else None, context)
            _inline(child, out, context, raised)


def _next_text(pieces: list[_Run | _Ref], i: int) -> _Run | None:
    """The first run with text after ``pieces[i]``, unless a reference comes first."""
    for piece in pieces[i + 1 :]:
        if isinstance(piece, _Ref):
            return None
        if piece.text.strip():
            return piece
    return None


def _with_marks(pieces: list[_Run | _Ref], labels: _Labels) -> list[str | NoteRef]:
    """Text and note references: each reference with the mark Word prints there, brackets
    typed around it and a superscript separator before it ("1,2") taken into its marker."""
    for i, piece in enumerate(pieces):
        if not isinstance(piece, _Ref) or piece.own:
            continue
        if piece.key not in labels.notes:
            labels.missing += 1  # nothing to link: no mark, the reference is dropped
        elif piece.custom:
            run = _next_text(pieces, i)
            mark = run.text.strip() if run is not None else ""
            if run is not None and len(mark) <= _CUSTOM_MARK_MAX:
                run.text = run.text.replace(mark, "", 1)
            else:  # no mark typed after it: Word shows none, the marker still needs a character
                mark = "*"
            piece.mark = labels.mark(piece.key, mark)
        else:
            piece.mark = labels.number(piece.key)
    pieces = [p for p in pieces if isinstance(p, _Ref) or p.text]
    for i, piece in enumerate(pieces):
        if not isinstance(piece, _Ref) or not (piece.mark or piece.own):
            continue
        if not 0 < i < len(pieces) - 1:
            continue
        before, after = pieces[i - 1], pieces[i + 1]
        if not isinstance(before, _Run) or not isinstance(after, _Run):
            continue
        for opening, closing in _BRACKETS:
            if before.text.endswith(opening) and after.text.startswith(closing):
                before.text, after.text = before.text[:-1], after.text[1:]
                piece.mark = opening + piece.mark + closing
    for i in range(1, len(pieces) - 1):
        before, between, after = pieces[i - 1 : i + 2]
        if (
            isinstance(between, _Run)
            and between.raised
            and _SEPARATOR.fullmatch(between.text)
            and isinstance(before, _Ref)
            and isinstance(after, _Ref)
            and not (before.own or after.own)
            and after.mark
        ):
            after.mark = between.text.strip() + after.mark
            between.text = ""
    out: list[str | NoteRef] = []
    for piece in pieces:
        if isinstance(piece, _Run):
            out.append(piece.text)
        elif not piece.own:
            out.append(NoteRef(piece.key, piece.mark))
    return out


def _paragraphs(element: Any) -> Iterator[Any]:
    """The paragraphs of a body or a note in document order (table cells too)."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == f"{_W}p":
            yield child
        else:
            yield from _paragraphs(child)


def _note_text(note: Any, key: Key, labels: _Labels, context: _Context) -> list[str]:
    """A note's paragraphs as text, its own number (and brackets around it) left out."""
    paragraphs: list[str] = []
    for p in _paragraphs(note):
        pieces: list[_Run | _Ref] = []
        _inline(p, pieces, context, False)
        parts = _with_marks(pieces, labels)
        paragraphs.append("".join(x.mark if isinstance(x, NoteRef) else x for x in parts))
    if key in labels.custom and paragraphs:
        # A custom-marked note types its mark at its start ("*<tab>Reissued for...").
        first = paragraphs[0].lstrip()
        mark = labels.labels[key]
        paragraphs[0] = first[len(mark) :] if first.startswith(mark) else first
    return paragraphs


@dataclass
class _NotesPart:
    notes: dict[str, Any]  # w:id -> the note element
    link_targets: dict[str, str]  # r:id -> external target


def _notes_parts(document: Any) -> dict[str, _NotesPart]:
    """The footnotes and endnotes parts the main document relates to (separators left out)."""
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
    parts: dict[str, _NotesPart] = {}
    for rel in document.part.rels.values():
        if rel.is_external:
            continue
        for kind in _KINDS:
            if rel.reltype.endswith(f"/{kind}s"):
                part = rel.target_part
                root = etree.fromstring(part.blob, parser)
                parts[kind] = _NotesPart(
                    notes={
                        note.get(f"{_W}id", ""): note
                        for note in root
                        if note.tag == f"{_W}{kind}" and note.get(f"{_W}type") in (None, "normal")
                    },
                    link_targets={
                        r_id: r.target_ref for r_id, r in part.rels.items() if r.is_external
                    },
                )
    return parts


def _raised_styles(document: Any) -> frozenset[str]:
    """Ids of the character styles that set text as superscript (note reference styles)."""
    by_id: dict[str, Any] = {}
    for style in document.styles.element.iter(f"{_W}style"):
        by_id[style.get(f"{_W}styleId", "")] = style

    def raised(style_id: str, depth: int = 0) -> bool:
        style = by_id.get(style_id)
        if style is None or depth > 10:
            return False
        align = style.find(f"{_W}rPr/{_W}vertAlign")
        if align is not None:
            return align.get(f"{_W}val") == "superscript"
        based = style.find(f"{_W}basedOn")
        return based is not None and raised(based.get(f"{_W}val", ""), depth + 1)

    return frozenset(style_id for style_id in by_id if raised(style_id))


def _open(path: Path) -> tuple[Any, dict[str, _NotesPart], frozenset[str], Any]:
    """The python-docx document, its notes parts, raised styles and settings element;
    LoadError when the file is empty, encrypted, old-format, no Word package, or unpacks to
    more than ``index.ingest.zip_limits`` allows."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data:
        raise LoadError("the file is empty")
    if data[:8] == _OLE_MAGIC:
        raise LoadError("encrypted (password-protected) or old-format Word file: save it as .docx")
    # python-docx inflates every part without a limit: the package is inflated once through the
    # counting reader first. It gets the bytes, not the path, so no message of its names a path.
    with open_package(io.BytesIO(data), _KIND) as package:
        package.check_all()
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        parts = _notes_parts(document)
        raised = _raised_styles(document)
        settings = document.settings.element
    except MemoryError:
        raise  # the parse worker says the memory limit was reached
    except Exception as exc:  # python-docx and lxml raise many types for a damaged package
        raise LoadError(f"not a readable Word file ({_damage(exc)})") from exc
    return document, parts, raised, settings


def _damage(exc: Exception) -> str:
    """What is wrong with a zip package python-docx could not open, in a reader's words."""
    if isinstance(exc, KeyError):
        return "the zip archive lacks the parts of a Word document"
    if isinstance(exc, etree.XMLSyntaxError):
        return f"damaged XML: {exc.msg}" if exc.msg else "damaged XML"
    if "is not a Word file, content type is" in str(exc):
        return "the package holds another kind of Office file (a template, or macro-enabled?)"
    return f"{type(exc).__name__}: {exc}"[:300]


def read_docx(path: Path) -> SourceText:
    """Paragraphs with their note markers, then the notes; raises LoadError when unreadable."""
    document, parts, raised_styles, settings = _open(path)
    body = document.element.body
    notes = {(kind, note_id) for kind, part in parts.items() for note_id in part.notes}
    labels = _Labels(settings, list(body.iter(f"{_W}sectPr")), notes)
    out = NotedText()
    body_context = _Context(raised_styles, {})
    for p in _paragraphs(body):
        pieces: list[_Run | _Ref] = []
        _inline(p, pieces, body_context, False)
        out.add_paragraph(_with_marks(pieces, labels))
        if p.find(f"{_W}pPr/{_W}sectPr") is not None:  # this paragraph ends a section
            labels.next_section()
    if not out.has_body:
        raise LoadError("the Word file has no text")
    warnings = list(labels.warnings)
    if labels.missing:
        warnings.append(f"{labels.missing} note reference(s) to notes the file does not hold")
    referenced = list(labels.labels)
    for kind in _KINDS:
        part = parts.get(kind, _NotesPart({}, {}))
        for key in (k for k in referenced if k[0] == kind and k[1] in part.notes):
            context = _Context(raised_styles, part.link_targets, urls=[])
            text = _note_text(part.notes[key[1]], key, labels, context)
            out.add_note(key, labels.labels[key], text, context.urls or [], kind)
        unreferenced = len(set(part.notes) - {k[1] for k in referenced if k[0] == kind})
        if unreferenced:
            warnings.append(f"{unreferenced} {kind}(s) never referenced in the text: left out")
    source = out.source(warnings)
    source.meta = docx_meta(document.core_properties, document.styles.element)
    return source
