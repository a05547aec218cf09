"""Records to and from PostgreSQL column values (JSON, float16/float32 bytes, zlib offsets)."""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
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


def document_values(
    doc: ParsedDocument, source: FileFingerprint | None, chunks: int
) -> dict[str, Any]:
    """The ``documents`` row of a parsed document (without its version, which PG assigns)."""
    return {
        "doc_id": doc.meta.doc_id,
        "meta": json.dumps(asdict(doc.meta)),
        "content_hash": doc.content_hash,
        "source_text": doc.source_text,
        "pages": json.dumps([asdict(p) for p in doc.pages]),
        "body": doc.body,
        "offsets": zlib.compress(np.asarray(doc.offsets, dtype="<i8").tobytes()),
        "marker_positions": json.dumps([[pos, asdict(m)] for pos, m in doc.marker_positions]),
        "warnings": json.dumps(doc.warnings),
        "footnotes": json.dumps([asdict(n) for n in doc.footnotes]),
        "source": json.dumps(asdict(source)) if source else None,
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
    record = {k: v for k, v in asdict(chunk).items() if k not in ("chunk_id", "doc_id", "ordinal")}
    return (
        chunk.ordinal,
        chunk.chunk_id,
        json.dumps(record),
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
