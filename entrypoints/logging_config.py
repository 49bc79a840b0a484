"""Structured JSON logs on stdout (structlog), set up once per process at start."""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "info") -> None:
    numeric = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(stream=sys.stdout, level=numeric, format="%(message)s")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # No file bound here: each logger writes to the sys.stdout of the moment (tests capture it).
        logger_factory=_StdoutLogger.factory,
        cache_logger_on_first_use=False,
    )


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
