"""Rate limits with local leases: most calls cost no Redis round trip (issue 16, ADR 0033).

`RedisRateLimiter` asks Redis on every call. Here a process takes several calls of a bucket at
once (one GCRA step of cost n, `RedisRateLimiter.take`) and spends them locally. The lease adapts
to demand, per bucket and process:
- it starts at 1 call, so a quiet bucket is counted exactly as before (one round trip a call);
- when a lease is used up within `lease_s` (1 s), the next one is twice as large, up to
  `max(1, min(MAX_LEASE, count // 100))`: at most 64 calls and at most 1% of the limit, so a
  limit under 200 calls per period is never leased at all;
- a lease not used up within `lease_s` expires, and the next one is 1 call again.

Bounds (P = processes sharing the budget, L = that largest lease):
- every allowed call spends a call taken atomically from the shared bucket, so a bucket never
  allows more than its GCRA budget, except that calls taken up to `lease_s` earlier may be spent
  now: at most P × L calls (≤ P % of the limit) beyond it in any window;
- calls taken and not spent (a lease expired or its process stopped) are lost to the budget: at
  most L − 1 per process and bucket, once per decline in demand (the lease then starts at 1);
- X-RateLimit-Remaining counts the calls this process still holds as remaining;
- a refusal is Redis' answer, with its Retry-After, as before; Redis unreachable: fail open
  (`RedisRateLimiter`), no lease is kept.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.domain.rate_limits import RateDecision, RateLimit

MAX_LEASE = 64
LEASE_S = 1.0
MAX_BUCKETS = 10_000


class TakingLimiter(Protocol):
    def take(self, key: str, limit: RateLimit, wanted: int) -> tuple[RateDecision, int]: ...


@dataclass(slots=True)
class _Lease:
    held: int  # calls taken from the shared bucket and not spent yet
    expires: float
    size: int  # how many this lease took
    decision: RateDecision  # the shared answer when it was taken


def largest_lease(limit: RateLimit) -> int:
    return max(1, min(MAX_LEASE, limit.count // 100))


class LeasedRateLimiter:
    """The RateLimiter port over a `take`-capable shared limiter (Redis), leasing calls locally."""

    def __init__(
        self, shared: TakingLimiter, lease_s: float = LEASE_S, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._shared = shared
        self._lease_s = lease_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._leases: dict[str, _Lease] = {}

    def hit_now(self, key: str, limit: RateLimit) -> RateDecision | None:
        """A call spent from a held lease (no round trip), else None: nothing spent."""
        with self._lock:
            return self._spend(key, self._monotonic())

    def _spend(self, key: str, now: float) -> RateDecision | None:  # with self._lock held
        lease = self._leases.get(key)
        if lease is not None and now < lease.expires and lease.held > 0:
            lease.held -= 1
            return dataclasses.replace(lease.decision, remaining=lease.decision.remaining + lease.held)
        return None

    def hit(self, key: str, limit: RateLimit) -> RateDecision:
        now = self._monotonic()
        with self._lock:
            spent = self._spend(key, now)
            if spent is not None:
                return spent
            lease = self._leases.get(key)
            used_up_in_time = lease is not None and now < lease.expires  # demand outran the last lease
            wanted = min(largest_lease(limit), lease.size * 2) if used_up_in_time and lease is not None else 1
        decision, taken = self._shared.take(key, limit, wanted)  # the round trip, outside the lock
        if taken == 0:  # refused, or Redis unreachable (fail open): nothing leased
            return decision
        if largest_lease(limit) > 1:  # small limits keep no state: exactly one round trip a call
            self._keep(key, _Lease(taken - 1, now + self._lease_s, taken, decision), now)
        return decision if taken == 1 else dataclasses.replace(decision, remaining=decision.remaining + taken - 1)

    def _keep(self, key: str, lease: _Lease, now: float) -> None:
        with self._lock:
            if len(self._leases) >= MAX_BUCKETS:
                self._leases.clear()  # every bucket starts again at one call
            racing = self._leases.get(key)
            if racing is not None and now < racing.expires:
                lease.held += racing.held  # another thread's lease of this bucket: keep its calls
            self._leases[key] = lease
