"""Slow clients cannot hold the server: a header-read timeout (uvicorn protocol) and a
per-request deadline (ASGI middleware). Uvicorn has neither: a client sending one header
byte a minute kept its socket (and a slot) forever.

EQV_HTTP_HEADER_TIMEOUT_S   a request's headers must arrive within this long of the
                            connection opening (or of the previous response) (default 10)
EQV_HTTP_REQUEST_DEADLINE_S a request (body read, handling, answer) must end within this
                            long; past it the client gets 503 + Retry-After if nothing was
                            sent yet, else the connection is closed (default 60)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import anyio
import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

try:  # uvicorn's default when installed (it is, with uvicorn[standard])
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _BaseProtocol
except ImportError:  # pragma: no cover - h11 only
    _BaseProtocol = H11Protocol  # type: ignore[assignment,misc]

DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_REQUEST_DEADLINE_S = 60.0
log = structlog.get_logger("equivalence.http")


class HeaderTimeoutProtocol(_BaseProtocol):  # type: ignore[misc,valid-type]
    """Uvicorn's HTTP protocol, closing a connection whose request headers are not complete
    within EQV_HTTP_HEADER_TIMEOUT_S (slowloris). Bodies are the request deadline's business."""

    _header_timer: asyncio.TimerHandle | None = None
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S  # set from the settings where the app is built

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is not None and self.cycle is not before:
            self._disarm()  # a new request's headers are complete
        elif self.cycle is None or self.cycle.response_complete:
            self._arm()  # still reading the headers of a (next) request

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is None:
            delay = self.header_timeout_s
            self._header_timer = asyncio.get_running_loop().call_later(delay, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            log.warning("connection closed: request headers too slow", client=self.client and self.client[0])
            self.transport.close()


def request_deadline_middleware(deadline_s: float = DEFAULT_REQUEST_DEADLINE_S) -> Callable[[ASGIApp], ASGIApp]:
    """Each HTTP request ends within `deadline_s` (EQV_HTTP_REQUEST_DEADLINE_S)."""
    return lambda app: _deadline(app, deadline_s)


def _deadline(app: ASGIApp, deadline_s: float) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        with anyio.move_on_after(deadline_s) as scope_deadline:
            await app(scope, receive, tracking_send)
        if not scope_deadline.cancelled_caught:
            return
        log.warning("request deadline exceeded", path=scope.get("path_template") or "unmatched", deadline_s=deadline_s)
        if started:
            raise RuntimeError("request deadline exceeded after the answer started")  # the server closes it
        body = b'{"status_code":503,"detail":"Request took too long; retry shortly"}'
        headers = [
            (b"content-type", b"application/json"),
            (b"retry-after", b"5"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send(cast(Message, {"type": "http.response.start", "status": 503, "headers": headers}))
        await send(cast(Message, {"type": "http.response.body", "body": body}))

    return middleware
