"""Structured JSON logs on stdout (structlog), set up once per process at start.

Every line is one JSON object, whoever wrote it: our structlog loggers render directly; stdlib
records (our modules' `logging.getLogger`, Dramatiq, Uvicorn, SQLAlchemy, `warnings`) go through
one root handler with structlog's `ProcessorFormatter`, so they get the same fields. A traceback
is the one string field `exception`. Context bound with `structlog.contextvars` (the request id,
the job id and item index of a batch item) and the request's tenant (adapters/http/request_log.py)
are added to every line logged while it is bound. Fields: docs/runbook.md, "Reading the logs".
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import Processor

from adapters.http.request_log import add_request_context

# Fields every line gets, before rendering: the same for structlog's and stdlib's records.
_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    add_request_context,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str = "info") -> None:
    numeric = getattr(logging, level.upper(), logging.INFO)
    structlog.configure(
        processors=[*_SHARED, structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # No file bound here: each logger writes to the sys.stdout of the moment (tests capture it).
        logger_factory=_StdoutLogger.factory,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_eqv_json", False)]:
        root.removeHandler(handler)
    root.addHandler(_json_handler())
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # their own handlers would print text
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.captureWarnings(True)  # SAWarning and friends: one JSON line each (logger py.warnings)


def _json_handler() -> logging.Handler:
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.add_logger_name, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = _CurrentStdoutHandler()
    handler.setFormatter(formatter)
    handler._eqv_json = True  # type: ignore[attr-defined]  # replaced, not doubled, on a second call
    return handler


class _CurrentStdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record in one `write` call to the sys.stdout of the moment.

    A handler that kept the stream of its creation kept writing to a test's captured stream
    after that test closed it: Dramatiq's worker threads, still logging at teardown, printed
    "ValueError: I/O operation on closed file" (a `--- Logging error ---` block) in the runs."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current sys.stdout."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if sys.stdout is None or getattr(sys.stdout, "closed", False):
            return  # interpreter or test teardown: nowhere to write, nothing to report
        super().handleError(record)


class _StdoutLogger:
    """Writes each line in one `write` call. `print` (structlog's PrintLogger) writes the text
    and the newline separately, so a stdlib log line from another thread could land in between
    and two JSON lines became one unparseable line."""

    @classmethod
    def factory(cls, *_args: object) -> _StdoutLogger:
        return cls()

    def msg(self, message: str) -> None:
        stream = sys.stdout
        stream.write(message + "\n")
        stream.flush()

    log = debug = info = warn = warning = err = error = critical = exception = fatal = failure = msg
