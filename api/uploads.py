"""Checking uploaded files (a safe name, a supported type) and keeping their titles."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any

from index.load import SUPPORTED_SUFFIXES
from index.manifest import MANIFEST_NAME

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120
MAX_TITLE_CHARS = 300

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRejected(ValueError):
    """An upload that cannot be accepted; the message says why, in plain words."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


def safe_filename(name: str | None) -> str:
    """A file name that can only land inside the upload folder, keeping its type.

    Directory parts (``../``, absolute paths, Windows ``\\``), NUL and control characters are
    dropped; what remains is reduced to letters, digits, ``.``, ``_`` and ``-``.

    >>> safe_filename("../../etc/Report 2021 (final).PDF")
    'Report-2021-final.pdf'
    """
    if not name or "\x00" in name:
        raise UploadRejected("the file name is missing or contains a NUL byte")
    base = PurePosixPath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    suffix = PurePosixPath(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadRejected(
            f"unsupported file type {suffix or '(none)'!r}: upload one of {kinds}", 415
        )
    stem = _UNSAFE.sub("-", base[: -len(suffix)]).strip(".-_")
    stem = stem[: MAX_NAME_CHARS - len(suffix)] or "upload"
    return stem + suffix


def check_content(filename: str, head: bytes) -> None:
    """Refuse a file whose first bytes contradict its type (a PDF must start with ``%PDF-``)."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix == ".pdf" and head.lstrip()[:5] != b"%PDF-":
        raise UploadRejected("the file is named .pdf but is not a PDF")


def clean_title(title: str | None) -> str | None:
    """A title given with an upload: one line, no control characters, at most 300 characters."""
    if title is None:
        return None
    text = " ".join("".join(ch for ch in title if ch.isprintable() or ch.isspace()).split())
    if len(text) > MAX_TITLE_CHARS:
        raise UploadRejected(f"the title is too long (at most {MAX_TITLE_CHARS} characters)")
    return text or None


def record_title(upload_dir: Path, filename: str, title: str | None) -> None:
    """Keep (or drop) an upload's title in the upload folder's ``manifest.json``.

    The indexer reads that manifest like a corpus's, so the title shows in results; without an
    entry the title comes from the file itself.
    """
    path = upload_dir / MANIFEST_NAME
    entries: list[dict[str, Any]] = []
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = list(data.get("documents", [])) if isinstance(data, dict) else list(data)
    entries = [e for e in entries if e.get("file") != filename]
    if title:
        entries.append({"file": filename, "title": title})
    if not entries and not path.exists():
        return
    partial = path.with_name(f".{MANIFEST_NAME}.partial")
    partial.write_text(json.dumps({"documents": entries}, indent=2, ensure_ascii=False) + "\n")
    partial.replace(path)
