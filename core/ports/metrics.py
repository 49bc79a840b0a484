from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    """What the service counts for operators: decisions, mapper calls, cache lookups, batch items.

    Implemented with Prometheus in `adapters/metrics/`; every call must be cheap (a counter
    increment) and must never raise. Labels are bounded: tenant ids, fixed names, never a
    request id or any text of the request.
    """

    def decision(self, tenant_id: str, decision: str, degraded: bool) -> None:
        """A new evaluation was stored (replays are not decisions)."""

    def mapper_call(self, mapper: str, seconds: float, failed: bool) -> None:
        """One call of a mapper: `primary`, `fallback`, `embedding` or `llm`."""

    def cache_lookup(self, tier: str, hit: bool) -> None:
        """One mapping-cache read on a tier (`memory`, `redis`)."""

    def cache_error(self, tier: str, operation: str) -> None:
        """A cache read or write failed (and was treated as a miss / skipped)."""

    def batch_item(self, outcome: str) -> None:
        """A worker's attempt at a batch item: `done`, `failed`, `dead_lettered`, or `transient_error`
        (the queue retries the message, or dead-letters it after the last try)."""

    def precedent_hit(self, tenant_id: str, outcome: str) -> None:
        """A new evaluation used the precedent table (ADR 0024): `binding_applied` (a precedent
        decided it) or `advisory_shown` (related precedents went to the reviewer as evidence)."""
