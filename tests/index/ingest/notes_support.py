"""What the tests of the note readers share: the footnote documents of other publishers (read
from ``../shared/footnotes-dev``, never copied) and views of a parsed document's markers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.records import ParsedDocument

DEV = Path(__file__).resolve().parents[3].parent / "shared" / "footnotes-dev"


def dev_file(name: str) -> Path:
    """A document of ``../shared/footnotes-dev``; missing, it fails under CI and skips elsewhere."""
    path = DEV / name
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing; CI must run the footnote tests")
        pytest.skip(f"{path} is absent (the footnote documents live outside the repository)")
    return path


def body_before(doc: ParsedDocument, n: int, chars: int = 40) -> list[str]:
    """The clean body just before each marker of note ``n``."""
    return [doc.body[max(0, pos - chars) : pos] for pos, m in doc.marker_positions if m.n == n]


def marked(doc: ParsedDocument, chars: int) -> dict[int, list[str]]:
    """Each footnote's markers as the ``chars`` body characters before them."""
    before: dict[int, list[str]] = {}
    for pos, marker in doc.marker_positions:
        before.setdefault(marker.n, []).append(doc.body[max(0, pos - chars) : pos])
    return before


def assert_no_marker_in_body(doc: ParsedDocument) -> None:
    """No character of the clean body comes from a marker's characters."""
    spans = [(m.char_start, m.char_end) for f in doc.footnotes for m in f.markers]
    inside = {off for a, b in spans for off in range(a, b)}
    leaked = [i for i, off in enumerate(doc.offsets) if off in inside]
    assert not leaked, [doc.body[max(0, i - 20) : i + 5] for i in leaked[:5]]
