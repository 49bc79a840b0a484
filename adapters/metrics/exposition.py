"""What a scrape returns: the metrics of this process, or of every process sharing the
multiprocess directory, plus collectors that read a number when scraped (queue sizes).

Multiprocess mode is prometheus_client's: PROMETHEUS_MULTIPROC_DIR must be set before the
first metric is created in any process that shares it (the CLI sets it before forking), each
process writes its values to files there, and the exposition sums them. A process that
exits calls `process_exiting()` so its "live" gauges (requests in progress) disappear.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest, multiprocess, start_http_server
from prometheus_client.metrics_core import Metric

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class Collector(Protocol):
    def collect(self) -> Iterable[Metric]: ...


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or None


class Exposition:
    """A registry-like object (it has `collect`) for `generate_latest` and `start_http_server`."""

    def __init__(self, scrape_collectors: Sequence[Collector] = ()) -> None:
        self._scrape_collectors = list(scrape_collectors)
        path = multiprocess_dir()
        self._processes: Any = multiprocess.MultiProcessCollector(None, path) if path else None

    def collect(self) -> Iterator[Metric]:
        if self._processes is not None:
            yield from self._processes.collect()  # every process's values, summed
        else:
            yield from REGISTRY.collect()
        for collector in self._scrape_collectors:
            yield from collector.collect()

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text format and its content type."""
        return generate_latest(self), CONTENT_TYPE_LATEST  # type: ignore[arg-type]


def process_exiting() -> None:
    """Multiprocess mode: drop this process's live gauges (a no-op otherwise)."""
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(os.getpid(), path)


def serve_exposition(exposition: Exposition, port: int, host: str) -> Callable[[], None]:
    """Serve `exposition` on http://host:port/ (any path) from a daemon thread; returns how to stop it.

    A port already taken is logged, not fatal: the worker goes on without exposing metrics."""
    try:
        server, thread = start_http_server(port, addr=host, registry=exposition)  # type: ignore[arg-type]
    except OSError as exc:
        log.warning("metrics port %s:%d unavailable (%s); metrics are not exposed by this process", host, port, exc)
        return lambda: None

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
