"""Webhook metrics: attempts by outcome (counters, per process) and, read at scrape time from
the database, the outbox lag and the deliveries pending and dead (ADR 0025)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

log = logging.getLogger(__name__)


@functools.cache
def _attempts() -> Counter:
    return Counter(
        "eqv_webhook_deliveries",
        "Webhook delivery attempts by outcome: entregue (2xx), falhou (retried later), morta (dead letter)",
        ["outcome"],
    )


@functools.cache
def _failures() -> Counter:
    return Counter("eqv_webhook_delivery_failures", "Webhook attempts that failed (network error, timeout or non-2xx)")


@functools.cache
def _dead() -> Counter:
    return Counter("eqv_webhook_dead_letters", "Webhook deliveries that gave up after their last attempt")


class PrometheusWebhookMetrics:
    def webhook_attempt(self, outcome: str) -> None:
        _attempts().labels(outcome).inc()
        if outcome != "entregue":
            _failures().inc()
        if outcome == "morta":
            _dead().inc()


class WebhookOutboxCollector:
    """`eqv_webhook_outbox_lag_seconds`: age of the oldest delivery still pending (0: none).
    A database that does not answer leaves the series out; it never fails the scrape."""

    def __init__(self, lag: Callable[[], float]) -> None:
        self._lag = lag

    def collect(self) -> Iterator[Metric]:
        try:
            lag = self._lag()
        except Exception as exc:  # noqa: BLE001 - report nothing rather than fail the scrape
            log.warning("webhook outbox lag unavailable for metrics: %s", type(exc).__name__)
            return
        yield GaugeMetricFamily(
            "eqv_webhook_outbox_lag_seconds", "Seconds since the oldest webhook delivery still pending was created", value=lag
        )
