"""The PostgreSQL side of the distributed backend: the catalog of generations and the documents.

One PG schema per index (``citesearch_<name>``). Document versions are immutable rows; a
generation is the set of (doc_id -> version) rows in ``members``, so a new generation shares every
unchanged document with the one it was built on. ``current`` holds the one published generation:
readers read it once at open and then only rows of that generation, so a writer's rows (of a
staged generation) are never seen, whatever state its transactions are in.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import psycopg
from psycopg.rows import dict_row

from index.stores.base import IndexMismatch

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS {s}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.generations (
    name text PRIMARY KEY,
    collection text NOT NULL,
    base text,
    model jsonb NOT NULL,
    options jsonb NOT NULL,
    state text NOT NULL CHECK (state IN ('staged', 'committed', 'published', 'retired')),
    chunk_count integer NOT NULL DEFAULT 0,
    created timestamptz NOT NULL DEFAULT now(),
    published timestamptz
);
CREATE TABLE IF NOT EXISTS {s}.current (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    generation text NOT NULL REFERENCES {s}.generations (name)
);
CREATE TABLE IF NOT EXISTS {s}.documents (
    version bigserial PRIMARY KEY,
    doc_id text NOT NULL,
    meta jsonb NOT NULL,
    content_hash text NOT NULL,
    source_text text NOT NULL,
    pages jsonb NOT NULL,
    body text NOT NULL,
    offsets bytea NOT NULL,
    marker_positions jsonb NOT NULL,
    warnings jsonb NOT NULL,
    footnotes jsonb NOT NULL,
    source jsonb,
    n_chunks integer NOT NULL,
    n_footnotes integer NOT NULL,
    n_notes_found integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.members (
    generation text NOT NULL REFERENCES {s}.generations (name) ON DELETE CASCADE,
    doc_id text NOT NULL,
    version bigint NOT NULL REFERENCES {s}.documents (version),
    PRIMARY KEY (generation, doc_id)
);
CREATE INDEX IF NOT EXISTS members_by_version ON {s}.members (version);
CREATE TABLE IF NOT EXISTS {s}.chunks (
    version bigint NOT NULL REFERENCES {s}.documents (version) ON DELETE CASCADE,
    ordinal integer NOT NULL,
    chunk_id text NOT NULL,
    record jsonb NOT NULL,
    terms text NOT NULL,
    vector bytea NOT NULL,
    sentence_layout jsonb,
    sentence_vectors bytea,
    second_vector bytea,
    note_terms text,
    PRIMARY KEY (version, ordinal)
);
CREATE INDEX IF NOT EXISTS chunks_by_id ON {s}.chunks (chunk_id);
CREATE TABLE IF NOT EXISTS {s}.vocabulary (
    generation text NOT NULL REFERENCES {s}.generations (name) ON DELETE CASCADE,
    term text NOT NULL,
    df integer NOT NULL,
    PRIMARY KEY (generation, term)
);
CREATE TABLE IF NOT EXISTS {s}.note_vocabulary (
    generation text NOT NULL REFERENCES {s}.generations (name) ON DELETE CASCADE,
    term text NOT NULL,
    df integer NOT NULL,
    PRIMARY KEY (generation, term)
);
CREATE TABLE IF NOT EXISTS {s}.embeddings (
    weights_hash text NOT NULL,
    text_hash text NOT NULL,
    vector bytea NOT NULL,
    PRIMARY KEY (weights_hash, text_hash)
);
"""


def safe_name(index_name: str) -> str:
    """An index name as lower-case letters, digits and _ (PG and Milvus identifiers), at most 40
    characters; a long or changed name keeps a hash of the original so two never collide."""
    clean = re.sub(r"[^a-z0-9_]", "_", index_name.lower()) or "index"
    if clean != index_name or len(clean) > 40:
        clean = f"{clean[:31]}_{hashlib.sha256(index_name.encode()).hexdigest()[:8]}"
    return clean


def schema_name(index_name: str) -> str:
    """The PG schema of an index: ``citesearch_`` and its safe name."""
    return f"citesearch_{safe_name(index_name)}"


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    """An autocommit connection (transactions are explicit) returning rows as dicts."""
    try:
        return psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise ConnectionError(f"cannot reach PostgreSQL: {error}".strip()) from error


def schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute(
        "SELECT 1 AS found FROM information_schema.tables WHERE table_schema = %s "
        "AND table_name = 'current'",
        (schema,),
    ).fetchone()
    return row is not None


def ensure_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    """Create the index's tables if absent (one process at a time) and check their version."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{schema}:ddl",))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        conn.execute(_DDL.format(s=schema))
        _add_column(conn, schema, "second_vector", "bytea")
        _add_column(conn, schema, "note_terms", "text")
        conn.execute(
            f"INSERT INTO {schema}.meta VALUES ('schema_version', %s) ON CONFLICT DO NOTHING",
            (str(SCHEMA_VERSION),),
        )
        row = conn.execute(
            f"SELECT value FROM {schema}.meta WHERE key = 'schema_version'"
        ).fetchone()
    if row is None or row["value"] != str(SCHEMA_VERSION):
        found = row["value"] if row else None
        raise IndexMismatch(
            f"PostgreSQL schema {schema} is version {found}, this code needs {SCHEMA_VERSION}; "
            f"rebuild it with `citesearch index --rebuild <corpus>`"
        )


def _add_column(conn: psycopg.Connection[Any], schema: str, column: str, kind: str) -> None:
    """Give a catalog made before a column of ``chunks`` existed that column (``second_vector``:
    the second model, ``ModelInfo.second``; ``note_terms``: searchable notes, NULL in older rows,
    which the writer then reads from the chunk's citations). Looked up first: ALTER TABLE locks
    the table even when the column is there, and readers use it."""
    found = conn.execute(
        "SELECT 1 AS found FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = 'chunks' AND column_name = %s",
        (schema, column),
    ).fetchone()
    if found is None:
        conn.execute(f"ALTER TABLE {schema}.chunks ADD COLUMN {column} {kind}")


def current_generation(conn: psycopg.Connection[Any], schema: str) -> dict[str, Any] | None:
    """The published generation's catalog row, or None."""
    return conn.execute(
        f"SELECT g.* FROM {schema}.current c JOIN {schema}.generations g ON g.name = c.generation"
    ).fetchone()


def try_writer_lock(conn: psycopg.Connection[Any], schema: str) -> bool:
    """Take the index's writer lock for this connection's life (released if the process dies)."""
    row = conn.execute(
        "SELECT pg_try_advisory_lock(hashtext(%s)) AS taken", (f"{schema}:writer",)
    ).fetchone()
    return bool(row and row["taken"])
