"""Which reader reads which file type: the suffix table every caller goes through.

A reader takes a path and returns the file's ``SourceText`` (or raises ``LoadError`` with a
reason). To read a new file type, write its reader in a module of this package and add its
suffix here; everything after (pages, footnotes, cleaning, chunks) works on source text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from index.ingest.mail import read_message
from index.ingest.markdown import read_markdown
from index.ingest.odt import read_odt
from index.ingest.pdf import read_pdf
from index.ingest.source import LoadError, SourceText, read_decoded
from index.ingest.web import read_html
from index.ingest.word import read_docx

Reader = Callable[[Path], SourceText]


def read_plain_text(path: Path) -> SourceText:
    """A .txt file's decoded text."""
    text, warnings = read_decoded(path, "text")
    return SourceText(text, None, warnings)


def read_message_text(path: Path) -> SourceText:
    """An e-mail's own text (headers and body); its attachments are read by ``index.parse``."""
    return read_message(path).source


READERS: dict[str, Reader] = {
    ".txt": read_plain_text,
    ".md": read_markdown,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".odt": read_odt,
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".eml": read_message_text,
    ".msg": read_message_text,
}
SUPPORTED_SUFFIXES = frozenset(READERS)


def read_source(path: Path) -> SourceText:
    """Read a supported file; raise LoadError with a reason for anything else (a reason that
    names no folder of the server: see ``without_paths``)."""
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        kinds = ", ".join(READERS)
        raise LoadError(f"unsupported file type {suffix or '(none)'}: use {kinds}")
    try:
        return reader(path)
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or type(exc).__name__})") from exc
    except LoadError as exc:
        plain = without_paths(str(exc), [str(path.parent), str(path.absolute().parent)])
        if plain == str(exc):
            raise
        raise LoadError(plain) from exc


def without_paths(message: str, folders: Iterable[str]) -> str:
    """``message`` with each path under one of ``folders`` cut to its last part: a library may
    word its failure with the file's full path, and the server's layout is nobody's business.

    >>> without_paths("Package not found at '/srv/uploads/a/memo.docx'", ["/srv/uploads"])
    "Package not found at 'memo.docx'"
    """
    for folder in sorted({f.rstrip("/") for f in folders if f.strip("/")}, key=len, reverse=True):
        message = re.sub(re.escape(folder) + r"/(?:[^/\s'\"]+/)*", "", message)
    return message
