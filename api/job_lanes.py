"""Which lane an upload is indexed in: files likely to be slow beside the quick ones.

A 500-page scan takes Tesseract minutes; a one-line note takes a second. Jobs run in two lanes
(``api.live_index``), so the note never waits behind the scan. The lane is chosen before parsing,
from the file's size and a look at its bytes: the server process never runs a parser on an
upload (a hostile file is parsed only in the parse child, within its limits). A guess that
sends a slow file to the quick lane costs that lane one ``QUICK_PARSE_SECONDS`` budget at most:
the job then moves to the slow lane.

- any file over ``QUICK_MAX_BYTES``: slow (parsing time grows with size);
- any file whose ``expected_cost`` is over ``QUICK_MAX_COST`` documents' worth (an e-mail of
  twenty forwarded messages, a long text): slow, as its embedding takes a minute on a busy
  machine;
- a PDF that holds no font at all (its pages are images: every page goes to OCR), or at least
  one image per page (a scan with a text cover): slow;
- a Word or OpenDocument file whose parts declare more than ``QUICK_MAX_UNPACKED`` bytes: slow,
  unless they declare more than the reader takes (``index.ingest.zip_limits``): that one is
  refused before anything is inflated, which is quick.

Within a lane the cheapest job waiting runs next (``api.lane_queue``): ``expected_cost`` guesses
a job's work from the same look at its bytes, counted in documents (each is parsed, embedded
with both models and written), so a one-line note runs before an e-mail of eleven messages.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Literal

from index.ingest.zip_limits import MAX_PART_BYTES, MAX_UNPACKED_BYTES

Lane = Literal["quick", "slow"]
LANES: tuple[Lane, ...] = ("quick", "slow")

QUICK_MAX_BYTES = 2 * 2**20
QUICK_MAX_UNPACKED = 50_000_000
QUICK_MAX_COST = 25.0  # in ``expected_cost`` units (documents' worth)
QUICK_PARSE_SECONDS = 20.0  # a quick-lane parse past this moves to the slow lane
_OBJECT_STREAM_BUDGET = 8 * 2**20  # bytes inflated from a PDF's object streams, at most
_ZIP_SUFFIXES = frozenset({".docx", ".odt"})

# Expected cost, in documents: every job has one; text adds one per ``_BYTES_PER_DOCUMENT``
# (about five passages), a PDF's page a fifth of one, an e-mail's part (a message or an
# attachment, at any depth) one. Unpacked Word XML is some ten times its text.
_BYTES_PER_DOCUMENT = 10_000
_PAGE_COST = 0.2
_XML_PER_TEXT = 10
DELETE_COST = 1.0
_MIME_PART = re.compile(rb"^content-type:", re.IGNORECASE | re.MULTILINE)

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_IMAGE = re.compile(rb"/Subtype\s*/Image(?![A-Za-z])")
_FONT = re.compile(rb"/Font(?![A-Za-z])")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm(?![A-Za-z])")
_STREAM = re.compile(rb"stream\r?\n")


def lane_for_file(path: Path) -> Lane:
    """The lane to index ``path`` in; a file that cannot be read goes quick (it fails fast)."""
    try:
        size = path.stat().st_size
    except OSError:
        return "quick"
    if size > QUICK_MAX_BYTES:
        return "slow"
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        data = _read(path)
        if data is not None and pdf_needs_ocr(data):
            return "slow"
    elif suffix in _ZIP_SUFFIXES and _zip_lane(path) == "slow":
        return "slow"
    return "slow" if expected_cost(path) > QUICK_MAX_COST else "quick"


def expected_cost(path: Path) -> float:
    """A guess at the work of indexing ``path``, in documents' worth (see the module's
    docstring), from its size and a look at its bytes; a file that cannot be read costs one
    (it fails fast)."""
    try:
        size = path.stat().st_size
    except OSError:
        return 1.0
    text_bytes = float(size)
    parts = 0.0
    suffix = path.suffix.lower()
    if suffix == ".eml" and size <= QUICK_MAX_BYTES:
        data = _read(path) or b""
        parts = max(0, len(_MIME_PART.findall(data)) - 1)
    elif suffix == ".pdf" and size <= QUICK_MAX_BYTES:
        data = _read(path) or b""
        parts = _PAGE_COST * len(_PAGE.findall(data + _object_streams(data)))
    elif suffix in _ZIP_SUFFIXES:
        text_bytes = _unpacked_size(path) / _XML_PER_TEXT
    return 1.0 + parts + text_bytes / _BYTES_PER_DOCUMENT


def pdf_needs_ocr(data: bytes) -> bool:
    """Whether a PDF's pages look like images to read by OCR: no font anywhere, or at least one
    image per page. Dictionaries packed in object streams are looked at too (inflated up to
    ``_OBJECT_STREAM_BUDGET`` bytes).

    >>> pdf_needs_ocr(b"%PDF-1.4 1 0 obj <</Type /Page /Resources <</XObject <</Im0 2 0 R>>>> >>"
    ...               b" 2 0 obj <</Subtype /Image>>")
    True
    >>> pdf_needs_ocr(b"%PDF-1.4 1 0 obj <</Type /Page /Resources <</Font <</F1 2 0 R>>>> >>")
    False
    """
    text = data + _object_streams(data)
    if not _FONT.search(text):
        return True
    pages = len(_PAGE.findall(text))
    return pages > 0 and len(_IMAGE.findall(text)) >= pages


def _object_streams(data: bytes) -> bytes:
    """The inflated contents of a PDF's object streams (where PDF 1.5 packs page dictionaries)."""
    out: list[bytes] = []
    budget = _OBJECT_STREAM_BUDGET
    for found in _OBJECT_STREAM.finditer(data):
        start = _STREAM.search(data, found.end())
        if start is None or budget <= 0:
            break
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[start.end() :], budget)
        except zlib.error:
            continue  # not deflated, or damaged: what the raw bytes say must do
        out.append(chunk)
        budget -= len(chunk)
    return b"".join(out)


def _zip_lane(path: Path) -> Lane:
    sizes = _declared_sizes(path)
    if sizes is None:
        return "quick"  # not a readable zip: refused at once
    if _refused(sizes):
        return "quick"  # refused from its declared sizes, before inflating
    return "slow" if sum(sizes) > QUICK_MAX_UNPACKED else "quick"


def _unpacked_size(path: Path) -> int:
    """What a package's parts declare, unpacked; 0 when it is refused unread (not a zip, or
    declaring more than the reader takes)."""
    sizes = _declared_sizes(path)
    return 0 if sizes is None or _refused(sizes) else sum(sizes)


def _declared_sizes(path: Path) -> list[int] | None:
    try:
        with zipfile.ZipFile(path) as package:
            return [info.file_size for info in package.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _refused(sizes: list[int]) -> bool:
    return max(sizes, default=0) > MAX_PART_BYTES or sum(sizes) > MAX_UNPACKED_BYTES


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
