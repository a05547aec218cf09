"""A lane runs its cheapest waiting job next (issue 24: a one-line note waited behind an e-mail
of eleven messages), keeps one document's jobs in order, and runs a job that has waited too long
before cheaper ones. The clock is injected: nothing here is timed.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from api.lane_queue import LaneQueue, QueuedJob, batch_after, next_job


def _job(job_id: str, cost: float, at: float, seq: int, doc: str | None = None) -> QueuedJob:
    return QueuedJob(job_id, doc or job_id, cost, at, seq, lambda: None)


def _order(waiting: list[QueuedJob], now: float, max_wait: float = 60.0) -> list[str]:
    left, out = list(waiting), []
    while (job := next_job(left, now, max_wait)) is not None:
        out.append(job.job_id)
        left.remove(job)
    return out


@pytest.mark.unit
def test_the_cheapest_job_runs_first_equals_in_arrival_order() -> None:
    waiting = [
        _job("nested-mail", 62.0, 0.0, 0),
        _job("attachment-mail", 3.0, 0.1, 1),
        _job("note", 1.0, 0.2, 2),
        _job("other-note", 1.0, 0.3, 3),
    ]
    assert _order(waiting, now=1.0) == ["note", "other-note", "attachment-mail", "nested-mail"]


@pytest.mark.unit
def test_a_documents_jobs_keep_their_order_whatever_they_cost() -> None:
    """A deletion (cheap) queued after its document's upload (dear) must not run first: it
    would find nothing to remove."""
    waiting = [
        _job("upload-zubr", 40.0, 0.0, 0, doc="zubr"),
        _job("note", 2.0, 0.1, 1),
        _job("delete-zubr", 1.0, 0.2, 2, doc="zubr"),
    ]
    assert _order(waiting, now=1.0) == ["note", "upload-zubr", "delete-zubr"]


@pytest.mark.unit
def test_a_job_past_the_longest_wait_runs_before_cheaper_ones() -> None:
    """Without it a stream of notes would hold a large upload back for ever."""
    waiting = [
        _job("report", 30.0, 0.0, 0),
        _job("late-note", 1.0, 50.0, 1),
    ]
    assert _order(waiting, now=59.9) == ["late-note", "report"]
    assert _order(waiting, now=60.0) == ["report", "late-note"]


@pytest.mark.unit
def test_a_lane_runs_what_waits_cheapest_first_one_at_a_time() -> None:
    clock = [0.0]
    lane = LaneQueue("test", clock=lambda: clock[0])
    started = threading.Event()
    release = threading.Event()
    ran: list[str] = []
    done = threading.Event()

    def first() -> None:
        started.set()
        assert release.wait(30)
        ran.append("first")

    def record(name: str) -> None:
        ran.append(name)
        if len(ran) == 4:
            done.set()

    try:
        lane.put("first", "first", 5.0, first)
        assert started.wait(30)
        for name, cost in (("mail", 62.0), ("note", 1.0), ("attachment", 3.0)):
            clock[0] += 1.0
            lane.put(name, name, cost, lambda name=name: record(name))  # type: ignore[misc]
        assert lane.waiting() == ["note", "attachment", "mail"]
        release.set()
        assert done.wait(30)
        assert ran == ["first", "note", "attachment", "mail"]
    finally:
        release.set()
        lane.shutdown()


@pytest.mark.unit
def test_small_uploads_waiting_together_are_batched_within_a_cost_cap() -> None:
    """Issue 27: each upload paid a write, a publish and a re-opening of the index of its own.
    Waiting small uploads go in one batch; a large one, a deletion, and a document with a later
    job waiting behind it do not."""
    first = _job("note-1", 1.0, 0.0, 0)
    waiting = [
        _job("note-2", 1.0, 0.1, 1),
        _job("mail", 62.0, 0.2, 2),
        _job("note-3", 2.0, 0.3, 3),
        _job("zubr", 1.0, 0.4, 4),
        _job("zubr-again", 1.0, 0.5, 5, doc="zubr"),
        _job("note-4", 3.0, 0.6, 6),
        _job("note-5", 2.5, 0.7, 7),
    ]
    batchable = [replace(j, batchable=j.job_id != "note-3") for j in waiting]
    lead = replace(first, batchable=True)
    assert [j.job_id for j in batch_after(lead, batchable, max_cost=8.0)] == [
        "note-2",
        "note-5",
        "note-4",
    ]
    assert [j.job_id for j in batch_after(lead, batchable, max_jobs=2)] == ["note-2"]
    assert batch_after(first, batchable) == []  # the first is not batchable (a deletion)


@pytest.mark.unit
def test_an_idle_lane_lets_go_once_after_its_last_job_never_before_the_first() -> None:
    """The quick lane keeps its parse child through a burst and closes it once idle."""
    events: list[str] = []
    idle = threading.Event()

    def on_idle() -> None:
        events.append("idle")
        idle.set()

    lane = LaneQueue("test", on_idle=on_idle, idle_after=lambda: 0.05)
    try:
        assert not idle.wait(0.2) and events == []  # no job ran yet: nothing to let go of
        lane.put("a", "a", 1.0, lambda: events.append("a"))
        assert idle.wait(30)
        idle.clear()
        lane.put("b", "b", 1.0, lambda: events.append("b"))
        assert idle.wait(30)
        threading.Event().wait(0.2)  # no job since: no second call
        assert events == ["a", "idle", "b", "idle"]
    finally:
        lane.shutdown()
