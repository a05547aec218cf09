"""Limits a client cannot walk past (issue 14, findings 3 and 4).

The token is checked from the headers, before any body is read; every body, chunked or not, is
counted as it streams and cut off at the cap; clients too slow to send their headers or body are
disconnected; connections are capped below the open-files limit; and repeated errors are logged
once per interval. Raw sockets talk to real uvicorn servers: in this process where the limits are
set small, and `citesearch serve` in its own process with a low descriptor limit.
"""

from __future__ import annotations

import logging
import os
import resource
import select
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from reliability_support import SOAK, TOKEN, serve_process

from api.app import create_app
from api.local_server import ServerLimits, ThrottledLog, running_server
from index.models.encoder import Encoder

pytestmark = pytest.mark.integration

BOUNDARY = b"citesearch-boundary"
FORM_HEAD = (
    b"--" + BOUNDARY + b"\r\n"
    b'Content-Disposition: form-data; name="file"; filename="big.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
)


def _port(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def _post_head(authorization: bytes | None) -> bytes:
    head = (
        b"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: multipart/form-data; boundary=" + BOUNDARY + b"\r\n"
    )
    if authorization is not None:
        head += b"Authorization: " + authorization + b"\r\n"
    return head + b"\r\n"


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _status_of(sock: socket.socket, timeout: float) -> int | None:
    """The status of the response waiting on ``sock``, or None if none comes in time."""
    sock.settimeout(timeout)
    try:
        data = sock.recv(4096)
    except TimeoutError:
        return None
    except ConnectionError:
        return None
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data.split()[1])


@contextmanager
def _served(index_dir: Path, embedder: Encoder, **options: object) -> Iterator[str]:
    app = create_app(index_dir, embedder=embedder, **options)  # type: ignore[arg-type]
    with running_server(app) as base_url:
        yield base_url


# ---- 3: the token before the body, the cap as it streams ----------------------------------------


@pytest.mark.parametrize(
    ("token", "authorization", "status"),
    [
        (TOKEN, None, 401),
        (TOKEN, b"Bearer wrong-token", 401),
        (None, b"Bearer " + TOKEN.encode(), 403),
    ],
    ids=["no-token-sent", "wrong-token", "writes-disabled"],
)
def test_a_write_is_refused_from_its_headers_before_the_body_is_read(
    index_copy: Path,
    tmp_path: Path,
    embedder: Encoder,
    token: str | None,
    authorization: bytes | None,
    status: int,
) -> None:
    """Finding 3: a chunked POST without the token wrote 1.5 GB to a temporary file before the
    server answered 401/403. Here the body never ends: the answer must come without it."""
    with (
        _served(index_copy, embedder, api_token=token, upload_dir=tmp_path / "up") as base_url,
        socket.create_connection(("127.0.0.1", _port(base_url))) as sock,
    ):
        sock.sendall(_post_head(authorization) + _chunk(FORM_HEAD + b"x" * 1000))
        assert _status_of(sock, timeout=10) == status


