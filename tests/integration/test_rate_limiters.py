"""The Redis rate limiter against the real Redis (and the memory one beside it)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from adapters.rate_limits.leased_rate_limiter import LeasedRateLimiter, largest_lease
from adapters.rate_limits.memory_rate_limiter import MemoryRateLimiter
from adapters.rate_limits.redis_rate_limiter import RedisRateLimiter
from core.domain.gcra import emission_interval_us
from core.domain.rate_limits import RateLimit
from core.ports.rate_limiter import RateLimiter
from tests.support.network import closed_port

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"eqv-test-rl-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", "redis", "leased"])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    if request.param == "memory":
        return MemoryRateLimiter()
    shared = RedisRateLimiter.from_url(request.getfixturevalue("redis_url"), request.getfixturevalue("prefix"))
    return LeasedRateLimiter(shared) if request.param == "leased" else shared


def test_a_burst_gets_exactly_the_limit_with_remaining_counting_down(limiter: RateLimiter) -> None:
    limit = RateLimit(5, 60)
    decisions = [limiter.hit("t1:client:evaluate", limit) for _ in range(7)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0, 0]
    assert all(d.limit == 5 and d.enforced for d in decisions)
    refused = decisions[-1]
    assert 0 < refused.retry_after_s <= 12.0 and refused.retry_after_header in (12, 13)
    assert refused.reset_s == pytest.approx(60, abs=1)


def test_buckets_are_separate(limiter: RateLimiter) -> None:
    limit = RateLimit(2, 60)
    keys = ["a:client:evaluate", "b:client:evaluate", "a:admin:evaluate", "a:client:read"]
    allowed = {key: sum(limiter.hit(key, limit).allowed for _ in range(3)) for key in keys}
    assert allowed == dict.fromkeys(keys, 2)


def test_the_budget_refills_at_the_sustained_rate(limiter: RateLimiter) -> None:
    """Redis' own clock cannot be faked (the memory limiter's is, in tests/unit/test_rate_limits.py):
    the sleep is the time being refilled, and both bounds come from the time that really passed,
    so a busy machine cannot fail this."""
    limit = RateLimit(10, 1)  # one call back every 100 ms
    started = time.monotonic()
    assert sum(limiter.hit("t:client:read", limit).allowed for _ in range(12)) == 10
    time.sleep(0.25)
    allowed = sum(limiter.hit("t:client:read", limit).allowed for _ in range(5))
    assert 2 <= allowed <= int((time.monotonic() - started) / 0.1)


def test_redis_limiter_is_atomic_under_concurrency(redis_url: str, prefix: str) -> None:
    """50 threads x 6 hits on one bucket through one pool, and a second limiter (its own pool):
    exactly `limit` calls pass."""
    limiters = [RedisRateLimiter.from_url(redis_url, prefix, timeout_s=2.0) for _ in range(2)]
    limit = RateLimit(73, 3600)

    def hits(worker: int) -> int:
        return sum(limiters[worker % 2].hit("tenant:client:evaluate", limit).allowed for _ in range(6))

    with ThreadPoolExecutor(50) as pool:
        allowed = sum(pool.map(hits, range(50)))
    assert allowed == 73


def test_redis_keys_expire_when_the_bucket_is_full_again(redis_url: str, prefix: str) -> None:
    limiter = RedisRateLimiter.from_url(redis_url, prefix)
    limit = RateLimit(4, 60)
    for _ in range(2):
        limiter.hit("t:client:admin", limit)
    ttl_ms = redis.Redis.from_url(redis_url).pttl(f"{prefix}:t:client:admin")
    assert 0 < ttl_ms <= 2 * emission_interval_us(limit) // 1000


def test_redis_and_memory_limiters_decide_alike(redis_url: str, prefix: str) -> None:
    limit = RateLimit(6, 60)
    memory, shared = MemoryRateLimiter(), RedisRateLimiter.from_url(redis_url, prefix)
    outcomes = [
        [(d.allowed, d.remaining) for d in (lim.hit("t:auditor:read", limit) for _ in range(9))]
        for lim in (memory, shared)
    ]
    assert outcomes[0] == outcomes[1]


def test_unreachable_redis_fails_open_quickly_and_warns_rarely(caplog: pytest.LogCaptureFixture) -> None:
    """Quickly without reading the clock: after one failure Redis is left alone (a second in
    production, an hour here so that a busy machine cannot reopen the window) instead of asked
    per call, so 200 calls cost one connection attempt."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    limiter = RedisRateLimiter.from_url(url, "eqv-test-rl", retry_after_failure_s=3600)
    limit = RateLimit(1, 3600)
    with caplog.at_level(logging.WARNING, logger="adapters.rate_limits.redis_rate_limiter"):
        decisions = [limiter.hit("t:client:evaluate", limit) for _ in range(200)]
    assert all(d.allowed and not d.enforced for d in decisions)
    warnings = [r for r in caplog.records if "rate limit store unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert limiter.failures == 1  # then Redis is left alone for the retry window instead of asked per call


class CountingRedis:
    """A RedisRateLimiter that counts its round trips."""

    def __init__(self, shared: RedisRateLimiter) -> None:
        self.shared, self.round_trips = shared, 0

    def take(self, key: str, limit: RateLimit, wanted: int):  # type: ignore[no-untyped-def]
        self.round_trips += 1
        return self.shared.take(key, limit, wanted)


def test_a_busy_bucket_is_leased_and_never_allows_more_than_its_budget(redis_url: str, prefix: str) -> None:
    """ADR 0033: two processes' leases share one budget of 1,000 calls; together they allow exactly
    1,000 in a burst, with far fewer round trips than calls."""
    limit = RateLimit(1_000, 3600)
    processes = [CountingRedis(RedisRateLimiter.from_url(redis_url, prefix)) for _ in range(2)]
    leased = [LeasedRateLimiter(p) for p in processes]
    allowed = sum(leased[i % 2].hit("t:client:evaluate", limit).allowed for i in range(1_200))
    assert allowed == 1_000
    assert sum(p.round_trips for p in processes) < 400
    assert largest_lease(limit) == 10


def test_a_quiet_bucket_and_a_small_limit_cost_one_round_trip_a_call(redis_url: str, prefix: str) -> None:
    clock = [0.0]
    counting = CountingRedis(RedisRateLimiter.from_url(redis_url, prefix))
    leased = LeasedRateLimiter(counting, monotonic=lambda: clock[0])
    small = RateLimit(150, 60)
    assert [leased.hit("small", small).remaining for _ in range(3)] == [149, 148, 147]
    assert counting.round_trips == 3
    big = RateLimit(100_000, 60)
    for _ in range(3):  # one call every 2 s: each lease expired before the next call
        leased.hit("quiet", big)
        clock[0] += 2.0
    assert counting.round_trips == 6


def test_an_unused_lease_expires_and_remaining_counts_what_is_held(redis_url: str, prefix: str) -> None:
    clock = [0.0]
    leased = LeasedRateLimiter(CountingRedis(RedisRateLimiter.from_url(redis_url, prefix)), monotonic=lambda: clock[0])
    limit = RateLimit(10_000, 3600)
    remaining = [leased.hit("b", limit).remaining for _ in range(8)]
    assert remaining == sorted(remaining, reverse=True) and remaining[-1] == 10_000 - 8
    clock[0] += 5.0  # the lease held calls it will never spend: they are lost, the next lease is one call
    after = leased.hit("b", limit)
    assert after.allowed and after.remaining < 10_000 - 9


def test_hit_now_spends_only_what_a_lease_holds_and_never_waits_on_redis(redis_url: str, prefix: str) -> None:
    clock = [0.0]
    counting = CountingRedis(RedisRateLimiter.from_url(redis_url, prefix))
    leased = LeasedRateLimiter(counting, monotonic=lambda: clock[0])
    limit = RateLimit(10_000, 3600)
    assert leased.hit_now("b", limit) is None  # nothing held: the caller must call hit (a round trip)
    assert counting.round_trips == 0
    first = leased.hit("b", limit)  # one call taken
    assert leased.hit_now("b", limit) is None  # a lease of one call is spent by that call
    second = leased.hit("b", limit)  # used up within a second: the next lease takes two
    now = leased.hit_now("b", limit)
    assert now is not None and now.allowed and now.remaining == second.remaining - 1 < first.remaining
    assert counting.round_trips == 2
    clock[0] += 5.0  # an expired lease is not spent
    assert leased.hit_now("b", limit) is None
    direct = RedisRateLimiter.from_url(redis_url, prefix)
    try:
        assert direct.hit_now("b", limit) is None  # every call of the plain Redis limiter is a round trip
    finally:
        direct.close()


def test_the_memory_limiter_decides_hit_now_like_hit() -> None:
    limiter, limit = MemoryRateLimiter(), RateLimit(3, 60)
    decisions = [limiter.hit_now("k", limit) for _ in range(4)]
    assert [d.allowed for d in decisions if d is not None] == [True, True, True, False]
