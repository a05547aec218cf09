"""The embedded store's SQLite database: its schema and every row it reads or writes.

``store.sqlite`` holds documents (metadata, source text, pages, clean body and its offsets,
marker positions, warnings, source file hash), chunks (every Chunk field, citations as JSON, BM25
terms, the terms of the notes they cite, search row, the entities they mention and their filter
keys), each chunk's sentences (span, BM25 terms,
float16 vector), footnotes with their markers (and printed label and kind), and the embedding cache
keyed by (sha256 of the text, model weights hash).
Functions here take a connection and leave locking and transactions to the caller.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from index.models.passage_vectors import text_hash
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
from index.text.entities import mention_filter_keys
from index.text.note_terms import passage_note_terms
from index.text.tokenize import tokenize

DB_FILE = "store.sqlite"

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,
    meta TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source_text TEXT NOT NULL,
    pages TEXT NOT NULL,
    body TEXT NOT NULL,
    offsets BLOB NOT NULL,
    marker_positions TEXT NOT NULL,
    warnings TEXT NOT NULL,
    source_path TEXT,
    source_sha256 TEXT,
    source_size INTEGER
);
CREATE TABLE chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    citations TEXT NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    terms TEXT NOT NULL,
    note_terms TEXT NOT NULL,
    search_row INTEGER,
    entities TEXT NOT NULL,
    entity_keys TEXT NOT NULL
);
CREATE INDEX chunks_by_doc ON chunks (doc_id, ordinal);
CREATE TABLE footnotes (
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    n INTEGER NOT NULL,
    note TEXT,
    urls TEXT NOT NULL,
    page INTEGER,
    markers TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (doc_id, position)
);
CREATE TABLE sentences (
    chunk_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text_sha256 TEXT NOT NULL,
    terms TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (chunk_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX sentences_by_doc ON sentences (doc_id);
CREATE INDEX sentences_by_text ON sentences (text_sha256);
CREATE TABLE embeddings (
    text_sha256 TEXT NOT NULL,
    weights_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (text_sha256, weights_hash)
) WITHOUT ROWID;
"""

_CHUNK_COLUMNS = (
    "chunk_id, doc_id, ordinal, text, citations, page_start, page_end, char_start, char_end"
)
_BATCH = 500  # SQLite caps bound parameters

chunk_text_hash = text_hash  # the embedding cache key of a chunk text


# ---- writing ----------------------------------------------------------------------------------


def insert_document(
    conn: sqlite3.Connection,
    doc: ParsedDocument,
    chunks: Sequence[Chunk],
    hashes: Sequence[str],
    sentences: Sequence[ChunkSentences] | None,
    source: FileFingerprint | None,
) -> None:
    """Insert a document, its footnotes, chunks (with their text hashes) and sentences."""
    _insert_document_row(conn, doc, source)
    _insert_footnotes(conn, doc)
    _insert_chunks(conn, doc.meta.doc_id, chunks, hashes)
    if sentences is not None:
        _insert_sentences(conn, doc.meta.doc_id, chunks, sentences)


def _insert_document_row(
    conn: sqlite3.Connection, doc: ParsedDocument, source: FileFingerprint | None
) -> None:
    conn.execute(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            doc.meta.doc_id,
            json.dumps(asdict(doc.meta)),
            doc.content_hash,
            doc.source_text,
            json.dumps([asdict(p) for p in doc.pages]),
            doc.body,
            zlib.compress(np.asarray(doc.offsets, dtype="<i8").tobytes()),
            json.dumps([[pos, asdict(m)] for pos, m in doc.marker_positions]),
            json.dumps(doc.warnings),
            source.path if source else None,
            source.sha256 if source else None,
            source.size if source else None,
        ),
    )


def _insert_footnotes(conn: sqlite3.Connection, doc: ParsedDocument) -> None:
    conn.executemany(
        "INSERT INTO footnotes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                doc.meta.doc_id,
                position,
                note.n,
                note.note,
                json.dumps(note.urls),
                note.page,
                json.dumps([asdict(m) for m in note.markers]),
                note.label,
                note.kind,
            )
            for position, note in enumerate(doc.footnotes)
        ],
    )


