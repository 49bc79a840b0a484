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
from litestar import Litestar, get
from litestar.testing import TestClient
from structlog.testing import capture_logs

from adapters.http.slow_clients import request_deadline_middleware, stalled_request


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
