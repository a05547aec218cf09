"""Records to and from PostgreSQL column values (JSON, float16/float32 bytes, zlib offsets)."""

from __future__ import annotations

import json
import zlib
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np

from index.records import (
    Chunk,
    ChunkSentences,
    Citation,
    DocumentMeta,
    Footnote,
    Marker,
    Mention,
    Page,
    ParsedDocument,
)
from index.stores.base import DocumentInfo, FileFingerprint

# zlib's fastest level: on offset maps it compresses as well as the default level 6 (within
# 0.1 %) in a tenth of the time, and ``zlib.decompress`` reads every level.
OFFSETS_ZLIB_LEVEL = 1


def _fields(value: object) -> dict[str, Any]:
    """A dataclass record's fields, for ``json.dumps(default=...)``: the JSON ``asdict`` gives,
    without its deep copy of every nested record (most of a passage's write time)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def record_json(value: Any) -> str:
    """``value`` (records, lists and dicts of them) as JSON, as ``json.dumps(asdict(value))``
    writes it."""
    return json.dumps(value, default=_fields)


def document_values(
    doc: ParsedDocument, source: FileFingerprint | None, chunks: int
) -> dict[str, Any]:
    """The ``documents`` row of a parsed document (without its version, which PG assigns)."""
    return {
        "doc_id": doc.meta.doc_id,
        "meta": record_json(doc.meta),
        "content_hash": doc.content_hash,
        "source_text": doc.source_text,
        "pages": record_json(doc.pages),
        "body": doc.body,
        "offsets": zlib.compress(
            np.asarray(doc.offsets, dtype="<i8").tobytes(), OFFSETS_ZLIB_LEVEL
        ),
        "marker_positions": record_json([[pos, m] for pos, m in doc.marker_positions]),
        "warnings": json.dumps(doc.warnings),
        "footnotes": record_json(doc.footnotes),
        "source": record_json(source) if source else None,
        "n_chunks": chunks,
        "n_footnotes": len(doc.footnotes),
        "n_notes_found": sum(1 for n in doc.footnotes if n.note is not None),
    }


def _json(value: Any) -> Any:
    # psycopg decodes jsonb to Python values already; text columns arrive as strings.
    return json.loads(value) if isinstance(value, str | bytes) else value


def footnotes_from(value: Any) -> list[Footnote]:
    # label and kind: absent from documents stored before notes had them (printed as numbered).
    return [
        Footnote(
            n=f["n"],
            note=f["note"],
            urls=f["urls"],
            page=f["page"],
            markers=[Marker(**m) for m in f["markers"]],
            label=f.get("label", ""),
            kind=f.get("kind", "footnote"),
        )
        for f in _json(value)
    ]


def document_from(row: dict[str, Any]) -> ParsedDocument:
    return ParsedDocument(
        meta=DocumentMeta(**_json(row["meta"])),
        source_text=row["source_text"],
        content_hash=row["content_hash"],
        pages=[Page(**p) for p in _json(row["pages"])],
        body=row["body"],
        offsets=np.frombuffer(zlib.decompress(row["offsets"]), dtype="<i8").tolist(),
        footnotes=footnotes_from(row["footnotes"]),
        marker_positions=[(pos, Marker(**m)) for pos, m in _json(row["marker_positions"])],
        warnings=_json(row["warnings"]),
    )


def info_from(row: dict[str, Any]) -> DocumentInfo:
    return DocumentInfo(
        meta=DocumentMeta(**_json(row["meta"])),
        content_hash=row["content_hash"],
        pages=len(_json(row["pages"])),
        chunks=row["n_chunks"],
        footnotes=row["n_footnotes"],
        notes_found=row["n_notes_found"],
        warnings=_json(row["warnings"]),
    )


def source_from(value: Any) -> FileFingerprint | None:
    return None if value is None else FileFingerprint(**_json(value))


def chunk_values(
    chunk: Chunk, terms: list[str], vector: np.ndarray, sentences: ChunkSentences | None
) -> tuple[Any, ...]:
    """A ``chunks`` row after its version: ordinal, id, record, BM25 terms, vector, sentences."""
    record = {k: v for k, v in vars(chunk).items() if k not in ("chunk_id", "doc_id", "ordinal")}
    return (
        chunk.ordinal,
        chunk.chunk_id,
        record_json(record),
        " ".join(terms),
        np.asarray(vector, dtype="<f4").tobytes(),
        json.dumps({"spans": sentences.spans, "terms": sentences.terms}) if sentences else None,
        np.asarray(sentences.vectors, dtype="<f2").tobytes() if sentences else None,
    )


def chunk_from(chunk_id: str, doc_id: str, ordinal: int, record: Any) -> Chunk:
    data = _json(record)
    return Chunk(
        chunk_id=chunk_id,
        doc_id=doc_id,
        ordinal=ordinal,
        text=data["text"],
        citations=[Citation(**c) for c in data["citations"]],
        page_start=data["page_start"],
        page_end=data["page_end"],
        char_start=data["char_start"],
        char_end=data["char_end"],
    )


def mentions_from(entities: Any) -> list[Mention]:
    """A chunk's stored entities (none for a row stored before them)."""
    return [Mention(**m) for m in _json(entities) or []]


def sentences_from(layout: Any, vectors: bytes, dimension: int) -> ChunkSentences:
    data = _json(layout)
    return ChunkSentences(
        spans=[(a, b) for a, b in data["spans"]],
        terms=data["terms"],
        vectors=np.frombuffer(vectors, dtype="<f2").reshape(-1, dimension),
    )