def _insert_chunks(
    conn: sqlite3.Connection, doc_id: str, chunks: Sequence[Chunk], hashes: Sequence[str]
) -> None:
    conn.executemany(
        "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
        [
            (
                c.chunk_id,
                doc_id,
                c.ordinal,
                c.text,
                chunk_hash,
                json.dumps([asdict(cit) for cit in c.citations]),
                c.page_start,
                c.page_end,
                c.char_start,
                c.char_end,
                json.dumps(tokenize(c.text), ensure_ascii=False),
                json.dumps(passage_note_terms(c.citations), ensure_ascii=False),
                json.dumps([asdict(m) for m in c.entities], ensure_ascii=False),
                json.dumps(mention_filter_keys(c.entities), ensure_ascii=False),
            )
            for c, chunk_hash in zip(chunks, hashes, strict=True)
        ],
    )


def _insert_sentences(
    conn: sqlite3.Connection,
    doc_id: str,
    chunks: Sequence[Chunk],
    sentences: Sequence[ChunkSentences],
) -> None:
    for chunk in chunks:
        if chunk.doc_id != doc_id:
            raise ValueError(f"chunk {chunk.chunk_id} belongs to {chunk.doc_id}, not {doc_id}")
    insert_sentences(conn, chunks, sentences)


def insert_sentences(
    conn: sqlite3.Connection, chunks: Sequence[Chunk], sentences: Sequence[ChunkSentences]
) -> None:
    """Insert each chunk's sentences (spans, terms, float16 vectors), replacing those it had."""
    _in_batches(conn, "DELETE FROM sentences WHERE chunk_id IN ({})", [c.chunk_id for c in chunks])
    conn.executemany(
        "INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                c.chunk_id,
                i,
                c.doc_id,
                a,
                b,
                text_hash(c.text[a:b]),
                json.dumps(terms, ensure_ascii=False),
                np.asarray(vector, dtype="<f2").tobytes(),
            )
            for c, sent in zip(chunks, sentences, strict=True)
            for i, ((a, b), terms, vector) in enumerate(
                zip(sent.spans, sent.terms, sent.vectors, strict=True)
            )
        ],
    )


def delete_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Delete a document and every row derived from it (cached vectors stay)."""
    for table in ("sentences", "chunks", "footnotes", "documents"):
        conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))


def put_embeddings(
    conn: sqlite3.Connection, weights_hash: str, text_hashes: Sequence[str], vectors: np.ndarray
) -> None:
    """Cache float32 vectors by text hash for the model with ``weights_hash``."""
    conn.executemany(
        "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
        [
            (h, weights_hash, v.astype("<f4").tobytes())
            for h, v in zip(text_hashes, vectors, strict=True)
        ],
    )


def drop_unused_embeddings(conn: sqlite3.Connection, weights_hashes: Sequence[str]) -> None:
    """Forget cached vectors of other models and of texts no chunk holds any more."""
    marks = ",".join("?" * len(weights_hashes))
    conn.execute(
        f"DELETE FROM embeddings WHERE weights_hash NOT IN ({marks}) OR text_sha256 NOT IN "
        "(SELECT text_sha256 FROM chunks)",
        list(weights_hashes),
    )


def _in_batches(conn: sqlite3.Connection, sql: str, ids: Sequence[str]) -> None:
    """Run ``sql`` (one ``IN ({})``) over ``ids`` in batches SQLite's parameter cap allows."""
    for start in range(0, len(ids), _BATCH):
        part = ids[start : start + _BATCH]
        conn.execute(sql.format(",".join("?" * len(part))), part)


def set_search_rows(conn: sqlite3.Connection, chunk_ids: Sequence[str]) -> None:
    """Record each chunk's row in the search indexes (its position in ``chunk_ids``)."""
    conn.executemany(
        "UPDATE chunks SET search_row = ? WHERE chunk_id = ?", list(enumerate(chunk_ids))
    )


