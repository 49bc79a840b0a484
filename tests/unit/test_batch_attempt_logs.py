"""The batch actor's logs: one line per failed attempt (type and first message line, never
the SQL parameters that follow), the traceback once, when the item gives up."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.message import Message
from dramatiq.middleware import CurrentMessage
from structlog.testing import capture_logs

from adapters.queue.dramatiq_queue import ACTOR_NAME, RetryPolicy, _QuietFailures, declare_item_actor

POLICY = RetryPolicy(max_retries=2)
DB_ERROR = "database went away\n[SQL: INSERT ...] [parameters: ('Limites e derivadas',)]"


class Failing:
    def __init__(self) -> None:
        self.given_up: list[tuple[str, int, str]] = []

    def __call__(self, job_id: str, index: int) -> Any:
        raise ConnectionError(DB_ERROR)

    def give_up(self, job_id: str, index: int, error: str) -> None:
        self.given_up.append((job_id, index, error))


def attempt(actor: Any, retries: int) -> list[dict[str, Any]]:
    message: Message[Any] = Message(queue_name="batch", actor_name=ACTOR_NAME, args=("job-1", 3), kwargs={}, options={"retries": retries})
    token = CurrentMessage._MESSAGE.set(message)
    try:
        with capture_logs() as logs, pytest.raises(ConnectionError):
            actor.fn("job-1", 3)
    finally:
        CurrentMessage._MESSAGE.reset(token)
    return [dict(entry) for entry in logs]


def test_each_failed_attempt_is_one_line_and_the_traceback_comes_once_at_give_up() -> None:
    processor = Failing()
    actor = declare_item_actor(StubBroker(), processor, POLICY)

    first, second, last = attempt(actor, 0), attempt(actor, 1), attempt(actor, 2)

    for logs, number in ((first, 1), (second, 2)):
        assert logs == [{
            "event": "batch item attempt failed", "log_level": "warning", "job_id": "job-1", "index": 3,
            "attempt": number, "max_attempts": 3, "error_type": "ConnectionError", "error": "database went away",
        }]
    [gave_up] = last
    assert gave_up["event"] == "batch item gave up" and gave_up["attempt"] == 3
    assert gave_up["traceback"].startswith("Traceback:") and "Limites" not in gave_up["traceback"]
    assert processor.given_up == [("job-1", 3, "ConnectionError: database went away")]


def test_dramatiqs_own_per_attempt_traceback_is_filtered_for_the_batch_actor_only() -> None:
    quiet = _QuietFailures()

    def record(actor_name: str) -> logging.LogRecord:
        message: Message[Any] = Message(queue_name="batch", actor_name=actor_name, args=(), kwargs={}, options={})
        return logging.LogRecord("dramatiq.worker.WorkerThread", logging.ERROR, "", 0,
                                 "Failed to process message %s with unhandled exception.", (message,), None)

    assert quiet.filter(record(ACTOR_NAME)) is False
    assert quiet.filter(record("another_actor")) is True


def test_the_retries_middlewares_plain_lines_are_dropped() -> None:
    quiet = _QuietFailures()
    for text in ("Retrying message %r in %d milliseconds.", "Retries exceeded for message %r."):
        assert quiet.filter(logging.LogRecord("dramatiq.middleware.retries.Retries", logging.INFO, "", 0, text, ("id", 5), None)) is False


def test_a_log_line_is_written_in_one_call(capsys: pytest.CaptureFixture[str]) -> None:
    """Another thread's stdlib line can no longer land between a JSON line and its newline."""
    from entrypoints.logging_config import _StdoutLogger

    writes: list[str] = []

    class Recording:
        def write(self, text: str) -> None:
            writes.append(text)

        def flush(self) -> None: ...

    import sys

    real, sys.stdout = sys.stdout, Recording()  # type: ignore[assignment]
    try:
        _StdoutLogger.factory().warning('{"event": "x"}')
    finally:
        sys.stdout = real
    assert writes == ['{"event": "x"}\n']
