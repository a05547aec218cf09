"""Job records kept in SQLite, so a job's state outlives the server process that ran it."""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from api.models import JobKind, JobModel, JobStatus
from api.plain_errors import scrub_paths
from index.build import BuildProgress

log = logging.getLogger(__name__)

JOBS_FILE = ".jobs.sqlite"  # in the upload folder: hidden, so no build ever reads it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    doc_id TEXT,
    filename TEXT,
    error TEXT,
    created REAL NOT NULL,
    finished REAL,
    path TEXT,
    title TEXT,
    warnings TEXT,
    meaning INTEGER
)
"""
_COLUMNS = (
    "id, kind, status, doc_id, filename, error, created, finished, path, title, warnings, meaning"
)
# Columns later versions added, with their type: added to a file an older version wrote.
_ADDED = {"warnings": "TEXT", "meaning": "INTEGER"}
# What a job published by its words says while its passages are embedded.
MEANING_FOLLOWS = "searchable by words; meaning search follows"


@dataclass(frozen=True)
class Job:
    id: str
    kind: JobKind
    status: JobStatus
    doc_id: str | None
    filename: str | None
    error: str | None
    created: float
    finished: float | None
    path: str | None = None  # the upload's file: what a restart picks up or removes
    title: str | None = None  # the title given with an upload, for a restart to index it with
    warnings: tuple[str, ...] = ()  # what the job could not read (an attachment skipped...)
    # Published by its words; still running while its vectors are made (``index.build.write_meaning``). A
    # restart finishes that step rather than calling the job interrupted: the file was accepted.
    meaning_follows: bool = False

    @property
    def pending(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def ended_badly(self) -> bool:
        """Failed or interrupted: its file is kept until it is retried or discarded."""
        return self.status in ("failed", "interrupted")

    def model(self, progress: BuildProgress | None = None, *, full: bool = True) -> JobModel:
        """The job as the API shows it, with the running build's progress if given.

        Without ``full`` (a reader without the token) only its kind, state, times and counts:
        file names, document ids and errors name a newsroom's sources.
        """
        running = progress if progress is not None and self.status == "running" else None
        if running is None and self.status == "running" and self.meaning_follows:
            running = BuildProgress("meaning", 0, 1)
        error = scrub_paths(self.error) if self.error else None
        searchable = self.status == "running" and self.meaning_follows
        return JobModel(
            searchable=searchable,
            note=MEANING_FOLLOWS if searchable else None,
            stage=running.stage if running else None,
            done=running.done if running else None,
            total=running.total if running else None,
            id=self.id,
            kind=self.kind,
            status=self.status,
            doc_id=self.doc_id if full else None,
            filename=self.filename if full else None,
            error=error if full else None,
            warnings=[scrub_paths(w) for w in self.warnings] if full else [],
            created=self.created,
            finished=self.finished,
        )


class JobStore:
    """One SQLite file of job records; every write is committed before it returns.

    A full disk surfaces as ``OSError(ENOSPC)`` (SQLite says "database or disk is full").
    """

    def __init__(self, path: Path | None) -> None:
        """Records in the SQLite file ``path`` (created if absent), or in memory when None."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(path) if path is not None else ":memory:", check_same_thread=False
        )
        with self._conn:
            self._conn.execute(_SCHEMA)
            have = {row[1] for row in self._conn.execute("PRAGMA table_info(jobs)")}
            for column, kind in _ADDED.items():
                if column not in have:
                    self._conn.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")

    @classmethod
    def open_or_memory(cls, path: Path) -> JobStore:
        """The records in ``path``; in memory (lost at a restart) if that file cannot be written,
        so a server on a read-only folder still serves."""
        try:
            return cls(path)
        except (OSError, sqlite3.Error) as exc:
            log.warning("job records kept in memory only: cannot open %s (%s)", path, exc)
            return cls(None)

    def load(self) -> list[Job]:
        """Every record, oldest first."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM jobs ORDER BY created").fetchall()
        return [
            replace(Job(*row[:-2]), warnings=_warnings(row[-2]), meaning_follows=bool(row[-1]))
            for row in rows
        ]

    def save(self, job: Job) -> None:
        values = (
            job.id,
            job.kind,
            job.status,
            job.doc_id,
            job.filename,
            job.error,
            job.created,
            job.finished,
            job.path,
            job.title,
            json.dumps(list(job.warnings)) if job.warnings else None,
            int(job.meaning_follows),
        )
        self._write(
            f"INSERT OR REPLACE INTO jobs ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", values
        )

    def forget(self, job_ids: Iterable[str]) -> None:
        for job_id in job_ids:
            self._write("DELETE FROM jobs WHERE id = ?", (job_id,))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _write(self, sql: str, values: tuple[object, ...]) -> None:
        try:
            with self._lock, self._conn:
                self._conn.execute(sql, values)
        except sqlite3.OperationalError as exc:
            if "full" in str(exc):
                raise OSError(errno.ENOSPC, f"cannot record the job: {exc}") from exc
            raise


def _warnings(stored: str | None) -> tuple[str, ...]:
    """The warnings column (a JSON list, or NULL) as a tuple; unreadable text counts as none."""
    if not stored:
        return ()
    try:
        found = json.loads(stored)
    except ValueError:
        return ()
    return tuple(str(w) for w in found) if isinstance(found, list) else ()
