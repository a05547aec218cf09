"""Word (.docx) files as source text, with their footnotes and endnotes linked like a report's.

python-docx opens the package (and says when it is not one); the body's paragraphs are read in
order from its XML, each footnote or endnote reference written as its number right after the
text it follows ("exports grew.3"), and the notes written after a separator line as "3 Note
text": the shape of the plain-text reports, so the footnote parser links them the same way.
Endnotes are numbered after the footnotes (Word numbers both from 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.ingest.source import LoadError, SourceText

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NOTE_SEPARATOR = " " * 40
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files are OLE containers


def _paragraph_text(p: Any, numbers: dict[tuple[str, str], int]) -> str:
    out: list[str] = []
    for node in p.iter():
        tag = node.tag
        if tag == f"{_W}t" and node.text:
            out.append(node.text)
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
            kind = "footnote" if tag == f"{_W}footnoteReference" else "endnote"
            n = numbers.get((kind, node.get(f"{_W}id", "")))
            if n is not None:
                out.append(str(n))
    return "".join(out).strip()


def _notes(package: Any, partname: str) -> list[tuple[str, Any]]:
    """(id, note element) of the real notes in a footnotes/endnotes part (separators skipped)."""
    from lxml import etree

    for part in package.iter_parts():
        if str(part.partname) == partname:
            root = etree.fromstring(part.blob)
            return [
                (note.get(f"{_W}id", ""), note)
                for note in root
                if note.get(f"{_W}type") in (None, "normal")
            ]
    return []


def read_docx(path: Path) -> SourceText:
    """Paragraphs, then the notes after a separator line; raises LoadError when unreadable."""
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not head:
        raise LoadError("the file is empty")
    if head == _OLE_MAGIC:
        raise LoadError("encrypted (password-protected) or old-format Word file: save it as .docx")
    import docx

    try:
        document = docx.Document(str(path))
        package = document.part.package
        footnotes = _notes(package, "/word/footnotes.xml")
        endnotes = _notes(package, "/word/endnotes.xml")
    except Exception as exc:  # python-docx and lxml raise many types for a damaged package
        raise LoadError(f"not a readable Word file ({type(exc).__name__}: {exc})") from exc

    numbers: dict[tuple[str, str], int] = {}
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        for note_id, _ in notes:
            numbers[(kind, note_id)] = len(numbers) + 1
    body = document.element.body
    paragraphs = [_paragraph_text(p, numbers) for p in body.iter(f"{_W}p")]
    text = "\n\n".join(p for p in paragraphs if p)
    note_lines = []
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        for note_id, note in notes:
            note_text = " ".join(
                t for t in (_paragraph_text(p, {}) for p in note.iter(f"{_W}p")) if t
            )
            note_lines.append(f"{numbers[(kind, note_id)]} {note_text}")
    if not text.strip():
        raise LoadError("the Word file has no text")
    if note_lines:
        text += "\n\n" + NOTE_SEPARATOR + "\n" + "\n".join(note_lines) + "\n"
    return SourceText(text, None)
