"""The Searcher the app serves, and the background jobs that change the index under it.

Searches keep being answered by the current Searcher while a job builds a new index generation;
when the new generation is published the slot swaps to a new Searcher in one step (one reference,
under a lock). Jobs run one at a time on a single worker thread, so two builds never race.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from api.models import JobKind, JobModel, JobStatus
from api.uploads import record_title
from index.build import build_index
from index.embed import Embedder
from index.store import DocumentInfo
from retrieval.search import Searcher, open_searcher

log = logging.getLogger(__name__)

MAX_JOBS_KEPT = 500


class IndexUnavailable(RuntimeError):
    """No index can be served (none built yet, or built by other code or another model)."""


class JobFailed(RuntimeError):
    """A job that could not do its work; the message is shown to the user."""


class SearcherSlot:
    """Holds the Searcher being served and the embedder every Searcher reuses."""

    def __init__(self, index_dir: Path, embedder: Embedder | None = None) -> None:
        self.index_dir = index_dir
        self._embedder = embedder
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._retired: Searcher | None = None
        self.error: str | None = "the index has not been opened yet"

    def open(self, *, strict: bool = False) -> Searcher | None:
        """Open the index on disk and serve it; keep serving the old one if that fails.

        With ``strict`` the failure is raised (``IndexMismatch``/``IndexMissing``) instead.
        """
        try:
            searcher = open_searcher(self.index_dir, embedder=self.embedder())
        except Exception as exc:  # a missing or mismatched index is reported, not fatal
            if strict:
                raise
            log.warning("cannot open the index at %s: %s", self.index_dir, exc)
            with self._lock:
                if self._searcher is None:
                    self.error = str(exc)
            return None
        with self._lock:
            # A request may still be reading the Searcher just replaced; the one replaced before
            # it has had a whole build's time to finish, so its files can be closed now.
            stale, self._retired = self._retired, self._searcher
            self._searcher = searcher
            self.error = None
        if stale is not None:
            _close(stale)
        return searcher

    def current(self) -> Searcher:
        """The Searcher to answer with now; IndexUnavailable when there is none."""
        with self._lock:
            searcher, error = self._searcher, self.error
        if searcher is None:
            raise IndexUnavailable(error or "no index is loaded")
        return searcher

    def loaded(self) -> Searcher | None:
        with self._lock:
            return self._searcher

    def embedder(self) -> Embedder:
        """The loaded embedder, loaded on first need and then reused by every Searcher."""
        with self._lock:
            if self._embedder is None:
                self._embedder = Embedder()
            return self._embedder

    def close(self) -> None:
        with self._lock:
            searchers = [s for s in (self._searcher, self._retired) if s is not None]
            self._searcher = self._retired = None
            self.error = "the server is shutting down"
        for searcher in searchers:
            _close(searcher)


def _close(searcher: Searcher) -> None:
    close = getattr(searcher.store, "close", None)
    if callable(close):
        close()


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

    def model(self) -> JobModel:
        return JobModel(
            id=self.id,
            kind=self.kind,
            status=self.status,
            doc_id=self.doc_id,
            filename=self.filename,
            error=self.error,
            created=self.created,
            finished=self.finished,
        )


def is_uploaded(info: DocumentInfo, upload_dir: Path) -> bool:
    """Whether a document's file lies in the upload folder (so the API may replace or delete it)."""
    return bool(info.meta.path) and Path(info.meta.path).parent.resolve() == upload_dir.resolve()


class IndexJobs:
    """Runs additions and deletions one at a time, then swaps the slot to the new index."""

    def __init__(self, slot: SearcherSlot, upload_dir: Path) -> None:
        self.slot = slot
        self.upload_dir = upload_dir
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citesearch-index")

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def add_file(self, path: Path, title: str | None = None) -> Job:
        """Queue the indexing of an upload saved in the upload folder (with its title, if any)."""
        job = self._new_job("add", doc_id=path.stem, filename=path.name)
        self._executor.submit(self._run, job.id, lambda: self._add(path, title))
        return job

    def delete_upload(self, doc_id: str, path: Path) -> Job:
        """Queue the removal of an uploaded document and its file."""
        job = self._new_job("delete", doc_id=doc_id, filename=path.name)
        self._executor.submit(self._run, job.id, lambda: self._delete(doc_id, path))
        return job

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _new_job(self, kind: JobKind, *, doc_id: str, filename: str) -> Job:
        job = Job(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            doc_id=doc_id,
            filename=filename,
            error=None,
            created=time.time(),
            finished=None,
        )
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS_KEPT:
                self._jobs.popitem(last=False)
        return job

    def _set(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = replace(job, **changes)  # type: ignore[arg-type]

    def _run(self, job_id: str, work: Callable[[], None]) -> None:
        self._set(job_id, status="running")
        try:
            work()
        except JobFailed as exc:
            self._set(job_id, status="failed", error=str(exc), finished=time.time())
        except Exception as exc:  # the job reports its failure; the server keeps serving
            log.exception("index job %s failed", job_id)
            self._set(
                job_id, status="failed", error=str(exc) or type(exc).__name__, finished=time.time()
            )
        else:
            self._set(job_id, status="done", finished=time.time())

    def _add(self, path: Path, title: str | None) -> None:
        record_title(self.upload_dir, path.name, title)
        report = build_index(
            [path], self.slot.index_dir, embedder=self.slot.embedder(), prune=False
        )
        skipped = [s.reason for s in report.skipped if Path(s.path).name == path.name]
        if report.published and self.slot.open() is None:
            raise JobFailed(f"the new index could not be opened: {self.slot.error}")
        if skipped:
            current = self.slot.loaded()
            indexed = current is not None and any(
                d.meta.doc_id == path.stem for d in current.store.documents()
            )
            if not indexed:
                path.unlink(missing_ok=True)
                record_title(self.upload_dir, path.name, None)
            raise JobFailed(f"{path.name} could not be indexed: {'; '.join(skipped)}")

    def _delete(self, doc_id: str, path: Path) -> None:
        path.unlink(missing_ok=True)
        record_title(self.upload_dir, path.name, None)
        # With prune, a document whose file is gone leaves the index.
        report = build_index([path], self.slot.index_dir, embedder=self.slot.embedder(), prune=True)
        if report.published and self.slot.open() is None:
            raise JobFailed(f"the new index could not be opened: {self.slot.error}")
        if doc_id not in report.removed:
            raise JobFailed(f"{doc_id} was not removed from the index")
