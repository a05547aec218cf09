"""Fair shares of the search endpoint: one client's heavy queries cannot starve the others'.

- A client address runs at most ``per_client`` searches at once; more wait in line (no thread
  is held while they wait), at most ``client_waiting`` of them and ``client_wait`` seconds each.
- Expensive queries (``retrieval.query_budget``: many fuzzy or prefix words, phrases, a long
  pasted text) run in a lane of their own, ``heavy_slots`` at a time, at most ``heavy_waiting``
  waiting, each at most ``heavy_wait`` seconds. Quick queries never wait for that lane; the lane
  waits for them: an expensive query starts when no quick one is running (or after
  ``heavy_yield`` seconds of waiting for that), and after one ran the lane rests as long as it
  took (``heavy_rest`` times), so expensive queries take at most about half the server's time.
  Searches share one process (Python runs one thread at a time), so a quick query that runs
  beside an expensive one takes about twice as long: the rest keeps that to part of the time.

A search past those bounds is refused (``SearchRefused``: 429 with Retry-After). The gate lives on
the server's event loop. A proxy in front of the server makes every client one address: its own
limits apply then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

MAX_SEARCHES_PER_CLIENT = 4
MAX_WAITING_PER_CLIENT = 32
CLIENT_WAIT_SECONDS = 30.0
HEAVY_QUERY_UNITS = 30  # ``QueryCost.units`` from which a query takes the heavy lane
HEAVY_SLOTS = 1
HEAVY_WAITING = 8
HEAVY_WAIT_SECONDS = 10.0
HEAVY_YIELD_SECONDS = 1.0
HEAVY_REST = 1.0
_POLL_SECONDS = 0.05  # waiters are woken on every change; this only bounds a missed rest's end


class SearchRefused(RuntimeError):
    """A search not run now; the message says why, ``retry_after`` when to try again (s)."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SearchGate:
    """Counts searches per client address and runs expensive ones in their own lane."""

    def __init__(
        self,
        *,
        per_client: int = MAX_SEARCHES_PER_CLIENT,
        client_waiting: int = MAX_WAITING_PER_CLIENT,
        client_wait: float = CLIENT_WAIT_SECONDS,
        heavy_units: int = HEAVY_QUERY_UNITS,
        heavy_slots: int = HEAVY_SLOTS,
        heavy_waiting: int = HEAVY_WAITING,
        heavy_wait: float = HEAVY_WAIT_SECONDS,
        heavy_yield: float = HEAVY_YIELD_SECONDS,
        heavy_rest: float = HEAVY_REST,
    ) -> None:
        self.per_client = per_client
        self.client_waiting = client_waiting
        self.client_wait = client_wait
        self.heavy_units = heavy_units
        self.heavy_slots = heavy_slots
        self.heavy_waiting = heavy_waiting
        self.heavy_wait = heavy_wait
        self.heavy_yield = heavy_yield
        self.heavy_rest = heavy_rest
        self._changed: asyncio.Condition | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: dict[str, int] = {}  # client -> searches running
        self._queued: dict[str, int] = {}  # client -> searches waiting for one of its places
        self._waiting = 0  # expensive queries waiting for the lane
        self._heavy = 0  # expensive queries running
        self._quick = 0  # quick queries running
        self._rest_until = 0.0  # monotonic time before which no expensive query starts

    def in_flight(self, client: str) -> int:
        """Searches of ``client`` running or waiting."""
        return self._running.get(client, 0) + self._queued.get(client, 0)

    def _condition(self) -> asyncio.Condition:
        loop = asyncio.get_running_loop()
        if self._changed is None or self._loop is not loop:  # a new loop (a test's client)
            self._changed, self._loop = asyncio.Condition(), loop
        return self._changed

    @asynccontextmanager
    async def admit(self, client: str, units: int) -> AsyncIterator[None]:
        """Run the block as one search of ``client`` costing ``units``, once the gate lets it;
        raises SearchRefused when the client's line or the heavy lane is full, or its wait ends."""
        changed = self._condition()
        heavy = units >= self.heavy_units
        async with changed:
            await self._take_client_place(changed, client)
            self._quick += not heavy
        try:
            if heavy:
                async with self._heavy_lane(changed):
                    yield
            else:
                yield
        finally:
            async with changed:
                self._quick -= not heavy
                _count(self._running, client, -1)
                changed.notify_all()

    async def _take_client_place(self, changed: asyncio.Condition, client: str) -> None:
        if self._running.get(client, 0) >= self.per_client:
            if self._queued.get(client, 0) >= self.client_waiting:
                raise SearchRefused(
                    f"Too many searches at once from your address ({self.per_client} running, "
                    f"{self.client_waiting} waiting): wait for some to finish."
                )
            _count(self._queued, client, 1)
            try:
                await _wait_until(
                    changed,
                    lambda: self._running.get(client, 0) < self.per_client,
                    time.monotonic() + self.client_wait,
                    f"Your address's searches did not get a place in {self.client_wait:g} s "
                    f"(at most {self.per_client} run at once): wait for some to finish.",
                )
            finally:
                _count(self._queued, client, -1)
        _count(self._running, client, 1)

    @asynccontextmanager
    async def _heavy_lane(self, changed: asyncio.Condition) -> AsyncIterator[None]:
        arrived = time.monotonic()
        stop_yielding = arrived + self.heavy_yield
        async with changed:
            if self._waiting >= self.heavy_waiting:
                raise SearchRefused(
                    "The server is busy with expensive queries (many fuzzy or prefix words, "
                    "phrases or a long text): try again in a few seconds, or simplify the query.",
                    retry_after=2,
                )

            def may_start() -> bool:
                now = time.monotonic()
                free = self._heavy < self.heavy_slots and now >= self._rest_until
                return free and (self._quick == 0 or now >= stop_yielding)

            self._waiting += 1
            try:
                await _wait_until(
                    changed,
                    may_start,
                    arrived + self.heavy_wait,
                    f"The server is busy with expensive queries: none started in "
                    f"{self.heavy_wait:g} s; try again, or simplify the query.",
                    retry_after=2,
                )
            finally:
                self._waiting -= 1
            self._heavy += 1
        started = time.monotonic()
        try:
            yield
        finally:
            async with changed:
                self._heavy -= 1
                ended = time.monotonic()
                self._rest_until = ended + (ended - started) * self.heavy_rest
                changed.notify_all()


async def _wait_until(
    changed: asyncio.Condition,
    ready: Callable[[], bool],
    deadline: float,
    refusal: str,
    retry_after: int = 1,
) -> None:
    """With ``changed`` held: wait until ``ready()``, or raise SearchRefused at ``deadline``."""
    while not ready():
        left = deadline - time.monotonic()
        if left <= 0:
            raise SearchRefused(refusal, retry_after)
        with suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), min(left, _POLL_SECONDS))


def _count(counts: dict[str, int], key: str, step: int) -> None:
    left = counts.get(key, 0) + step
    if left:
        counts[key] = left
    else:
        counts.pop(key, None)
