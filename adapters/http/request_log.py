"""One structured log line per request, and the request id echoed in `X-Request-Id`.

Only metadata is logged (request id, tenant, route, method, status, latency): never a
body, so no ementa, `context` or API key can reach the logs.

Every other line logged while a request is handled (structlog or stdlib, in any thread the
request runs in) carries the same `request_id` (bound with structlog's contextvars) and, once
the key is known, its `tenant` (`add_request_context`: the tenant is learned in a worker thread,
whose context does not flow back, so it is read from the request's state instead).
"""

from __future__ import annotations

import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

REQUEST_ID_HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")
log = structlog.get_logger("equivalence.http")
_REQUEST_STATE: ContextVar[dict[str, Any] | None] = ContextVar("eqv_request_state", default=None)


def add_request_context(_logger: Any, _method: str, event_dict: Any) -> Any:
    """structlog processor: the tenant of the request being handled, when its key is known."""
    state = _REQUEST_STATE.get()
    if state is not None and state.get("tenant_id") is not None:
        event_dict.setdefault("tenant", state["tenant_id"])
    return event_dict


def request_id_from(scope: Scope) -> str:
    """The caller's X-Request-Id when it is a sane token, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and _VALID_ID.match(value):
            return value.decode("ascii")
    return uuid.uuid4().hex


def request_log_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        token = _REQUEST_STATE.set(state)
        try:
            with structlog.contextvars.bound_contextvars(request_id=request_id):
                await app(scope, receive, send_with_id)
        finally:
            _log_request(scope, request_id, status, started)
            _REQUEST_STATE.reset(token)

    return middleware


def _log_request(scope: HTTPScope, request_id: str, status: int, started: float) -> None:
    state: dict[str, Any] = scope.get("state", {})
    route = scope.get("path_template") or "unmatched"  # a template: ids never reach the logs either
    log.info(
        "request",
        request_id=request_id,
        tenant=state.get("tenant_id"),
        method=scope["method"],
        route=route,
        status=status,
        latency_ms=round((time.perf_counter() - started) * 1000, 2),
    )
