"""The generic cell rate algorithm (GCRA): one step, on whole microseconds.

Why GCRA: one number of state per bucket (the "theoretical arrival time", TAT), a constant-time
step, smooth refill (no burst of everyone at a window boundary), and an exact `retry_after`. The
memory limiter runs this function; the Redis limiter runs the same step as a Lua script
(`adapters/rate_limits/redis_rate_limiter.py`), and the tests hold both to the same outcomes.

Guarantee: for a limit of `count` per `period`, with `I = ceil(period / count)`, the calls allowed
in any span of `d` microseconds number at most `count + d // I`: never more than `count` at once,
and never more than `count` per period sustained.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.rate_limits import RateDecision, RateLimit

MICROSECONDS = 1_000_000


def emission_interval_us(limit: RateLimit) -> int:
    """Microseconds between calls at the sustained rate, rounded up (never faster than asked)."""
    return -(-limit.period_s * MICROSECONDS // limit.count)


@dataclass(frozen=True, slots=True)
class GcraStep:
    decision: RateDecision
    tat_us: int | None  # the bucket's new state; None: unchanged (the call was refused)


def gcra(tat_us: int | None, now_us: int, limit: RateLimit) -> GcraStep:
    """Decide one call at `now_us` for a bucket whose TAT is `tat_us` (None: never used)."""
    interval = emission_interval_us(limit)
    capacity = interval * limit.count
    tat = now_us if tat_us is None or tat_us < now_us else tat_us
    new_tat = tat + interval
    allowed_at = new_tat - capacity
    if now_us < allowed_at:
        refused = RateDecision(False, limit.count, 0, (allowed_at - now_us) / MICROSECONDS, (tat - now_us) / MICROSECONDS)
        return GcraStep(refused, None)
    remaining = (capacity - (new_tat - now_us)) // interval
    allowed = RateDecision(True, limit.count, remaining, 0.0, (new_tat - now_us) / MICROSECONDS)
    return GcraStep(allowed, new_tat)
