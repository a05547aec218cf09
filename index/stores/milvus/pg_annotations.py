"""The distributed index's annotations: one table in its PostgreSQL schema, beside the catalog
of generations and never part of one, so publishing and re-indexing leave it alone
(``index.stores.annotations`` has the records and the rules)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg

from index.stores.annotations import (
    COLUMNS,
    Annotation,
    Target,
    annotation_from,
    changed_target,
    row_values,
)
from index.stores.factory import Location
from index.stores.milvus import catalog

_DDL = """
CREATE TABLE IF NOT EXISTS {s}.annotations (
    doc_id text NOT NULL,
    char_start integer NOT NULL,
    char_end integer NOT NULL,
    text_hash text NOT NULL,
    tags text NOT NULL,
    starred boolean NOT NULL,
    note text,
    updated text NOT NULL,
    PRIMARY KEY (doc_id, char_start, char_end)
)
"""
_ORDER = "ORDER BY doc_id, char_start, char_end"


class PostgresAnnotations:
    """``AnnotationStore`` on a table of the index's schema; one connection, used by one thread
    at a time, opened again if the server dropped it."""

    def __init__(self, url: str, schema: str) -> None:
        self._url = url
        self._schema = schema
        self._select = f"SELECT {', '.join(COLUMNS)} FROM {schema}.annotations"
        self._lock = threading.Lock()
        self._conn = catalog.connect(url)
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{schema}:ddl",))
            self._conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            self._conn.execute(_DDL.format(s=schema))

    def _connection(self) -> psycopg.Connection[dict[str, Any]]:
        if self._conn.closed or self._conn.broken:
            self._conn = catalog.connect(self._url)
        return self._conn

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Annotation]:
        with self._lock:
            found = self._connection().execute(sql, params).fetchall()
        return [annotation_from([r[c] for c in COLUMNS]) for r in found]

    def get(self, target: Target) -> Annotation | None:
        found = self._rows(
            f"{self._select} WHERE doc_id = %s AND char_start = %s AND char_end = %s",
            (target.doc_id, target.char_start, target.char_end),
        )
        return found[0] if found else None

    def update(self, target: Target, change: Callable[[Annotation], Annotation]) -> Annotation:
        key = (target.doc_id, target.char_start, target.char_end)
        where = "WHERE doc_id = %s AND char_start = %s AND char_end = %s"
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                # Two servers may change one target at once: a lock on the target orders them.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (repr(key),))
                row = conn.execute(f"{self._select} {where}", key).fetchone()
                kept = annotation_from([row[c] for c in COLUMNS]) if row else None
                changed = change(changed_target(kept, target))
                conn.execute(f"DELETE FROM {self._schema}.annotations {where}", key)
                if not changed.empty:
                    marks = ", ".join("%s" for _ in COLUMNS)
                    conn.execute(
                        f"INSERT INTO {self._schema}.annotations ({', '.join(COLUMNS)}) "
                        f"VALUES ({marks})",
                        row_values(changed),
                    )
        return changed

    def of_document(self, doc_id: str) -> list[Annotation]:
        return self._rows(f"{self._select} WHERE doc_id = %s {_ORDER}", (doc_id,))

    def all(self) -> list[Annotation]:
        return self._rows(f"{self._select} {_ORDER}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_store(location: Location) -> PostgresAnnotations:
    """The annotations of the distributed index at ``location`` (ConnectionError when its
    PostgreSQL cannot be reached)."""
    if location.postgres_url is None:
        raise ValueError("the Milvus backend needs --postgres")
    return PostgresAnnotations(location.postgres_url, catalog.schema_name(location.name))
