"""What every request passes before the app reads its body: the write token and the size cap.

A pure ASGI middleware, so nothing is read or spooled to disk first: a write without the right
token is answered 401/403 from its headers alone, a declared ``Content-Length`` over the cap is
answered 413 at once, and a body sent without one (chunked) is counted as it streams and cut off
with 413 when it passes the cap. A body that stops arriving for ``body_idle_timeout`` seconds is
ended with 408.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_IDLE_TIMEOUT = 30.0

# (status, detail, extra headers) when a write is refused; None when it may go on.
WriterCheck = Callable[[str | None], tuple[int, str, dict[str, str]] | None]


class RequestGuard:
    """Checks writes' tokens before their bodies, and caps every body as it streams."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        check_writer: WriterCheck,
        is_write: Callable[[str, str], bool],
        max_body_bytes: int,
        too_large: str,
        headers: Mapping[str, str],
        body_idle_timeout: float = BODY_IDLE_TIMEOUT,
    ) -> None:
        self.app = app
        self.check_writer = check_writer
        self.is_write = is_write
        self.max_body_bytes = max_body_bytes
        self.too_large = too_large
        self.headers = dict(headers)
        self.body_idle_timeout = body_idle_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.is_write(scope["method"], scope["path"]):
            refusal = self.check_writer(headers.get("authorization"))
            if refusal is not None:
                status, detail, extra = refusal
                await self._answer(send, status, detail, extra)
                return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            status = 413 if length.isdigit() else 400
            detail = self.too_large if length.isdigit() else "Invalid Content-Length."
            await self._answer(send, status, detail, {"Connection": "close"})
            return
        await self._guarded(scope, receive, send)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, answering 413 (408) for it if the body passes the cap (stops coming).

        The app is then told the client went away, and whatever it answers is dropped.
        """
        received = 0
        complete = started = answered = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = True
            await send(message)

        async def refuse(status: int, detail: str) -> Message:
            nonlocal answered
            if not started and not answered:
                await self._answer(send, status, detail, {"Connection": "close"})
            answered = True
            return {"type": "http.disconnect"}

        async def limited_receive() -> Message:
            nonlocal received, complete
            if answered:
                return {"type": "http.disconnect"}
            if complete:  # after the body only a disconnect can come: no timeout on waiting
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_idle_timeout)
            except TimeoutError:
                seconds = f"{self.body_idle_timeout:g}"
                return await refuse(408, f"The request body stopped arriving for {seconds} s.")
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_body_bytes:
                    return await refuse(413, self.too_large)
            else:
                complete = True
            return message

        await self.app(scope, limited_receive, guarded_send)

    async def _answer(self, send: Send, status: int, detail: str, extra: dict[str, str]) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers: dict[str, Any] = {
            **self.headers,
            **extra,
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
        }
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body})
