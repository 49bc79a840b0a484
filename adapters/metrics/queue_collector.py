"""Queue depth and dead letters, read from the broker when Prometheus scrapes.

The numbers come from the DeadLetterStore port (`stats()`), the same as `equivalence queue
info`. A broker that is down or slow never fails the scrape: `eqv_queue_up` says 0 and the
size series are left out (the caller gives the Redis client a short socket timeout).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from core.ports.job_queue import QueueStats

log = logging.getLogger(__name__)


class QueueCollector:
    def __init__(self, stats: Callable[[], list[QueueStats]]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "eqv_queue_depth", "Messages per queue: queued (waiting), in_flight (held by a worker), delayed (retry)",
            labels=["queue", "state"],
        )
        dead = GaugeMetricFamily("eqv_queue_dead_letters", "Dead-lettered messages per queue", labels=["queue"])
        try:
            stats = self._stats()
        except Exception as exc:  # noqa: BLE001 - any broker failure: report it, never fail the scrape
            log.warning("queue sizes unavailable for metrics: %s", type(exc).__name__)
            stats, up = [], 0.0
        else:
            up = 1.0
        for s in stats:
            depth.add_metric([s.queue, "queued"], s.queued)
            depth.add_metric([s.queue, "in_flight"], s.in_flight)
            depth.add_metric([s.queue, "delayed"], s.delayed)
            dead.add_metric([s.queue], s.dead)
        yield GaugeMetricFamily("eqv_queue_up", "1 if the broker answered the queue-size query of this scrape", value=up)
        if stats:
            yield depth
            yield dead
