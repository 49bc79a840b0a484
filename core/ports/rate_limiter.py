from __future__ import annotations

from typing import Protocol

from core.domain.rate_limits import RateDecision, RateLimit


class RateLimiter(Protocol):
    """Counts one call against the bucket `key` under `limit`, atomically across every process
    that shares the store. An unreachable store answers an allowing, not-enforced decision."""

    def hit(self, key: str, limit: RateLimit) -> RateDecision: ...

    def hit_now(self, key: str, limit: RateLimit) -> RateDecision | None:
        """`hit`, when it can be decided without waiting on I/O (so an event loop may call it);
        else None, and nothing was counted: call `hit` (from a worker thread)."""
        ...
