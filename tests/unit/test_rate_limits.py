"""Rate limits: the policy (which limit applies), the GCRA step and the memory limiter."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.rate_limits.memory_rate_limiter import MemoryRateLimiter
from core.domain.gcra import MICROSECONDS, emission_interval_us, gcra
from core.domain.rate_limits import (
    LimitOverride,
    RateDecision,
    RateLimit,
    RateLimitPolicy,
    RouteGroup,
    bucket_key,
)
from core.domain.records import Role

limits = st.builds(RateLimit, count=st.integers(1, 50), period_s=st.sampled_from([1, 7, 60, 3600]))


class FakeMicroClock:
    def __init__(self, start: int = 1_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now


def run(limit: RateLimit, times: list[int]) -> list[RateDecision]:
    """Hits at the given (non-decreasing) microsecond times on one bucket."""
    tat: int | None = None
    decisions = []
    for now in times:
        step = gcra(tat, now, limit)
        tat = step.tat_us if step.tat_us is not None else tat
        decisions.append(step.decision)
    return decisions


# --- the GCRA step -------------------------------------------------------------------------------


@given(limits, st.integers(1, 120))
def test_a_burst_gets_exactly_the_limit(limit: RateLimit, hits: int) -> None:
    decisions = run(limit, [5 * MICROSECONDS] * hits)
    assert sum(d.allowed for d in decisions) == min(hits, limit.count)
    assert [d.remaining for d in decisions if d.allowed] == list(range(limit.count - 1, -1, -1))[:hits]


@settings(max_examples=200)
@given(limits, st.lists(st.integers(0, 3 * MICROSECONDS), min_size=1, max_size=150))
def test_never_more_than_the_limit_plus_the_refill_in_any_span(limit: RateLimit, gaps: list[int]) -> None:
    """In any span of d µs at most count + d // interval calls pass: never more than `count` at
    once, never more than `count` per period sustained."""
    times, now = [], 0
    for gap in gaps:
        now += gap
        times.append(now)
    allowed = [t for t, d in zip(times, run(limit, times), strict=True) if d.allowed]
    interval = emission_interval_us(limit)
    for i, start in enumerate(allowed):
        for j in range(i, len(allowed)):
            assert j - i + 1 <= limit.count + (allowed[j] - start) // interval


@given(limits, st.integers(0, 30))
def test_a_refused_call_passes_exactly_after_retry_after(limit: RateLimit, extra: int) -> None:
    now = 10 * MICROSECONDS
    decisions = run(limit, [now] * (limit.count + 1 + extra))
    refused = decisions[-1]
    assert not refused.allowed and refused.remaining == 0 and refused.retry_after_s > 0
    assert refused.retry_after_header >= 1
    tat = now + limit.count * emission_interval_us(limit)
    wait_us = round(refused.retry_after_s * MICROSECONDS)
    assert not gcra(tat, now + wait_us - 1, limit).decision.allowed
    assert gcra(tat, now + wait_us, limit).decision.allowed


def test_the_bucket_refills_to_full_after_a_period() -> None:
    limit = RateLimit(4, 60)
    first = run(limit, [0] * 4)
    assert first[-1].remaining == 0 and first[-1].reset_s == pytest.approx(60)
    assert [d.allowed for d in run(limit, [0] * 4 + [61 * MICROSECONDS] * 5)][4:] == [True] * 4 + [False]


@pytest.mark.parametrize(("seconds", "header"), [(0.0, 1), (0.001, 1), (1.0, 1), (1.2, 2), (59.99, 60)])
def test_retry_after_header_is_whole_seconds_and_at_least_one(seconds: float, header: int) -> None:
    assert RateDecision(False, 1, 0, seconds, seconds).retry_after_header == header


def test_emission_interval_rounds_up_so_the_rate_is_never_exceeded() -> None:
    assert emission_interval_us(RateLimit(7, 1)) == 142_858
    assert emission_interval_us(RateLimit(100_000, 60)) == 600


def test_rate_limit_rejects_empty_budgets_and_prints_as_configured() -> None:
    with pytest.raises(ValueError):
        RateLimit(0, 60)
    assert str(RateLimit(600, 60)) == "600/minute" and str(RateLimit(100, 10)) == "100/10s"


# --- the policy ----------------------------------------------------------------------------------

DEFAULTS = {
    RouteGroup.EVALUATE: RateLimit(100, 60),
    RouteGroup.BATCH: RateLimit(5, 60),
    RouteGroup.READ: None,
    RouteGroup.ADMIN: RateLimit(10, 60),
}


def test_the_group_default_applies_without_overrides() -> None:
    policy = RateLimitPolicy(DEFAULTS)
    assert policy.limit_for("acme", Role.CLIENT, RouteGroup.EVALUATE) == RateLimit(100, 60)
    assert policy.limit_for("acme", Role.AUDITOR, RouteGroup.READ) is None


def test_the_most_specific_override_wins() -> None:
    policy = RateLimitPolicy(
        DEFAULTS,
        (
            LimitOverride(RouteGroup.EVALUATE, RateLimit(1, 1), role=Role.CLIENT),
            LimitOverride(RouteGroup.EVALUATE, RateLimit(2, 1), tenant_id="acme"),
            LimitOverride(RouteGroup.EVALUATE, None, tenant_id="acme", role=Role.ADMIN),
        ),
    )
    assert policy.limit_for("acme", Role.ADMIN, RouteGroup.EVALUATE) is None
    assert policy.limit_for("acme", Role.CLIENT, RouteGroup.EVALUATE) == RateLimit(2, 1)  # tenant beats role
    assert policy.limit_for("other", Role.CLIENT, RouteGroup.EVALUATE) == RateLimit(1, 1)
    assert policy.limit_for("other", Role.ADMIN, RouteGroup.EVALUATE) == RateLimit(100, 60)
    assert policy.limit_for("acme", Role.CLIENT, RouteGroup.BATCH) == RateLimit(5, 60)


tenants = st.text(st.sampled_from("ab:-_1"), min_size=1, max_size=6)
buckets = st.tuples(tenants, st.sampled_from(list(Role)), st.sampled_from(list(RouteGroup)))


@given(buckets, buckets)
def test_bucket_keys_differ_whenever_tenant_role_or_group_differ(a, b) -> None:  # type: ignore[no-untyped-def]
    assert (bucket_key(*a) == bucket_key(*b)) == (a == b)


# --- the memory limiter --------------------------------------------------------------------------


@given(st.lists(buckets, min_size=1, max_size=60), st.integers(1, 5))
def test_separate_tenants_roles_and_groups_do_not_share_budgets(hits, count) -> None:  # type: ignore[no-untyped-def]
    limiter, limit = MemoryRateLimiter(FakeMicroClock()), RateLimit(count, 60)
    allowed: dict[tuple[str, Role, RouteGroup], int] = {}
    for bucket in hits:
        allowed[bucket] = allowed.get(bucket, 0) + limiter.hit(bucket_key(*bucket), limit).allowed
    for bucket, passed in allowed.items():
        assert passed == min(count, hits.count(bucket))


def test_memory_limiter_is_atomic_across_threads() -> None:
    limiter, limit = MemoryRateLimiter(), RateLimit(137, 3600)
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [limiter.hit("t:client:evaluate", limit).allowed for _ in range(10)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 500 and sum(results) == 137


def test_memory_limiter_forgets_full_buckets_when_it_grows() -> None:
    clock = FakeMicroClock()
    limiter, limit = MemoryRateLimiter(clock, sweep_above=100), RateLimit(10, 1)
    for i in range(100):
        limiter.hit(f"t{i}:client:read", limit)
    clock.now += 2 * MICROSECONDS  # every bucket is full again
    limiter.hit("late:client:read", limit)
    limiter.hit("later:client:read", limit)
    assert len(limiter) <= 2
