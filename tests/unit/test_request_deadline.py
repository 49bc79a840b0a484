"""A request past EQV_HTTP_REQUEST_DEADLINE_S is answered 503, and its warning names what it was
stuck on: the await chain of its task, the worker thread running its synchronous code (that
thread's stack, and whether it is alive at all) and the web threads' limiter.

No timing is asserted: the stalled code waits on events the test sets, and the deadline is only
how long until a request that never ends is cut."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import anyio
import anyio.to_thread
import pytest
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from litestar import Litestar, get
from litestar.testing import TestClient
from structlog.testing import capture_logs

from adapters.http.slow_clients import request_deadline_middleware, stalled_request

WAIT_S = 30.0  # bounds a hung test only (events end every wait here long before)


def held_lock_wait(entered: threading.Event, release: threading.Event) -> str:
    """What a handler thread stuck on a lock looks like (a pool checkout, a SQLite write lock)."""
    entered.set()
    release.wait()
    return "released"


def test_the_diagnosis_names_the_worker_thread_and_where_it_waits() -> None:
    entered, release = threading.Event(), threading.Event()

    async def main() -> dict[str, Any]:
        request = asyncio.ensure_future(anyio.to_thread.run_sync(held_lock_wait, entered, release))
        await anyio.to_thread.run_sync(entered.wait)  # the handler's thread is inside the wait
        try:
            return stalled_request(request)  # type: ignore[arg-type]
        finally:
            release.set()
            assert await request == "released"

    found = asyncio.run(main())
    assert any("run_sync" in frame for frame in found["waiting_on"]), found["waiting_on"]
    worker = found["worker_thread"]
    assert worker["alive"] is True and worker["name"] == "AnyIO worker thread"
    assert any("held_lock_wait" in frame for frame in worker["stack"]), worker["stack"]
    assert "wait" in worker["stack"][-1]  # where it is stuck: the innermost frame
    assert found["thread_limiter"].endswith("/40")  # anyio's default; the served app caps it (app.py)


def test_a_dead_worker_thread_is_reported_as_such() -> None:
    """A thread that died (or never runs the job) leaves the request waiting forever: say so."""

    class Dead(threading.Thread):
        pass

    dead = Dead(target=lambda: None, name="dead worker")
    dead.start()
    dead.join()

    async def waits_on(worker: threading.Thread) -> None:
        await asyncio.Event().wait()

    async def main() -> dict[str, Any]:
        task = asyncio.ensure_future(waits_on(dead))
        await asyncio.sleep(0)  # the task is now suspended in its await
        try:
            return stalled_request(task)
        finally:
            task.cancel()

    found = asyncio.run(main())
    assert found["worker_thread"] == {"name": "dead worker", "alive": False, "stack": []}
    assert any("waits_on" in frame for frame in found["waiting_on"])


def test_a_stuck_request_gets_503_and_its_warning_says_what_it_waited_on() -> None:
    never = anyio.Event()

    @get("/stuck")
    async def stuck() -> str:
        await never.wait()
        return "never"

    app = Litestar([stuck], middleware=[request_deadline_middleware(0.01)])
    with TestClient(app) as client, capture_logs() as logs:
        response = client.get("/stuck")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["detail"] == "Request took too long; retry shortly"
    (warning,) = [entry for entry in logs if entry["event"] == "request deadline exceeded"]
    assert warning["path"] == "/stuck" and warning["deadline_s"] == 0.01
    assert warning["waiting_on"], warning  # the await chain at the moment the deadline struck
    assert "diagnostic_error" not in warning


class StrikeByHand:
    """The deadline's `arm`: nothing fires by itself; `strike()` fires it on the app's event loop."""

    def __init__(self) -> None:
        self.armed = threading.Event()
        self._fire: tuple[asyncio.AbstractEventLoop, Callable[[], None]] | None = None

    def __call__(self, delay: float, fire: Callable[[], None]) -> Callable[[], None]:
        self._fire = (asyncio.get_running_loop(), fire)
        self.armed.set()
        return lambda: None

    def strike(self) -> None:
        assert self._fire is not None
        loop, fire = self._fire
        loop.call_soon_threadsafe(fire)


def test_a_handler_thread_stuck_on_a_lock_is_named_with_its_stack() -> None:
    """A sync handler runs in the event loop's executor (Litestar's sync_to_thread), not in
    anyio's threads: the warning shows that executor's threads, the stuck one inside the handler."""
    entered, release = threading.Event(), threading.Event()

    @get("/held", sync_to_thread=True)
    def held() -> str:
        return held_lock_wait(entered, release)

    deadline = StrikeByHand()
    app = Litestar([held], middleware=[request_deadline_middleware(60.0, arm=deadline)])
    answers: list[Any] = []
    with TestClient(app) as client, capture_logs() as logs:
        asking = threading.Thread(target=lambda: answers.append(client.get("/held")))
        asking.start()
        try:
            assert entered.wait(WAIT_S) and deadline.armed.wait(WAIT_S)
            deadline.strike()
            asking.join(WAIT_S)
        finally:
            release.set()
        asking.join(WAIT_S)
    (response,) = answers
    assert response.status_code == 503
    (warning,) = [entry for entry in logs if entry["event"] == "request deadline exceeded"]
    assert any("sync_to_thread" in frame for frame in warning["waiting_on"]), warning["waiting_on"]
    executor = warning["handler_executor"]
    assert executor["queued"] == 0 and executor["threads"] >= 1
    stuck = [stack for stack in executor["stacks"].values() if any("held_lock_wait" in f for f in stack)]
    assert len(stuck) == 1 and "wait" in stuck[0][-1], executor["stacks"]


def test_a_call_waiting_for_a_handler_thread_is_counted_as_queued() -> None:
    """Every handler thread busy: the next call waits in the executor's queue, and the warning says so."""
    entered, release = threading.Event(), threading.Event()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handlers")

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(executor)
        busy = loop.run_in_executor(None, held_lock_wait, entered, release)
        await anyio.to_thread.run_sync(entered.wait)
        waiting = loop.run_in_executor(None, held_lock_wait, threading.Event(), release)  # runs once released
        try:
            return stalled_request(None)
        finally:
            release.set()
            assert await busy == await waiting == "released"

    found = asyncio.run(main())
    state = found["handler_executor"]
    assert (state["threads"], state["max_workers"], state["queued"]) == (1, 1, 1)
    (stack,) = state["stacks"].values()
    assert any("held_lock_wait" in frame for frame in stack)


def test_the_frames_are_taken_with_the_collector_paused_and_its_state_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """python/cpython#106883: a collection inside sys._current_frames() can deadlock on 3.11 < 3.11.9."""
    import gc
    import sys

    from adapters.http.slow_clients import current_frames

    seen: list[bool] = []
    real = sys._current_frames

    def watched() -> dict[int, Any]:
        seen.append(gc.isenabled())
        return real()

    monkeypatch.setattr(sys, "_current_frames", watched)
    try:
        assert gc.isenabled()
        frames = current_frames()
        assert gc.isenabled() and seen == [False]  # paused during the call, enabled after
        assert threading.get_ident() in frames
        gc.disable()
        current_frames()
        assert not gc.isenabled()  # a caller that had disabled it keeps it disabled
    finally:
        gc.enable()