# ---- reading ----------------------------------------------------------------------------------


def chunks_for_search(
    conn: sqlite3.Connection,
) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """(chunk id, doc id, BM25 terms, notes document terms) of every chunk, ordered by doc id,
    then ordinal: the rows of the search indexes a commit writes."""
    for chunk_id, doc_id, chunk_terms, note_terms in conn.execute(
        "SELECT chunk_id, doc_id, terms, note_terms FROM chunks ORDER BY doc_id, ordinal, chunk_id"
    ):
        yield chunk_id, doc_id, json.loads(chunk_terms), json.loads(note_terms)


def entity_keys_for_search(conn: sqlite3.Connection) -> Iterator[list[str]]:
    """Each chunk's entity filter keys (``index.text.entities.mention_filter_keys``), in
    ``chunks_for_search``'s order."""
    for (keys,) in conn.execute(
        "SELECT entity_keys FROM chunks ORDER BY doc_id, ordinal, chunk_id"
    ):
        yield json.loads(keys)


def chunk_vectors(
    conn: sqlite3.Connection, weights_hash: str
) -> Iterator[tuple[str, bytes | None]]:
    """(chunk id, float32 vector blob or None when missing) of the model with ``weights_hash``
    for every chunk, in ``chunks_for_search``'s order."""
    yield from conn.execute(
        "SELECT c.chunk_id, e.vector FROM chunks c "
        "LEFT JOIN embeddings e ON e.text_sha256 = c.text_sha256 AND e.weights_hash = ? "
        "ORDER BY c.doc_id, c.ordinal, c.chunk_id",
        (weights_hash,),
    )


def chunk_text_hashes(conn: sqlite3.Connection, chunk_ids: Sequence[str]) -> dict[str, str]:
    """The text hash each of these chunks is stored with (unknown ids left out)."""
    return {str(c): str(h) for c, h in _chunk_rows(conn, "chunk_id, text_sha256", chunk_ids)}


def documents_without_vectors(conn: sqlite3.Connection, weights_hashes: Sequence[str]) -> set[str]:
    """The documents some of whose chunks have no vector of one of these models (stored
    words first, ``EmbeddedStore.add_meaning`` not yet run)."""
    found: set[str] = set()
    for weights_hash in weights_hashes:
        found.update(
            str(doc_id)
            for (doc_id,) in conn.execute(
                "SELECT DISTINCT c.doc_id FROM chunks c LEFT JOIN embeddings e "
                "ON e.text_sha256 = c.text_sha256 AND e.weights_hash = ? "
                "WHERE e.vector IS NULL",
                (weights_hash,),
            )
        )
    return found


def search_rows(conn: sqlite3.Connection) -> list[tuple[str, str, int | None]]:
    """(chunk id, doc id, search row) of every chunk, by search row (as a commit recorded)."""
    rows = conn.execute(
        "SELECT chunk_id, doc_id, search_row FROM chunks ORDER BY search_row"
    ).fetchall()
    return [(str(c), str(d), r) for c, d, r in rows]


def search_rows_of(conn: sqlite3.Connection, chunk_ids: Sequence[str]) -> dict[str, int]:
    """The search row of each of these chunks (as a commit recorded; unknown ids left out)."""
    found: dict[str, int] = {}
    for chunk_id, row in _chunk_rows(conn, "chunk_id, search_row", chunk_ids):
        if row is not None:
            found[str(chunk_id)] = int(row)
    return found


def get_chunks(conn: sqlite3.Connection, chunk_ids: Sequence[str]) -> list[Chunk]:
    """Chunks by id, in the order asked (unknown ids are left out)."""
    found = {row[0]: _chunk_from_row(row) for row in _chunk_rows(conn, _CHUNK_COLUMNS, chunk_ids)}
    return [found[c] for c in chunk_ids if c in found]


