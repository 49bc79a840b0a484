"""The review backlog, read from the database when Prometheus scrapes (ADR 0026).

`eqv_review_backlog{tenant,state,age}`: items not final yet, by state and age bucket since
opening; `eqv_review_overdue{tenant}`: items still awaiting their parecer after the deadline.
Two grouped counts over partial indexes (migration 0008): they read every open item, ~0.1-0.5 s
for 100,000 (bench/review_queue.py), so each process reuses its last answer for `max_age_s`
(default 30 s) however often it is scraped. A database error never fails the scrape:
`eqv_review_metrics_up` says 0 and the series are left out (and the next scrape asks again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from core.domain.review_backlog import ReviewBacklog

log = logging.getLogger(__name__)


class ReviewCollector:
    def __init__(
        self, backlog: Callable[[], ReviewBacklog], max_age_s: float = 30.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._backlog, self._max_age_s, self._monotonic = backlog, max_age_s, monotonic
        self._last: tuple[float, ReviewBacklog] | None = None
        self._lock = threading.Lock()

    def _read(self) -> ReviewBacklog:
        with self._lock:
            now = self._monotonic()
            if self._last is None or now - self._last[0] >= self._max_age_s:
                self._last = (now, self._backlog())
            return self._last[1]

    def collect(self) -> Iterator[Metric]:
        try:
            backlog = self._read()
        except Exception as exc:  # noqa: BLE001 - any database failure: report it, never fail the scrape
            log.warning("review backlog unavailable for metrics: %s", type(exc).__name__)
            yield GaugeMetricFamily("eqv_review_metrics_up", "1 if the review backlog query of this scrape answered", value=0.0)
            return
        yield GaugeMetricFamily("eqv_review_metrics_up", "1 if the review backlog query of this scrape answered", value=1.0)
        opened = GaugeMetricFamily(
            "eqv_review_backlog", "Review items not final yet, by tenant, state and age since opening", labels=["tenant", "state", "age"]
        )
        for (tenant, state, age), count in sorted(backlog.open_items.items()):
            opened.add_metric([tenant, state, age], count)
        overdue = GaugeMetricFamily("eqv_review_overdue", "Review items awaiting their parecer after the deadline", labels=["tenant"])
        for tenant, count in sorted(backlog.overdue.items()):
            overdue.add_metric([tenant], count)
        yield opened
        yield overdue
