"""One job lane's waiting line and the thread that works through it, cheapest job first.

A lane ran its jobs in arrival order: a one-line note uploaded after an e-mail of eleven
messages waited for all eleven to be embedded with both models. Here each job carries an
expected cost (``api.job_lanes.expected_cost``) and the lane runs the cheapest waiting one next,
with two exceptions that keep the order where it matters:

- jobs on one document run in the order given (a deletion never overtakes its upload);
- a job that has waited ``MAX_WAIT_SECONDS`` runs before any cheaper one (oldest first), so a
  stream of small uploads cannot hold a larger one back for ever.

Small uploads that wait together are run as one batch when the lane is given a ``batch`` runner
(``batch_after``): parsed by one child, embedded in one call, written as one generation, instead
of paying the write, the publish and the re-opening of the index once each.

The clock is injected, so the order is tested without waiting.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 60.0  # past this a job runs in arrival order, whatever it costs
MAX_BATCH_JOBS = 8
MAX_BATCH_COST = 8.0  # in ``expected_cost`` units: a batch stays a few seconds of work


@dataclass(frozen=True)
class QueuedJob:
    """A job waiting in a lane: ``run`` does its work (it reports its own failures)."""

    job_id: str
    doc_id: str
    cost: float
    queued_at: float
    seq: int
    run: Callable[[], None]
    batchable: bool = False  # may run in one batch with others (small uploads)


def next_job(
    waiting: Sequence[QueuedJob], now: float, max_wait: float = MAX_WAIT_SECONDS
) -> QueuedJob | None:
    """The job to run next: among those no earlier job on the same document precedes, one that
    has waited ``max_wait`` seconds (the oldest) if any, else the cheapest (the oldest of equals).

    >>> run = lambda: None
    >>> mail = QueuedJob("a", "mail", cost=62.0, queued_at=0.0, seq=0, run=run)
    >>> note = QueuedJob("b", "note", cost=1.0, queued_at=1.0, seq=1, run=run)
    >>> next_job([mail, note], now=2.0).job_id
    'b'
    >>> next_job([mail, note], now=61.0).job_id
    'a'
    """
    first_of_doc: dict[str, QueuedJob] = {}
    for job in sorted(waiting, key=lambda j: j.seq):
        first_of_doc.setdefault(job.doc_id, job)
    ready = list(first_of_doc.values())
    if not ready:
        return None
    overdue = [j for j in ready if now - j.queued_at >= max_wait]
    if overdue:
        return min(overdue, key=lambda j: j.seq)
    return min(ready, key=lambda j: (j.cost, j.seq))


def batch_after(
    first: QueuedJob,
    waiting: Sequence[QueuedJob],
    *,
    max_jobs: int = MAX_BATCH_JOBS,
    max_cost: float = MAX_BATCH_COST,
) -> list[QueuedJob]:
    """The jobs to run with ``first`` (picked by ``next_job`` and no longer in ``waiting``), in
    the order they would run: batchable ones, cheapest first, within ``max_jobs`` and
    ``max_cost`` together, each the only job waiting on its document (a document's later job
    waits for the batch to end), none on ``first``'s document.

    >>> run = lambda: None
    >>> note = QueuedJob("a", "note", 1.0, 0.0, 0, run, batchable=True)
    >>> other = QueuedJob("b", "other", 1.5, 0.0, 1, run, batchable=True)
    >>> mail = QueuedJob("c", "mail", 62.0, 0.0, 2, run, batchable=True)
    >>> [j.job_id for j in batch_after(note, [other, mail])]
    ['b']
    """
    if not first.batchable:
        return []
    per_doc: dict[str, int] = {}
    for job in waiting:
        per_doc[job.doc_id] = per_doc.get(job.doc_id, 0) + 1
    out: list[QueuedJob] = []
    cost = first.cost
    for job in sorted(waiting, key=lambda j: (j.cost, j.seq)):
        if len(out) + 1 >= max_jobs:
            break
        alone = per_doc[job.doc_id] == 1 and job.doc_id != first.doc_id
        if job.batchable and alone and cost + job.cost <= max_cost:
            out.append(job)
            cost += job.cost
    return out


_RUNNING: weakref.WeakSet[LaneQueue] = weakref.WeakSet()


@atexit.register
def _finish_at_exit() -> None:
    """At the interpreter's exit the job running in each lane ends first (as it would with a
    thread pool): cut short it would say ``interrupted`` at the next start."""
    for lane in list(_RUNNING):
        lane.shutdown(wait=True)


class LaneQueue:
    """A lane: jobs put in wait in a line, one thread runs them one at a time (``next_job``),
    or, given ``batch``, several small ones together (``batch_after``: ``batch`` is called with
    them all, the first picked first). Given ``on_idle``, the lane's thread calls it once the
    lane has had nothing to do for ``idle_after()`` seconds after a job (to let go of what it
    keeps for the next one).

    The thread starts with the first job; ``shutdown`` lets the running job end and drops those
    waiting (their records stay queued, run again after a restart).
    """

    def __init__(
        self,
        name: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float = MAX_WAIT_SECONDS,
        batch: Callable[[list[QueuedJob]], None] | None = None,
        on_idle: Callable[[], None] | None = None,
        idle_after: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.name = name
        self._batch = batch
        self._on_idle = on_idle
        self._idle_after = idle_after
        self._ran = False  # a job ran since the lane was last idle
        self._clock = clock
        self._max_wait = max_wait
        self._waiting: list[QueuedJob] = []
        self._seq = itertools.count()
        self._changed = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def put(
        self,
        job_id: str,
        doc_id: str,
        cost: float,
        run: Callable[[], None],
        *,
        batchable: bool = False,
    ) -> None:
        """Queue a job's work; ignored after ``shutdown``."""
        with self._changed:
            if self._stopped:
                return
            queued = QueuedJob(job_id, doc_id, cost, self._clock(), next(self._seq), run, batchable)
            self._waiting.append(queued)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name=f"citesearch-{self.name}", daemon=True
                )
                self._thread.start()
                _RUNNING.add(self)
            self._changed.notify()

    def waiting(self) -> list[str]:
        """The ids of the jobs waiting, in the order they would run if none more came."""
        with self._changed:
            left, order = list(self._waiting), []
            now = self._clock()
            while (job := next_job(left, now, self._max_wait)) is not None:
                order.append(job.job_id)
                left.remove(job)
            return order

    def shutdown(self, *, wait: bool = False) -> None:
        """Drop the jobs waiting; with ``wait``, also wait for the running one to end."""
        with self._changed:
            self._stopped = True
            self._waiting.clear()
            self._changed.notify_all()
            thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()

    def _take(self) -> list[QueuedJob] | None:
        """The next job and those to batch with it; empty once stopped, None when the lane has
        been idle ``idle_after()`` seconds since its last job."""
        with self._changed:
            while not self._waiting and not self._stopped:
                if self._on_idle is None or not self._ran:
                    self._changed.wait()
                elif not self._changed.wait(self._idle_after()) and not self._waiting:
                    self._ran = False
                    return None
            job = None if self._stopped else next_job(self._waiting, self._clock(), self._max_wait)
            if job is None:
                return []
            self._ran = True
            self._waiting.remove(job)
            more = batch_after(job, self._waiting) if self._batch is not None else []
            for other in more:
                self._waiting.remove(other)
            return [job, *more]

    def _work(self) -> None:
        while (taken := self._take()) != []:
            if taken is None:
                self._idle()
                continue
            try:
                if len(taken) > 1 and self._batch is not None:
                    self._batch(taken)
                else:
                    taken[0].run()
            except Exception:  # a job reports its own failure; the lane goes on
                log.exception("job %s in the %s lane", taken[0].job_id, self.name)

    def _idle(self) -> None:
        if self._on_idle is not None:
            try:
                self._on_idle()
            except Exception:  # letting go failed; the next job starts afresh anyway
                log.exception("the %s lane, idle", self.name)
