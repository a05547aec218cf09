"""Fair shares of search (issue 24, finding 7): a few searches at once per client address (the
next in a bounded line), and expensive queries in a lane of their own that waits for the quick ones; the API answers 400 for a
query over its budget and 429 when the gate refuses.

The gate's rules are tested on the gate (no server); the wiring through the app with the hash
encoder's corpus index. The timing under real load: ``tests/reliability/test_search_fairness.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hash_fixtures import corpus_index, embedder  # noqa: F401 (fixtures)

from api import search_gate
from api.search_gate import SearchGate, SearchRefused
from retrieval.query_budget import MAX_EXPANDED_WORDS

HEAVY, QUICK = 100, 1  # query cost units


async def _search(
    gate: SearchGate, client: str, units: int, seconds: float, log: list[str]
) -> None:
    try:
        async with gate.admit(client, units):
            log.append(f"{client} started")
            await asyncio.sleep(seconds)
            log.append(f"{client} ended")
    except SearchRefused as exc:
        log.append(f"{client} refused: {exc}")


@pytest.mark.unit
def test_a_client_runs_four_searches_at_once_the_rest_wait_in_a_bounded_line() -> None:
    async def scenario() -> list[str]:
        gate = SearchGate(per_client=4, client_waiting=2, client_wait=5.0)
        log: list[str] = []
        first = [asyncio.create_task(_search(gate, "a", QUICK, 0.2, log)) for _ in range(6)]
        await asyncio.sleep(0.05)
        assert log.count("a started") == 4 and gate.in_flight("a") == 6  # 4 run, 2 wait
        await _search(gate, "a", QUICK, 0, log)  # a seventh: the line is full
        await _search(gate, "b", QUICK, 0, log)  # another address goes on at once
        await asyncio.gather(*first)
        assert gate.in_flight("a") == 0
        return log

    log = asyncio.run(scenario())
    assert log.count("a started") == 6 and log.count("a ended") == 6
    assert [line for line in log if "refused" in line] == [
        "a refused: Too many searches at once from your address (4 running, 2 waiting): "
        "wait for some to finish."
    ]
    assert log.index("b started") < log.index("a ended")


@pytest.mark.unit
def test_an_expensive_query_waits_for_the_quick_ones_running() -> None:
    async def scenario() -> list[str]:
        gate = SearchGate(heavy_yield=5.0, heavy_rest=0.0)
        log: list[str] = []
        quick = asyncio.create_task(_search(gate, "quick", QUICK, 0.3, log))
        await asyncio.sleep(0.05)
        await _search(gate, "heavy", HEAVY, 0, log)
        await quick
        return log

    assert asyncio.run(scenario()) == [
        "quick started",
        "quick ended",
        "heavy started",
        "heavy ended",
    ]


class _Clock:
    """The gate's clock, moved by the test: how long a query took is what the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.mark.unit
def test_expensive_queries_run_one_at_a_time_then_the_lane_rests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    monkeypatch.setattr(search_gate, "time", clock)

    async def scenario() -> list[str]:
        gate = SearchGate(heavy_rest=1.0, heavy_waiting=1, heavy_wait=5.0)
        log: list[str] = []
        a_done = asyncio.Event()

        async def run_a() -> None:
            async with gate.admit("a", HEAVY):
                log.append("a started")
                await a_done.wait()
                clock.now += 0.2  # a took 0.2 s
                log.append("a ended")

        first = asyncio.create_task(run_a())
        await asyncio.sleep(0.02)
        second = asyncio.create_task(_search(gate, "b", HEAVY, 0, log))
        await asyncio.sleep(0.02)
        await _search(gate, "c", HEAVY, 0, log)  # one runs, one waits: the lane is full
        a_done.set()
        await first
        clock.now += 0.15  # within the rest (as long as a took): b waits through many polls
        await asyncio.sleep(0.3)
        log.append("rest")
        clock.now += 0.1  # the rest is over
        await second
        return log

    log = asyncio.run(scenario())
    assert log[:2] == ["a started", "c refused: " + log[1].removeprefix("c refused: ")]
    assert "busy with expensive queries" in log[1]
    assert log[2:] == ["a ended", "rest", "b started", "b ended"]


@pytest.mark.unit
def test_an_expensive_query_that_cannot_start_in_time_is_refused() -> None:
    async def scenario() -> list[str]:
        gate = SearchGate(heavy_wait=0.2)
        log: list[str] = []
        holder = asyncio.create_task(_search(gate, "holder", HEAVY, 0.5, log))
        await asyncio.sleep(0.02)
        await _search(gate, "late", HEAVY, 0, log)
        await holder
        assert gate.in_flight("late") == 0
        return log

    log = asyncio.run(scenario())
    assert log[1] == (
        "late refused: The server is busy with expensive queries: none started in 0.2 s; "
        "try again, or simplify the query."
    )


def test_the_api_refuses_a_query_over_budget_and_answers_429_for_the_gate(
    index_copy: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(index_copy, api_token=None)
    fuzzy = " ".join(f"tr{c}~" for c in "abcdefghijklmnopqrstuvwxyz"[: MAX_EXPANDED_WORDS + 1])
    over = client.get("/api/search", params={"q": fuzzy})
    assert over.status_code == 400 and "at most" in over.json()["detail"]
    assert client.get("/api/search", params={"q": "tractor exports"}).status_code == 200

    gate = client.app.state.citesearch.search_gate  # type: ignore[attr-defined]
    gate.per_client, gate.client_waiting = 0, 0
    busy = client.get("/api/search", params={"q": "tractor exports"})
    assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
    assert "Too many searches at once" in busy.json()["detail"]
