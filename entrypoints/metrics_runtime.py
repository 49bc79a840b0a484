"""Metrics for each kind of process: the web app's /metrics, a worker's metrics port, and the
shared multiprocess directory when the CLI starts several processes (ADR 0012).

Settings (the `metrics` section of entrypoints/settings.py): EQV_METRICS_ENABLED,
EQV_METRICS_TOKEN, EQV_METRICS_PUBLIC, EQV_WORKER_METRICS_PORT. PROMETHEUS_MULTIPROC_DIR is
prometheus_client's multiprocess directory; `serve --workers N` and `worker --processes N`
(N > 1) create a fresh temporary one when unset.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator

from adapters.http.routes_metrics import MetricsEndpoint
from adapters.metrics.exposition import MULTIPROC_ENV, Exposition, multiprocess_dir
from adapters.metrics.queue_collector import QueueCollector
from adapters.metrics.webhook_metrics import WebhookOutboxCollector
from adapters.metrics.review_collector import ReviewCollector
from core.ports.job_queue import QueueStats
from entrypoints.container import Container

QUEUE_STATS_TIMEOUT_S = 0.5  # a scrape must not wait on a hung Redis


def queue_stats(container: Container) -> tuple[Callable[[], list[QueueStats]], Callable[[], None]]:
    """Queue sizes for the collector, and how to release what it holds.

    Redis broker: a client of its own with short socket timeouts and no retries (the broker's
    client waits as long as it takes). In-process broker: its own queues, read in memory."""
    url = container.settings.broker_url
    if url is None:
        return (lambda: container.adapters.queue_runtime().dead_letters.stats()), (lambda: None)
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
    store = RedisDeadLetters(client, container.settings.batch.namespace, [QUEUE_NAME])
    return store.stats, client.close


def web_metrics(container: Container) -> tuple[MetricsEndpoint | None, Callable[[], None]]:
    """The /metrics endpoint of an API process (None when disabled) and its cleanup."""
    settings = container.settings
    if not settings.metrics.enabled:
        return None, lambda: None
    stats, close = queue_stats(container)
    exposition = Exposition([QueueCollector(stats), webhook_collector(container), review_collector(container)])
    return MetricsEndpoint(exposition.render, settings.metrics.token, settings.metrics_locked), close


def worker_exposition(container: Container) -> tuple[Exposition, Callable[[], None]]:
    """What a worker's metrics port shows: its (or all its siblings') metrics and the queue sizes."""
    stats, close = queue_stats(container)
    return Exposition([QueueCollector(stats), webhook_collector(container), review_collector(container)]), close


def webhook_collector(container: Container) -> WebhookOutboxCollector:
    """The webhook outbox lag, read from the database at each scrape (ADR 0025)."""
    return WebhookOutboxCollector(lambda: container.use_cases.webhook_admin().outbox_lag())


def review_collector(container: Container) -> ReviewCollector:
    """The review backlog gauges (ADR 0026)."""
    return ReviewCollector(lambda: container.use_cases.reviews().backlog())


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
