"""Zip packages (Word, OpenDocument) read within limits, so a small file cannot unpack to gigabytes.

A 611 KB .docx whose ``word/document.xml`` inflates to 200 MB took the parser to 4.8 GB (issue
24). Every member a reader inflates goes through ``PackageReader``: its declared size is checked
first (refused before a byte is inflated), then its bytes are counted while they are inflated, a
chunk at a time, because a declared size is only what the file says. The limits:

- ``MAX_PART_BYTES`` (100 MB) for one member: an XML part becomes an lxml tree several times
  its size, and 100 MB of XML is already some 30,000 pages of text;
- ``MAX_UNPACKED_BYTES`` (200 MB) for all members read from one file: a 20 MiB upload of
  compressed XML and images stays far below it, the 200 MB bomb does not;
- ``MAX_PARTS`` (10,000) members: Word and LibreOffice write a few dozen, one per image more.

Only stored and deflated members are read: Office and OpenDocument files use nothing else, and
zipfile's bzip2 and LZMA decompressors inflate a whole read at once, without a bound. Failures of
the zip itself (not a zip, cut short, encrypted, damaged) become a ``LoadError`` in plain words,
without a member's name or a path.
"""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from index.ingest.source import LoadError

MB = 1_000_000
MAX_PART_BYTES = 100 * MB
MAX_UNPACKED_BYTES = 200 * MB
MAX_PARTS = 10_000
_CHUNK = 1 << 20  # inflated bytes per read: the most memory a count can overshoot by
_READABLE = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


@dataclass(frozen=True)
class ZipLimits:
    """How much a package may unpack to: per member, in all, and how many members it holds."""

    part_bytes: int = MAX_PART_BYTES
    total_bytes: int = MAX_UNPACKED_BYTES
    parts: int = MAX_PARTS


def _megabytes(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,} bytes"


class PackageReader:
    """The members of one zip package, inflated within ``limits``; ``kind`` names the file in
    messages ("Word file", "OpenDocument file").

    >>> import io
    >>> data = io.BytesIO()
    >>> with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("content.xml", " " * 5_000)
    >>> with open_package(data, "OpenDocument file", ZipLimits(part_bytes=1_000)) as package:
    ...     package.read("content.xml")
    Traceback (most recent call last):
    index.ingest.source.LoadError: one part of the OpenDocument file unpacks to more than 1,000 bytes: too large to read (a zip bomb, or a damaged file?)
    """

    def __init__(self, package: zipfile.ZipFile, kind: str, limits: ZipLimits) -> None:
        self.kind = kind
        self.limits = limits
        self.unpacked = 0  # bytes inflated so far, over every member read
        self._package = package
        if len(package.infolist()) > limits.parts:
            raise LoadError(
                f"the {kind} holds more than {limits.parts:,} parts: too many to read "
                "(a damaged file?)"
            )

    def names(self) -> set[str]:
        """The names of the package's members."""
        return set(self._package.namelist())

    def read(self, name: str) -> bytes:
        """A member's bytes; LoadError when it would pass a limit (KeyError when absent)."""
        return self._inflate(self._package.getinfo(name), keep=True)

    def check_all(self) -> None:
        """Inflate every member, keeping nothing, to know that the package is within its limits
        before a library that reads without limits (python-docx) opens it."""
        for info in self._package.infolist():
            if not info.is_dir():
                self._inflate(info, keep=False)

    def _inflate(self, info: zipfile.ZipInfo, *, keep: bool) -> bytes:
        if info.compress_type not in _READABLE:
            raise LoadError(
                f"the {self.kind} uses a zip compression method that Office files do not use "
                "(a damaged file?)"
            )
        self._check(info.file_size)  # what the file declares, before inflating a byte
        chunks: list[bytes] = []
        size = 0
        with self._package.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                self._check(size)
                if keep:
                    chunks.append(chunk)
        self.unpacked += size
        return b"".join(chunks)

    def _check(self, member_size: int) -> None:
        limits = self.limits
        if member_size > limits.part_bytes:
            raise LoadError(
                f"one part of the {self.kind} unpacks to more than "
                f"{_megabytes(limits.part_bytes)}: too large to read (a zip bomb, or a damaged "
                "file?)"
            )
        if self.unpacked + member_size > limits.total_bytes:
            raise LoadError(
                f"the {self.kind} unpacks to more than {_megabytes(limits.total_bytes)}: too "
                "large to read (a zip bomb, or a damaged file?)"
            )


@contextlib.contextmanager
def open_package(
    source: IO[bytes], kind: str, limits: ZipLimits | None = None
) -> Iterator[PackageReader]:
    """The zip package in ``source`` as a ``PackageReader``; every failure of the zip inside the
    block (not a zip, cut short, encrypted, damaged) is a ``LoadError`` that says so plainly."""
    try:
        with zipfile.ZipFile(source) as package:
            yield PackageReader(package, kind, limits or ZipLimits())
    except LoadError:
        raise
    except zipfile.BadZipFile as exc:
        if "not a zip file" in str(exc).lower():
            raise LoadError(
                f"not a readable {kind}: it is not a zip archive (a misnamed, damaged or "
                "cut-short file?)"
            ) from exc
        raise LoadError(f"not a readable {kind}: its zip archive is damaged") from exc
    except (zlib.error, EOFError, ValueError) as exc:  # a member cut short, a bad offset
        raise LoadError(f"not a readable {kind}: its zip archive is damaged") from exc
    except RuntimeError as exc:  # zipfile's word for a member that needs a password
        if "encrypted" in str(exc):
            raise LoadError(
                f"encrypted (password-protected) {kind}: save it without a password"
            ) from exc
        raise
    except NotImplementedError as exc:
        raise LoadError(
            f"not a readable {kind}: it uses a zip feature citesearch cannot read"
        ) from exc
