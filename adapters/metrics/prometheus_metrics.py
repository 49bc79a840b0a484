"""The Metrics port on prometheus_client: the domain counters and histograms of ADR 0012.

The metric objects are created once per process, on first use (never at import time), in
prometheus_client's default registry; several containers in one process (tests) share them.
In multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before the process starts) each value
lives in a file of that directory and the exposition sums them over processes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prometheus_client import Counter, Histogram, disable_created_metrics

from adapters.metrics.precedent_metrics import precedent_hits

MAPPER_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True, slots=True)
class _Families:
    decisions: Counter
    degraded: Counter
    mapper_seconds: Histogram
    mapper_errors: Counter
    cache_lookups: Counter
    cache_errors: Counter
    batch_processed: Counter
    batch_failed: Counter
    batch_errors: Counter


@functools.cache
def _families() -> _Families:
    disable_created_metrics()  # no `*_created` series next to each counter: half the lines, nothing lost
    return _Families(
        decisions=Counter("eqv_decisions", "Evaluations decided and stored, by tenant and decision", ["tenant", "decision"]),
        degraded=Counter("eqv_evaluations_degraded", "Evaluations decided in degraded mode (mapper failed)", ["tenant"]),
        mapper_seconds=Histogram(
            "eqv_mapper_duration_seconds", "Time of one mapper call", ["mapper"], buckets=MAPPER_BUCKETS
        ),
        mapper_errors=Counter("eqv_mapper_errors", "Mapper calls that failed", ["mapper"]),
        cache_lookups=Counter("eqv_mapping_cache_lookups", "Mapping cache reads by tier and result", ["tier", "result"]),
        cache_errors=Counter("eqv_mapping_cache_errors", "Mapping cache operations that failed", ["tier", "operation"]),
        batch_processed=Counter("eqv_batch_items_processed", "Batch items a worker finished with a result"),
        batch_failed=Counter("eqv_batch_items_failed", "Batch items a worker finished as failed", ["reason"]),
        batch_errors=Counter(
            "eqv_batch_item_errors", "Transient errors processing a batch item (retried, or dead-lettered at the last try)"
        ),
    )


class PrometheusMetrics:
    """Counter increments only: safe on the hot path and from any thread."""

    def __init__(self) -> None:
        self._m = _families()

    def decision(self, tenant_id: str, decision: str, degraded: bool) -> None:
        self._m.decisions.labels(tenant_id, decision).inc()
        if degraded:
            self._m.degraded.labels(tenant_id).inc()

    def mapper_call(self, mapper: str, seconds: float, failed: bool) -> None:
        self._m.mapper_seconds.labels(mapper).observe(seconds)
        if failed:
            self._m.mapper_errors.labels(mapper).inc()

    def cache_lookup(self, tier: str, hit: bool) -> None:
        self._m.cache_lookups.labels(tier, "hit" if hit else "miss").inc()

    def cache_error(self, tier: str, operation: str) -> None:
        self._m.cache_errors.labels(tier, operation).inc()

    def batch_item(self, outcome: str) -> None:
        if outcome == "done":
            self._m.batch_processed.inc()
        elif outcome == "transient_error":
            self._m.batch_errors.inc()
        else:  # "failed" (a deterministic error, reason "error") or "dead_lettered" (retries exhausted)
            self._m.batch_failed.labels("error" if outcome == "failed" else outcome).inc()

    def precedent_hit(self, tenant_id: str, outcome: str) -> None:  # ADR 0024
        precedent_hits().labels(tenant_id, outcome).inc()
