"""Slow clients cannot hold the server: a header-read timeout (uvicorn protocol) and a
per-request deadline (ASGI middleware). Uvicorn has neither: a client sending one header
byte a minute kept its socket (and a slot) forever.

EQV_HTTP_HEADER_TIMEOUT_S   a request's headers must arrive within this long of the
                            connection opening (or of the previous response) (default 10)
EQV_HTTP_REQUEST_DEADLINE_S a request (body read, handling, answer) must end within this
                            long; past it the client gets 503 + Retry-After if nothing was
                            sent yet, else the connection is closed (default 60)

A request past its deadline is stuck on something (a lock, a pool checkout, a worker thread that
never answers), not slow: its warning names what it was waiting on when the deadline struck
(`stalled_request`): the await chain of the request's task, the worker thread serving it (its
stack, and whether it is still alive), anyio's thread limiter and the handlers' executor. Code positions only, never
values (a frame's locals may hold ementa text).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any, cast

import anyio
import anyio.to_thread
import structlog
from litestar.concurrency import get_asyncio_executor
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


Arm = Callable[[float, Callable[[], None]], Callable[[], None]]
"""Schedule `fire` in `delay` s on the running event loop; returns how to cancel it."""


def call_later(delay: float, fire: Callable[[], None]) -> Callable[[], None]:
    return asyncio.get_running_loop().call_later(delay, fire).cancel


def request_deadline_middleware(
    deadline_s: float = DEFAULT_REQUEST_DEADLINE_S, arm: Arm = call_later
) -> Callable[[ASGIApp], ASGIApp]:
    """Each HTTP request ends within `deadline_s` (EQV_HTTP_REQUEST_DEADLINE_S); `arm` schedules
    the deadline (tests strike it when they choose)."""
    return lambda app: _deadline(app, deadline_s, arm)


def _deadline(app: ASGIApp, deadline_s: float, arm: Arm) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        seen: dict[str, Any] = {}
        task = asyncio.current_task()
        with anyio.CancelScope() as scope_deadline:
            # What the request waits on is read just before it is cancelled (afterwards its
            # await chain is gone): a timer of the event loop, not anyio's own deadline.
            disarm = arm(deadline_s, lambda: _expire(scope_deadline, task, seen))
            try:
                await app(scope, receive, tracking_send)
            finally:
                disarm()
        if not scope_deadline.cancelled_caught:
            return
        path = scope.get("path_template") or "unmatched"
        log.warning("request deadline exceeded", path=path, deadline_s=deadline_s, **seen)
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


STACK_FRAMES = 12  # innermost frames kept of each stack in the deadline's warning
OTHER_THREADS = 20  # distinct innermost frames of the other threads kept


def _expire(deadline: anyio.CancelScope, task: asyncio.Task[Any] | None, seen: dict[str, Any]) -> None:
    """The deadline struck: note what the request waits on, then cancel it."""
    try:
        seen.update(stalled_request(task))
    except Exception as exc:  # noqa: BLE001 - a diagnostic must never keep the request from being cut
        seen["diagnostic_error"] = type(exc).__name__
    deadline.cancel()


def stalled_request(task: asyncio.Task[Any] | None) -> dict[str, Any]:
    """What a request's task is waiting on: `waiting_on` (its await chain, innermost last),
    `worker_thread` (the thread running its synchronous code, if it awaits one: name, alive,
    stack), `thread_limiter` (tokens of anyio's threads in use / total: authentication runs
    there), `handler_executor` (the threads running `sync_to_thread` handlers: their stacks, and
    calls queued for one) and `other_threads` (the process's other threads by innermost frame,
    counted)."""
    found: dict[str, Any] = {}
    current = current_frames()
    frames = _await_chain(task.get_coro()) if task is not None else []
    found["waiting_on"] = [_where(frame) for frame in frames][-STACK_FRAMES:]
    worker = next((f.f_locals.get("worker") for f in reversed(frames) if "worker" in f.f_code.co_varnames), None)
    if isinstance(worker, threading.Thread):
        stack = current.get(worker.ident or -1)
        found["worker_thread"] = {
            "name": worker.name,
            "alive": worker.is_alive(),  # False: the thread died and nobody will ever answer
            "stack": _stack(stack) if stack is not None else [],
        }
    try:
        limiter = anyio.to_thread.current_default_thread_limiter()
        found["thread_limiter"] = f"{limiter.borrowed_tokens}/{limiter.total_tokens}"
    except Exception as exc:  # noqa: BLE001 - outside anyio's reach: say so, report the rest
        found["thread_limiter"] = f"unknown ({type(exc).__name__})"
    found["handler_executor"] = _executor_state(current)
    found["other_threads"] = _other_threads(current, worker.ident if isinstance(worker, threading.Thread) else None)
    return found


def current_frames() -> dict[int, FrameType]:
    """`sys._current_frames()` with the garbage collector paused for the call.

    On CPython 3.11 before 3.11.9, a collection triggered inside that call (it allocates one
    dict entry per thread while holding the runtime's thread-list lock) can run a finalizer
    that lets another thread take the GIL; if that thread is exiting, it waits for the lock
    while this one waits for the GIL: a deadlock (python/cpython#106883, fixed in 3.11.9 by
    the same pause). A test suite with many threads hung on it."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return sys._current_frames()
    finally:
        if paused:
            gc.enable()


def _executor_state(current: dict[int, FrameType]) -> dict[str, Any]:
    """Litestar runs `sync_to_thread` handlers in the event loop's executor (its default one
    unless `litestar.concurrency.set_asyncio_executor` named another), not in anyio's threads:
    its threads' stacks, how many it may have and how many calls wait for one."""
    executor = get_asyncio_executor() or getattr(asyncio.get_running_loop(), "_default_executor", None)
    if not isinstance(executor, ThreadPoolExecutor):
        return {"threads": 0}
    threads = list(getattr(executor, "_threads", ()))
    return {
        "threads": len(threads),
        "max_workers": executor._max_workers,
        "queued": executor._work_queue.qsize(),  # calls waiting for a thread
        "stacks": {
            f"{thread.name}{'' if thread.is_alive() else ' (dead)'}": _stack(current[thread.ident]) if thread.ident in current else []
            for thread in threads
        },
    }


def _await_chain(awaitable: Any) -> list[FrameType]:
    """The frames of a suspended coroutine and of everything it awaits, outermost first."""
    frames: list[FrameType] = []
    while awaitable is not None and len(frames) < 200:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None) or getattr(awaitable, "ag_frame", None)
        if frame is None:
            break
        frames.append(frame)
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None) or getattr(awaitable, "ag_await", None)
    return frames


