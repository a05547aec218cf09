"""Checking uploaded files (a safe name, a supported type) and keeping their titles."""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
import uuid
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from fastapi import UploadFile

from index.ingest.doc_ids import safe_stem
from index.ingest.metadata import MANIFEST_NAME
from index.ingest.readers import SUPPORTED_SUFFIXES

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120
MAX_TITLE_CHARS = 300


class UploadRejected(ValueError):
    """An upload that cannot be accepted; the message says why, in plain words."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


def safe_filename(name: str | None) -> str:
    """A file name that can only land inside the upload folder, keeping its type.

    Directory parts (``../``, absolute paths, Windows ``\\``), NUL and control characters are
    dropped; the type comes from the suffix whatever the script of the rest; the stem is
    transliterated to ASCII (``anyascii``: ``Отчёт`` -> ``Otchet``, ``报告`` -> ``BaoGao``) and
    reduced to letters, digits, ``.``, ``_`` and ``-``. A stem left empty becomes a hash of the
    name given, so two names never meet in one empty id.

    >>> safe_filename("../../etc/Report 2021 (final).PDF")
    'Report-2021-final.pdf'
    >>> safe_filename("Доклад о калии.txt")
    'Doklad-o-kalii.txt'
    """
    if not name or "\x00" in name:
        raise UploadRejected("the file name is missing or contains a NUL byte")
    base = unicodedata.normalize("NFC", PurePosixPath(name.replace("\\", "/")).name)
    given_suffix = PurePosixPath(base).suffix
    suffix = given_suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadRejected(
            f"unsupported file type {suffix or '(none)'!r}: upload one of {kinds}", 415
        )
    given_stem = base[: -len(given_suffix)]
    return safe_stem(given_stem, MAX_NAME_CHARS - len(suffix)) + suffix


async def save_upload(file: UploadFile, target: Path, max_bytes: int) -> Path:
    """Copy an upload to ``target``, refusing it past ``max_bytes`` or when ``target`` exists.

    The bytes go to a hidden partial file first, linked to ``target`` only when complete and
    checked; whatever fails (a full disk too) leaves nothing behind.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    size = 0
    head = b""
    try:
        with partial.open("wb") as out:
            while block := await file.read(1 << 20):
                size += len(block)
                if size > max_bytes:
                    raise UploadRejected(
                        f"The file is too large (over {megabytes(max_bytes)}).", 413
                    )
                if len(head) < 1024:
                    head += block[: 1024 - len(head)]
                _write(out, block)
        if size == 0:
            raise UploadRejected("The file is empty.")
        check_content(target.name, head)
        try:
            os.link(partial, target)  # never over an existing file, even when two race
        except FileExistsError:
            raise UploadRejected(
                f"An upload named {target.name!r} is already being indexed: wait for its job, "
                "or rename the file.",
                409,
            ) from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def check_free_space(folder: Path, size: int, min_free: int) -> None:
    """507 when saving ``size`` bytes would leave less than ``min_free`` on the disk."""
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < size + min_free:
        raise UploadRejected(
            f"The server's disk is too full to take this file ({megabytes(free)} free): "
            "nothing was saved; free some space and upload again.",
            507,
        )


def _write(out: BinaryIO, block: bytes) -> None:
    out.write(block)


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


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
