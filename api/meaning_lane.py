"""The thread that gives uploads published by their words their vectors (``index.build.write_meaning``).

An upload is searchable by its words as soon as its lane has parsed and published it; its
passages are embedded here, beside the lanes, so the next upload's words do not wait for this
one's embedding. One round embeds every document waiting at once (uploads that came together
get one generation for their vectors), and a round asked for while one runs follows it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class MeaningLane:
    """Runs ``work`` in a thread of its own each time it is ``kick``-ed (rounds asked for while
    one runs make one more round). ``work`` reports its own failures; an exception is logged."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._work = work
        self._wanted = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def kick(self) -> None:
        """Ask for a round (the thread starts with the first)."""
        with self._lock:
            if self._stopped:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="citesearch-meaning", daemon=True
                )
                self._thread.start()
            self._wanted.set()

    def shutdown(self, *, wait: bool = False, timeout: float | None = None) -> None:
        """No more rounds; with ``wait``, wait for the one running (a round cut short is done
        again at the next start: the index says which documents wait)."""
        with self._lock:
            self._stopped = True
            thread = self._thread
        self._wanted.set()
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            with self._lock:
                if self._stopped:
                    return
                self._wanted.clear()
            try:
                self._work()
            except Exception:  # the next upload (or restart) asks again
                log.exception("giving uploads their vectors")
