"""The embedded index's annotations: one SQLite file beside its generations (``index-annotations
.sqlite`` next to ``index -> index.7``), which publishing, re-indexing and ``--rebuild`` never
touch (``index.stores.annotations`` has the records and the rules)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from index.stores.annotations import (
    COLUMNS,
    Annotation,
    Target,
    annotation_from,
    changed_target,
    row_values,
)
from index.stores.factory import Location

_SCHEMA = """
CREATE TABLE IF NOT EXISTS annotations (
    doc_id TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text_hash TEXT NOT NULL,
    tags TEXT NOT NULL,
    starred INTEGER NOT NULL,
    note TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (doc_id, char_start, char_end)
);
"""
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM annotations"
_ORDER = "ORDER BY doc_id, char_start, char_end"
_KEY = "WHERE doc_id = ? AND char_start = ? AND char_end = ?"


def annotations_path(index_dir: Path) -> Path:
    """The annotation file of the index at ``index_dir``: beside it, outside every generation."""
    return index_dir.parent / f"{index_dir.name}-annotations.sqlite"


class SqliteAnnotations:
    """``AnnotationStore`` on one SQLite file, made at the first write (a server that only
    reads leaves nothing beside its index); one connection, its writes serialised by a lock (and
    by SQLite's own lock between processes)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        if self._conn is None and (create or self._path.exists()):
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA busy_timeout=5000")
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                raise ConnectionError(
                    f"cannot open the annotations beside the index: {exc}"
                ) from exc
            self._conn = conn
        return self._conn

    def _select(self, where: str, params: tuple[object, ...]) -> list[Annotation]:
        with self._lock:
            conn = self._connection(create=False)
            if conn is None:
                return []
            rows = conn.execute(f"{_SELECT} {where}", params).fetchall()
        return [annotation_from(r) for r in rows]

    def get(self, target: Target) -> Annotation | None:
        found = self._select(_KEY, (target.doc_id, target.char_start, target.char_end))
        return found[0] if found else None

    def update(self, target: Target, change: Callable[[Annotation], Annotation]) -> Annotation:
        key = (target.doc_id, target.char_start, target.char_end)
        with self._lock:
            conn = self._connection(create=True)
            assert conn is not None
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(f"{_SELECT} {_KEY}", key).fetchone()
                changed = change(changed_target(annotation_from(row) if row else None, target))
                conn.execute(f"DELETE FROM annotations {_KEY}", key)
                if not changed.empty:
                    marks = ", ".join("?" for _ in COLUMNS)
                    conn.execute(
                        f"INSERT INTO annotations ({', '.join(COLUMNS)}) VALUES ({marks})",
                        row_values(changed),
                    )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return changed

    def of_document(self, doc_id: str) -> list[Annotation]:
        return self._select(f"WHERE doc_id = ? {_ORDER}", (doc_id,))

    def all(self) -> list[Annotation]:
        return self._select(_ORDER, ())

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def open_store(location: Location) -> SqliteAnnotations:
    """The annotations of the directory index at ``location``."""
    return SqliteAnnotations(annotations_path(location.directory))
