"""One client's expensive queries do not starve the others (issue 24, finding 7): with three
clients looping the most expensive valid queries, another client's searches stay under 3x their
median alone.

The server is `citesearch serve` in its own process on the hash-encoder corpus index; each client
speaks from an address of its own on the loopback network (127.0.0.2, .3, ...), as clients on
other machines would.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from reliability_support import serve_process

from retrieval.query_budget import MAX_EXPANDED_WORDS, MAX_PHRASES

pytestmark = pytest.mark.integration

SEARCHES = 20  # per median
HEAVY_CLIENTS = 3
QUESTIONS = [
    "Belarus exports to Pakistan",
    "tractor assembly in Africa",
    "potash fertilizer supplies to India",
    "joint ventures with China",
]
PHRASES = ["trade turnover", "export markets", "foreign ministers", "joint ventures"]


def heaviest_query() -> str:
    """A valid query at the budget: the most fuzzy words (short ones, at distance 2, match the
    most terms), the most phrases, then plain words up to the length limit."""
    stems = ("".join(p) for p in itertools.product("bcdfgmpst", "aeiou"))
    parts = [f"{s}~" for s in itertools.islice(stems, MAX_EXPANDED_WORDS)]
    parts += [f'"{PHRASES[i % len(PHRASES)]}"' for i in range(MAX_PHRASES)]
    filler = itertools.cycle(
        ["Belarus", "trade", "Vietnam", "tractors", "potash", "exports", "markets"]
    )
    query = " ".join(parts)
    while len(query) < 490:
        query += " " + next(filler)
    return query


def _client(base_url: str, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base_url, transport=transport, timeout=60)


def _median_search_seconds(client: httpx.Client) -> float:
    times = []
    for i in range(SEARCHES):
        started = time.perf_counter()
        response = client.get("/api/search", params={"q": QUESTIONS[i % len(QUESTIONS)]})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(times)


def test_searches_of_one_client_stay_under_3x_while_three_others_loop_heavy_queries(
    corpus_index: Path,
) -> None:
    heavy = heaviest_query()
    with serve_process(corpus_index) as (base_url, _), _client(base_url, "127.0.0.2") as client:
        answered = client.get("/api/search", params={"q": heavy})
        assert answered.status_code == 200, answered.text  # valid: within the budget
        for question in QUESTIONS:  # warm
            client.get("/api/search", params={"q": question})
        alone = _median_search_seconds(client)

        stop = threading.Event()
        statuses: Counter[int] = Counter()
        lock = threading.Lock()

        def loop(address: str) -> None:
            with _client(base_url, address) as looper:
                while not stop.is_set():
                    status = looper.get("/api/search", params={"q": heavy}).status_code
                    with lock:
                        statuses[status] += 1

        loopers = [
            threading.Thread(target=loop, args=(f"127.0.0.{3 + i}",), daemon=True)
            for i in range(HEAVY_CLIENTS)
        ]
        for thread in loopers:
            thread.start()
        try:
            time.sleep(1.0)  # the loop under way
            loaded = _median_search_seconds(client)
        finally:
            stop.set()
            for thread in loopers:
                thread.join(timeout=60)
    print(f"alone {alone * 1000:.0f} ms, loaded {loaded * 1000:.0f} ms, heavy answers {statuses}")
    assert statuses[200] >= HEAVY_CLIENTS, statuses  # the heavy queries did run
    assert set(statuses) <= {200, 429}, statuses
    assert loaded < 3 * alone, f"alone {alone:.3f} s, with heavy clients {loaded:.3f} s"
