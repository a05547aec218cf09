"""A file's source text and why a file cannot be read: the record every format reader returns.

``SourceText`` is what a reader (``index.ingest.readers``) makes of a file; ``LoadError`` says
in a reporter's words why it could not. The decoding of text files (BOMs, UTF-8, guessed code
pages) lives here because plain text, web pages and e-mail all need it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

PAGE_SEPARATOR = "\f"
# The most text one document may hold: about 6,000 dense pages. Parsing costs some 110 bytes of
# memory per character (the clean body keeps a source offset per character), so 20 million
# characters peak near 2.2 GB, inside the parse process's 3 GB limit (``index/parse_worker.py``);
# a 20 MiB text upload holds about as many.
MAX_TEXT_CHARS = 20_000_000


class LoadError(ValueError):
    """A file that cannot be read; the message says why, in words a reporter understands."""


def check_text_length(length: int) -> None:
    """Refuse a document whose text (``length`` characters, or at least that many) passes
    ``MAX_TEXT_CHARS``."""
    if length > MAX_TEXT_CHARS:
        raise LoadError(
            f"its text is longer than {MAX_TEXT_CHARS / 1e6:g} million characters, the most one "
            "document may hold: split it into smaller files"
        )


@dataclass
class SourceNote:
    """A footnote or endnote as the file itself defines it (a Word footnote, a MediaWiki
    reference, a Markdown definition, a note a PDF's layout sets apart).

    ``start``/``end`` span the note's own text in ``SourceText.text`` (its label excluded);
    ``label`` is what the reader sees ("3", "*", "iv", "a"); ``urls`` its links, whole.
    """

    label: str
    start: int
    end: int
    urls: list[str] = field(default_factory=list)
    kind: str = "footnote"  # or "endnote"
    # Where the note goes on (a PDF note carried over to the next page's foot): more spans of
    # its text, in order; each counts as note text, never body.
    parts: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SourceMarker:
    """A reference to a note in the body: the marker's characters ``text[start:end]`` (never
    empty; the cleaned body drops them) and the index of its note in ``SourceText.notes``."""

    note: int
    start: int
    end: int


@dataclass
class FileMeta:
    """What a file says about itself (``index/ingest/file_meta.py``); empty where it is silent."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601: YYYY-MM-DD, or YYYY-MM / YYYY
    language: str | None = None  # the language tag the file gives ("en-gb", "ru")


@dataclass
class SourceText:
    """A file's text. For a PDF, ``page_spans`` are the pages' (start, end) in ``text`` and
    ``page_labels`` the page numbers printed on them (``index/ingest/page_labels.py``).

    ``notes`` is ``None`` when the file does not say where its notes are (plain text, most
    PDFs): ``index.text.footnotes`` then finds them in the text. A reader that knows them from
    the file's structure (Word, ODT, HTML, Markdown, a PDF's layout) gives the notes and the
    markers instead, in source offsets; no digit is guessed at again. Text inside a note's span
    is never body text, nor is ``furniture``: sorted spans a reader knows are page furniture
    inside the text (a PDF's margin notes that extraction wrote into body lines,
    ``index/ingest/pdf_margins.py``). ``warnings`` says where a reader had to guess.
    """

    text: str
    page_spans: list[tuple[int, int]] | None
    warnings: list[str] = field(default_factory=list)
    page_labels: list[str] | None = None
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text is from OCR
    notes: list[SourceNote] | None = None
    markers: list[SourceMarker] = field(default_factory=list)
    meta: FileMeta = field(default_factory=FileMeta)  # title, authors... from its fields
    furniture: list[tuple[int, int]] = field(default_factory=list)


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes: BOMs first, then UTF-8, then what charset-normalizer finds, else
    Windows-1252 (each guess with a warning).

    charset-normalizer tells UTF-16/32 without a BOM (any script, either byte order) and the
    other scripts' code pages (Cyrillic Windows-1251, Shift-JIS, GB18030...); among the Western
    single-byte code pages it cannot tell one from another on short texts, so those read as
    Windows-1252, the one that holds curly quotes and dashes.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # NUL bytes are no text: UTF-16 of a non-Latin script is often valid UTF-8 byte by byte.
        if "\x00" not in text:
            return text, []
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    if guess is not None:
        name = guess.encoding
        if name.startswith(("utf_16", "utf_32")):
            label = "UTF-16" if name.startswith("utf_16") else "UTF-32"
            return data.decode(name, errors="replace"), [f"decoded as {label} (no BOM)"]
        if name not in _WESTERN_SINGLE_BYTE:
            return data.decode(name, errors="replace"), [f"not UTF-8: decoded as {name}"]
    return data.decode("cp1252", errors="replace"), ["not UTF-8: decoded as Windows-1252"]


# charset-normalizer's names of the Latin-script single-byte code pages (read as Windows-1252).
_WESTERN_SINGLE_BYTE = frozenset(
    {
        "ascii",
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "cp437",
        "cp850",
        "cp858",
        "latin_1",
        "iso8859_2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_14",
        "iso8859_15",
        "iso8859_16",
        "mac_latin2",
        "mac_roman",
        "mac_iceland",
        "mac_turkish",
    }
)


def read_file_bytes(path: Path) -> bytes:
    """A file's bytes; LoadError when it cannot be read or holds nothing but white space."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise LoadError("the file is empty")
    return data


def read_decoded(path: Path, kind: str) -> tuple[str, list[str]]:
    """A text file's decoded text and warnings; LoadError when it cannot be read, is empty, is a
    PDF under another name or is binary (``kind`` names what it should have been)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or type(exc).__name__})") from exc
    # No encoding spends more than 4 bytes on a character: a larger file is refused unread.
    check_text_length(size // 4)
    data = read_file_bytes(path)
    if data.startswith(b"%PDF"):
        raise LoadError(f"a PDF named as {kind}: rename it to .pdf")
    text, warnings = decode_text(data)
    if "\x00" in text:
        raise LoadError(f"binary data, not {kind}")
    check_text_length(len(text))
    return text, warnings