def chunk_entities(conn: sqlite3.Connection, chunk_ids: Sequence[str]) -> dict[str, list[Mention]]:
    """The entities of chunks that mention any, by chunk id."""
    found: dict[str, list[Mention]] = {}
    for chunk_id, entities in _chunk_rows(conn, "chunk_id, entities", chunk_ids):
        mentions = [Mention(**m) for m in json.loads(entities)]
        if mentions:
            found[chunk_id] = mentions
    return found


def _chunk_rows(conn: sqlite3.Connection, columns: str, chunk_ids: Sequence[str]) -> Iterator[Any]:
    """``columns`` of the chunks with these ids (each once; unknown ids have no row), read in
    batches that stay under SQLite's limit on bound parameters."""
    wanted = list(dict.fromkeys(chunk_ids))
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        marks = ",".join("?" * len(batch))
        yield from conn.execute(f"SELECT {columns} FROM chunks WHERE chunk_id IN ({marks})", batch)


def chunks_of(conn: sqlite3.Connection, doc_id: str) -> list[Chunk]:
    """A document's chunks in order."""
    rows = conn.execute(
        f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
    ).fetchall()
    return [_chunk_from_row(row) for row in rows]


def sentences(
    conn: sqlite3.Connection, chunk_ids: Sequence[str], dimension: int
) -> dict[str, ChunkSentences]:
    """The stored sentences of chunks, by chunk id (chunks stored without them are absent)."""
    rows: dict[str, list[tuple[int, int, str, bytes]]] = {}
    wanted = list(dict.fromkeys(chunk_ids))
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        marks = ",".join("?" * len(batch))
        for chunk_id, a, b, terms, blob in conn.execute(
            f"SELECT chunk_id, start, end, terms, vector FROM sentences "
            f"WHERE chunk_id IN ({marks}) ORDER BY chunk_id, ordinal",
            batch,
        ):
            rows.setdefault(chunk_id, []).append((a, b, terms, blob))
    return {
        chunk_id: ChunkSentences(
            spans=[(a, b) for a, b, _, _ in found],
            terms=[json.loads(t) for _, _, t, _ in found],
            vectors=np.frombuffer(b"".join(v for *_, v in found), dtype="<f2").reshape(
                -1, dimension
            ),
        )
        for chunk_id, found in rows.items()
    }


_DOCUMENT_INFO = """SELECT d.doc_id, d.meta, d.content_hash, d.pages, d.warnings,
    (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id),
    (SELECT COUNT(*) FROM footnotes f WHERE f.doc_id = d.doc_id),
    (SELECT COUNT(*) FROM footnotes f WHERE f.doc_id = d.doc_id AND f.note IS NOT NULL)
FROM documents d"""


def documents(conn: sqlite3.Connection) -> list[DocumentInfo]:
    """Every stored document, by doc id."""
    rows = conn.execute(f"{_DOCUMENT_INFO} ORDER BY d.doc_id").fetchall()
    return [_document_info(row) for row in rows]


def document_info(conn: sqlite3.Connection, doc_id: str) -> DocumentInfo | None:
    """One document's metadata and counts (a primary-key look-up), or None."""
    row = conn.execute(f"{_DOCUMENT_INFO} WHERE d.doc_id = ?", (doc_id,)).fetchone()
    return None if row is None else _document_info(row)


def document_text(conn: sqlite3.Connection, doc_id: str) -> ParsedDocument | None:
    """A stored document with its source text, pages, clean body and footnotes, or None."""
    row = conn.execute(
        "SELECT meta, content_hash, source_text, pages, body, offsets, marker_positions, "
        "warnings FROM documents WHERE doc_id = ?",
        (doc_id,),
    ).fetchone()
    if row is None:
        return None
    meta, content_hash, source_text, pages, body, offsets, markers, warnings = row
    return ParsedDocument(
        meta=DocumentMeta(**json.loads(meta)),
        source_text=source_text,
        content_hash=content_hash,
        pages=[Page(**p) for p in json.loads(pages)],
        body=body,
        offsets=np.frombuffer(zlib.decompress(offsets), dtype="<i8").tolist(),
        footnotes=footnotes(conn, doc_id),
        marker_positions=[(pos, Marker(**m)) for pos, m in json.loads(markers)],
        warnings=json.loads(warnings),
    )


