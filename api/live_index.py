"""The Searcher the app serves, and the background jobs that change the index under it.

Searches keep being answered by the current Searcher while a job builds a new index generation;
when the new generation is published the slot swaps to a new Searcher in one step (one reference,
under a lock). Each request leases the Searcher it uses; a replaced Searcher is closed when its
last lease ends, never under a running request.

Jobs run in two lanes, a thread each (``api.job_lanes`` picks one per upload before it is
parsed): a slow lane for files likely to need OCR or to be large, a quick lane for the rest and
for deletions, so a one-line note is searchable while a 500-page scan is read; the slow lane's
parse child runs at a lower CPU priority. In a lane the cheapest job waiting runs next
(``api.lane_queue``), so the note does not wait for an e-mail of eleven messages uploaded before
it either; small uploads waiting together in the quick lane are indexed as one batch, one
generation. Each upload is parsed in a parse child (the quick lane keeps its child through a
burst and ``QUICK_PARSER_IDLE_SECONDS`` after) and embedded with no lock held
(``index.build.prepare_files``); only the write and publish take the index's lock, one lane at
a time (``write_prepared``). The passage models are loaded as the server starts
(``SearcherSlot.warm``), not by the first upload. Jobs on one document keep their order: a job
follows an earlier one still pending on the same document into its lane. A quick-lane parse
that runs past ``QUICK_PARSE_SECONDS`` moves its job to the slow lane. Records are kept in
SQLite (``api.job_store``). A job a stop cut short while it ran says ``interrupted`` and is not
started again by itself (a hostile file would take the server down again at every start): its
file stays until the job is retried or discarded. Jobs still queued at the stop run after the
restart.
"""

from __future__ import annotations

import errno
import glob
import logging
import math
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from api.job_lanes import (
    DELETE_COST,
    QUICK_PARSE_SECONDS,
    Lane,
    expected_cost,
    lane_for_file,
)
from api.job_store import JOBS_FILE, Job, JobStore
from api.lane_queue import LaneQueue, QueuedJob
from api.meaning_lane import MeaningLane
from api.models import JobKind, JobModel
from api.plain_errors import scrub_paths
from api.uploads import record_title
from index.build import (
    BuildProgress,
    BuildReport,
    PendingMeaning,
    PreparedFiles,
    embedded_passages,
    prepare_files,
    remove_documents,
    waiting_passages,
    write_meaning,
    write_prepared,
)
from index.ingest.readers import SUPPORTED_SUFFIXES
from index.models.encoder import Encoder
from index.parse_worker import DEFAULT_PARSE_TIMEOUT, ParseWorker
from index.records import Chunk
from index.stores.base import DocumentInfo, ModelInfo
from index.stores.factory import (
    Location,
    published_generation,
    publishes_words_first,
    recorded_model,
)
from index.text.entities import tag_chunks
from retrieval.search import Searcher, embedder_for, open_searcher

log = logging.getLogger(__name__)

MAX_JOBS_KEPT = 500  # finished job records kept; pending ones are never dropped
MAX_PENDING_JOBS = 32  # queued or running; more is refused (429) until some finish
MAX_JOB_WARNINGS = 50  # warnings kept on one job (an e-mail of many unreadable attachments)
# The slow lane's parse child (and its Tesseract) runs at a lower CPU priority: on a busy machine
# a scan read by OCR would otherwise take the processor the quick lane's uploads need.
SLOW_LANE_NICE = 10
# The quick lane's parse child is kept this long after its last upload: starting one costs about
# a second (more on a busy machine), a page's parse a few milliseconds.
QUICK_PARSER_IDLE_SECONDS = 30.0
_WARM_TEXT = "Minsk and Islamabad signed a trade deal in March."
INTERRUPTED = (
    "the server stopped while this job ran; it was not started again: retry it (POST "
    "/api/jobs/{id}/retry) or discard it and its file (DELETE /api/jobs/{id})"
)

__all__ = [
    "MAX_JOBS_KEPT",
    "IndexJobs",
    "IndexUnavailable",
    "Job",
    "JobConflict",
    "QueueFull",
    "SearcherSlot",
    "is_uploaded",
]


class IndexUnavailable(RuntimeError):
    """No index can be served (none built yet, or built by other code or another model)."""


class JobFailed(RuntimeError):
    """A job that could not do its work; the message is shown to the user."""


class JobConflict(RuntimeError):
    """A job that cannot be retried or discarded in its state; the message says why (409)."""


class _SlowLane(Exception):  # noqa: N818 (a signal between methods, not an error)
    """A quick-lane job found slow: it goes on in the slow lane."""


