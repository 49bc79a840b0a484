"""Metrics for each kind of process: the web app's /metrics, a worker's metrics port, and the
shared multiprocess directory when the CLI starts several processes (ADR 0012).

EQV_METRICS_ENABLED       `false` turns off /metrics and the HTTP request metrics (default `true`)
EQV_METRICS_TOKEN         when set, /metrics answers 401 unless `Authorization: Bearer <token>`;
                          unset in the full runtime (DATABASE_URL set): /metrics answers 401 to
                          everyone unless EQV_METRICS_PUBLIC=true (the embedded runtime stays public)
EQV_METRICS_PUBLIC        `true`: /metrics without a token in the full runtime (default `false`)
EQV_WORKER_METRICS_PORT   `equivalence worker` serves its metrics on this port (default unset: not served)
PROMETHEUS_MULTIPROC_DIR  prometheus_client's multiprocess directory; `serve --workers N` and
                          `worker --processes N` (N > 1) create a fresh temporary one when unset
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from adapters.http.routes_metrics import MetricsEndpoint
from adapters.metrics.exposition import MULTIPROC_ENV, Exposition, multiprocess_dir
from adapters.metrics.queue_collector import QueueCollector
from adapters.metrics.review_collector import ReviewCollector
from core.ports.job_queue import QueueStats
from entrypoints.batch_settings import broker_url
from entrypoints.container import Container
from entrypoints.settings import ConfigurationError, env_number

QUEUE_STATS_TIMEOUT_S = 0.5  # a scrape must not wait on a hung Redis
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    enabled: bool = True
    token: str | None = None
    worker_port: int | None = None
    public: bool = False  # without a token, /metrics is open in the full runtime too

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> MetricsSettings:
        env = dict(os.environ if environ is None else environ)
        enabled = (env.get("EQV_METRICS_ENABLED") or "true").strip().lower()
        if enabled not in _TRUE | _FALSE:
            raise ConfigurationError(f"EQV_METRICS_ENABLED must be true or false, got {enabled!r}")
        port = env_number(env, "EQV_WORKER_METRICS_PORT", 0, int, allow_zero=True, maximum=65535)
        public = (env.get("EQV_METRICS_PUBLIC") or "false").strip().lower()
        if public not in _TRUE | _FALSE:
            raise ConfigurationError(f"EQV_METRICS_PUBLIC must be true or false, got {public!r}")
        return cls(enabled in _TRUE, env.get("EQV_METRICS_TOKEN") or None, port or None, public in _TRUE)


def checked_metrics_settings() -> MetricsSettings:
    """The settings, or exit 2 with the message (for CLI commands, before starting processes)."""
    try:
        return MetricsSettings.from_env()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def queue_stats(container: Container) -> tuple[Callable[[], list[QueueStats]], Callable[[], None]]:
    """Queue sizes for the collector, and how to release what it holds.

    Redis broker: a client of its own with short socket timeouts and no retries (the broker's
    client waits as long as it takes). In-process broker: its own queues, read in memory."""
    url = broker_url(container.settings())
    if url is None:
        return (lambda: container.queue_runtime().dead_letters.stats()), (lambda: None)
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from adapters.queue.dead_letters import RedisDeadLetters
    from adapters.queue.dramatiq_queue import QUEUE_NAME

    client = redis.Redis.from_url(
        url,
        socket_timeout=QUEUE_STATS_TIMEOUT_S,
        socket_connect_timeout=QUEUE_STATS_TIMEOUT_S,
        retry=Retry(NoBackoff(), 0),
    )
    store = RedisDeadLetters(client, container.batch_settings().namespace, [QUEUE_NAME])
    return store.stats, client.close


def web_metrics(container: Container, settings: MetricsSettings) -> tuple[MetricsEndpoint | None, Callable[[], None]]:
    """The /metrics endpoint of an API process (None when disabled) and its cleanup."""
    if not settings.enabled:
        return None, lambda: None
    stats, close = queue_stats(container)
    exposition = Exposition([QueueCollector(stats), review_collector(container)])
    locked = not settings.public and not container.settings().embedded
    return MetricsEndpoint(exposition.render, settings.token, locked), close


def worker_exposition(container: Container) -> tuple[Exposition, Callable[[], None]]:
    """What a worker's metrics port shows: its (or all its siblings') metrics and the queue sizes."""
    stats, close = queue_stats(container)
    return Exposition([QueueCollector(stats), review_collector(container)]), close


def review_collector(container: Container) -> ReviewCollector:
    """The review backlog gauges (ADR 0026), read through the container's units of work."""
    from core.usecases.reviews import review_backlog

    return ReviewCollector(lambda: review_backlog(container.uow_factory(), container.clock()))


@contextlib.contextmanager
def multiprocess_metrics(processes: int) -> Iterator[str | None]:
    """Around starting `processes` children: make them share one multiprocess directory.

    Set by the operator: used as is (created if missing; wiping it between runs is theirs to
    do). Unset and more than one process: a fresh temporary directory, removed at the end."""
    current = multiprocess_dir()
    if current:
        os.makedirs(current, exist_ok=True)
        yield current
        return
    if processes <= 1:
        yield None
        return
    path = tempfile.mkdtemp(prefix="eqv-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)
