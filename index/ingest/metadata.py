"""Document metadata from a collection's ``manifest.json``; titles for files it does not list."""

from __future__ import annotations

import json
from pathlib import Path

from index.records import DocumentMeta

MANIFEST_NAME = "manifest.json"


def load_manifest(corpus_dir: Path) -> dict[str, DocumentMeta]:
    """Metadata keyed by document id (the file stem); empty when there is no manifest.

    A malformed manifest raises ValueError naming the file: silently dropping titles and
    authors would be worse than stopping.
    """
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["documents"] if isinstance(data, dict) else data
        metas: dict[str, DocumentMeta] = {}
        for entry in entries:
            file = str(entry["file"])
            doc_id = Path(file).stem
            metas[doc_id] = DocumentMeta(
                doc_id=doc_id,
                title=str(entry.get("title") or doc_id),
                authors=[str(a) for a in entry.get("authors") or []],
                published=entry.get("published"),
                kind=entry.get("kind"),
                path=str(corpus_dir / file),
            )
        return metas
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a valid manifest ({exc})") from exc


def title_from_text(text: str, fallback: str) -> str:
    """A title from a document's first heading line (its first non-empty line, if short).

    A Markdown heading's ``#`` marks are not part of the title.
    """
    for line in text.splitlines():
        stripped = " ".join(line.split()).lstrip("#").strip()
        if stripped:
            return stripped if len(stripped) <= 200 else fallback
    return fallback