class QueueFull(RuntimeError):
    """Too many jobs are waiting; ``retry_after`` is a guess in seconds of when one finishes."""

    def __init__(self, pending: int, retry_after: int) -> None:
        super().__init__(
            f"{pending} indexing jobs are already waiting: try again in {retry_after} s."
        )
        self.retry_after = retry_after


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error says the disk (or the user's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc)


DISK_FULL = "the disk is full: nothing was changed; free some space and try again"


class SearcherSlot:
    """Holds the Searcher being served and the embedder every Searcher reuses."""

    def __init__(self, index_dir: Path | Location, embedder: Encoder | None = None) -> None:
        self.index_dir = index_dir
        self._embedder = embedder
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._leases: dict[int, int] = {}  # id(searcher) -> requests using it
        self._retired: dict[int, Searcher] = {}  # replaced, closed when their last lease ends
        self.error: str | None = "the index has not been opened yet"
        self.version = 0  # goes up with every index the slot starts serving
        self._opening = threading.Lock()  # one open at a time (a job's publish, the follower)
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None
        self._warming: threading.Thread | None = None

    def open(self, *, strict: bool = False) -> Searcher | None:
        """Open the index on disk and serve it; keep serving the old one if that fails.

        With ``strict`` the failure is raised (``IndexMismatch``/``IndexMissing``) instead.
        """
        with self._opening:
            return self._open(strict)

    def _open(self, strict: bool) -> Searcher | None:
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
        stale: Searcher | None = None
        with self._lock:
            current = self._searcher
            # Generations never change once published: when the follower has already moved to
            # the one a job just published, the job's own open swaps nothing (one version each).
            same = current is not None and current.store.generation == searcher.store.generation
            if not same:
                old, self._searcher = current, searcher
                self.error = None
                self.version += 1
                stale = self._retire(old)
        if same:
            _close(searcher)
            return current
        if stale is not None:
            _close(stale)
        return searcher

    def refresh(self) -> bool:
        """Serve the generation published now if it is not the one served (another process,
        another server's upload, `citesearch index`, published it); True when it swapped."""
        try:
            published = published_generation(self.index_dir)
        except Exception as exc:  # an unreachable catalog: keep serving what we have
            log.warning("cannot read the published generation of %s: %s", self.index_dir, exc)
            return False
        with self._lock:
            serving = self._searcher.store.generation if self._searcher is not None else None
        if published is None or published == serving:
            return False
        return self.open() is not None

    def warm(self) -> None:
        """Load the passage models now, in a background thread (``warming`` says while): an
        upload would load them otherwise, and wait seconds for it (a minute on a busy machine).
        A job that starts meanwhile waits for the same load, never a second one."""
        if self._warming is not None:
            return
        self._warming = threading.Thread(target=self._warm, name="citesearch-warm", daemon=True)
        self._warming.start()

    @property
    def warming(self) -> bool:
        """Whether the models are being loaded in the background (``warm``)."""
        return self._warming is not None and self._warming.is_alive()

    def _warm(self) -> None:
        started = time.monotonic()
        try:
            # The entity tagger first: an upload's words step needs it, and no model (7 s to
            # load spaCy's on a busy machine, paid by the first upload otherwise).
            tag_chunks([Chunk("warm#0", "warm", 0, _WARM_TEXT, [], 1, 1, 0, len(_WARM_TEXT))])
            embedder = self.embedder()
            for model in (embedder, embedder.second):
                if model is not None:
                    model.encode(["A first passage: the model is loaded for it."])
        except Exception as exc:  # the first upload will load them (and say why if it cannot)
            log.warning("cannot load the models in the background: %s", exc)
            return
        log.info("models loaded in the background in %.1f s", time.monotonic() - started)

    def follow(self, interval: float) -> None:
        """Check every ``interval`` seconds for a generation published by another process (a
        background thread, stopped by ``close``)."""
        if self._follower is not None:
            return
        self._stop.clear()
        self._follower = threading.Thread(
            target=self._follow, args=(interval,), name="citesearch-follow", daemon=True
        )
        self._follower.start()

    def _follow(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.refresh()

    @contextmanager
    def lease(self) -> Iterator[Searcher]:
        """The Searcher to answer with now, kept open until the block ends.

        Raises IndexUnavailable when there is none.
        """
        with self._lock:
            searcher, error = self._searcher, self.error
            if searcher is not None:
                self._leases[id(searcher)] = self._leases.get(id(searcher), 0) + 1
        if searcher is None:
            raise IndexUnavailable(error or "no index is loaded")
        try:
            yield searcher
        finally:
            self._release(searcher)

    @contextmanager
    def lease_loaded(self) -> Iterator[Searcher | None]:
        """Like ``lease``, but None when no index is loaded."""
        try:
            with self.lease() as searcher:
                yield searcher
        except IndexUnavailable:
            yield None

    def current(self) -> Searcher:
        """The Searcher serving now, without a lease (it may be closed after two swaps)."""
        with self._lock:
            searcher, error = self._searcher, self.error
        if searcher is None:
            raise IndexUnavailable(error or "no index is loaded")
        return searcher

    def loaded(self) -> Searcher | None:
        with self._lock:
            return self._searcher

    def embedder(self) -> Encoder:
        """The loaded embedder, loaded on first need and then reused by every Searcher; loaded
        again when the index on disk records other models (rebuilt by another process with
        ``--model`` or ``--second-model``)."""
        with self._lock:
            recorded = recorded_model(self.index_dir)
            if self._embedder is None or (
                recorded is not None and not _embeds_for(self._embedder, recorded)
            ):
                self._embedder = embedder_for(self.index_dir)
            return self._embedder

    def close(self) -> None:
        """Stop serving; Searchers still leased are closed when their requests end (after a
        background load of the models has ended: it may be using the embedder)."""
        self._stop.set()
        if self._warming is not None:
            self._warming.join()
        if self._follower is not None:
            self._follower.join(timeout=30)
            self._follower = None
        with self._lock:
            current, self._searcher = self._searcher, None
            self.error = "the server is shutting down"
            stale = self._retire(current)
        if stale is not None:
            _close(stale)

    def _retire(self, searcher: Searcher | None) -> Searcher | None:
        """Under the lock: the replaced Searcher if nobody uses it (to close), else kept."""
        if searcher is None:
            return None
        if self._leases.get(id(searcher), 0) == 0:
            return searcher
        self._retired[id(searcher)] = searcher
        return None

    def _release(self, searcher: Searcher) -> None:
        key = id(searcher)
        with self._lock:
            left = self._leases[key] - 1
            if left:
                self._leases[key] = left
                return
            del self._leases[key]
            stale = self._retired.pop(key, None)
        if stale is not None:
            _close(stale)


def _close(searcher: Searcher) -> None:
    searcher.store.close()


def is_uploaded(info: DocumentInfo, upload_dir: Path) -> bool:
    """Whether a document's file lies in the upload folder (so the API may replace or delete it)."""
    return bool(info.meta.path) and Path(info.meta.path).parent.resolve() == upload_dir.resolve()


class IndexJobs:
    """Runs additions and deletions in two lanes (quick and slow; see the module's docstring),
    writing one at a time, then swaps the slot to the new index.

    At most ``max_pending`` jobs wait or run (``QueueFull`` past that); records of finished jobs
    are kept up to ``MAX_JOBS_KEPT``, oldest dropped first. Records live in ``<upload_dir>/
    .jobs.sqlite``; ``recover`` (called at start) marks the job a stop cut short as
    ``interrupted`` and runs those still queued. A failed or interrupted upload keeps its file
    until ``retry`` or ``discard`` (or a new upload of the same name, or its record being
    dropped, which takes the file with it).
    """

    def __init__(
        self, slot: SearcherSlot, upload_dir: Path, *, max_pending: int | None = None
    ) -> None:
        self.slot = slot
        self.upload_dir = upload_dir
        self.max_pending = MAX_PENDING_JOBS if max_pending is None else max_pending
        self._lock = threading.Lock()
        self._store = JobStore.open_or_memory(upload_dir / JOBS_FILE)
        self._jobs: OrderedDict[str, Job] = OrderedDict((j.id, j) for j in self._store.load())
        self._durations: list[float] = []  # seconds of the latest finished jobs
        self._progress: dict[str, BuildProgress] = {}  # running job id -> where its build is
        self.parser_idle_seconds = QUICK_PARSER_IDLE_SECONDS
        self._lanes = {
            "quick": LaneQueue(
                "quick",
                batch=self._run_batch,
                on_idle=self._close_parser,
                idle_after=lambda: self.parser_idle_seconds,
            ),
            "slow": LaneQueue("slow"),
        }
        self._lane_of: dict[str, Lane] = {}  # submitted job id -> its lane, until it ends
        self._writing = threading.Lock()  # one index write at a time, whichever lane
        # The quick lane's parse child, kept until that lane is idle for ``parser_idle_seconds``
        # (starting one takes seconds on a busy machine); quick files are small, so is what it
        # keeps of their memory.
        self._quick_parser: ParseWorker | None = None
        self._titles = threading.Lock()  # manifest.json is read and written whole
        # Uploads published by their words: their vectors are made by the meaning lane.
        self._meaning = MeaningLane(self._give_meaning)
        self._words_published: set[str] = set()  # job ids whose publish was words first

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def describe(self, job_id: str, *, full: bool = True) -> JobModel | None:
        """A job as the API shows it, with its build's progress while it runs (``full``: with
        its file name, document id, error and warnings)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model(self._progress.get(job_id), full=full) if job is not None else None

    def recent(self, limit: int = 20, *, full: bool = True) -> list[JobModel]:
        """The latest jobs, newest first."""
        with self._lock:
            jobs = list(self._jobs.values())[-limit:][::-1]
            return [j.model(self._progress.get(j.id), full=full) for j in jobs]

    def pending(self, *, full: bool = True) -> list[JobModel]:
        """Jobs waiting or running, oldest first."""
        with self._lock:
            return [
                j.model(self._progress.get(j.id), full=full)
                for j in self._jobs.values()
                if j.pending
            ]

    def check_room(self) -> None:
        """Raise QueueFull when no job can be accepted now (before an upload is saved)."""
        with self._lock:
            self._check_room()

    def add_file(self, path: Path, title: str | None = None, *, force: bool = False) -> Job:
        """Queue the indexing of an upload saved in the upload folder (with its title, if any)."""
        job = self._new_job("add", path, title=title, force=force)
        self._submit(job)
        return job

    def delete_upload(self, doc_id: str, path: Path, *, force: bool = False) -> Job:
        """Queue the removal of an uploaded document and its file."""
        job = self._new_job("delete", path, doc_id=doc_id, force=force)
        self._submit(job)
        return job

    def retry(self, job_id: str) -> Job:
        """Queue a failed or interrupted job's work again, as a new job.

        Raises KeyError for an unknown job, ``JobConflict`` when it did not end badly, when its
        file is gone or was replaced by a newer upload, and ``QueueFull``.
        """
        job = self._kept(job_id, "retried")
        path = Path(job.path or "")
        if job.kind == "add":
            if not path.is_file():
                raise JobConflict(f"{job.filename} is no longer kept: upload it again.")
            return self.add_file(path, job.title)
        return self.delete_upload(job.doc_id or path.stem, path)

    def discard(self, job_id: str) -> None:
        """Forget a failed or interrupted job, and remove its upload's file unless an index
        holds the document (a deletion that failed leaves its document and file in place).

        Raises KeyError and ``JobConflict`` like ``retry``.
        """
        job = self._kept(job_id, "discarded")
        if job.kind == "add" and job.path:
            self._drop_unindexed(Path(job.path))
        with self._lock:
            self._jobs.pop(job_id, None)
        self._quietly(self._store.forget, [job_id])

    def release_kept(self, doc_id: str) -> bool:
        """Before a new upload of ``doc_id``: remove the files of that id that only failed or
        interrupted jobs hold. False (nothing removed) when one is in use or unrecorded."""
        kept = [
            p
            for p in self.upload_dir.glob(f"{glob.escape(doc_id)}.*")
            if p.suffix.lower() in SUPPORTED_SUFFIXES
        ]
        with self._lock:
            latest = {p.name: self._latest_for(p.name) for p in kept}
        if not all(job is not None and job.ended_badly for job in latest.values()):
            return False
        for path in kept:
            self._drop_unindexed(path)
        return True

    def recover(self) -> list[Job]:
        """At start: mark the job a stop cut short as interrupted (not redone), run the jobs
        still queued, and index upload files no index holds (saved but never recorded, or lost
        from the index), unless their latest job failed or was interrupted: those stay as they
        are. Half-saved files are removed. Returns the jobs queued.
        """
        now = time.time()
        with self._lock:
            waiting = [j for j in self._jobs.values() if j.status == "queued"]
            cut = [
                j for j in self._jobs.values() if j.status == "running" and not j.meaning_follows
            ]
        for job in cut:
            self._set(job.id, status="interrupted", error=INTERRUPTED, finished=now)
        for job in waiting:
            self._submit(job)
        # Published by their words before the stop: their vectors are made now (the index
        # says which documents wait, whether or not a job record does).
        self._meaning.kick()
        queued = list(waiting)
        if not self.upload_dir.is_dir():
            return queued
        for partial in self.upload_dir.glob(".*.partial"):
            partial.unlink(missing_ok=True)
        with self._lock:
            # The newest job of each file (records are oldest first).
            latest = {Path(j.path).name: j for j in self._jobs.values() if j.path}
        with self.slot.lease_loaded() as searcher:
            indexed = {d.meta.doc_id for d in searcher.store.documents()} if searcher else set()
        for path in sorted(self.upload_dir.iterdir()):
            last = latest.get(path.name)
            if (
                path.is_file()
                and not path.name.startswith(".")
                and path.suffix.lower() in SUPPORTED_SUFFIXES
                and path.stem not in indexed
                and (last is None or not (last.pending or last.ended_badly))
            ):
                # Saved but never recorded (a stop between the two), or lost from the index.
                queued.append(self.add_file(path, force=True))
        return queued

    def shutdown(self) -> None:
        for lane in self._lanes.values():
            lane.shutdown()
        self._meaning.shutdown()
        if self._quick_parser is not None:
            self._quick_parser.close()

    def lane(self, job_id: str) -> Lane | None:
        """The lane a job waits or runs in (None once it has ended)."""
        with self._lock:
            return self._lane_of.get(job_id)

    def waiting(self, lane: Lane) -> list[str]:
        """The ids of the jobs waiting in ``lane``, in the order they would run."""
        return self._lanes[lane].waiting()

    def _submit(self, job: Job, lane: Lane | None = None) -> None:
        chosen = lane or self._lane_for(job)
        with self._lock:
            self._lane_of[job.id] = chosen
        path = Path(job.path or "")
        doc_id = job.doc_id or path.stem
        work: Callable[[], list[str]]
        if job.kind == "add":
            title = job.title
            work = lambda: self._add(job.id, path, title, chosen)  # noqa: E731
            cost = expected_cost(path)
        else:
            work = lambda: self._delete(doc_id, path)  # noqa: E731
            cost = DELETE_COST
        self._lanes[chosen].put(
            job.id,
            doc_id,
            cost,
            lambda: self._run(job.id, work),
            batchable=job.kind == "add" and chosen == "quick",
        )

    def _lane_for(self, job: Job) -> Lane:
        """The lane of the latest earlier job still pending on the same document (one
        document's jobs run in the order given), else quick for a deletion and the file's lane
        (``lane_for_file``) for an upload."""
        with self._lock:
            earlier = [
                lane
                for j in self._jobs.values()
                if j.id != job.id
                and j.doc_id == job.doc_id
                and (lane := self._lane_of.get(j.id)) is not None
            ]
        if earlier:
            return earlier[-1]
        return "quick" if job.kind == "delete" else lane_for_file(Path(job.path or ""))

    def _followed(self, job_id: str) -> bool:
        """Whether a later job on the same document waits in this job's lane (behind it)."""
        with self._lock:
            ids = list(self._jobs)
            job, lane = self._jobs.get(job_id), self._lane_of.get(job_id)
            later = ids[ids.index(job_id) + 1 :] if job_id in self._jobs else []
            return job is not None and any(
                self._jobs[i].doc_id == job.doc_id and self._lane_of.get(i) == lane for i in later
            )

    def _kept(self, job_id: str, verb: str) -> Job:
        """The failed or interrupted job ``job_id``, still the latest of its file."""
        with self._lock:
            job = self._jobs[job_id]
            latest: Job | None = self._latest_for(Path(job.path).name) if job.path else job
        if not job.ended_badly:
            raise JobConflict(
                f"Job {job_id} is {job.status}: only a failed or interrupted job can be {verb}."
            )
        if latest is not None and latest.id != job.id:
            raise JobConflict(
                f"{job.filename} has a newer job ({latest.id}, {latest.status}): use that one."
            )
        return job

    def _latest_for(self, filename: str) -> Job | None:
        """Under the lock: the newest job on the upload file ``filename``."""
        found = [j for j in self._jobs.values() if j.path and Path(j.path).name == filename]
        return found[-1] if found else None

    def _check_room(self) -> None:
        pending = sum(1 for j in self._jobs.values() if j.pending)
        if pending >= self.max_pending:
            recent = self._durations[-20:]
            each = sum(recent) / len(recent) if recent else 5.0
            raise QueueFull(pending, min(600, max(1, math.ceil(each))))

    def _new_job(
        self,
        kind: JobKind,
        path: Path,
        *,
        doc_id: str | None = None,
        title: str | None = None,
        force: bool = False,
    ) -> Job:
        job = Job(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            doc_id=doc_id or path.stem,
            filename=path.name,
            error=None,
            created=time.time(),
            finished=None,
            path=str(path),
            title=title,
        )
        with self._lock:
            if not force:
                self._check_room()
            self._store.save(job)
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if not j.pending]
            dropped = finished[: max(0, len(self._jobs) - MAX_JOBS_KEPT)]
            for old in dropped:
                del self._jobs[old.id]
            # A kept file goes with the last record of it: unrecorded, a restart would index it.
            orphans = [
                Path(old.path)
                for old in dropped
                if old.ended_badly and old.path and self._latest_for(Path(old.path).name) is None
            ]
        if dropped:
            self._quietly(self._store.forget, [old.id for old in dropped])
        for orphan in orphans:
            self._drop_unindexed(orphan)
        return job

    def _set(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job = replace(job, **changes)  # type: ignore[arg-type]
            self._jobs[job_id] = job
        self._quietly(self._store.save, job)

    @staticmethod
    def _quietly(write: Callable[..., None], *args: object) -> None:
        """A record that cannot be written (a full disk) must not stop the job's own work."""
        try:
            write(*args)
        except (OSError, sqlite3.Error) as exc:
            log.warning("cannot write a job record: %s", exc)

    def _run(self, job_id: str, work: Callable[[], list[str]]) -> None:
        started = time.monotonic()
        self._set(job_id, status="running")
        outcome: list[str] | Exception
        try:
            outcome = work()
        except Exception as exc:  # the job reports its failure; the server keeps serving
            outcome = exc
        self._conclude(job_id, outcome, started)

    def _run_batch(self, taken: list[QueuedJob]) -> None:
        """Run uploads the quick lane batched (``api.lane_queue.batch_after``) as one build:
        each job still ends on its own (done, failed, or moved to the slow lane)."""
        started = time.monotonic()
        jobs = [job for queued in taken if (job := self.get(queued.job_id)) is not None]
        for job in jobs:
            self._set(job.id, status="running")
        try:
            outcomes = self._add_batch(jobs)
        except Exception as exc:  # the write failed: every job of the batch says why
            outcomes = {job.id: exc for job in jobs}
        for job in jobs:
            self._conclude(job.id, outcomes[job.id], started)

    def _conclude(self, job_id: str, outcome: list[str] | Exception, started: float) -> None:
        """End a job with its warnings or its failure (or move it to the slow lane); one
        published by its words goes on running while the meaning lane embeds it."""
        words_only = False
        if isinstance(outcome, _SlowLane):
            self._set(job_id, status="queued")
            job = self.get(job_id)
            with self._lock:
                self._progress.pop(job_id, None)
            if job is not None:
                self._submit(job, "slow")
            return
        if isinstance(outcome, JobFailed):
            self._failed(job_id, str(outcome))
        elif isinstance(outcome, Exception):
            if is_disk_full(outcome):
                log.warning("index job %s: disk full (%s)", job_id, outcome)
                error = DISK_FULL
            else:
                log.error("index job %s failed", job_id, exc_info=outcome)
                error = str(outcome) or type(outcome).__name__
            self._failed(job_id, error)
        else:
            kept = [scrub_paths(w) for w in dict.fromkeys(outcome)]
            if len(kept) > MAX_JOB_WARNINGS:
                more = len(kept) - MAX_JOB_WARNINGS + 1
                kept = [*kept[: MAX_JOB_WARNINGS - 1], f"and {more} more warnings"]
            with self._lock:
                words_only = job_id in self._words_published
                self._words_published.discard(job_id)
            if words_only:  # still running: its vectors follow (``_give_meaning``)
                self._set(job_id, warnings=tuple(kept), meaning_follows=True)
            else:
                self._set(job_id, status="done", warnings=tuple(kept), finished=time.time())
        with self._lock:
            self._progress.pop(job_id, None)
            self._lane_of.pop(job_id, None)
            self._durations = [*self._durations[-19:], time.monotonic() - started]
        if words_only:
            self._meaning.kick()

    def _failed(self, job_id: str, error: str) -> None:
        self._set(job_id, status="failed", error=scrub_paths(error), finished=time.time())

    def _is_indexed(self, doc_id: str) -> bool:
        with self.slot.lease_loaded() as current:
            return current is not None and current.store.document_info(doc_id) is not None

    def _track(self, job_id: str) -> Callable[[BuildProgress], None]:
        def note(progress: BuildProgress) -> None:
            with self._lock:
                self._progress[job_id] = progress

        return note

    def _add(self, job_id: str, path: Path, title: str | None, lane: Lane) -> list[str]:
        """Index an upload; its warnings (and its attachments' skips) for the job. A file that
        cannot be indexed stays, for a retry or a discard. Parsed and embedded with no lock
        held; the index's lock is taken for the write only."""
        if not path.is_file():
            raise JobFailed(f"{path.name} is no longer in the upload folder")
        self._record_title(path.name, title)
        embedder = self.slot.embedder()
        prepared = self._prepare(job_id, path, lane, embedder)
        refused = _refusal(prepared, path)
        if refused is not None:
            raise refused
        report = self._publish(prepared, embedder, [self._track(job_id)])
        self._note_words_first(prepared, [job_id])
        return upload_warnings(report, path)

    def _words_first(self) -> bool:
        """Whether uploads are published by their words first (the backend takes that)."""
        return publishes_words_first(self.slot.index_dir)

    def _note_words_first(self, prepared: PreparedFiles, job_ids: list[str]) -> None:
        """Remember the jobs just published without vectors (``_conclude`` keeps them running)."""
        if prepared.embedded is None:
            with self._lock:
                self._words_published.update(job_ids)

    def _add_batch(self, jobs: list[Job]) -> dict[str, list[str] | Exception]:
        """Uploads parsed by the quick lane's child, embedded together and published as one
        generation: each job's warnings, or why it failed; a parse past the quick lane's budget
        moves its job to the slow lane (batched jobs have no later job on their document)."""
        outcomes: dict[str, list[str] | Exception] = {}
        paths = {job.id: Path(job.path or "") for job in jobs}
        for job in jobs:
            if paths[job.id].is_file():
                self._record_title(paths[job.id].name, job.title)
            else:
                outcomes[job.id] = JobFailed(f"{job.filename} is no longer in the upload folder")
        present = [job for job in jobs if job.id not in outcomes]
        notes = [self._track(job.id) for job in present]
        embedder = self.slot.embedder()
        prepared = prepare_files(
            [paths[job.id] for job in present],
            embedder=embedder,
            on_progress=_to_each(notes),
            worker=self._quick_worker(),
            embed=not self._words_first(),
        )
        for job in present:
            path = paths[job.id]
            refused = _SlowLane() if prepared.timed_out(path) else _refusal(prepared, path)
            if refused is not None:
                outcomes[job.id] = refused
        written = [job for job in present if job.id not in outcomes]
        if written:
            report = self._publish(prepared, embedder, [self._track(j.id) for j in written])
            self._note_words_first(prepared, [job.id for job in written])
            outcomes |= {job.id: upload_warnings(report, paths[job.id]) for job in written}
        return outcomes

    def _publish(
        self,
        prepared: PreparedFiles,
        embedder: Encoder,
        notes: list[Callable[[BuildProgress], None]],
    ) -> BuildReport:
        """Write what was prepared as a new generation, under the index's lock, and serve it."""
        for note in notes:  # also while it waits for the other lane's write
            note(BuildProgress("publishing", 0, 1))
        with self._writing:
            report = write_prepared(prepared, self.slot.index_dir, embedder=embedder)
        if report.published and self.slot.open() is None:
            raise JobFailed(f"the new index could not be opened: {self.slot.error}")
        return report

    def _quick_worker(self) -> ParseWorker:
        """The quick lane's parse child (made here: only the quick lane's thread uses it)."""
        if self._quick_parser is None:
            self._quick_parser = ParseWorker(QUICK_PARSE_SECONDS)
        return self._quick_parser

    def _prepare(self, job_id: str, path: Path, lane: Lane, embedder: Encoder) -> PreparedFiles:
        """The upload parsed and embedded; in the quick lane within ``QUICK_PARSE_SECONDS``, past
        which the job moves to the slow lane (``_SlowLane``), unless a later job on its document
        waits behind it: then it is parsed again here, with the full time limit."""
        note = self._track(job_id)
        embed = not self._words_first()
        if lane == "quick":
            quick = prepare_files(
                [path],
                embedder=embedder,
                on_progress=note,
                worker=self._quick_worker(),
                embed=embed,
            )
            if not quick.timed_out(path):
                return quick
            if not self._followed(job_id):
                raise _SlowLane
        nice = SLOW_LANE_NICE if lane == "slow" else 0
        with ParseWorker(DEFAULT_PARSE_TIMEOUT, nice=nice) as worker:
            return prepare_files(
                [path], embedder=embedder, on_progress=note, worker=worker, embed=embed
            )

    def _give_meaning(self) -> None:
        """One round of the meaning lane: embed every document the served index holds by its
        words alone, publish their vectors, and end the jobs whose documents wait no more."""
        waiting = self._meaning_jobs()
        embedder = self.slot.embedder()

        def note(done: int, total: int) -> None:
            with self._lock:
                for job in waiting:
                    self._progress[job.id] = BuildProgress("meaning", done, total)

        warning = None
        try:
            with self.slot.lease_loaded() as current:
                waiting_now = waiting_passages(current.store) if current else PendingMeaning()
            pending = embedded_passages(waiting_now, embedder, on_batch=note)
            with self._writing:
                took = write_meaning(pending, self.slot.index_dir, embedder=embedder)
            if took and self.slot.open() is None:
                raise JobFailed(f"the new index could not be opened: {self.slot.error}")
        except Exception as exc:  # the words stay searchable; a restart tries again
            log.error("could not embed the uploads published by their words", exc_info=exc)
            warning = (
                "meaning search could not be prepared "
                f"({scrub_paths(str(exc)) or type(exc).__name__}): found by its words only "
                "until the server restarts"
            )
        self._end_meaning(self._meaning_jobs(), warning)

    def _meaning_jobs(self) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.status == "running" and j.meaning_follows]

    def _end_meaning(self, jobs: list[Job], warning: str | None) -> None:
        """End the jobs whose document the served index no longer holds without vectors (all
        of them, with ``warning``, when the round failed)."""
        with self.slot.lease_loaded() as current:
            for job in jobs:
                info = current.store.document_info(job.doc_id or "") if current else None
                if warning is None and info is not None and info.meaning_pending:
                    continue  # published by its words after this round read the index
                warnings = (*job.warnings, warning) if warning else job.warnings
                self._set(job.id, status="done", warnings=warnings, finished=time.time())
                with self._lock:
                    self._progress.pop(job.id, None)

    def _close_parser(self) -> None:
        """Stop the quick lane's parse child (called by that lane once idle): kept through a
        burst of uploads and for a while after, an idle server keeps no child."""
        if self._quick_parser is not None:
            self._quick_parser.close()
            self._quick_parser = None

    def _record_title(self, filename: str, title: str | None) -> None:
        with self._titles:
            record_title(self.upload_dir, filename, title)

    def _drop_unindexed(self, path: Path) -> None:
        """Remove an upload that did not make it into the index (a version indexed stays)."""
        if self._is_indexed(path.stem):
            return
        path.unlink(missing_ok=True)
        self._quietly(self._record_title, path.name, None)

    def _delete(self, doc_id: str, path: Path) -> list[str]:
        # The index first: if that fails (a full disk) the file and the document both stay.
        embedder = self.slot.embedder()
        with self._writing:
            report = remove_documents([doc_id], self.slot.index_dir, embedder=embedder)
        if report.published and self.slot.open() is None:
            raise JobFailed(f"the new index could not be opened: {self.slot.error}")
        path.unlink(missing_ok=True)
        self._quietly(self._record_title, path.name, None)
        if self._is_indexed(doc_id):
            raise JobFailed(f"{doc_id} was not removed from the index")
        return []


def _to_each(notes: list[Callable[[BuildProgress], None]]) -> Callable[[BuildProgress], None]:
    """One progress callback telling each of ``notes`` (the jobs of a batch)."""

    def note(progress: BuildProgress) -> None:
        for each in notes:
            each(progress)

    return note


def _refusal(prepared: PreparedFiles, path: Path) -> JobFailed | None:
    """Why the upload ``path`` could not be indexed, if it could not: its own entry among the
    files skipped ("<file>"; its attachments', "<file> (attachment x)", are warnings)."""
    skipped = [s.reason for s in prepared.report.skipped if Path(s.path).name == path.name]
    if skipped:
        return JobFailed(f"{path.name} could not be indexed: {'; '.join(skipped)}")
    return None


def upload_warnings(report: BuildReport, path: Path) -> list[str]:
    """What a build of one upload left out or could not read, in plain words: its own warnings,
    then each attachment (of an e-mail, at any depth) skipped or read in part.

    The build names an attachment ``<file> (attachment <name>)``.
    """
    own = str(path.absolute())  # as the build names its files
    inside = f"{own} (attachment "
    out = list(report.warnings.get(own, []))
    for skipped in report.skipped:
        if skipped.path.startswith(inside):
            name = skipped.path[len(inside) : -1]
            out.append(f"attachment '{name}' not indexed: {skipped.reason}")
    for where, warnings in report.warnings.items():
        if where.startswith(inside):
            name = where[len(inside) : -1]
            out += [f"attachment '{name}': {w}" for w in warnings]
    return out


def _embeds_for(embedder: Encoder, recorded: ModelInfo) -> bool:
    """Whether ``embedder`` has the models an index records (by name, and the second model's)."""
    second = embedder.second.model_name if embedder.second is not None else None
    wanted = recorded.second.name if recorded.second is not None else None
    return embedder.model_name == recorded.name and second == wanted