def test_a_chunked_body_is_cut_off_at_the_cap_as_it_streams(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    """Finding 3: the cap looked only at Content-Length; a chunked body of any size was read."""
    cap = 64 * 1024
    uploads = tmp_path / "up"
    block = _chunk(b"x" * (256 * 1024))
    sent = 0
    status = None
    with (
        _served(
            index_copy, embedder, api_token=TOKEN, upload_dir=uploads, max_upload_bytes=cap
        ) as base_url,
        socket.create_connection(("127.0.0.1", _port(base_url))) as sock,
    ):
        sock.sendall(_post_head(b"Bearer " + TOKEN.encode()) + _chunk(FORM_HEAD))
        try:
            while sent < 64 * 1024 * 1024:
                sock.sendall(block)
                sent += len(block)
                if select.select([sock], [], [], 0)[0]:
                    break
            else:
                sock.sendall(b"0\r\n\r\n")
        except ConnectionError:
            pass  # the server answered and closed while this side was still sending
        status = _status_of(sock, timeout=30)
    print(f"\nchunked upload over a {cap // 1024} KiB cap: answered after {sent >> 20} MiB sent")
    assert sent < 16 * 1024 * 1024, f"{sent >> 20} MiB were taken in before the answer"
    assert status in (413, None)  # None: the reset arrived before the answer could be read
    assert [p for p in uploads.glob("*") if not p.name.startswith(".jobs")] == []


# ---- 4: slow clients ----------------------------------------------------------------------------


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed ``sock`` (without blocking; any descriptor number)."""
    sock.setblocking(False)
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except ConnectionError:
        return True


def test_slow_headers_and_bodies_are_disconnected(
    index_copy: Path, tmp_path: Path, embedder: Encoder
) -> None:
    """Finding 4: connections with unfinished headers or bodies stayed open 130 s."""
    limits = ServerLimits(header_timeout=1.0, body_idle_timeout=1.0)
    app = create_app(index_copy, embedder=embedder, api_token=TOKEN, upload_dir=tmp_path / "up")
    with running_server(app, limits=limits) as base_url:
        port = _port(base_url)
        slow_head = socket.create_connection(("127.0.0.1", port))
        slow_head.sendall(b"GET /api/search?q=tractors HTTP/1.1\r\nHost: x\r\n")
        slow_body = socket.create_connection(("127.0.0.1", port))
        slow_body.sendall(
            b"POST /api/documents HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=" + BOUNDARY + b"\r\n\r\n" + FORM_HEAD
        )
        idle = socket.create_connection(("127.0.0.1", port))
        socks = [slow_head, slow_body, idle]
        started = time.monotonic()
        while not all(_closed_by_server(s) for s in socks):
            assert time.monotonic() - started < 15, "slow connections are still open"
            time.sleep(0.1)
        took = time.monotonic() - started
        for sock in socks:
            sock.close()
        assert httpx.get(f"{base_url}/api/search", params={"q": "tractors"}).status_code == 200
    print(f"\nslow header, slow body and idle connections closed after {took:.1f} s")


def _low_descriptor_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))


def test_serve_caps_connections_under_its_descriptor_limit_and_logs_little(
    index_copy: Path, tmp_path: Path
) -> None:
    """Finding 4 as seen: 1,000 slow connections against `citesearch serve` held 1,012
    descriptors, searches timed out and accept() errors filled the log (176 MB in 35 s). With
    512 descriptors the server takes what fits, drops the rest at once (an accept() that fails
    on the way is logged once), disconnects the slow ones after its header deadline, and keeps
    answering."""
    log_file = tmp_path / "serve.log"
    with serve_process(index_copy, stderr=log_file, preexec_fn=_low_descriptor_limit) as (
        base_url,
        proc,
    ):
        port = _port(base_url)
        socks: list[socket.socket] = []
        for _ in range(1000):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(b"GET /api/search?q=tractors HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                continue
            socks.append(sock)
        held = len(os.listdir(f"/proc/{proc.pid}/fd"))
        started = time.monotonic()
        open_socks = list(socks)
        while open_socks:
            open_socks = [s for s in open_socks if not _closed_by_server(s)]
            assert time.monotonic() - started < 40, f"{len(open_socks)} slow connections open"
            time.sleep(0.2)
        took = time.monotonic() - started
        for sock in socks:
            sock.close()
        search = httpx.get(f"{base_url}/api/search", params={"q": "tractors"}, timeout=60)
        assert search.status_code == 200
        assert proc.poll() is None
    log = log_file.read_bytes()
    print(
        f"\n1000 slow connections: the server held {held} descriptors (limit 512), all closed "
        f"{took:.1f} s later; log {len(log)} bytes:"
    )
    print(log.decode(errors="replace"))
    assert b"Traceback" not in log
    assert len(log) < 20_000


def test_repeated_errors_are_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    """Finding 4: one accept() traceback per attempt (454,273 in 35 s)."""
    throttle = ThrottledLog(logging.getLogger("citesearch.test"), interval=0.5)
    with caplog.at_level(logging.WARNING, logger="citesearch.test"):
        logged = sum(throttle.warning("accept", "socket.accept() failed") for _ in range(10_000))
        time.sleep(0.6)
        throttle.warning("accept", "socket.accept() failed")
    assert logged == 1
    assert len(caplog.records) == 2
    assert "9999 more like it" in caplog.records[1].getMessage()


# ---- soak: searches keep their latency beside slow connections ----------------------------------


def _search_latencies(base_url: str, seconds: float, errors: list[str]) -> list[float]:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()
    questions = ["Belarus exports to Pakistan", "tractor assembly in Africa", "potash to India"]

    def loop(seed: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            i = seed
            while time.monotonic() < deadline:
                i += 1
                started = time.monotonic()
                try:
                    status = client.get("/api/search", params={"q": questions[i % 3]}).status_code
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                with lock:
                    latencies.append(time.monotonic() - started)
                    if status != 200:
                        errors.append(f"HTTP {status}")

    threads = [threading.Thread(target=loop, args=(s,)) for s in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def test_searches_keep_their_latency_while_slow_connections_are_held(index_copy: Path) -> None:
    """8 clients search with and without slow connections held open against `citesearch serve`
    (500 for 30 s in the soak run; 100 for 5 s here): no error; in the soak run the median
    search with them is under 3 times the median without."""
    slow_count, seconds = (500, 30.0) if SOAK else (100, 5.0)
    errors: list[str] = []
    with serve_process(index_copy) as (base_url, _):
        port = _port(base_url)
        _search_latencies(base_url, 2.0, errors)  # warm-up
        alone = _search_latencies(base_url, seconds, errors)
        stop = threading.Event()
        held = [0]

        def hold_slow_connections() -> None:
            socks: list[socket.socket] = []
            while not stop.is_set():
                socks = [s for s in socks if not _closed_by_server(s) or s.close()]
                while len(socks) < slow_count and not stop.is_set():
                    try:
                        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                        sock.sendall(b"GET /api/search?q=slow HTTP/1.1\r\nHost: x\r\n")
                    except OSError:
                        break
                    socks.append(sock)
                held[0] = max(held[0], len(socks))
                stop.wait(0.2)
            for sock in socks:
                sock.close()

        holder = threading.Thread(target=hold_slow_connections)
        holder.start()
        try:
            while held[0] < slow_count:
                time.sleep(0.1)
            beside = _search_latencies(base_url, seconds, errors)
        finally:
            stop.set()
            holder.join()
    p50_alone, p50_beside = statistics.median(alone), statistics.median(beside)
    ratio = p50_beside / p50_alone
    print(
        f"\n8 clients: median search {p50_alone * 1000:.0f} ms alone ({len(alone)} searches), "
        f"{p50_beside * 1000:.0f} ms beside {held[0]} slow connections ({len(beside)} searches):"
        f" {ratio:.2f}x"
    )
    assert errors == []
    if SOAK:
        assert ratio < 3
