"""Document ids from file names in any script: ASCII letters, digits, ``.``, ``_`` and ``-``.

Uploads and e-mail attachments both name documents after files someone else named; one rule
keeps their ids safe in URLs, file systems and the query language's ``doc:`` filter.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Longest id: an id names a file (a temporary one for an e-mail's attachment, with a suffix) and
# file systems refuse names over 255 bytes; an attachment's id grows with each nested message.
MAX_ID_BYTES = 120
_HASH_CHARS = 12


def safe_stem(stem: str, max_chars: int = 120) -> str:
    """A file stem transliterated to ASCII (``anyascii``: ``Отчёт`` -> ``Otchet``, ``报告`` ->
    ``BaoGao``) and reduced to letters, digits, ``.``, ``_`` and ``-``, at most ``max_chars`` long.
    A stem left empty becomes a hash of the one given, so two names never meet in one empty id.

    >>> safe_stem("Report 2021 (final)")
    'Report-2021-final'
    >>> safe_stem("Доклад о калии")
    'Doklad-o-kalii'
    """
    given = unicodedata.normalize("NFC", stem)
    safe = _UNSAFE.sub("-", anyascii(given)).strip(".-_")
    if not safe:
        bare = given.strip(". ")
        safe = f"upload-{hashlib.sha256(bare.encode()).hexdigest()[:12]}" if bare else "upload"
    return safe[:max_chars].rstrip(".-_")


def bounded_hash(doc_id: str) -> str:
    """The short hash that ends an id too long to keep whole."""
    return hashlib.sha256(doc_id.encode()).hexdigest()[:_HASH_CHARS]


def bounded_id(doc_id: str, max_bytes: int = MAX_ID_BYTES) -> str:
    """``doc_id`` when it fits in ``max_bytes`` bytes (UTF-8), else its start and a short hash of
    the whole, so two long ids that share their start stay apart.

    >>> bounded_id("memo--Budget-2024")
    'memo--Budget-2024'
    >>> cut = bounded_id("a" * 100 + "--" + "b" * 100)
    >>> len(cut), cut.endswith("b-" + bounded_hash("a" * 100 + "--" + "b" * 100))
    (120, True)
    """
    if len(doc_id.encode()) <= max_bytes:
        return doc_id
    keep = doc_id.encode()[: max_bytes - _HASH_CHARS - 1].decode("utf-8", "ignore")
    return f"{keep}-{bounded_hash(doc_id)}"
