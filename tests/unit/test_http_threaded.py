"""The API's route decorators (adapters/http/threaded.py): a `def` handler runs in a worker
thread unless it says otherwise; an `async def` one is left on the event loop."""

from __future__ import annotations

from adapters.http.threaded import delete, get, post, put


def test_a_plain_handler_runs_in_a_worker_thread() -> None:
    for decorator in (get, post, put, delete):

        @decorator("/")
        def handler() -> None: ...

        assert handler.sync_to_thread is True


def test_an_async_handler_and_an_explicit_choice_are_left_alone() -> None:
    @post("/")
    async def on_the_loop() -> None: ...

    @get("/", sync_to_thread=False)
    def said_so() -> None: ...

    assert on_the_loop.sync_to_thread is None and said_so.sync_to_thread is False
