"""How citesearch runs uvicorn: limits slow or numerous clients cannot walk past.

``citesearch serve`` and the tests' ``running_server`` both build their server here:

- a request's headers must arrive within ``header_timeout`` seconds of the connection (or of the
  previous response), and its body may pause at most ``body_idle_timeout`` seconds;
- at most ``max_connections`` connections are open at once: one more is closed as soon as it is
  accepted (it costs a descriptor for a moment, never for long);
- idle keep-alive connections close after ``keep_alive_timeout`` seconds;
- errors the event loop reports again and again (``accept()`` failing when descriptors run out)
  are logged once per ``log_interval`` with a count, not once per attempt.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

FILES_HEADROOM = 128  # descriptors left free beyond those open at start, for builds and logs


@dataclass(frozen=True)
class ServerLimits:
    header_timeout: float = 10.0
    body_idle_timeout: float = 30.0
    keep_alive_timeout: int = 5
    max_connections: int = 1000
    max_header_bytes: int = 64 * 1024
    log_interval: float = 10.0

    def fitted(self) -> ServerLimits:
        """These limits with ``max_connections`` kept under the open-files limit: what is open
        now (the model, the index, pipes), and room for a build's files, stay free."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self
        try:
            in_use = len(os.listdir("/proc/self/fd"))
        except OSError:
            in_use = 64
        room = max(16, soft - in_use - FILES_HEADROOM)
        return ServerLimits(
            header_timeout=self.header_timeout,
            body_idle_timeout=self.body_idle_timeout,
            keep_alive_timeout=self.keep_alive_timeout,
            max_connections=min(self.max_connections, room),
            max_header_bytes=self.max_header_bytes,
            log_interval=self.log_interval,
        )


class ThrottledLog:
    """Logs a repeated message once per interval, saying how many were held back."""

    def __init__(self, logger: logging.Logger, interval: float) -> None:
        self.logger = logger
        self.interval = interval
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(self, key: str, message: str, *, exc_info: Any = None) -> bool:
        """Log unless ``key`` was logged within the interval; True when logged."""
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, -self.interval) < self.interval:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
        more = f" ({held} more like it in the last {self.interval:g} s)" if held else ""
        self.logger.warning("%s%s", message, more, exc_info=exc_info)
        return True


def _guarded_protocol(limits: ServerLimits, throttle: ThrottledLog) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a header deadline, a body idle deadline and a connection cap."""

    class GuardedH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None
        _refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.connections) >= limits.max_connections:
                self._refused = True
                self.transport = transport
                throttle.warning(
                    "connections",
                    f"refusing connections: {len(self.connections)} open (the limit)",
                )
                transport.abort()
                return
            super().connection_made(transport)
            self._arm(limits.header_timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if not self._refused:
                super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            state = self.conn.their_state
            if state is h11.SEND_BODY:
                self._arm(limits.body_idle_timeout)  # the body moves: a new idle deadline
            elif state is not h11.IDLE:
                self._disarm()  # the request is in; the app takes its time
            # IDLE: headers still incomplete; the deadline set at the start stands.

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm(limits.header_timeout)

        def _arm(self, seconds: float) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            state = self.conn.their_state
            if state is h11.IDLE or state is h11.SEND_BODY:
                what = "headers" if state is h11.IDLE else "body"
                throttle.warning(
                    f"slow-{what}", f"closed connections too slow to send their {what}"
                )
                if self.cycle is not None and not self.cycle.response_complete:
                    self.cycle.disconnected = True
                    self.cycle.message_event.set()
                self.transport.close()

    return GuardedH11Protocol


class GuardedServer(uvicorn.Server):
    """A uvicorn server whose event loop logs repeated errors once per interval."""

    def __init__(self, config: uvicorn.Config, throttle: ThrottledLog) -> None:
        super().__init__(config)
        self.throttle = throttle

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()

        def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            message = str(context.get("message", "event loop error"))
            exc = context.get("exception")
            key = f"{message}|{type(exc).__name__}"
            self.throttle.warning(key, f"{message}: {exc!r}" if exc else message)

        loop.set_exception_handler(handle)
        await super().startup(sockets=sockets)


def make_server(
    app: FastAPI,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: ServerLimits | None = None,
    log_level: str = "warning",
) -> GuardedServer:
    """The uvicorn server ``citesearch serve`` runs, with ``limits`` (defaults fitted to this
    process's open-files limit)."""
    chosen = (limits or ServerLimits()).fitted()
    throttle = ThrottledLog(logging.getLogger("citesearch.server"), chosen.log_interval)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        http=_guarded_protocol(chosen, throttle),
        timeout_keep_alive=chosen.keep_alive_timeout,
        # Requests being answered at once; one more gets 503 rather than a growing queue.
        limit_concurrency=chosen.max_connections + 1,
        h11_max_incomplete_event_size=chosen.max_header_bytes,
    )
    return GuardedServer(config, throttle)


@contextmanager
def running_server(
    app: FastAPI, *, timeout: float = 30.0, limits: ServerLimits | None = None
) -> Iterator[str]:
    """Run ``app`` with uvicorn on 127.0.0.1 and a free port; yields its base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the port
    between choosing and serving it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = make_server(app, limits=limits)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="citesearch-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
