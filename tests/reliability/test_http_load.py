"""Load: 32 concurrent clients against `citesearch serve` on loopback get no error, and the
server's memory stays flat once warm.

The server is the real command (``python -m api.cli serve``, default host) in its own process, so
its resident memory (VmRSS) can be sampled alone, and its listening socket checked: 127.0.0.1
only. ``make test`` runs 5 s of load; ``CITESEARCH_SOAK=1`` runs 60 s.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from reliability_support import SOAK, serve_process

pytestmark = pytest.mark.integration

CLIENTS = 32
SECONDS = 60.0 if SOAK else 5.0
WARM_UP_SECONDS = 15.0 if SOAK else 3.0  # per round, until a round adds under 5 MB
WARM_UP_ROUNDS = 6
MAX_GROWTH_MB = 50.0
ALL_QUESTIONS = [
    "Which dairy shipped its first products to Libya?",
    "Belarus exports to Pakistan",
    "tractor assembly in Africa",
    "trade turnover between Belarus and Vietnam",
    "What did the foreign ministers agree in Islamabad?",
    "potash fertilizer supplies to India",
    "Belarusian trade missions in Latin America",
    "BelAZ mining trucks",
    "joint ventures with China",
    "visa-free regime",
    "pharmaceutical cooperation",
    "new export markets diversification 2025",
]
QUESTIONS = ALL_QUESTIONS if SOAK else ALL_QUESTIONS[:6]
MODES = ["hybrid", "bm25", "dense"]


@dataclass
class Tally:
    served: int = 0
    errors: list[str] = field(default_factory=list)
    by_route: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _listening_addresses(port: int) -> set[str]:
    """The local addresses with a listening TCP socket on ``port`` (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.fixture()
def server(index_copy: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`citesearch serve` on the corpus index, with no --host; its URL and process."""
    with serve_process(index_copy) as served:
        yield served


def _request(client: httpx.Client, rng: random.Random, doc_ids: list[str]) -> tuple[str, int]:
    """One request of a reader's session: mostly searches, then documents, notes, the page."""
    roll = rng.random()
    if roll < 0.7:
        params: dict[str, str | int] = {
            "q": rng.choice(QUESTIONS),
            "k": rng.choice([5, 10]),
            "mode": rng.choice(MODES),
        }
        return "search", client.get("/api/search", params=params).status_code
    doc = rng.choice(doc_ids)
    route, path = rng.choice(
        [
            ("documents", "/api/documents"),
            ("document", f"/api/documents/{doc}"),
            ("footnotes", f"/api/documents/{doc}/footnotes"),
            ("health", "/api/health"),
            ("page", "/"),
            ("script", "/static/app.js"),
        ]
    )
    return route, client.get(path).status_code


def _hammer(base_url: str, seconds: float, tally: Tally, doc_ids: list[str]) -> None:
    """CLIENTS threads, each with its own keep-alive connection, until the time is up."""
    deadline = time.monotonic() + seconds

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base_url, timeout=120) as client:
            while time.monotonic() < deadline:
                try:
                    route, status = _request(client, rng, doc_ids)
                except httpx.HTTPError as exc:
                    with tally.lock:
                        tally.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                with tally.lock:
                    tally.served += 1
                    tally.by_route[route] += 1
                    if status != 200:
                        tally.errors.append(f"{route}: HTTP {status}")

    threads = [threading.Thread(target=client_loop, args=(seed,)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_32_clients_get_no_error_and_memory_stays_flat(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base_url, proc = server
    port = int(base_url.rsplit(":", 1)[1])
    # `citesearch serve` without --host: loopback only, nothing on 0.0.0.0 or ::.
    assert _listening_addresses(port) == {"0100007F"}

    doc_ids = [d["id"] for d in httpx.get(f"{base_url}/api/documents").json()["documents"]]
    with httpx.Client(base_url=base_url, timeout=600) as client:
        for question in QUESTIONS:  # the first searches embed their passages' sentences
            search = client.get("/api/search", params={"q": question, "k": 10})
            assert search.status_code == 200
    # Warm: caches filled, allocator arenas and thread pools at their working size.
    baseline = _rss_mb(proc.pid)
    for _ in range(WARM_UP_ROUNDS):
        _hammer(base_url, WARM_UP_SECONDS, Tally(), doc_ids)
        before, baseline = baseline, _rss_mb(proc.pid)
        if baseline - before < 5:
            break

    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            samples.append(_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    tally = Tally()
    started = time.monotonic()
    try:
        _hammer(base_url, SECONDS, tally, doc_ids)
    finally:
        stop.set()
        sampler.join()
    elapsed = time.monotonic() - started
    final = _rss_mb(proc.pid)
    growth = final - baseline

    print(
        f"\nload: {CLIENTS} clients, {elapsed:.0f} s: {tally.served} requests "
        f"({tally.served / elapsed:.1f}/s; {dict(tally.by_route)}), {len(tally.errors)} errors; "
        f"server RSS {baseline:.0f} MB after warm-up, {final:.0f} MB at the end "
        f"(peak {max(samples, default=final):.0f} MB), growth {growth:+.1f} MB"
    )
    assert tally.errors == []
    assert tally.served >= CLIENTS  # every client was answered at least once
    assert growth < MAX_GROWTH_MB
    assert proc.poll() is None