def footnotes(conn: sqlite3.Connection, doc_id: str) -> list[Footnote]:
    """A document's footnotes with their markers, in number order."""
    rows = conn.execute(
        "SELECT n, note, urls, page, markers, label, kind FROM footnotes WHERE doc_id = ? "
        "ORDER BY n, position",
        (doc_id,),
    ).fetchall()
    return [
        Footnote(
            n=n,
            note=note,
            urls=json.loads(urls),
            page=page,
            markers=[Marker(**m) for m in json.loads(markers)],
            label=label,
            kind=kind,
        )
        for n, note, urls, page, markers, label, kind in rows
    ]


def sources(conn: sqlite3.Connection) -> dict[str, FileFingerprint]:
    """The corpus file each document came from, for documents added with one."""
    rows = conn.execute(
        "SELECT doc_id, source_path, source_sha256, source_size FROM documents "
        "WHERE source_path IS NOT NULL"
    ).fetchall()
    return {doc_id: FileFingerprint(path, sha, size) for doc_id, path, sha, size in rows}


def corpus(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every document's source file as the manifest lists it, by doc id."""
    return [
        {"doc_id": doc_id, "path": path, "sha256": sha, "size": size}
        for doc_id, path, sha, size in conn.execute(
            "SELECT doc_id, source_path, source_sha256, source_size FROM documents ORDER BY doc_id"
        )
    ]


def cached_embeddings(
    conn: sqlite3.Connection,
    weights_hash: str,
    text_hashes: Sequence[str],
    *,
    with_sentences: bool = True,
) -> dict[str, np.ndarray]:
    """Vectors of the model with ``weights_hash`` already computed for texts (chunks and, with
    ``with_sentences``, the store's sentences: the first model's), by text hash; sentence
    vectors come back from float16."""
    found: dict[str, np.ndarray] = {}
    wanted = list(dict.fromkeys(text_hashes))
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        marks = ",".join("?" * len(batch))
        for hash_, blob in conn.execute(
            f"SELECT text_sha256, vector FROM embeddings WHERE weights_hash = ? "
            f"AND text_sha256 IN ({marks})",
            [weights_hash, *batch],
        ):
            found[hash_] = np.frombuffer(blob, dtype="<f4").copy()
    rest = [h for h in wanted if h not in found] if with_sentences else []
    for start in range(0, len(rest), _BATCH):
        batch = rest[start : start + _BATCH]
        marks = ",".join("?" * len(batch))
        for hash_, blob in conn.execute(
            f"SELECT text_sha256, vector FROM sentences WHERE text_sha256 IN ({marks})", batch
        ):
            found[hash_] = np.frombuffer(blob, dtype="<f2").astype(np.float32)
    return found


# ---- row decoding -----------------------------------------------------------------------------


def _chunk_from_row(row: tuple[Any, ...]) -> Chunk:
    chunk_id, doc_id, ordinal, text, citations, page_start, page_end, char_start, char_end = row
    return Chunk(
        chunk_id=chunk_id,
        doc_id=doc_id,
        ordinal=ordinal,
        text=text,
        citations=[Citation(**c) for c in json.loads(citations)],
        page_start=page_start,
        page_end=page_end,
        char_start=char_start,
        char_end=char_end,
    )


def _document_info(row: tuple[Any, ...]) -> DocumentInfo:
    _, meta, content_hash, pages, warnings, n_chunks, n_notes, n_found = row
    return DocumentInfo(
        meta=DocumentMeta(**json.loads(meta)),
        content_hash=content_hash,
        pages=len(json.loads(pages)),
        chunks=n_chunks,
        footnotes=n_notes,
        notes_found=n_found,
        warnings=json.loads(warnings),
    )