def _stack(frame: FrameType) -> list[str]:
    return [f"{_short(entry.filename)}:{entry.lineno} {entry.name}" for entry in traceback.extract_stack(frame)][-STACK_FRAMES:]


def _where(frame: FrameType) -> str:
    return f"{_short(frame.f_code.co_filename)}:{frame.f_lineno} {frame.f_code.co_name}"


_ROOT = str(Path(__file__).resolve().parents[2]) + "/"


def _short(filename: str) -> str:
    """A package's path from its import root (`anyio/to_thread.py`, `threading.py`, `adapters/...`)."""
    if "/site-packages/" in filename:
        return filename.rsplit("/site-packages/", 1)[1]
    if filename.startswith(_ROOT):
        return filename[len(_ROOT):]
    parts = filename.rsplit("/lib/python3", 1)
    return parts[1].split("/", 1)[1] if len(parts) == 2 and "/" in parts[1] else filename


def _other_threads(current: dict[int, FrameType], skip: int | None) -> dict[str, int]:
    """Every other thread by its innermost frame, counted (the holder of a lock shows up here)."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    counted = Counter(
        f"{_where(frame)} [{names.get(ident, '?')}]"
        for ident, frame in current.items()
        if ident not in (skip, threading.get_ident())
    )
    return dict(counted.most_common(OTHER_THREADS))
