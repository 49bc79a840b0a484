"""Every log line is one JSON object (structlog's and stdlib's alike, tracebacks as the field
`exception`), and the lines of one request carry its request id and tenant, the lines of one
batch item its job id and index (entrypoints/logging_config.py, ADR 0029)."""

from __future__ import annotations

import io
import json
import logging
import sys
from typing import Any

import pytest
import structlog
from dramatiq.brokers.stub import StubBroker
from litestar.testing import TestClient

from adapters.http.app import Serving, create_app
from entrypoints.asgi import handler_dependencies
from tests.support.containers import test_container
from adapters.queue.dramatiq_queue import RetryPolicy, declare_item_actor
from core.domain.records import Principal, Role
from core.usecases.evaluate import EvaluatePair
from entrypoints.logging_config import configure_logging

COURSE = {"nome": "Calculo I", "carga_horaria": 60, "ementa": "Limites e derivadas"}
stdlib_log = logging.getLogger("core.usecases.logging_probe")


def json_lines(out: str) -> list[dict[str, Any]]:
    """Each line of the output parsed; a line that is not one JSON object fails the test."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class LoggingEvaluatePair(EvaluatePair):
    def __init__(self) -> None:  # no collaborators: it logs and fails
        pass

    def __call__(self, command: Any, also: Any = None) -> Any:
        stdlib_log.warning("stdlib line %s", "inside the use case")
        structlog.get_logger("equivalence.probe").info("structlog line")
        raise RuntimeError("boom\nwith a second line")


def _app(authenticate: Any) -> Any:
    """The real app over the test container, its evaluate use case logging then failing."""
    container = test_container()
    container.use_cases.evaluate_pair.override(LoggingEvaluatePair())
    handlers = {**handler_dependencies(container), "readiness": lambda: dict}
    return create_app(handlers, Serving(authenticate=authenticate))


def test_every_line_of_a_request_is_json_and_carries_its_request_id_and_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    app = _app(lambda key: Principal("tenant-x", "key-1", Role.CLIENT) if key else None)
    with TestClient(app) as client:
        capsys.readouterr()
        response = client.post(
            "/v1/equivalences/evaluate",
            json={"origem": COURSE, "destino": COURSE},
            headers={"X-API-Key": "k", "X-Request-Id": "req-0001"},
        )
    assert response.status_code == 500
    lines = {line["event"]: line for line in json_lines(capsys.readouterr().out)}
    for event in ("stdlib line inside the use case", "structlog line", "unhandled_exception", "request"):
        assert lines[event]["request_id"] == "req-0001", event
        assert lines[event]["tenant"] == "tenant-x", event
    assert lines["stdlib line inside the use case"]["logger"] == "core.usecases.logging_probe"
    assert lines["unhandled_exception"]["exception"].startswith("Traceback")
    assert "with a second line" in lines["unhandled_exception"]["exception"]


class LoggingProcessor:
    def __call__(self, job_id: str, index: int) -> None:
        stdlib_log.info("item processed")
        structlog.get_logger("equivalence.probe").info("item structlog line")

    def give_up(self, job_id: str, index: int, error: str) -> None:  # never fails here
        raise AssertionError


def test_every_line_of_a_batch_item_carries_its_job_id_and_index(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    actor = declare_item_actor(StubBroker(), LoggingProcessor(), RetryPolicy(max_retries=0))
    capsys.readouterr()
    actor.fn("job-9", 4)
    stdlib_log.info("after the item")
    lines = {line["event"]: line for line in json_lines(capsys.readouterr().out)}
    for event in ("item processed", "item structlog line"):
        assert (lines[event]["job_id"], lines[event]["index"]) == ("job-9", 4), event
    assert "job_id" not in lines["after the item"]


def test_a_stdlib_traceback_is_one_field_of_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    capsys.readouterr()
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        logging.getLogger("dramatiq.worker.WorkerThread").exception("Failed to process message")
    [line] = json_lines(capsys.readouterr().out)
    assert line["level"] == "error" and line["logger"] == "dramatiq.worker.WorkerThread"
    assert line["exception"].startswith("Traceback") and "ValueError: first\nsecond" in line["exception"]


def test_a_warning_is_a_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    capsys.readouterr()
    logging.getLogger("py.warnings").warning("SAWarning: something")
    [line] = json_lines(capsys.readouterr().out)
    assert line["logger"] == "py.warnings" and line["level"] == "warning"


def test_a_line_after_the_stream_of_the_moment_closed_is_no_logging_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Dramatiq's threads logging at a test's teardown used to print 'I/O operation on closed file'."""
    configure_logging()
    closed = io.StringIO()
    closed.close()
    real, sys.stdout = sys.stdout, closed
    try:
        logging.getLogger("dramatiq.worker").info("late line")
    finally:
        sys.stdout = real
    assert "Logging error" not in capsys.readouterr().err


def test_building_the_app_leaves_the_root_logger_alone() -> None:
    """Litestar's default logging config gave the root a handler bound to the sys.stderr of the
    moment (a test's capture): Dramatiq's threads logging after that capture closed printed
    'I/O operation on closed file'. The app's config now leaves the root to configure_logging."""
    configure_logging()
    before = list(logging.getLogger().handlers)
    _app(lambda key: None)
    assert logging.getLogger().handlers == before
