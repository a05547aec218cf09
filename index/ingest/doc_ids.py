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
