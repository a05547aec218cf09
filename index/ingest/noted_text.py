"""The source text of a file whose notes its own structure gives (Word, OpenDocument).

A reader hands ``NotedText`` each body paragraph as pieces (text, and ``NoteRef`` where a note
is referenced), then each note's paragraphs. It writes the paragraphs one after another, a
blank line between them, each reference as the mark the document prints ("exports grew.3"),
then the notes after the body, one block each. Notes carry no label in the text: whatever comes
before the first note is body text, and the label lives in ``SourceNote.label``. The result is
a ``SourceText`` whose notes and markers point at their exact characters, so nothing is guessed
from digits again. Text past ``MAX_TEXT_CHARS`` is refused as it is written.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from index.ingest.source import SourceMarker, SourceNote, SourceText, check_text_length


@dataclass(frozen=True)
class NoteRef:
    """A reference to the note ``key`` in a paragraph; ``mark`` is what the document prints
    there ("3", "iv", "*", "(2)"), written into the text as the marker's characters."""

    key: Hashable
    mark: str


class NotedText:
    """Body paragraphs with note references, then the notes, as one ``SourceText``."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._refs: list[tuple[Hashable, int, int]] = []
        self._notes: list[SourceNote] = []
        self._note_index: dict[Hashable, int] = {}
        self._body_chars = 0

    def _write(self, text: str) -> int:
        """Append ``text`` (after a blank line unless it is the first); return its offset."""
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        check_text_length(self._length)  # stop while reading, not after
        return start

    def add_paragraph(self, pieces: Sequence[str | NoteRef]) -> None:
        """A body paragraph; one with nothing but white space is left out."""
        text = ""
        refs: list[tuple[Hashable, int, int]] = []
        for piece in pieces:
            if isinstance(piece, NoteRef):
                if piece.mark:  # a marker is never empty: it points at visible characters
                    refs.append((piece.key, len(text), len(text) + len(piece.mark)))
                    text += piece.mark
            else:
                text += piece
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        if not text:
            return
        start = self._write(text) - lead
        self._refs += [(key, start + a, start + b) for key, a, b in refs]
        self._body_chars += len(text)

    @property
    def has_body(self) -> bool:
        """Whether any body paragraph holds text."""
        return self._body_chars > 0

    def add_note(
        self,
        key: Hashable,
        label: str,
        paragraphs: Sequence[str],
        urls: Sequence[str] = (),
        kind: str = "footnote",
    ) -> None:
        """A note after the body: its paragraphs one per line, its label as printed."""
        text = "\n".join(p.strip() for p in paragraphs if p.strip())
        start = self._write(text) if text else self._length
        self._note_index[key] = len(self._notes)
        self._notes.append(SourceNote(label, start, start + len(text), list(urls), kind))

    def source(self, warnings: Sequence[str] = ()) -> SourceText:
        """The text, its notes, and the markers of the notes that were added."""
        markers = [
            SourceMarker(self._note_index[key], start, end)
            for key, start, end in self._refs
            if key in self._note_index
        ]
        missing = len(self._refs) - len(markers)
        notes_warnings = [f"{missing} note reference(s) point at no note"] if missing else []
        return SourceText(
            "".join(self._parts),
            None,
            [*warnings, *notes_warnings],
            notes=list(self._notes),
            markers=markers,
        )
